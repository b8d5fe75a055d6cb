"""The shipped print templates drawn to PDF: every font embedded, every character has a glyph, and
the text read back from the PDF is the text printed."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from portal.printing.render import render_pdf
from portal.printing.templates import list_html, record_html
from portal.registry.loader import load_registry
from portal.registry.spec import FieldSpec, RegisterSpec
from portal.security.access import SYSTEM_ACCESS
from tests.printing.pdf import pdf_fonts, pdf_pages, pdf_text

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
REGISTRY = load_registry(SCHEMAS)
NOW = datetime(2026, 3, 1, 8, 30)
#: Names with characters that are rare in running text but common in names.
RARE_NAMES = ("欧阳喆", "王赟堃", "龚昇", "司马懿")


def sample(field: FieldSpec, index: int) -> Any:
    """A value of the field's type (a link as an object whose str is the linked record's title)."""
    if field.type == "link":
        return _Title(f"第一机械厂工会{index}")
    if field.type == "choice":
        return field.choice_values[index % len(field.choice_values)]
    return {
        "string": f"{RARE_NAMES[index % len(RARE_NAMES)]}", "text": "家庭成员长期患病，需定期复查。",
        "integer": 3 + index, "decimal": Decimal("2.5"), "money": Decimal("1234.56") + index,
        "date": date(2020, 1, 5 + index), "month": date(2026, 2, 1), "boolean": bool(index % 2),
        "id_card": "11010519491231002X", "phone": "13812345678", "email": f"zhang{index}@example.cn",
    }[field.type]


class _Title(str):
    """A linked record: prints as its title."""


def record(spec: RegisterSpec, index: int = 0) -> SimpleNamespace:
    return SimpleNamespace(id=index + 1, **{field.name: sample(field, index) for field in spec.fields})


FORMS = [(spec, form) for spec in REGISTRY for form in spec.prints]


@pytest.mark.parametrize(("spec", "form"), FORMS, ids=[f"{spec.slug}.{form.name}" for spec, form in FORMS])
def test_each_shipped_form_prints_every_character_with_embedded_fonts(spec: RegisterSpec, form: Any) -> None:
    records = [record(spec, index) for index in range(3)]
    if form.kind == "list":
        parts = [list_html(str(SCHEMAS), spec, form, records, SYSTEM_ACCESS, "管理员", NOW)]
    else:
        parts = [record_html(str(SCHEMAS), spec, form, item, SYSTEM_ACCESS, "管理员", NOW) for item in records]
    printed = render_pdf(parts, len(parts), title=form.label.zh)
    assert printed.missing == ""  # a character without a glyph would print as an empty box
    assert printed.pages == len(parts) == pdf_pages(printed.pdf)
    fonts = pdf_fonts(printed.pdf)
    assert fonts and all(font["emb"] == "yes" and font["uni"] == "yes" for font in fonts), fonts
    assert all("NotoSansCJK" in font["name"].replace("-", "") or "NotoSerifCJK" in font["name"].replace("-", "")
               for font in fonts), fonts
    text = "".join(pdf_text(printed.pdf).split())
    assert form.label.zh in text and "打印人：管理员" in text
    for field in spec.fields:
        if field.type == "string" and f"f.{field.name}" in (SCHEMAS / "print" / form.template).read_text("utf-8"):
            assert str(getattr(records[0], field.name)) in text


def test_a_character_no_font_has_is_reported() -> None:
    html = "<html><body><p>会员登记表 \u0378 张三</p></body></html>"  # U+0378: unassigned, in no font
    printed = render_pdf([html])
    assert printed.missing == "\u0378"


def test_masked_values_stay_masked_on_paper() -> None:
    spec = REGISTRY.get("members")
    form = spec.print_form("registration")
    assert form is not None
    reader = SimpleNamespace(hidden=lambda spec, field: field.sensitive or bool(field.masked_with),
                             username="viewer")
    html = record_html(str(SCHEMAS), spec, form, record(spec), reader, "viewer", NOW)  # type: ignore[arg-type]
    text = "".join(pdf_text(render_pdf([html]).pdf).split())
    assert "11010519491231002X" not in text and "110105********002X" in text
    assert "13812345678" not in text and "138****5678" in text


def test_nothing_to_print_is_refused() -> None:
    with pytest.raises(ValueError):
        render_pdf([])
