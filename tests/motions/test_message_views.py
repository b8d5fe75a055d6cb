"""The home page's message list, the menu-bar count and marking read: only the addressee sees or marks."""

from __future__ import annotations

import re
from typing import Any

from portal.extensions import db
from portal.records.workflow import transition
from portal.security.audit import acting_as
from tests.conftest import login
from tests.motions.test_desk import congress, service  # noqa: F401  (fixture)
from tests.motions.test_hooks import collected
from tests.security.test_approval import PASSWORD
from tests.test_csrf import csrf_app, token_in  # noqa: F401  (fixture)


def _client(app: Any, username: str) -> Any:
    client = app.test_client()
    login(client, username, PASSWORD)
    return client


def test_the_home_page_lists_the_addressees_messages_unread_first(app: Any, congress: dict[str, Any]) -> None:  # noqa: F811
    with app.app_context():
        motion = collected(app, congress, "职工体检增加项目")
        committee = service(app, "motions", congress["committee"])
        with acting_as(congress["周一"]["user"]):
            transition(service(app, "motions", congress["周一"]["user"]), motion, "submit")
        db.session.commit()
        with acting_as(congress["committee"]):
            transition(committee, db.session.get(type(motion), motion.id), "review")
            transition(committee, db.session.get(type(motion), motion.id), "decline", "已列入年度体检计划")
        db.session.commit()

    proposer = _client(app, congress["周一"]["user"])
    home = proposer.get("/").get_data(as_text=True)
    assert 'id="portal-messages"' in home and 'id="portal-message-badge"' in home
    mine = re.findall(r'data-message="(\d+)">\s*<span class="label label-info">未读</span>\s*<a[^>]*>([^<]*)</a>', home)
    ours = [(number, text) for number, text in mine if "《职工体检增加项目》" in text]
    assert ours and "不立案" in ours[0][1] and "意见建议" in ours[0][1] and "已列入年度体检计划" in ours[0][1]
    badge = int(re.search(r'id="portal-message-badge".*?<span class="badge">(\d+)</span>', home, re.S).group(1))  # type: ignore[union-attr]
    assert badge >= 2

    # another delegate neither sees nor marks it
    other = _client(app, congress["王四"]["user"])
    assert "职工体检增加项目" not in other.get("/").get_data(as_text=True)
    refused = other.post(f"/messages/{ours[0][0]}/read")
    assert refused.status_code == 404 and "只能标记发给您本人的消息" in refused.get_data(as_text=True)
    assert other.post("/messages/read").status_code == 303
    assert f'data-message="{ours[0][0]}">\n      <span class="label label-info">未读' in proposer.get("/").get_data(as_text=True)

    done = proposer.post(f"/messages/{ours[0][0]}/read")
    assert done.status_code == 303 and done.headers["Location"].endswith("/#portal-messages")
    home = proposer.get("/").get_data(as_text=True)
    assert f'data-message="{ours[0][0]}">\n      <span class="label label-info">未读' not in home
    assert int(re.search(r'id="portal-message-badge".*?<span class="badge">(\d+)</span>', home, re.S).group(1)) \
        == badge - 1  # type: ignore[union-attr]
    proposer.post("/messages/read")
    assert 'id="portal-message-badge"' in (home := proposer.get("/").get_data(as_text=True))
    assert "条未读" not in home and "职工体检增加项目" in home

    # the co-signer was told too
    assert "您附议的提案《职工体检增加项目》" in _client(app, congress["吴二"]["user"]).get("/").get_data(as_text=True)


def test_marking_read_needs_the_csrf_token(csrf_app: Any, congress: dict[str, Any]) -> None:  # noqa: F811
    client = csrf_app.test_client()
    token = token_in(client.get("/login/").get_data(as_text=True))
    assert client.post("/login/", data={"username": congress["周一"]["user"], "password": PASSWORD,
                                        "csrf_token": token}).status_code == 302
    assert client.post("/messages/read").status_code in (400, 403)
    home = client.get("/").get_data(as_text=True)
    assert client.post("/messages/read", data={"csrf_token": token_in(home)}).status_code == 303
