"""portal.congress.venue: the rotating venue code and self check-in by phone, with the clock injected."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Callable

import pytest
import sqlalchemy as sa

from portal.congress import service, venue
from portal.congress.errors import InvalidInput, NotFound, WrongState
from portal.congress.models import CheckIn
from portal.security.audit import AuditEntry

from .conftest import Sitting
from .test_views import give_email

#: The start of a 30-second window (a multiple of 30 seconds since 1970, in UTC).
WINDOW_START = datetime(2026, 3, 20, 9, 0, 0)
SECRET = "0123456789abcdef" * 4


def other_code(*avoid: str) -> str:
    """A six-digit code none of ``avoid``."""
    return next(f"{n:06d}" for n in range(10 ** 6) if f"{n:06d}" not in avoid)


def test_the_code_has_six_digits_stays_for_its_window_and_changes_with_the_next() -> None:
    code = venue.venue_code(SECRET, WINDOW_START)
    assert len(code) == 6 and code.isdigit()
    assert venue.venue_code(SECRET, WINDOW_START + timedelta(seconds=29.9)) == code
    following = [venue.venue_code(SECRET, WINDOW_START + timedelta(seconds=30 * n)) for n in range(1, 6)]
    assert code not in following and len(set(following)) == 5
    assert venue.venue_code("another session's secret", WINDOW_START) != code
    assert venue.seconds_left(WINDOW_START + timedelta(seconds=20)) == 10


def test_the_current_and_the_previous_window_are_accepted_older_ones_and_others_are_not() -> None:
    code = venue.venue_code(SECRET, WINDOW_START)
    assert venue.code_matches(SECRET, code, WINDOW_START + timedelta(seconds=5))
    assert venue.code_matches(SECRET, code, WINDOW_START + timedelta(seconds=59))
    assert not venue.code_matches(SECRET, code, WINDOW_START + timedelta(seconds=60))
    assert not venue.code_matches(SECRET, code, WINDOW_START - timedelta(seconds=1))
    next_code = venue.venue_code(SECRET, WINDOW_START + timedelta(seconds=30))
    assert not venue.code_matches(SECRET, other_code(code, next_code), WINDOW_START + timedelta(seconds=40))


@pytest.fixture()
def seated(congress_db: Any, make_sitting: Callable[..., Sitting]) -> Sitting:
    """A frozen session of three voting delegates and one guest; each has an e-mail."""
    sitting = make_sitting(voters=3, guests=1)
    for index, delegate_id in enumerate(sitting.voters + sitting.guests):
        give_email(congress_db, delegate_id, f"seat{index}@factory.example")
    return sitting


def code_now(db: Any, sitting: Sitting, now: datetime) -> str:
    return venue.current_code(db, sitting.session_id, now)[1]


def check_in(db: Any, sitting: Sitting, typed: str, now: datetime, index: int = 0) -> Any:
    return venue.self_check_in(db, sitting.session_id, f"seat{index}@factory.example", typed, f"cg_seat{index}", now)


def test_a_delegate_checks_in_with_the_code_by_self_audited_and_a_second_time_changes_nothing(
        congress_db: Any, seated: Sitting) -> None:
    code = code_now(congress_db, seated, WINDOW_START)
    event = check_in(congress_db, seated, f" {code[:3]} {code[3:]} ", WINDOW_START + timedelta(seconds=45))
    assert (event.method, event.direction, event.by) == ("self", "in", "cg_seat0")
    assert service.attendance(congress_db, seated.session_id).present == 1
    entry = congress_db.scalars(sa.select(AuditEntry).where(AuditEntry.action == "congress")
                                .order_by(AuditEntry.id.desc()).limit(1)).one()
    assert entry.username == "cg_seat0" and entry.detail == "代表000签到（自助）"
    assert check_in(congress_db, seated, "000000", WINDOW_START + timedelta(seconds=600)) is None
    assert congress_db.scalar(sa.select(sa.func.count()).select_from(CheckIn)) == 1


def test_an_expired_or_wrong_code_is_refused_in_chinese(congress_db: Any, seated: Sitting) -> None:
    code = code_now(congress_db, seated, WINDOW_START)
    with pytest.raises(InvalidInput) as expired:
        check_in(congress_db, seated, code, WINDOW_START + timedelta(seconds=61))
    assert f"签到码“{code}”不正确或已过期：请输入会场大屏上当前显示的 6 位数字。还可再试 4 次。" == expired.value.message
    with pytest.raises(InvalidInput, match="签到码“12ab”不正确或已过期"):
        check_in(congress_db, seated, "12ab", WINDOW_START)
    assert service.attendance(congress_db, seated.session_id).present == 0


def test_five_wrong_codes_make_the_account_wait_even_for_the_right_one(congress_db: Any, seated: Sitting) -> None:
    now = WINDOW_START + timedelta(seconds=10)
    code = code_now(congress_db, seated, now)
    wrong = other_code(code, code_now(congress_db, seated, now - timedelta(seconds=30)))
    for _ in range(venue.MAX_FAILURES):
        with pytest.raises(InvalidInput):
            check_in(congress_db, seated, wrong, now)
    with pytest.raises(venue.TooManyAttempts) as locked:
        check_in(congress_db, seated, code, now)
    assert locked.value.status == 429 and "签到码已连续输错 5 次，为防止猜码，请 5 分钟后再试" in locked.value.message
    assert check_in(congress_db, seated, code, now, index=1).method == "self"  # the limit is per account
    later = now + timedelta(seconds=venue.LOCK_SECONDS)
    assert check_in(congress_db, seated, code_now(congress_db, seated, later), later).method == "self"
    assert service.attendance(congress_db, seated.session_id).present == 2


def test_only_a_seated_delegate_of_a_session_open_to_self_check_in_may_check_in(congress_db: Any,
                                                                                  seated: Sitting) -> None:
    code = code_now(congress_db, seated, WINDOW_START)
    with pytest.raises(NotFound, match="您在第 1 次会议没有表决席位，不能自助签到"):
        check_in(congress_db, seated, code, WINDOW_START, index=3)  # 特邀/列席 hold no seat
    with pytest.raises(NotFound, match="您的账号没有对应的代表"):
        venue.self_check_in(congress_db, seated.session_id, "stranger@factory.example", code, "stranger",
                            WINDOW_START)
    venue.set_self_checkin(congress_db, seated.session_id, False, "秘书处小王")
    with pytest.raises(WrongState, match="第 1 次会议没有开放手机自助签到，请到签到台出示代表证签到"):
        check_in(congress_db, seated, code, WINDOW_START)
    assert venue.pending(congress_db, "seat0@factory.example") == []
    venue.set_self_checkin(congress_db, seated.session_id, True, "秘书处小王")
    assert [p.session_id for p in venue.pending(congress_db, "seat0@factory.example")] == [seated.session_id]
    assert check_in(congress_db, seated, code, WINDOW_START).method == "self"
    assert venue.pending(congress_db, "seat0@factory.example") == []
    assert service.attendance(congress_db, seated.session_id).present == 1


def test_a_roster_not_yet_frozen_refuses_self_check_in(congress_db: Any, make_sitting: Callable[..., Sitting]) -> None:
    sitting = make_sitting(voters=2, freeze=False)
    give_email(congress_db, sitting.voters[0], "seat0@factory.example")
    with pytest.raises(WrongState, match="代表名单还没有冻结"):
        check_in(congress_db, sitting, code_now(congress_db, sitting, WINDOW_START), WINDOW_START)
