"""portal.congress.selfcheckin: the venue-code screen, the staff's toggle and the phone's check-in form."""

from __future__ import annotations

import re
from typing import Any, Callable

import sqlalchemy as sa

from portal.congress import service, venue
from portal.congress.models import CheckIn
from portal.security.audit import now_utc

from .conftest import Sitting
from .test_views import chair, delegate_client, open_item_vote, staff, text  # noqa: F401 (fixtures)


def shown_code(staff: Any, session_id: int) -> str:
    page = text(staff.get(f"/congress/{session_id}/venue-code"))
    found = re.search(r'class="venue-code"[^>]*>(\d{3}) (\d{3})<', page)
    assert found, page
    return found.group(1) + found.group(2)


def test_the_venue_screen_shows_the_code_big_with_its_qr_and_reloads_itself(app: Any, congress_db: Any, staff: Any,
                                                                           chair: Any,
                                                                           make_sitting: Callable[..., Sitting]) -> None:
    sitting = make_sitting(voters=2)
    sid = sitting.session_id
    page = text(staff.get(f"/congress/{sid}/venue-code"))
    assert "<svg" in page and "签到二维码" in page and "签到码每 30 秒更换一次，转发的照片无效" in page
    reload_ms = int(re.search(r'data-venue-reload-ms="(\d+)"', page).group(1))
    assert 0 < reload_ms <= 30_300
    assert "<script>" not in page and "http://" not in page.split("<svg")[0].replace("http://localhost", "")
    assert venue.code_matches(service.get_session(congress_db, sid).venue_secret, shown_code(staff, sid), now_utc())
    assert chair.get(f"/congress/{sid}/venue-code").status_code == 403
    assert delegate_client(app, congress_db, sitting, 0).get(f"/congress/{sid}/venue-code").status_code == 403
    assert f'action="/congress/{sid}/self-checkin/toggle"' in text(staff.get(f"/congress/{sid}/checkin"))


def test_a_delegate_types_the_code_on_the_phone_and_then_sees_the_ballot(app: Any, congress_db: Any, staff: Any,
                                                                         chair: Any,
                                                                         make_sitting: Callable[..., Sitting]) -> None:
    sitting = make_sitting(voters=2)
    sid = sitting.session_id
    phone = delegate_client(app, congress_db, sitting, 0)
    page = text(phone.get("/congress/vote"))
    form = re.search(rf'<form method="post" action="/congress/{sid}/self-checkin".*?</form>', page, re.S).group(0)
    assert 'name="csrf_token"' in form and 'inputmode="numeric"' in form and 'name="code"' in form
    assert 'value="482913"' in text(phone.get("/congress/vote?code=482913"))  # the hall's QR fills the box in
    wrong = phone.post(f"/congress/{sid}/self-checkin", data={"code": "12345"})
    assert wrong.status_code == 422 and "签到码“12345”不正确或已过期" in text(wrong)
    done = phone.post(f"/congress/{sid}/self-checkin", data={"code": shown_code(staff, sid)})
    assert done.status_code == 303
    after = text(phone.get(done.location))
    assert "签到成功，欢迎参会" in after and "self-checkin" not in after
    assert congress_db.scalars(sa.select(CheckIn.method)).all() == ["self"]
    service.check_in(congress_db, sid, sitting.voters[1], "秘书处小王")
    poll_id = open_item_vote(chair, congress_db, sitting)
    assert chair.post(f"/congress/poll/{poll_id}/open").status_code == 303
    ballot = text(phone.get("/congress/vote"))
    assert "集体合同草案表决" in ballot and "下一步：核对选择" in ballot
    assert phone.post(f"/congress/vote/{poll_id}/cast", data={"item-0": "赞成", "item-1": "弃权"}).status_code == 200


def test_staff_forbid_self_check_in_and_the_phone_is_refused(app: Any, congress_db: Any, staff: Any,
                                                             make_sitting: Callable[..., Sitting]) -> None:
    sitting = make_sitting(voters=2)
    sid = sitting.session_id
    phone = delegate_client(app, congress_db, sitting, 0)
    code = shown_code(staff, sid)
    off = staff.post(f"/congress/{sid}/self-checkin/toggle", data={"allowed": "0"})
    assert off.status_code == 303 and "已关闭手机自助签到" in text(staff.get(off.location))
    assert "self-checkin" not in text(phone.get("/congress/vote"))
    refused = phone.post(f"/congress/{sid}/self-checkin", data={"code": code})
    assert refused.status_code == 409 and "第 1 次会议没有开放手机自助签到" in text(refused)
    assert "本次会议未开放手机自助签到" in text(staff.get(f"/congress/{sid}/venue-code"))
    assert phone.post(f"/congress/{sid}/self-checkin/toggle", data={"allowed": "1"}).status_code == 403
    assert staff.post(f"/congress/{sid}/self-checkin/toggle", data={"allowed": "1"}).status_code == 303
    assert f"/congress/{sid}/self-checkin" in text(phone.get("/congress/vote"))
    assert congress_db.scalar(sa.select(sa.func.count()).select_from(CheckIn)) == 0
