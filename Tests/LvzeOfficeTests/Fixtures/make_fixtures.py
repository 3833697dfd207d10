#!/usr/bin/env python3
"""Creates the spreadsheet fixtures of LvzeOfficeTests with programs other than Lvze itself.

    pip install openpyxl xlsxwriter msoffcrypto-tool xlwt
    python3 make_fixtures.py                      # regenerate the small fixtures next to this file
    python3 make_fixtures.py --bench /tmp/b.xlsx  # a 100,000-row, 13-column ledger for timing (not a fixture)

hazard-ledger-libreoffice.xlsx also needs LibreOffice (apt-get install libreoffice-calc-nogui).
The fixtures are deterministic (fixed dates, seeded random bytes) so regenerating them changes nothing
the tests assert on.
"""
import argparse
import datetime
import os
import random
import shutil
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

HEADER = ["序号", "排查时间", "排查人", "隐患部位", "隐患描述", "隐患等级",
          "整改措施", "整改期限", "责任部门", "整改资金", "是否销号"]


TITLE = "2025年第一季度隐患排查治理台账"
DATE = datetime.date(2025, 3, 5)
DEADLINE = datetime.date(2025, 3, 31)

# Rows 3 to 7 of the ledger. Dates appear in every form users type; ("date", d, fmt) is a real date cell.
ROWS = [
    [1, "2025年3月5日", "张伟", "3号车间配电箱", '  电缆<老化> & "破损"  ', "一般",
     "更换电缆", "2025-03-20", "设备科", 1200.5, "是"],
    [2, "2025-03-05", "李娜", "仓库", "消防通道堆放杂物\n影响疏散", "较大",
     "清理杂物", "2025/4/1", "设备科", 0, "否"],
    [3, "2025/3/5", "王强", "食堂", "=燃气管道未固定", "一般",
     "加装管卡", "2025.3.25", "后勤处", 300, "是"],
    [4, ("date", DATE, "yyyy-mm-dd"), "赵敏", "办公楼", "应急灯损坏", "一般",
     "更换应急灯", ("date", DEADLINE, 'yyyy"年"m"月"d"日"'), "办公室", 45.25, "否"],
    [5, 45721, "孙丽", "锅炉房", "压力表超期未检", "重大",
     "送检压力表", "２０２５年３月２８日", "动力科", 800, True],
]


def hazard_ledger_openpyxl(path):
    """隐患排查治理台账 as openpyxl writes it (inline strings, formulas without cached values)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "隐患台账"
    ws["A1"] = TITLE
    ws["A1"].font = Font(bold=True, size=16)
    ws.merge_cells("A1:K1")
    ws.append(HEADER)  # row 2
    for r, row in enumerate(ROWS, start=3):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c)
            if isinstance(value, tuple):
                cell.value = value[1]
                cell.number_format = value[2]
            else:
                cell.value = value
                if isinstance(value, str) and value.startswith("="):
                    cell.data_type = "s"  # text that merely looks like a formula
    # Row 8 is left empty on purpose; row 9 has values only in A, C and K.
    ws["A9"] = 6
    ws["C9"] = "周杰"
    ws["K9"] = "否"
    ws["A10"] = "合计"
    ws["J10"] = "=SUM(J3:J9)"
    ws.column_dimensions["E"].width = 30
    wb.save(path)


def hazard_ledger_xlsxwriter(path):
    """The same ledger as Excel stores it (shared strings, a rich-text run, cached formula results)."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("隐患台账")
    title = wb.add_format({"bold": True, "font_size": 16, "align": "center"})
    bold = wb.add_format({"bold": True})
    ws.merge_range("A1:K1", TITLE, title)
    ws.write_row(1, 0, HEADER)
    for r, row in enumerate(ROWS, start=2):
        for c, value in enumerate(row):
            if isinstance(value, tuple):
                ws.write_datetime(r, c, datetime.datetime.combine(value[1], datetime.time()),
                                  wb.add_format({"num_format": value[2]}))
            elif isinstance(value, bool):
                ws.write_boolean(r, c, value)
            elif isinstance(value, (int, float)):
                ws.write_number(r, c, value)
            else:
                ws.write_string(r, c, value)
    ws.write_rich_string(2, 3, bold, "3号车间", "配电箱")  # D3: same text, two runs
    ws.write_number(8, 0, 6)
    ws.write_string(8, 2, "周杰")
    ws.write_string(8, 10, "否")
    ws.write_string(9, 0, "合计")
    ws.write_formula(9, 8, "=1/0", None, "#DIV/0!")
    ws.write_formula(9, 9, "=SUM(J3:J9)", None, 2345.75)
    ws.write_formula(9, 10, '=IF(J10>0,"有资金","")', None, "有资金")
    ws.set_column(4, 4, 30)
    wb.close()


def libreoffice_copy(source, path):
    """The ledger opened and saved again by LibreOffice Calc (shared strings, its own date format codes)."""
    soffice = shutil.which("soffice")
    if soffice is None:
        raise SystemExit("LibreOffice is needed for %s: apt-get install libreoffice-calc-nogui" % path)
    with tempfile.TemporaryDirectory() as out:
        subprocess.run([soffice, "--headless", "--calc", "--convert-to", "xlsx:Calc MS Excel 2007 XML",
                        "--outdir", out, source], check=True, capture_output=True)
        produced = os.path.join(out, os.path.splitext(os.path.basename(source))[0] + ".xlsx")
        shutil.move(produced, path)


