"""查重: earlier motions whose subject (案由) is like a new one, within the reader's scope.

Chinese subjects have no spaces, so "like" is the share of the new subject's character pairs (and
words, for Latin text) found in the other subject, or one subject containing the other. Candidates are
fetched with ``LIKE`` on a few pairs through the register service (row scope), then scored here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from portal.records.service import RegisterService

#: Pairs of characters looked up in the database (the rest only score).
LOOKUP_PAIRS = 12
#: Share of pairs in common from which a subject counts as similar.
THRESHOLD = 0.34
LIMIT = 20
_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)
#: Words every motion uses, left out of the comparison.
_COMMON = ("关于", "建议", "提案", "的", "进一步", "加强", "问题")  # i18n: data


@dataclass(frozen=True)
class Similar:
    """One earlier motion like the subject: ``score`` 0..1."""

    record: Any
    score: float


def tokens(subject: str) -> set[str]:
    """The comparable pieces of a subject: character pairs of its Chinese text, whole Latin/number words."""
    text = subject.lower()
    for word in _COMMON:
        text = text.replace(word, " ")
    found: set[str] = set()
    for part in _NOISE.split(text):
        if not part:
            continue
        if part.isascii() or len(part) == 1:
            found.add(part)
        else:
            found.update(part[index:index + 2] for index in range(len(part) - 1))
    return found


def score(subject: str, other: str) -> float:
    """How much of ``subject`` is in ``other`` (1.0 when one contains the other)."""
    plain, other_plain = _NOISE.sub("", subject.lower()), _NOISE.sub("", other.lower())
    if plain and other_plain and (plain in other_plain or other_plain in plain):
        return 1.0
    mine, theirs = tokens(subject), tokens(other)
    return len(mine & theirs) / len(mine) if mine else 0.0


def similar(service: RegisterService, subject: str, exclude_id: int | None = None,
            limit: int = LIMIT) -> list[Similar]:
    """Motions the user may read whose subject is like ``subject``, most alike first (not ``exclude_id``)."""
    subject = (subject or "").strip()[:100]
    pieces = sorted(tokens(subject), key=lambda piece: (-len(piece), piece))[:LOOKUP_PAIRS]
    if not pieces:
        return []
    model = service.model
    query = service.query().where(sa.or_(*(model.subject.contains(piece, autoescape=True) for piece in pieces)))
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    found = [Similar(record, score(subject, record.subject or ""))
             for record in service.session.scalars(query.limit(500)).unique()]
    kept = [item for item in found if item.score >= THRESHOLD]
    return sorted(kept, key=lambda item: (-item.score, str(item.record.motion_no)))[:limit]
