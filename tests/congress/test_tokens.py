"""portal.congress.tokens and the card's phone page: cards made once, a count handed out, one ballot a card."""

from __future__ import annotations

import re
from typing import Any, Callable

import pytest
import sqlalchemy as sa

from portal.congress import roster, publication, service, tokens, voting
from portal.congress.errors import InvalidInput, NotFound, WrongState
from portal.congress.models import Ballot, Participation, PollMode, TokenCard

from .conftest import STAFF, Sitting
from .test_views import RECEIPT, OwnContextClient, account, text

CHAIR = "主席团老李"


def open_election(db: Any, sitting: Sitting, seats: int = 1) -> int:
    for delegate_id in sitting.voters:
        service.check_in(db, sitting.session_id, delegate_id, STAFF)
    poll = voting.create_poll(db, sitting.session_id, "election", "补选工会委员", ["张一", "李二", "王三"], CHAIR,
                              seats=seats)
    voting.open_poll(db, poll.id, CHAIR)
    return poll.id


def test_a_card_casts_exactly_one_ballot(congress_db: Any, make_sitting: Callable[..., Sitting]) -> None:
    sitting = make_sitting(voters=3)
    poll_id = open_election(congress_db, sitting)
    cards = tokens.make_cards(congress_db, poll_id, 4, STAFF)
    assert len(set(cards)) == 4 and all(len(card) >= 20 for card in cards)
    stored = congress_db.execute(sa.select(TokenCard)).scalars().all()
    assert {row.digest for row in stored} == {tokens.digest(card) for card in cards}
    assert not {card for card in cards if any(card in row.digest for row in stored)}  # only digests are kept
    tokens.issue(congress_db, poll_id, 2, STAFF)
    receipt = tokens.cast_card(congress_db, cards[0], {"marks": [], "write_ins": ["赵四"]})
    assert RECEIPT.fullmatch(receipt)
    with pytest.raises(WrongState, match="这张表决卡已经投过票，每张卡只能投一次"):
        tokens.cast_card(congress_db, cards[0], {"marks": ["张一"], "write_ins": []})
    with pytest.raises(NotFound, match="这张表决卡无法识别"):
        tokens.cast_card(congress_db, "made-up-token", {"marks": ["张一"], "write_ins": []})
    with pytest.raises(InvalidInput, match="多选的选票无效"):
        tokens.cast_card(congress_db, cards[1], {"marks": ["张一", "李二"], "write_ins": []})
    assert congress_db.scalar(sa.select(sa.func.count()).select_from(Ballot)) == 1
    assert congress_db.scalar(sa.select(sa.func.count()).select_from(Participation)) == 0  # a card names nobody


def test_cards_handed_out_are_a_count_and_cannot_exceed_the_stack(congress_db: Any,
                                                                   make_sitting: Callable[..., Sitting]) -> None:
    sitting = make_sitting(voters=3)
    poll_id = open_election(congress_db, sitting)
    with pytest.raises(WrongState, match="只制作了 0 张表决卡"):
        tokens.issue(congress_db, poll_id, 1, STAFF)
    tokens.make_cards(congress_db, poll_id, 2, STAFF)
    assert tokens.issue(congress_db, poll_id, 1, STAFF) == 1
    assert tokens.issue(congress_db, poll_id, 1, STAFF) == 2
    with pytest.raises(WrongState, match="已发出 2 张"):
        tokens.issue(congress_db, poll_id, 1, STAFF)
    with pytest.raises(InvalidInput, match="制作张数须在 1 到"):
        tokens.make_cards(congress_db, poll_id, 0, STAFF)
    mode = congress_db.get(PollMode, poll_id)
    assert (mode.tokens_made, mode.tokens_issued) == (2, 2)


