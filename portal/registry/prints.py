"""The ``print:`` section of a register file: printable forms, each a Jinja template under
``schemas/print/`` (beside the YAML that names it, so a form is changed without touching Python).

Checked when the schemas load (``portal check`` and start-up): the keys, a unique ``name``, the
``kind``, and that the template exists and parses as Jinja.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jinja2

from portal.registry import meta
from portal.registry.problems import ProblemList
from portal.registry.spec import Label, PrintForm

PRINT_FOLDER = "print"
NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def template_folder(schemas_dir: Path) -> Path:
    """Where the print templates of the registers in ``schemas_dir`` live."""
    return Path(schemas_dir) / PRINT_FOLDER


def read_prints(raw: Any, schemas_dir: Path, problems: ProblemList) -> tuple[PrintForm, ...]:
    if not isinstance(raw, list):
        problems.add("E005", "print", "print 应为打印表单列表（name、label、template、kind）")
        return ()
    forms: list[PrintForm] = []
    for index, item in enumerate(raw):
        path = f"print[{index}]"
        if not isinstance(item, dict):
            problems.add("E005", path, "每个打印表单应为映射（name、label、template、kind）")
            continue
        form = _read_form(item, path, schemas_dir, problems)
        if form is None:
            continue
        if any(other.name == form.name for other in forms):
            problems.add("E036", f"{path}.name", f"打印表单名称 '{form.name}' 重复，请改名")
            continue
        forms.append(form)
    return tuple(forms)


def _read_form(item: dict[str, Any], path: str, schemas_dir: Path, problems: ProblemList) -> PrintForm | None:
    known = meta.keys_by_name(meta.PRINT_KEYS)
    for key in item:
        if key not in known:
            problems.add("E003", f"{path}.{key}", f"未知的键 '{key}'，可用的键：{', '.join(known)}")
    for spec in meta.PRINT_KEYS:
        if spec.required and spec.name not in item:
            problems.add("E004", f"{path}.{spec.name}", f"缺少必填的键 '{spec.name}'：{spec.doc}")
    name, template, kind = item.get("name"), item.get("template"), item.get("kind", "record")
    label = item.get("label")
    if not isinstance(name, str) or not NAME.match(name):
        if name is not None:
            problems.add("E036", f"{path}.name", f"打印表单名称 {name!r} 只能用小写英文字母、数字和下划线，并以字母开头")
        return None
    if kind not in meta.PRINT_KINDS:
        problems.add("E036", f"{path}.kind", f"kind 应为 record（每条记录一份）或 list（所选记录列在一张表上），当前为 {kind!r}")
        return None
    if not (isinstance(label, dict) and set(label) == {"zh", "en"} and all(isinstance(v, str) and v for v in label.values())):
        if label is not None:
            problems.add("E005", f"{path}.label", f"应为中英文名称 {{zh: ..., en: ...}}，当前为 {label!r}")
        return None
    if not isinstance(template, str) or not template:
        if template is not None:
            problems.add("E005", f"{path}.template", f"'template' 应为文本，当前为 {template!r}")
        return None
    _check_template(template_folder(schemas_dir), template, f"{path}.template", problems)
    return PrintForm(name=name, label=Label(label["zh"], label["en"]), template=template, kind=kind)


def _check_template(folder: Path, template: str, path: str, problems: ProblemList) -> None:
    file = (folder / template).resolve()
    if not file.is_relative_to(folder.resolve()) or not file.is_file():
        problems.add("E037", path, f"找不到模板文件 {PRINT_FOLDER}/{template}（应放在 schemas/{PRINT_FOLDER}/ 下）")
        return
    try:
        jinja2.Environment(autoescape=True).parse(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, jinja2.TemplateSyntaxError) as error:
        line = f"第 {error.lineno} 行：" if isinstance(error, jinja2.TemplateSyntaxError) else ""
        problems.add("E037", path, f"模板 {PRINT_FOLDER}/{template} 不是合法的 Jinja 模板：{line}{error}")
