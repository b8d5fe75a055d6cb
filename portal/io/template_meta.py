"""The hidden ``_portal`` sheet of an import template: which register, which schema version, which columns.

``meta_rows`` gives the rows written into the sheet; ``parse_meta`` reads them back from whatever a
spreadsheet reader returns (numbers may come back as ``1.0``, cells as ``None`` or ``""``) and
gives ``None`` for a missing or damaged sheet. ``version_changes`` turns an outdated template into
Chinese sentences for the clerk.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from portal.io.columns import REQUIRED_MARK, header_text
from portal.registry.spec import FieldSpec, RegisterSpec

META_SHEET = "_portal"
#: First cell of the sheet; anything else on that row is a note for a curious reader.
MARKER = "portal_template"
_NOTE = "此工作表由系统使用，用于识别模板的登记簿和版本，请勿修改或删除。"


@dataclass(frozen=True)
class TemplateMeta:
    """What the ``_portal`` sheet says about the template a file was made from."""

    register: str
    version: int
    columns: tuple[tuple[str, str], ...] = ()  # (field name, header text) in template order

    @property
    def headers(self) -> dict[str, str]:
        return dict(self.columns)


def meta_rows(spec: RegisterSpec, fields: Sequence[FieldSpec], locale: str = "zh") -> list[list[Any]]:
    """Rows for the ``_portal`` sheet: marker, register slug, version, then one row per column."""
    rows: list[list[Any]] = [
        [MARKER, _NOTE],
        ["register", spec.slug],
        ["version", spec.version],
        ["label", spec.label.zh],
    ]
    rows.extend(["column", field.name, header_text(field, locale)] for field in fields)
    return rows


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _version(value: Any) -> int | None:
    """A positive whole number from 1, 1.0, "1" or "1.0"; ``None`` for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            return None
        number = int(value)
    elif isinstance(value, str):
        try:
            parsed = float(value.strip())
        except ValueError:
            return None
        if not parsed.is_integer():
            return None
        number = int(parsed)
    else:
        return None
    return number if number >= 1 else None


def parse_meta(rows: list[list[Any]] | None) -> TemplateMeta | None:
    """Read the ``_portal`` sheet's rows; ``None`` when absent or unreadable (never raises)."""
    if not rows or not isinstance(rows, (list, tuple)):
        return None
    register = ""
    version: int | None = None
    columns: list[tuple[str, str]] = []
    try:
        for row in rows:
            if not isinstance(row, (list, tuple)) or not row:
                continue
            key = _text(row[0]).lower()
            cells = list(row[1:])
            if key == "register" and cells:
                register = _text(cells[0])
            elif key == "version" and cells:
                version = _version(cells[0])
            elif key == "column" and len(cells) >= 2 and _text(cells[0]):
                columns.append((_text(cells[0]), _text(cells[1])))
    except Exception:  # a damaged sheet is the same as no sheet
        return None
    if not register or version is None:
        return None
    return TemplateMeta(register=register, version=version, columns=tuple(columns))


def _bare(header: str) -> str:
    return header.rstrip(REQUIRED_MARK).strip()


def _current_header(field: FieldSpec, old: str | None) -> str:
    """The current header in the language of the old one (a template may be downloaded in English)."""
    english = header_text(field, "en")
    if old is not None and _bare(old) == _bare(english) != _bare(header_text(field)):
        return english
    return header_text(field)


def _quoted(items: Sequence[str]) -> str:
    return "、".join(f"“{item}”" for item in items)


def version_changes(meta: TemplateMeta, spec: RegisterSpec, fields: Sequence[FieldSpec]) -> list[str]:
    """Chinese sentences explaining how the file's template differs from the current one ([] if same)."""
    if meta.register != spec.slug:
        return [
            f"此文件是另一个登记簿（{meta.register}）的导入模板，不能导入到“{spec.label.zh}”；"
            f"请下载“{spec.label.zh}”的导入模板后重新填写。"
        ]
    if meta.version == spec.version:
        return []
    sentences = [f"此文件使用的是第 {meta.version} 版导入模板，当前是第 {spec.version} 版。"]
    if meta.columns:
        old = meta.headers
        current = {field.name: _current_header(field, old.get(field.name)) for field in fields}
        added = [header for name, header in current.items() if name not in old]
        removed = [header for name, header in meta.columns if name not in current]
        renamed = [f"“{old[name]}”改为“{header}”" for name, header in current.items()
                   if name in old and _bare(old[name]) != _bare(header)]
        marked = [(header, header.endswith(REQUIRED_MARK)) for name, header in current.items()
                  if name in old and header != old[name] and _bare(old[name]) == _bare(header)]
        now_required = [header for header, required in marked if required]
        now_optional = [header for header, required in marked if not required]
        if added:
            sentences.append(f"新增的列：{_quoted(added)}。")
        if removed:
            sentences.append(f"已删除的列：{_quoted(removed)}，这些列的内容不会再导入。")
        if renamed:
            sentences.append(f"改名的列：{'；'.join(renamed)}。")
        if now_required:
            sentences.append(f"改为必填的列：{_quoted(now_required)}。")
        if now_optional:
            sentences.append(f"不再必填的列：{_quoted(now_optional)}。")
        if len(sentences) == 1:
            sentences.append("列没有变化，但填写规则（例如可选值或格式）可能已经调整。")
    sentences.append("请下载新的导入模板，把数据复制到新模板对应的列后再导入。")
    return sentences
