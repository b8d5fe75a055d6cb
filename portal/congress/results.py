"""A stored tally (``voting.tally``) as the lines a screen or a notice prints: counts and every base,
the deciding one first. Pure: no Flask, no database."""

from __future__ import annotations

from typing import Any

from portal.congress.models import CHANNELS
from portal.congress.rules import BASE_LABELS, majority_threshold


def _verdict(passed: bool, yes: str = "通过", no: str = "未通过") -> str:
    return yes if passed else no


def item_lines(item: dict[str, Any]) -> dict[str, Any]:
    """One 议题: its counts, the deciding base and the others for reference."""
    bases = {"delegates": item["delegates"], "present": item["present"], "cast": item["cast"]}
    decisive = item["base"]
    lines = [f"以{BASE_LABELS[decisive]} {bases[decisive]} 人为基数，赞成须超过半数（至少 {item['threshold']} 票）："
             f"{_verdict(item['passed'])}"]
    lines += [f"参照：以{BASE_LABELS[name]} {size} 人为基数（至少 {majority_threshold(size)} 票）："
              f"{_verdict(item['passes_on'][name], '过半', '未过半')}"
              for name, size in bases.items() if name != decisive]
    invalid = f"，无效 {item['invalid']} 票" if item.get("invalid") else ""
    return {"title": item["title"],
            "counts": f"赞成 {item['yes']} 票，反对 {item['no']} 票，弃权 {item['abstain']} 票{invalid}",
            "passed": item["passed"], "verdict": _verdict(item["passed"]), "bases": lines}


def election_lines(election: dict[str, Any]) -> dict[str, Any]:
    """An election: votes per name, the threshold on its base, elected, run-off, invalid ballots."""
    if election["void"]:
        return {"void": election["reason"], "votes": [], "bases": [], "elected": "", "runoff": ""}
    sizes = election["bases"]
    decisive = election["base"]
    lines = [f"以{BASE_LABELS[decisive]} {sizes[decisive]} 人为基数，当选须超过半数（至少 {election['threshold']} 票）"]
    lines += [f"参照：以{BASE_LABELS[name]} {size} 人为基数须至少 {majority_threshold(size)} 票"
              for name, size in sizes.items() if name != decisive]
    votes = [f"{name}：{count} 票{'（另选他人）' if name in election['write_ins'] else ''}"
             for name, count in election["votes"].items()]
    return {"void": "", "votes": votes, "bases": lines,
            "ballots": f"发出 {election['issued']} 张，收回 {election['returned']} 张，有效 {election['valid']} 张，"
                       f"无效 {election['invalid']} 张",
            "elected": "、".join(election["elected"]) or "无人当选",
            "runoff": ("、".join(election["runoff"]) + f" 票数相同，须另行选举 {election['runoff_seats']} 人"
                       if election["runoff"] else "")}


def result_lines(result: dict[str, Any]) -> dict[str, Any]:
    """The whole stored result, with the attendance snapshots taken at open and close."""
    shown: dict[str, Any] = {
        "attendance": f"应到 {result['delegates']} 人；开启时实到 {result['present_at_open']} 人，"
                      f"结束时实到 {result['present_at_close']} 人；发出 {result['issued']} 张，收回 {result['returned']} 张"}
    shown["channels"] = [f"{CHANNELS[name]}：发出 {figures['issued']} 张，收回 {figures['returned']} 张"
                         for name, figures in (result.get("channels") or {}).items()]
    shown["void"] = result.get("void", "")
    shown["named"] = bool(result.get("named"))
    if result["kind"] == "item":
        shown["items"] = [item_lines(item) for item in result["items"]]
    else:
        shown["election"] = election_lines(result["election"])
    return shown