def test_cards_and_phones_are_counted_together_and_reconciled(congress_db: Any,
                                                              make_sitting: Callable[..., Sitting]) -> None:
    sitting = make_sitting(voters=4)
    poll_id = open_election(congress_db, sitting)
    cards = tokens.make_cards(congress_db, poll_id, 3, STAFF)
    tokens.issue(congress_db, poll_id, 2, STAFF)
    voting.cast(congress_db, poll_id, sitting.voters[0], {"marks": ["张一"], "write_ins": []})
    tokens.cast_card(congress_db, cards[0], {"marks": ["张一"], "write_ins": []})
    tokens.cast_card(congress_db, cards[1], {"marks": [], "write_ins": ["赵四"]})
    assert publication.hall_figures(congress_db, sitting.session_id)["polls"][0]["turnout"] == 3  # a count only
    assert roster.turnout(congress_db, poll_id) == 3  # the chair's page counts the cards too
    voting.close_poll(congress_db, poll_id, CHAIR)
    result = voting.tally(congress_db, poll_id, CHAIR)
    assert result["channels"] == {"electronic": {"issued": 1, "returned": 1}, "token": {"issued": 2, "returned": 2}}
    assert (result["issued"], result["returned"]) == (3, 3)
    election = result["election"]
    assert election["votes"]["张一"] == 2 and election["votes"]["赵四"] == 1 and not election["void"]
    with pytest.raises(WrongState, match="已封存"):
        tokens.cast_card(congress_db, cards[2], {"marks": ["李二"], "write_ins": []})


def test_more_cards_back_than_handed_out_voids_the_vote(congress_db: Any, make_sitting: Callable[..., Sitting]) -> None:
    sitting = make_sitting(voters=3)
    for delegate_id in sitting.voters:
        service.check_in(congress_db, sitting.session_id, delegate_id, STAFF)
    poll = voting.create_poll(congress_db, sitting.session_id, "item", "工资调整方案", ["工资调整方案"], CHAIR)
    voting.open_poll(congress_db, poll.id, CHAIR)
    cards = tokens.make_cards(congress_db, poll.id, 2, STAFF)
    tokens.issue(congress_db, poll.id, 1, STAFF)
    for card in cards:  # a card went out without being counted
        tokens.cast_card(congress_db, card, {"items": ["赞成"]})
    voting.close_poll(congress_db, poll.id, CHAIR)
    result = voting.tally(congress_db, poll.id, CHAIR)
    assert result["void"] == "收回选票 2 张，多于发出的 1 张，本次表决无效，须重新表决。"
    assert result["items"][0]["passed"] is False and result["items"][0]["yes"] == 2


@pytest.fixture()
def staff(app: Any) -> Any:
    return account(app, "cg_staff", "congress_secretariat")


def test_a_card_votes_on_any_phone_without_a_login(app: Any, congress_db: Any, staff: Any,
                                                   make_sitting: Callable[..., Sitting]) -> None:
    sitting = make_sitting(voters=3)
    poll_id = open_election(congress_db, sitting)
    printed = staff.post(f"/congress/poll/{poll_id}/cards", data={"count": "3"})
    assert printed.status_code == 200
    page = text(printed)
    links = re.findall(r'<p class="token-code">([^<]+)</p>', page)
    assert len(links) == 3 and page.count("<svg") == 3 and "只能投一票" in page
    assert "congress-cards.css" in page and not re.search(r'(src|href)="https?://', page)  # nothing from outside
    issued = staff.post(f"/congress/poll/{poll_id}/issue", data={"kind": "token", "count": "1"})
    assert issued.status_code == 303
    assert "累计发出 1 张" in text(staff.get(issued.location))
    assert staff.post(f"/congress/poll/{poll_id}/issue", data={"kind": "token", "count": "x"}).status_code == 422

    phone = OwnContextClient(app, app.response_class, use_cookies=True)  # nobody signed in
    ballot = phone.get(f"/congress/t/{links[0]}")
    assert ballot.status_code == 200 and "补选工会委员" in text(ballot) and "不记录哪张卡发给了谁" in text(ballot)
    token = re.search(r'name="csrf_token" value="([^"]+)"', text(ballot)).group(1)  # type: ignore[union-attr]
    form = {"csrf_token": token, "mark": [], "write_in": ["赵四"]}
    confirm = phone.post(f"/congress/t/{links[0]}/confirm", data=form)
    assert confirm.status_code == 200 and "另选他人：<strong>赵四</strong>" in text(confirm)
    cast = phone.post(f"/congress/t/{links[0]}/cast", data=form)
    assert cast.status_code == 200 and RECEIPT.search(text(cast)) and "这张表决卡已用过" in text(cast)
    again = phone.post(f"/congress/t/{links[0]}/cast", data=form)
    assert again.status_code == 409 and "这张表决卡已经投过票，每张卡只能投一次" in text(again)
    assert phone.get(f"/congress/t/{links[0]}").status_code == 409
    assert phone.get("/congress/t/forged").status_code == 404
    assert "这张表决卡无法识别" in text(phone.get("/congress/t/forged"))
