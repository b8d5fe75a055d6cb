"""A stored tally (``voting.tally``) as the lines a screen or a notice prints: counts and every base,
the deciding one first. Pure: no Flask, no database."""

from __future__ import annotations

from typing import Any

from portal.congress.models import CHANNELS
from portal.congress.rules import BASE_LABELS, majority_threshold
from portal.texts import gettext, pgettext


def _verdict(passed: bool) -> str:
    return pgettext("vote verdict", "Passed") if passed else pgettext("vote verdict", "Not passed")


def _majority(passed: bool) -> str:
    return pgettext("vote verdict", "Majority") if passed else pgettext("vote verdict", "No majority")


def item_lines(item: dict[str, Any]) -> dict[str, Any]:
    """One 议题: its counts, the deciding base and the others for reference."""
    bases = {"delegates": item["delegates"], "present": item["present"], "cast": item["cast"]}
    decisive = item["base"]
    lines = [gettext("On a base of %(base)s, %(size)s people, For needs more than half (at least %(threshold)s "
                     "votes): %(verdict)s", base=BASE_LABELS[decisive], size=bases[decisive],
                     threshold=item["threshold"], verdict=_verdict(item["passed"]))]
    lines += [gettext("For reference: on a base of %(base)s, %(size)s people (at least %(threshold)s votes): "
                      "%(verdict)s", base=BASE_LABELS[name], size=size, threshold=majority_threshold(size),
                      verdict=_majority(item["passes_on"][name]))
              for name, size in bases.items() if name != decisive]
    invalid = gettext(", %(count)s invalid", count=item["invalid"]) if item.get("invalid") else ""
    return {"title": item["title"],
            "counts": gettext("For %(yes)s, Against %(no)s, Abstain %(abstain)s%(invalid)s", yes=item["yes"],
                              no=item["no"], abstain=item["abstain"], invalid=invalid),
            "passed": item["passed"], "verdict": _verdict(item["passed"]), "bases": lines}


def election_lines(election: dict[str, Any]) -> dict[str, Any]:
    """An election: votes per name, the threshold on its base, elected, run-off, invalid ballots."""
    if election["void"]:
        return {"void": election["reason"], "votes": [], "bases": [], "elected": "", "runoff": ""}
    sizes = election["bases"]
    decisive = election["base"]
    lines = [gettext("On a base of %(base)s, %(size)s people, election needs more than half (at least "
                     "%(threshold)s votes)", base=BASE_LABELS[decisive], size=sizes[decisive],
                     threshold=election["threshold"])]
    lines += [gettext("For reference: on a base of %(base)s, %(size)s people, at least %(threshold)s votes are "
                      "needed", base=BASE_LABELS[name], size=size, threshold=majority_threshold(size))
              for name, size in sizes.items() if name != decisive]
    votes = [gettext("%(name)s: %(count)s votes (written in)", name=name, count=count)
             if name in election["write_ins"] else gettext("%(name)s: %(count)s votes", name=name, count=count)
             for name, count in election["votes"].items()]
    return {"void": "", "votes": votes, "bases": lines,
            "ballots": gettext("%(issued)s handed out, %(returned)s returned, %(valid)s valid, %(invalid)s invalid",
                               issued=election["issued"], returned=election["returned"], valid=election["valid"],
                               invalid=election["invalid"]),
            "elected": gettext(", ").join(election["elected"]) or gettext("No one elected"),
            "runoff": (gettext("%(names)s tie; a further election for %(seats)s seats is needed",
                               names=gettext(", ").join(election["runoff"]), seats=election["runoff_seats"])
                       if election["runoff"] else "")}


def result_lines(result: dict[str, Any]) -> dict[str, Any]:
    """The whole stored result, with the attendance snapshots taken at open and close."""
    shown: dict[str, Any] = {
        "attendance": gettext("%(due)s due; %(opening)s present at opening, %(closing)s present at closing; "
                              "%(issued)s handed out, %(returned)s returned", due=result["delegates"],
                              opening=result["present_at_open"], closing=result["present_at_close"],
                              issued=result["issued"], returned=result["returned"])}
    shown["channels"] = [gettext("%(channel)s: %(issued)s handed out, %(returned)s returned", channel=CHANNELS[name],
                                 issued=figures["issued"], returned=figures["returned"])
                         for name, figures in (result.get("channels") or {}).items()]
    shown["void"] = result.get("void", "")
    shown["named"] = bool(result.get("named"))
    if result["kind"] == "item":
        shown["items"] = [item_lines(item) for item in result["items"]]
    else:
        shown["election"] = election_lines(result["election"])
    return shown
