"""The congress's counting rules (DOMAIN.md §5a, §5c), as pure functions: no Flask, no database.

Every rule graded P or ? in DOMAIN.md is a field of ``SessionRules`` (one default per session type,
in ``SESSION_RULES``), never a constant in the code. Every result carries the figures it was
computed from, so a screen or a printed 公告 shows both bases, not only the verdict.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Iterable, Literal, Sequence

from portal.texts import gettext, lazy_pgettext

#: Whose number a motion's 赞成 votes must exceed half of.
PassBase = Literal["delegates", "present", "cast"]
#: Whose number a candidate's votes must exceed half of.
ElectionBase = Literal["entitled", "voters"]

SESSION_TYPES = ("职代会", "会员代表大会", "职工大会")  # i18n: data
BASE_LABELS = {"delegates": lazy_pgettext("count base", "all delegates"),
               "present": lazy_pgettext("count base", "delegates present"),
               "cast": lazy_pgettext("count base", "votes cast"),
               "entitled": lazy_pgettext("count base", "delegates due"),
               "voters": lazy_pgettext("count base", "voters")}
YES, NO, ABSTAIN = "赞成", "反对", "弃权"  # i18n: data
ITEM_CHOICES = (YES, NO, ABSTAIN)


@dataclass(frozen=True)
class SessionRules:
    """The counting rules of one session type; the defaults are the 职代会's."""

    #: W2 [S6][S7] P: a vote may open when present ≥ 2/3 of the delegates (``quorum_strict``: > 2/3, 5c [S19a]).
    quorum: Fraction = Fraction(2, 3)
    quorum_strict: bool = False
    #: W1 [S8] R: a motion passes with yes > half of ALL delegates; a body may count present or cast (P).
    pass_base: PassBase = "delegates"
    #: 5c [S19a] P/R: elected with more than half of 应到会; some sample rules count 参加投票 [26] (P).
    election_base: ElectionBase = "entitled"
    #: 5c [S1] L: formal elections are 差额 (more candidates than seats); 等额 only after a 差额 pre-election.
    competitive: bool = True
    #: [26] ?: candidates exceed seats by at least this share of the seats (差额 ≥ 10 %).
    excess_ratio: Fraction = Fraction(1, 10)
    #: W1: important matters by secret ballot; a named (记名) vote only where the type allows it (P).
    named_votes_allowed: bool = False


SESSION_RULES: dict[str, SessionRules] = {
    "职代会": SessionRules(),  # i18n: data
    # 5c [S19a] P/R: the union's own assembly needs MORE than 2/3 present; 应到会 base for elections.
    "会员代表大会": SessionRules(quorum_strict=True),  # i18n: data
    # ? no rule found for the all-staff assembly: the 职代会's defaults until the 上级工会 says otherwise.
    "职工大会": SessionRules(),  # i18n: data
}


def rules_for(session_type: str) -> SessionRules:
    """The rules of a session type (``KeyError`` names the known types)."""
    try:
        return SESSION_RULES[session_type]
    except KeyError:
        raise KeyError(gettext("Unknown session type “%(value)s”; known: %(choices)s", value=session_type,
                               choices=gettext(", ").join(SESSION_TYPES))) from None


def fraction_text(value: Fraction) -> str:
    names = {Fraction(2, 3): gettext("two thirds"), Fraction(1, 2): gettext("one half"),
             Fraction(1, 10): gettext("ten per cent")}
    return names.get(value, f"{value.numerator}/{value.denominator}")


