"""portal.congress.rules: quorum, pass rule and election counting (DOMAIN.md §5a W1/W2, §5c)."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import pytest

from portal.congress.rules import (ABSTAIN, NO, SESSION_RULES, YES, ElectionBallot, SessionRules, check_slate,
                                   count_election, count_item, quorum, rules_for)

DEFAULT = SessionRules()


@pytest.mark.parametrize(("present", "total", "met", "required"), [
    (20, 30, True, 20),   # exactly two thirds opens the vote (W2: ≥ 2/3)
    (19, 30, False, 20),
    (67, 100, True, 67),  # 2/3 of 100 is 66.67: 67 needed
    (66, 100, False, 67),
    (1, 1, True, 1),
    (0, 0, False, 1),     # no roster: never met
])
def test_quorum_two_thirds_of_all_delegates(present: int, total: int, met: bool, required: int) -> None:
    result = quorum(present, total, DEFAULT)
    assert (result.met, result.required, result.present, result.total) == (met, required, present, total)
    assert result.met == (present * 3 >= total * 2 and total > 0)


def test_members_assembly_needs_more_than_two_thirds() -> None:
    strict = rules_for("会员代表大会")
    assert not quorum(20, 30, strict).met
    assert quorum(21, 30, strict).met
    assert quorum(21, 30, strict).required == 21


def test_quorum_ratio_is_configuration() -> None:
    half = replace(DEFAULT, quorum=Fraction(1, 2))
    assert quorum(15, 30, half).met and not quorum(14, 30, half).met


def test_quorum_refusal_names_the_figures() -> None:
    message = quorum(19, 30, DEFAULT).message()
    assert "应到 30 人" in message and "实到 19 人" in message and "20 人" in message and "还差 1 人" in message


def test_every_session_type_has_rules_and_an_unknown_one_is_named() -> None:
    assert set(SESSION_RULES) == {"职代会", "会员代表大会", "职工大会"}
    with pytest.raises(KeyError, match="未知的会议类型“董事会”"):
        rules_for("董事会")


def test_a_motion_needs_more_than_half_of_all_delegates_not_of_those_present() -> None:
    # 30 delegates, 20 present, 15 yes: a majority of those present and of votes cast, not of all delegates.
    result = count_item([YES] * 15 + [NO] * 3 + [ABSTAIN] * 2, delegates=30, present=20)
    assert not result.passed
    assert result.passes_on("present") and result.passes_on("cast")
    shown = result.as_dict()
    assert shown["threshold"] == 16 and shown["delegates"] == 30 and shown["present"] == 20 and shown["cast"] == 20
    assert count_item([YES] * 16, delegates=30, present=20).passed


def test_exactly_half_does_not_pass() -> None:
    assert not count_item([YES] * 15 + [NO] * 15, delegates=30, present=30).passed
    assert count_item([YES] * 16 + [NO] * 14, delegates=30, present=30).passed


@pytest.mark.parametrize(("base", "passed"), [("delegates", False), ("present", True), ("cast", True)])
def test_the_pass_base_is_configuration(base: str, passed: bool) -> None:
    rules = replace(DEFAULT, pass_base=base)
    result = count_item([YES] * 10 + [NO] * 2, delegates=30, present=18, rules=rules)
    assert result.passed is passed and result.as_dict()["base"] == base


def test_an_unknown_choice_is_refused() -> None:
    with pytest.raises(ValueError, match="同意"):
        count_item([YES, "同意"], delegates=3, present=3)


@pytest.mark.parametrize(("candidates", "seats", "ok", "required"), [
    (7, 7, False, 8),     # 等额 is not a 差额 election
    (8, 7, True, 8),      # 10 % of 7 rounds up to one more
    (10, 9, True, 10),
    (21, 20, False, 22),  # 10 % of 20 seats = 2 more candidates
    (22, 20, True, 22),
])
def test_competitive_slate(candidates: int, seats: int, ok: bool, required: int) -> None:
    check = check_slate(candidates, seats, DEFAULT)
    assert (check.ok, check.required) == (ok, required)
    if not ok:
        assert f"至少需要 {required} 名候选人" in check.message()


def test_an_uncontested_slate_after_a_pre_election() -> None:
    assert check_slate(7, 7, DEFAULT, competitive=False).ok


def ballots(*marks: tuple[str, ...], write_ins: tuple[str, ...] = ()) -> list[ElectionBallot]:
    return [ElectionBallot(list(names), list(write_ins)) for names in marks]


def test_over_marked_ballots_are_invalid_and_write_ins_count() -> None:
    cast = ballots(("甲", "乙"), ("甲", "丙"), ("甲", "乙", "丙")) + ballots(("甲",), write_ins=("丁",)) \
        + ballots((), write_ins=("丁", "戊", "己"))
    result = count_election(cast, ["甲", "乙", "丙"], seats=2, entitled=5, issued=5)
    assert (result.valid, result.invalid) == (3, 2)
    assert result.votes == {"甲": 3, "乙": 1, "丙": 1, "丁": 1}
    assert result.write_ins == ["丁"]
    assert result.elected == ["甲"] and result.unfilled == 1  # 3 > 5/2; nobody else has a majority of 应到


def test_a_written_in_listed_candidate_counts_once_for_them() -> None:
    result = count_election([ElectionBallot(["甲"], ["甲"])], ["甲", "乙"], seats=1, entitled=1, issued=1)
    assert result.invalid == 0 and result.votes["甲"] == 1


def test_elected_needs_more_than_half_of_the_entitled_not_of_the_voters() -> None:
    cast = ballots(*[("甲",)] * 6, *[("乙",)] * 4)
    by_entitled = count_election(cast, ["甲", "乙"], seats=1, entitled=13, issued=10)
    assert by_entitled.threshold == 7 and by_entitled.elected == [] and by_entitled.unfilled == 1
    by_voters = count_election(cast, ["甲", "乙"], seats=1, entitled=13, issued=10,
                               rules=replace(DEFAULT, election_base="voters"))
    assert by_voters.threshold == 6 and by_voters.elected == ["甲"]
    assert by_entitled.bases() == {"entitled": 13, "voters": 10}


def test_among_the_top_seats_only() -> None:
    cast = ballots(*[("甲", "乙")] * 5, *[("甲", "丙")] * 4, ("乙", "丙"))
    result = count_election(cast, ["甲", "乙", "丙"], seats=2, entitled=10, issued=10)
    assert result.votes == {"甲": 9, "乙": 6, "丙": 5} and result.threshold == 6
    assert result.elected == ["甲", "乙"] and result.runoff == []


def test_a_tie_at_the_last_seat_goes_to_a_runoff() -> None:
    cast = ballots(*[("甲", "乙")] * 4, *[("甲", "丙")] * 4, ("乙", "丙"), ("甲",))
    result = count_election(cast, ["甲", "乙", "丙"], seats=2, entitled=10, issued=10)
    assert result.votes == {"甲": 9, "乙": 5, "丙": 5}
    assert result.threshold == 6 and result.elected == ["甲"] and result.runoff == []  # 5 is not a majority
    cast = ballots(*[("甲", "乙")] * 4, *[("甲", "丙")] * 4, *[("乙", "丙")] * 3, ("甲",))
    tied = count_election(cast, ["甲", "乙", "丙"], seats=2, entitled=12, issued=12)
    assert tied.votes == {"甲": 9, "乙": 7, "丙": 7} and tied.threshold == 7
    assert tied.elected == ["甲"] and tied.runoff == ["乙", "丙"] and tied.runoff_seats == 1 and tied.unfilled == 0


def test_a_tie_for_every_seat_sends_all_the_tied_to_the_runoff() -> None:
    result = count_election(ballots(*[("甲", "乙", "丙")] * 3), ["甲", "乙", "丙", "丁"], seats=2, entitled=3,
                            issued=3)
    assert result.invalid == 3 and result.elected == []
    result = count_election(ballots(*[("甲", "乙")] * 2, *[("乙", "丙")] * 2, *[("甲", "丙")] * 2),
                            ["甲", "乙", "丙"], seats=2, entitled=6, issued=6)
    assert result.votes == {"甲": 4, "乙": 4, "丙": 4}
    assert result.elected == [] and result.runoff == ["甲", "乙", "丙"] and result.runoff_seats == 2


def test_more_ballots_returned_than_issued_voids_the_election() -> None:
    result = count_election(ballots(*[("甲",)] * 11), ["甲", "乙"], seats=1, entitled=12, issued=10)
    assert result.void and result.elected == []
    assert "收回选票 11 张，多于发出的 10 张" in result.reason
    assert not count_election(ballots(*[("甲",)] * 10), ["甲", "乙"], seats=1, entitled=12, issued=10).void
