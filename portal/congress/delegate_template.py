"""The 代表名单 template (.xlsx) the setup screen offers: the import's columns, and a sheet saying how to fill them."""

from __future__ import annotations

import io

import xlsxwriter

from portal.congress.delegate_import import COLUMNS, TEMPLATE_HEADERS
from portal.congress.models import ROLES, VOTING_ROLE
from portal.io.xlsx_export import HEADER_FORMAT, TEXT_KEPT_AS_TEXT

# The template is a Chinese spreadsheet: its headers are matched back on import, and the notes explain them.
NOTES = [
    ("身份证号", "18 位公民身份号码，按它在会员登记表中找会员（最可靠）。请把这一列设为文本，避免变成科学计数法。"),  # i18n: data
    ("姓名", "不填身份证号时按姓名找会员；同名的人请同时填写所属工会，或写成“张三 (身份证号)”。"),  # i18n: data
    ("所属工会", "会员所在工会的组织编码或名称，与姓名一起确定是哪位会员。"),  # i18n: data
    ("代表团", "代表所在的代表团，例如“第一代表团”，可不填。"),  # i18n: data
    ("选区", "代表当选的选区（选举单位），可不填。"),  # i18n: data
    ("身份", f"{'、'.join(ROLES)}之一；不填即为{VOTING_ROLE}。只有“{VOTING_ROLE}”计入应到人数并参加表决。"),  # i18n: data
    ("说明", "只能登记会员登记表中已有、且在您管理范围内的会员；文件中任何一行有错，都不会导入，"  # i18n: data
             "请按预览页列出的行号改好后重新上传。已是本届代表的人不能重复登记。"),  # i18n: data
]


def template_xlsx() -> bytes:
    """The header row on the first sheet (身份证号 kept as text), the notes on the second."""
    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out, {"in_memory": True, **TEXT_KEPT_AS_TEXT})
    sheet = workbook.add_worksheet("代表名单")  # i18n: data
    header = workbook.add_format(HEADER_FORMAT)
    text = workbook.add_format({"num_format": "@"})
    for index, label in enumerate(TEMPLATE_HEADERS):
        sheet.write_string(0, index, label, header)
        sheet.set_column(index, index, 22 if label == "身份证号" else 14, text if label == "身份证号" else None)  # i18n: data
    roles = list(COLUMNS).index("role")
    sheet.data_validation(1, roles, 5000, roles, {"validate": "list", "source": list(ROLES), "ignore_blank": True})
    sheet.freeze_panes(1, 0)
    notes = workbook.add_worksheet("填写说明")  # i18n: data
    notes.set_column(0, 0, 12)
    notes.set_column(1, 1, 90)
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    for row, (label, note) in enumerate(NOTES):
        notes.write_string(row, 0, label, header)
        notes.write_string(row, 1, note, wrap)
    workbook.close()
    return out.getvalue()
