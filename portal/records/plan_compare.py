"""A re-imported row that changes nothing, told at C speed: most rows of a re-import are such rows."""

from __future__ import annotations

from operator import itemgetter
from typing import Any, Callable, Sequence

#: ``(values of a file's row, the stored record's fetched columns)`` -> whether the row leaves it as it is.
UnchangedTest = Callable[[dict[str, Any], tuple[Any, ...]], bool]


def unchanged_test(compare_at: Sequence[tuple[str, str, int, Any]]) -> UnchangedTest | None:
    """The test for ``compare_at`` (field name, column, its place in a fetched row, field), or ``None`` when no
    field is compared. A field the row does not give keeps its stored value, so it is taken from the record; the
    row is unchanged when every other field equals the stored one, as the field-by-field comparison finds."""
    names = tuple(name for name, _, _, _ in compare_at)
    if not names:
        return None
    places = [at for _, _, at, _ in compare_at]
    stored: Callable[[tuple[Any, ...]], tuple[Any, ...]] = (
        itemgetter(*places) if len(places) > 1 else (lambda current: (current[places[0]],)))

    def unchanged(values: dict[str, Any], current: tuple[Any, ...]) -> bool:
        kept = stored(current)
        return tuple(map(values.get, names, kept)) == kept

    return unchanged
