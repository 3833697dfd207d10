"""Writes the spreadsheets the import tests read, the way users' files look.

Run: python3 make_fixtures.py   (needs openpyxl from PyPI; LibreOffice for the .xls)
"""
import datetime
import os
from openpyxl import Workbook
from openpyxl.styles import Font, Alignment

HEADER = ["序号", "问题来源", "具体问题表述", "整改措施", "责任单位", "整改第一责任人", "发现时间", "整改时限", "整改进展", "备注"]


def titled(ws, title):
    ws.append([title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    ws["A1"].font = Font(bold=True, size=16)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append(["填报单位：甲镇    填报日期：2025年9月1日"])
    ws.append(HEADER)


def good():
    wb = Workbook()
    ws = wb.active
    ws.title = "整改台账"
    titled(ws, "2025年巡察反馈问题整改台账")
    ws.append([1, "巡察", "村务公开不及时", "建立公开台账", "甲一村", "张甲", "2025年3月5日", "2025-06-30", "０", ""])
    ws.append([2, "督察", "河道垃圾未清理", "组织清理", "TA", "李四", "2025/3/6", datetime.date(2025, 7, 31), 50, "已清理一半"])
    ws.append([3, "自我查摆", "会议记录不规范", "统一模板", "", "王五", "2025.3.7", 45930, "100", ""])
    ws.append([None, None, None, None, None, None, None, None, None, None])
    ws.append([4, "上级点评", "学习不够深入", "制定学习计划", "甲镇", "赵六", datetime.date(2025, 4, 1), "２０２５年１２月３１日", "20", ""])
    ws.append(["合计", None, None, None, None, None, None, None, "=SUM(I4:I8)", None])
    ws.cell(row=5, column=8).number_format = "yyyy-mm-dd"
    ws.cell(row=8, column=7).number_format = "yyyy-mm-dd"
    wb.save("rectification-good.xlsx")


def bad():
    wb = Workbook()
    ws = wb.active
    titled(ws, "整改台账（有错误）")
    ws.append([1, "巡察", "村务公开不及时", "建立公开台账", "甲一村", "张甲", "2025年3月5日", "2025-06-30", "0", ""])
    ws.append([2, "传闻", "", "组织清理", "乙镇", "李四", "2025/2/30", "2025-07-31", "150", ""])
    ws.append([3, "自我查摆", "会议记录不规范", "统一模板", "不存在的村", "王五", "2025.3.7", "2025.1.1", "10", ""])
    wb.save("rectification-errors.xlsx")


def csv_gb18030():
    rows = [["问题来源", "问题描述", "发现日期", "整改时限"],
            ["巡察", "台账缺失", "2025-05-01", "2025-08-01"],
            ["督导", "制度未上墙", "2025/5/2", "2025/9/1"]]
    text = "\r\n".join(",".join(r) for r in rows) + "\r\n"
    with open("rectification-gb18030.csv", "wb") as f:
        f.write(text.encode("gb18030"))


def hazard_states_xls():
    """A historical hazard ledger with states, as an Excel 97–2003 file: written by openpyxl,
    converted by LibreOffice (`libreoffice --headless --convert-to xls`)."""
    import subprocess
    wb = Workbook()
    ws = wb.active
    ws.title = "隐患台账"
    ws.append(["2025年甲镇隐患排查治理台账"])
    ws.merge_cells("A1:J1")
    ws.append(["序号", "排查时间", "隐患部位", "隐患描述", "隐患等级", "整改时限", "是否销号", "销号日期", "整改进展", "备注"])
    rows = [
        [1, datetime.datetime(2025, 3, 5), "配电房", "配电箱未接地", "一般隐患", datetime.datetime(2025, 4, 30), "是",
         datetime.datetime(2025, 11, 3), 1.0, "已复查"],
        [2, datetime.datetime(2025, 6, 1), "仓库", "灭火器过期", "一般隐患", datetime.datetime(2025, 12, 31), "否", None, 0.6, None],
        [3, "2025年7月2日", "通道", "消防通道堵塞", "重大隐患", "2025.9.30", "退回", None, 0.8, "复查未通过"],
    ]
    for r in rows:
        ws.append(r)
    for row in ws.iter_rows(min_row=3):
        for c in row:
            if isinstance(c.value, datetime.datetime):
                c.number_format = "yyyy-mm-dd"
        row[8].number_format = "0%"
    ws.append(["合计", None, None, "3条"])
    wb.save("hazard-states.xlsx")
    subprocess.run(["libreoffice", "--headless", "--convert-to", "xls", "hazard-states.xlsx"], check=True)
    os.remove("hazard-states.xlsx")


if __name__ == "__main__":
    good()
    bad()
    csv_gb18030()
    hazard_states_xls()