@dataclass(frozen=True)
class QuorumResult:
    met: bool
    present: int
    total: int
    #: The fewest present delegates that meet the quorum.
    required: int
    rule: str

    def message(self) -> str:
        if self.met:
            return gettext("%(total)s due, %(present)s present: %(rule)s is reached (at least %(required)s).",
                           total=self.total, present=self.present, rule=self.rule, required=self.required)
        if self.total == 0:
            return gettext("The roster of this session is not frozen yet (0 due); register the delegates and "
                           "freeze the roster before opening a vote.")
        return gettext("%(total)s due, %(present)s present: %(rule)s needs %(required)s, %(short)s short; the "
                       "vote cannot open. Continue check-in and try again.", total=self.total,
                       present=self.present, rule=self.rule, required=self.required,
                       short=self.required - self.present)


def quorum(present: int, total: int, rules: SessionRules = SessionRules()) -> QuorumResult:
    """W2: ``present * 3 >= total * 2`` by default (``>`` when ``quorum_strict``)."""
    exact = rules.quorum * total
    required = math.floor(exact) + 1 if rules.quorum_strict else math.ceil(exact)
    required = max(required, 1)
    rule = (gettext("more than %(fraction)s of the delegates due", fraction=fraction_text(rules.quorum))
            if rules.quorum_strict else
            gettext("at least %(fraction)s of the delegates due", fraction=fraction_text(rules.quorum)))
    return QuorumResult(met=present >= required, present=present, total=total, required=required, rule=rule)


def majority_threshold(base: int) -> int:
    """The fewest votes that are more than half of ``base``."""
    return base // 2 + 1


@dataclass(frozen=True)
class ItemResult:
    """One 议题's result with every base it could be measured against."""

    yes: int
    no: int
    abstain: int
    delegates: int
    present: int
    base: PassBase
    passed: bool

    @property
    def cast(self) -> int:
        return self.yes + self.no + self.abstain

    def bases(self) -> dict[str, int]:
        return {"delegates": self.delegates, "present": self.present, "cast": self.cast}

    def passes_on(self, base: PassBase) -> bool:
        return self.yes * 2 > self.bases()[base]

    def as_dict(self) -> dict[str, object]:
        return {"yes": self.yes, "no": self.no, "abstain": self.abstain, "cast": self.cast,
                "delegates": self.delegates, "present": self.present, "base": self.base,
                "threshold": majority_threshold(self.bases()[self.base]), "passed": self.passed,
                "passes_on": {name: self.passes_on(name) for name in ("delegates", "present", "cast")}}


def count_item(choices: Iterable[str], delegates: int, present: int,
               rules: SessionRules = SessionRules()) -> ItemResult:
    """W1: passed when ``yes * 2 > base`` (all delegates of the session by default)."""
    counts = Counter(choices)
    unknown = set(counts) - set(ITEM_CHOICES)
    if unknown:
        raise ValueError(gettext("The ballots hold choices that are not recognised: %(choices)s (only For, "
                                 "Against or Abstain).", choices=gettext(", ").join(sorted(unknown))))
    result = ItemResult(yes=counts[YES], no=counts[NO], abstain=counts[ABSTAIN], delegates=delegates,
                        present=present, base=rules.pass_base, passed=False)
    return replace(result, passed=result.passes_on(rules.pass_base))


@dataclass(frozen=True)
class SlateCheck:
    ok: bool
    candidates: int
    seats: int
    required: int

    def message(self) -> str:
        if self.ok:
            return gettext("%(seats)s seats, %(candidates)s candidates: enough for a competitive election.",
                           seats=self.seats, candidates=self.candidates)
        return gettext("%(seats)s seats but only %(candidates)s candidates; a competitive election needs at least "
                       "%(required)s candidates. Add candidates, or hold a competitive pre-election before an "
                       "election with as many candidates as seats.", seats=self.seats,
                       candidates=self.candidates, required=self.required)


def check_slate(candidates: int, seats: int, rules: SessionRules = SessionRules(), competitive: bool | None = None
                ) -> SlateCheck:
    """5c: a 差额 election needs candidates > seats, exceeding them by ``excess_ratio`` of the seats."""
    if seats < 1:
        raise ValueError(gettext("At least 1 seat is needed"))
    if not (rules.competitive if competitive is None else competitive):
        return SlateCheck(ok=candidates >= seats, candidates=candidates, seats=seats, required=seats)
    required = seats + max(1, math.ceil(rules.excess_ratio * seats))
    return SlateCheck(ok=candidates >= required, candidates=candidates, seats=seats, required=required)


