"""Stored UTC timestamps read as China Standard Time."""

from datetime import date, datetime

from portal.domain.china_time import china_date, china_datetime


def test_an_early_morning_in_beijing_is_that_day_not_the_utc_one() -> None:
    assert china_date(datetime(2026, 3, 19, 23, 30)) == date(2026, 3, 20)
    assert china_datetime(datetime(2026, 3, 19, 23, 30)).strftime("%Y-%m-%d %H:%M") == "2026-03-20 07:30"
    assert china_date(datetime(2026, 3, 20, 15, 59)) == date(2026, 3, 20)
