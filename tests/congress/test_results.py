"""portal.congress.results: a stored tally as printed lines, the deciding base first, the others for reference."""

from __future__ import annotations

from portal.congress.results import result_lines
from portal.congress.rules import ElectionBallot, count_election, count_item


def stored(kind: str, **extra: object) -> dict[str, object]:
    return {"kind": kind, "delegates": 10, "present_at_open": 7, "present_at_close": 6, "issued": 7, "returned": 7,
            **extra}


def test_an_item_names_every_base_and_the_deciding_one_first() -> None:
    item = {"title": "工资调整方案", **count_item(["赞成"] * 5 + ["反对"] * 2, delegates=10, present=7).as_dict()}
    shown = result_lines(stored("item", items=[item]))
    assert shown["attendance"] == "应到 10 人；开启时实到 7 人，结束时实到 6 人；发出 7 张，收回 7 张"
    [line] = shown["items"]
    assert line["counts"] == "赞成 5 票，反对 2 票，弃权 0 票" and line["verdict"] == "未通过"
    assert line["bases"] == ["以全体代表 10 人为基数，赞成须超过半数（至少 6 票）：未通过",
                             "参照：以实到代表 7 人为基数（至少 4 票）：过半",
                             "参照：以参加表决 7 人为基数（至少 4 票）：过半"]


def test_an_election_lists_votes_write_ins_elected_and_run_off() -> None:
    ballots = [ElectionBallot(["张一"], ["赵四"])] * 6 + [ElectionBallot(["张一", "李二", "王三"])]
    counted = count_election(ballots, ["张一", "李二", "王三"], seats=2, entitled=10, issued=7)
    shown = result_lines(stored("election", election=counted.as_dict()))["election"]
    assert shown["ballots"] == "发出 7 张，收回 7 张，有效 6 张，无效 1 张"
    assert shown["votes"][:2] == ["张一：6 票", "赵四：6 票（另选他人）"]
    assert shown["bases"][0] == "以应到会 10 人为基数，当选须超过半数（至少 6 票）"
    assert shown["elected"] == "张一、赵四" and shown["runoff"] == ""


def test_a_void_election_says_why() -> None:
    counted = count_election([ElectionBallot(["张一"])] * 3, ["张一", "李二"], seats=1, entitled=5, issued=2)
    assert result_lines(stored("election", election=counted.as_dict()))["election"]["void"].startswith("收回选票 3 张，多于发出的 2 张")
