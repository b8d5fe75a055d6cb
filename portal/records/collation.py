"""Names in pinyin order: the ICU collation ``zh-x-icu`` on PostgreSQL, where the server has it.

PostgreSQL built with ICU (the Debian and official packages are) ships the collation ``zh-x-icu``;
sorting a text column with it puts 阿明, 李娜, 王芳, 张伟, 赵磊 in pinyin order. SQLite has no such
collation: there text keeps code-point order (张 before 李). Whether the server has the collation is
asked once per database.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

PINYIN_COLLATION = "zh-x-icu"
#: Field types whose values are words (names, titles, options) rather than codes or numbers.
WORD_TYPES = frozenset({"string", "text", "choice"})
_AVAILABLE: dict[str, bool] = {}


def has_pinyin_collation(session: Any) -> bool:
    """True when the session's database is PostgreSQL with the ICU collation ``zh-x-icu``."""
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        return False
    key = str(bind.url)
    if key not in _AVAILABLE:
        found = session.execute(sa.text("SELECT 1 FROM pg_collation WHERE collname = :name"),
                                {"name": PINYIN_COLLATION}).first()
        _AVAILABLE[key] = found is not None
    return _AVAILABLE[key]


def sort_expression(column: Any, field_type: str, session: Any) -> Any:
    """``column`` collated for pinyin order when it holds words and the database can; else ``column``."""
    if field_type in WORD_TYPES and has_pinyin_collation(session):
        return column.collate(PINYIN_COLLATION)
    return column
