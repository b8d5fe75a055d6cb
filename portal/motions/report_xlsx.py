"""The session report 提案办理情况报告 as an .xlsx: the summary, the counts, then one row per motion."""

from __future__ import annotations

import io

import xlsxwriter

from portal.io.xlsx_export import HEADER_FORMAT, TEXT_KEPT_AS_TEXT
from portal.motions.report import Report

COLUMNS = (("提案编号", 12), ("案由", 30), ("提案人", 10), ("附议人数", 8), ("性质", 10), ("状态", 16),
           ("主办单位", 16), ("协办单位", 16), ("答复类别", 20), ("书面答复", 50), ("提案人意见", 10))


def report_xlsx(report: Report) -> bytes:
    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out, {"in_memory": True, **TEXT_KEPT_AS_TEXT})
    sheet = workbook.add_worksheet("提案办理情况")
    title = workbook.add_format({"bold": True, "font_size": 16})
    header = workbook.add_format(HEADER_FORMAT)
    text = workbook.add_format({"text_wrap": True, "valign": "top", "border": 1})
    sheet.write_string(0, 0, f"{report.session}提案办理情况报告", title)
    sheet.write_string(1, 0, report.summary())
    row = 3
    for heading, counts in (("按状态", report.by_status), ("按答复类别", report.by_class),
                            ("按提案人意见", report.by_satisfaction)):
        sheet.write_string(row, 0, heading, header)
        for column, (name, count) in enumerate(counts, start=1):
            sheet.write_string(row, column, f"{name} {count} 件", text)
        row += 1
    row += 1
    for column, (name, width) in enumerate(COLUMNS):
        sheet.set_column(column, column, width)
        sheet.write_string(row, column, name, header)
    for line in report.lines:
        row += 1
        values = (line.motion_no, line.subject, line.proposer, str(line.cosigners), line.kind, line.status,
                  line.lead_department, line.co_department, line.reply_class, line.reply, line.satisfaction)
        for column, value in enumerate(values):
            sheet.write_string(row, column, value, text)
    sheet.set_paper(9)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    workbook.close()
    return out.getvalue()
