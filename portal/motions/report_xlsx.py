"""The session report 提案办理情况报告 as an .xlsx: the summary, the counts, then one row per motion; a second
sheet holds the previous session's resolutions, one row per task and per inspection."""

from __future__ import annotations

import io
from typing import Any

import xlsxwriter

from portal.io.xlsx_export import HEADER_FORMAT, TEXT_KEPT_AS_TEXT
from portal.motions.report import Report

COLUMNS = (("提案编号", 12), ("案由", 30), ("提案人", 10), ("附议人数", 8), ("性质", 10), ("状态", 16),
           ("主办单位", 16), ("协办单位", 16), ("答复类别", 20), ("书面答复", 50), ("提案人意见", 10))
RESOLUTION_COLUMNS = (("决议编号", 12), ("决议名称", 30), ("落实状态", 10), ("类别", 10), ("任务或检查", 30),
                      ("责任部门或参加代表", 20), ("期限或日期", 12), ("进度", 8), ("状态", 10), ("说明或发现", 50))


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
    for each in (sheet, _resolutions_sheet(workbook, report, title, header, text)):
        each.set_paper(9)
        each.set_landscape()
        each.fit_to_pages(1, 0)
    workbook.close()
    return out.getvalue()


def _resolutions_sheet(workbook: Any, report: Report, title: Any, header: Any, text: Any) -> Any:
    """决议落实情况: one row per task (with its progress) and per inspection of each resolution."""
    sheet = workbook.add_worksheet("决议落实情况")
    sheet.write_string(0, 0, f"{report.previous or '上次会议'}决议落实情况", title)
    sheet.write_string(1, 0, report.resolutions_summary() or "没有上次会议的决议。")
    row = 3
    for column, (name, width) in enumerate(RESOLUTION_COLUMNS):
        sheet.set_column(column, column, width)
        sheet.write_string(row, column, name, header)
    for view in report.resolutions:
        record = view.record
        head = (record.resolution_no, record.title, record.status)
        lines = [("任务", f"{task.task_no} {task.content}", task.department.name if task.department else "",
                  str(task.due_on or ""), f"{task.progress or 0}%", task.status or "", task.notes or "")
                 for task in view.tasks]
        lines += [("巡视检查", inspection.inspection_no, inspection.members or "", str(inspection.inspected_on or ""),
                   "", "", inspection.findings or "") for inspection in view.inspections]
        for line in lines or [("", "未分解落实任务", "", "", "", "", "")]:
            row += 1
            for column, value in enumerate((*head, *line)):
                sheet.write_string(row, column, str(value), text)
    return sheet
