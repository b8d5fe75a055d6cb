"""Timestamps are stored in UTC; people read them in China Standard Time."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

CHINA_TIME = ZoneInfo("Asia/Shanghai")


def china_datetime(value: datetime) -> datetime:
    """A naive UTC timestamp (as stored) in China Standard Time."""
    return value.replace(tzinfo=UTC).astimezone(CHINA_TIME)


def china_date(value: datetime) -> date:
    """The calendar day in China of a naive UTC timestamp (a result published at 07:00 Beijing is that day's)."""
    return china_datetime(value).date()
