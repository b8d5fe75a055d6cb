"""HTML to A4 PDF with WeasyPrint: fonts embedded (subset), and every character without a glyph
in the font that drew it reported, so a form never goes out with empty boxes unnoticed."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable, Iterable

log = logging.getLogger(__name__)

#: Called after each part is laid out: (parts done, parts in all).
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Printed:
    pdf: bytes
    pages: int
    #: Characters some font drew as an empty box (no glyph for them), in order of first use.
    missing: str
    #: The PostScript names of the fonts embedded in the PDF.
    fonts: tuple[str, ...]


def render_pdf(parts: Iterable[str], count: int = 0, progress: Progress | None = None, title: str = "") -> Printed:
    """Lay out each HTML part (a form, or a list sheet) and write their pages as one PDF."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()
    documents: list[Any] = []
    for index, html in enumerate(parts, start=1):
        documents.append(HTML(string=html, base_url=None).render(font_config=fonts))
        if progress:
            progress(index, count or index)
    if not documents:
        raise ValueError("nothing to print")
    pages = [page for document in documents for page in document.pages]
    combined = documents[0].copy(pages)
    combined.metadata.title = title or combined.metadata.title
    pdf = combined.write_pdf()
    missing = "".join(dict.fromkeys(chr(code) for font in combined.fonts.values() for code in font.missing))
    if missing:
        log.warning("printed characters without a glyph: %r", missing)
    names = tuple(sorted({font.name.decode("ascii", "replace").lstrip("/") for font in combined.fonts.values()}))
    return Printed(pdf, len(pages), missing, names)