def dates_1904(path):
    """A workbook in the 1904 date system (old Mac Excel), where serial 0 is 1904-01-01."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(path, {"date_1904": True})
    ws = wb.add_worksheet()
    ws.write_string(0, 0, "排查时间")
    ws.write_datetime(1, 0, datetime.datetime(2025, 3, 5), wb.add_format({"num_format": "yyyy-mm-dd"}))
    wb.close()


def encrypted(source, path):
    """A real password-protected workbook (an OLE compound file holding EncryptedPackage)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    with open(source, "rb") as plain, open(path, "wb") as out:
        OOXMLFile(plain).encrypt("lvze-2025", out)


def legacy_xls(path):
    """A real Excel 97-2003 workbook, the format users still attach to mail."""
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("隐患台账")
    for c, title in enumerate(HEADER[:3]):
        ws.write(0, c, title)
    wb.save(path)


def two_sheets(path):
    """A workbook with two sheets, the second one hidden, for sheet listing and selection."""
    from openpyxl import Workbook

    wb = Workbook()
    first = wb.active
    first.title = "汇总"
    first.append(["单位", "隐患数"])
    first.append(["一中队", 3])
    second = wb.create_sheet("明细")
    second.append(["单位", "隐患描述"])
    second.append(["一中队", "灭火器过期"])
    second.append(["二中队", "疏散指示灯不亮"])
    second.sheet_state = "hidden"
    wb.save(path)


CSV_ROWS = [
    ["序号", "隐患描述", "排查时间", "整改资金"],
    ["1", "电缆老化，需更换", "2025年3月5日", "1200.5"],
    ["2", '含"引号"和\n换行的描述', "2025-03-05", "0"],
    ["3", "", "2025/3/5", ""],
]


def csv_text():
    out = []
    for row in CSV_ROWS:
        cells = []
        for value in row:
            if any(ch in value for ch in ',"\r\n'):
                value = '"' + value.replace('"', '""') + '"'
            cells.append(value)
        out.append(",".join(cells))
    return "\r\n".join(out) + "\r\n"


def csv_files():
    with open(os.path.join(HERE, "ledger-utf8-bom.csv"), "wb") as f:
        f.write(b"\xef\xbb\xbf" + csv_text().encode("utf-8"))
    with open(os.path.join(HERE, "ledger-gb18030.csv"), "wb") as f:
        f.write(csv_text().encode("gb18030"))


def broken_file():
    rng = random.Random(20250305)
    with open(os.path.join(HERE, "broken.xlsx"), "wb") as f:
        f.write(bytes(rng.randrange(256) for _ in range(2048)))


def benchmark(path, rows):
    """A large hazard ledger like one a district keeps for years, written the way Excel stores it (shared strings)."""
    import xlsxwriter

    rng = random.Random(7)
    places = ["配电室", "仓库", "食堂", "锅炉房", "办公楼", "宿舍", "车间", "停车场"]
    departments = ["设备科", "后勤处", "安全科", "办公室", "动力科"]
    people = ["张伟", "李娜", "王强", "赵敏", "孙丽", "周杰", "吴芳", "郑涛"]
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("隐患台账")
    date_format = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_row(0, 0, HEADER + ["所属单位", "备注"])
    base = datetime.date(2020, 1, 1)
    for r in range(1, rows + 1):
        found = base + datetime.timedelta(days=rng.randrange(2000))
        ws.write_number(r, 0, r)
        ws.write_datetime(r, 1, datetime.datetime.combine(found, datetime.time()), date_format)
        ws.write_string(r, 2, rng.choice(people))
        ws.write_string(r, 3, f"{rng.choice(places)}{rng.randrange(1, 20)}号")
        ws.write_string(r, 4, f"第{r}项隐患：{rng.choice(places)}消防设施不完好，需要及时整改")
        ws.write_string(r, 5, rng.choice(["一般", "较大", "重大"]))
        ws.write_string(r, 6, "限期整改并复查")
        ws.write_datetime(r, 7, datetime.datetime.combine(found + datetime.timedelta(days=30), datetime.time()),
                          date_format)
        ws.write_string(r, 8, rng.choice(departments))
        ws.write_number(r, 9, round(rng.random() * 10000, 2))
        ws.write_string(r, 10, rng.choice(["是", "否"]))
        ws.write_string(r, 11, f"第{rng.randrange(1, 40)}网格")
        ws.write_string(r, 12, "" if r % 3 else "已复核")
    wb.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bench", metavar="PATH", help="write a large benchmark workbook instead")
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    if args.bench:
        benchmark(args.bench, args.rows)
        return
    hazard_ledger_openpyxl(os.path.join(HERE, "hazard-ledger.xlsx"))
    hazard_ledger_xlsxwriter(os.path.join(HERE, "hazard-ledger-shared.xlsx"))
    libreoffice_copy(os.path.join(HERE, "hazard-ledger.xlsx"), os.path.join(HERE, "hazard-ledger-libreoffice.xlsx"))
    two_sheets(os.path.join(HERE, "two-sheets.xlsx"))
    dates_1904(os.path.join(HERE, "dates-1904.xlsx"))
    encrypted(os.path.join(HERE, "two-sheets.xlsx"), os.path.join(HERE, "encrypted.xlsx"))
    legacy_xls(os.path.join(HERE, "legacy.xls"))
    csv_files()
    broken_file()


if __name__ == "__main__":
    main()