@dataclass(frozen=True)
class ElectionBallot:
    """One ballot: the listed candidates marked, plus names written in (另选他人)."""

    marks: Sequence[str] = ()
    write_ins: Sequence[str] = ()

    def names(self) -> list[str]:
        """Every name this ballot votes for, each once (a written-in listed candidate counts for them)."""
        seen: dict[str, None] = {}
        for name in [*self.marks, *self.write_ins]:
            name = name.strip()
            if name:
                seen[name] = None
        return list(seen)


@dataclass(frozen=True)
class ElectionResult:
    seats: int
    issued: int
    returned: int
    valid: int
    invalid: int
    entitled: int
    base: ElectionBase
    #: The fewest votes that are more than half of the base.
    threshold: int
    votes: dict[str, int]
    elected: list[str]
    runoff: list[str]
    #: Seats the run-off fills (the tied share the rest of the seats).
    runoff_seats: int
    unfilled: int
    void: bool
    reason: str = ""
    write_ins: list[str] = field(default_factory=list)

    def bases(self) -> dict[str, int]:
        return {"entitled": self.entitled, "voters": self.returned}

    def as_dict(self) -> dict[str, object]:
        return {**self.__dict__, "bases": self.bases()}


def count_election(ballots: Iterable[ElectionBallot], candidates: Sequence[str], seats: int, entitled: int,
                   issued: int, returned: int | None = None, rules: SessionRules = SessionRules()
                   ) -> ElectionResult:
    """5c: a ballot marking more than ``seats`` names is invalid; elected = more than half of the base and
    among the top ``seats``; a tie at the boundary goes to a run-off; 收回 > 发出 voids the election."""
    ballots = list(ballots)
    returned = len(ballots) if returned is None else returned
    base_size = entitled if rules.election_base == "entitled" else returned
    threshold = majority_threshold(base_size)
    votes: Counter[str] = Counter({name: 0 for name in candidates})
    invalid = 0
    for ballot in ballots:
        names = ballot.names()
        if len(names) > seats:
            invalid += 1
            continue
        votes.update(names)
    result = ElectionResult(seats=seats, issued=issued, returned=returned, valid=len(ballots) - invalid,
                            invalid=invalid, entitled=entitled, base=rules.election_base, threshold=threshold,
                            votes=dict(votes.most_common()), elected=[], runoff=[], runoff_seats=0, unfilled=seats,
                            void=False, write_ins=sorted(set(votes) - set(candidates)))
    if returned > issued:
        return replace(result, void=True,
                       # the reason is stored with the result: it stays in Chinese
                       reason=f"收回选票 {returned} 张，多于发出的 {issued} 张，本次选举无效，须重新选举。")  # i18n: data
    qualified = [(name, count) for name, count in votes.most_common() if count >= threshold]
    elected, runoff = _top(qualified, seats)
    runoff_seats = seats - len(elected) if runoff else 0
    return replace(result, elected=elected, runoff=runoff, runoff_seats=runoff_seats,
                   unfilled=seats - len(elected) - runoff_seats)


def _top(qualified: list[tuple[str, int]], seats: int) -> tuple[list[str], list[str]]:
    """The top ``seats`` of the ranked list; when a tie straddles the last seat, the tied go to a run-off."""
    if len(qualified) <= seats:
        return [name for name, _ in qualified], []
    boundary = qualified[seats - 1][1]
    if qualified[seats][1] != boundary:
        return [name for name, _ in qualified[:seats]], []
    above = [name for name, count in qualified if count > boundary]
    tied = [name for name, count in qualified if count == boundary]
    return above, tied
