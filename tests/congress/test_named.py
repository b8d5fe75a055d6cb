"""portal.congress.named: a 记名 vote only where the session type's rules allow it, and the ballot says so."""

from __future__ import annotations

from typing import Any, Callable

import pytest
import sqlalchemy as sa

from portal.congress import rules, service, tokens
from portal.congress.errors import WrongState
from portal.congress.models import NamedChoice, Poll

from .conftest import STAFF, Sitting
from .test_views import account, delegate_client, text

FORM = {"kind": "item", "title": "关于评选先进集体的表决", "options": "评选方案", "named": "1"}


@pytest.fixture()
def chair(app: Any) -> Any:
    return account(app, "cg_chair", "congress_presidium")


def test_a_named_vote_is_refused_where_the_rules_do_not_allow_it(congress_db: Any, chair: Any,
                                                                 make_sitting: Callable[..., Sitting]) -> None:
    assert not any(rule.named_votes_allowed for rule in rules.SESSION_RULES.values())  # off by default
    sitting = make_sitting(voters=3)
    refused = chair.post(f"/congress/{sitting.session_id}/polls", data=FORM)
    assert refused.status_code == 409 and "职代会的规则不允许记名表决：重要事项须无记名投票" in text(refused)
    assert congress_db.scalar(sa.select(sa.func.count()).select_from(Poll)) == 0


def test_where_allowed_the_ballot_says_it_is_named_and_the_record_names_the_voters(
        app: Any, congress_db: Any, chair: Any, make_sitting: Callable[..., Sitting],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(rules.SESSION_RULES, "职工大会", rules.SessionRules(named_votes_allowed=True))
    sitting = make_sitting(voters=3, session_type="职工大会")
    for delegate_id in sitting.voters:
        service.check_in(congress_db, sitting.session_id, delegate_id, STAFF)
    assert chair.post(f"/congress/{sitting.session_id}/polls", data=FORM).status_code == 303
    poll = congress_db.scalars(sa.select(Poll)).one()
    assert poll.named
    assert "记名" in text(chair.get(f"/congress/{sitting.session_id}/chair"))
    with pytest.raises(WrongState, match="是记名表决，只能由代表本人在手机上投票，不能使用表决卡"):
        tokens.make_cards(congress_db, poll.id, 3, STAFF)
    assert chair.post(f"/congress/poll/{poll.id}/open").status_code == 303
    voter = delegate_client(app, congress_db, sitting, 0)
    ballot = text(voter.get("/congress/vote"))
    assert "这是记名投票：您的姓名将与您的选择一起保存" in ballot and "无记名投票：" not in ballot
    confirm = voter.post(f"/congress/vote/{poll.id}/confirm", data={"item-0": "赞成"})
    assert "这是记名投票" in text(confirm)
    assert voter.post(f"/congress/vote/{poll.id}/cast", data={"item-0": "赞成"}).status_code == 200
    kept = congress_db.execute(sa.select(NamedChoice.delegate_id, NamedChoice.choices)).all()
    assert kept == [(sitting.voters[0], '{"items": ["赞成"]}')]
    assert chair.post(f"/congress/poll/{poll.id}/close").status_code == 303
    notice = text(chair.get(f"/congress/poll/{poll.id}/announcement"))
    name = service.delegate_name(congress_db, service.get_delegate(congress_db, sitting.voters[0]))
    assert "（议题表决，记名投票）" in notice and f"{name}：评选方案：赞成" in notice
