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

#: Whose number a motion's 赞成 votes must exceed half of.
PassBase = Literal["delegates", "present", "cast"]
#: Whose number a candidate's votes must exceed half of.
ElectionBase = Literal["entitled", "voters"]

SESSION_TYPES = ("职代会", "会员代表大会", "职工大会")
BASE_LABELS = {"delegates": "全体代表", "present": "实到代表", "cast": "参加表决", "entitled": "应到会", "voters": "参加投票"}
YES, NO, ABSTAIN = "赞成", "反对", "弃权"
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
    "职代会": SessionRules(),
    # 5c [S19a] P/R: the union's own assembly needs MORE than 2/3 present; 应到会 base for elections.
    "会员代表大会": SessionRules(quorum_strict=True),
    # ? no rule found for the all-staff assembly: the 职代会's defaults until the 上级工会 says otherwise.
    "职工大会": SessionRules(),
}


def rules_for(session_type: str) -> SessionRules:
    """The rules of a session type (``KeyError`` names the known types)."""
    try:
        return SESSION_RULES[session_type]
    except KeyError:
        raise KeyError(f"未知的会议类型“{session_type}”，可用：{'、'.join(SESSION_TYPES)}") from None


def fraction_text(value: Fraction) -> str:
    names = {Fraction(2, 3): "三分之二", Fraction(1, 2): "二分之一", Fraction(1, 10): "百分之十"}
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
            return f"应到 {self.total} 人，实到 {self.present} 人，达到{self.rule}（至少 {self.required} 人）。"
        if self.total == 0:
            return "本次会议还没有冻结代表名单（应到 0 人），请先登记代表并冻结名单，再开启表决。"
        return (f"应到 {self.total} 人，实到 {self.present} 人，未达到{self.rule}所需的 {self.required} 人，"
                f"还差 {self.required - self.present} 人，不能开启表决；请继续签到后再试。")


def quorum(present: int, total: int, rules: SessionRules = SessionRules()) -> QuorumResult:
    """W2: ``present * 3 >= total * 2`` by default (``>`` when ``quorum_strict``)."""
    exact = rules.quorum * total
    required = math.floor(exact) + 1 if rules.quorum_strict else math.ceil(exact)
    required = max(required, 1)
    rule = ("超过" if rules.quorum_strict else "不少于") + "应到人数的" + fraction_text(rules.quorum)
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
        raise ValueError(f"表决票中有无法识别的选项：{'、'.join(sorted(unknown))}（只能是赞成、反对、弃权）")
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
            return f"应选 {self.seats} 人，候选人 {self.candidates} 人，符合差额要求。"
        return (f"应选 {self.seats} 人，候选人只有 {self.candidates} 人，差额选举至少需要 {self.required} 名候选人；"
                "请增加候选人，或先进行差额预选再进行等额选举。")


def check_slate(candidates: int, seats: int, rules: SessionRules = SessionRules(), competitive: bool | None = None
                ) -> SlateCheck:
    """5c: a 差额 election needs candidates > seats, exceeding them by ``excess_ratio`` of the seats."""
    if seats < 1:
        raise ValueError("应选人数至少为 1")
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
                       reason=f"收回选票 {returned} 张，多于发出的 {issued} 张，本次选举无效，须重新选举。")
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
