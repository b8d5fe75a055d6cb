"""Dates written relative to today in report filters: ``today``, ``month_start``, ``year_start``, each
optionally moved by days, months or years (``today+90d``, ``month_start-11m``, ``year_start-1y``)."""

from __future__ import annotations

import re
from datetime import date, timedelta

RELATIVE = re.compile(r"^(today|month_start|year_start)(?:([+-])(\d{1,4})([dmy]))?$")


def is_relative(text: object) -> bool:
    return isinstance(text, str) and RELATIVE.match(text.strip()) is not None


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months, clamped to the last day of the month reached."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    for last in (31, 30, 29, 28):
        try:
            return date(year, month + 1, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - a month always has 28 days


def resolve(text: str, today: date) -> date:
    """The date ``text`` names on ``today``; ``ValueError`` when it is not such a text."""
    found = RELATIVE.match(text.strip())
    if not found:
        raise ValueError(f"not a relative date: {text!r}")
    anchor, sign, amount, unit = found.groups()
    day = {"today": today, "month_start": today.replace(day=1), "year_start": date(today.year, 1, 1)}[anchor]
    if not sign:
        return day
    count = int(amount) * (1 if sign == "+" else -1)
    if unit == "d":
        return day + timedelta(days=count)
    return add_months(day, count * (12 if unit == "y" else 1))
