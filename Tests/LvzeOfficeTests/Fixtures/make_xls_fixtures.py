#!/usr/bin/env python3
"""Creates the Excel 97-2003 (.xls) fixtures of XLSReaderTests with programs other than Lvze itself,
and what xlrd reads from them, so the Swift reader is checked against an independent one.

    apt-get install libreoffice-calc-nogui
    pip install openpyxl xlwt xlrd olefile
    python3 make_xls_fixtures.py                            # regenerate the fixtures next to this file
    python3 make_xls_fixtures.py --bench /tmp/b.xls --rows 10000   # a 15-column ledger for timing (not a fixture)

hazard-ledger.xls and long-strings-libreoffice.xls are written by LibreOffice Calc (as Excel does:
RK/MULRK numbers, shared strings, cached formula results); the others by xlwt (NUMBER/RK, BOOLERR,
rich text in the shared string table, the 1904 date system). xls-expected.txt holds xlrd's reading.
"""
import argparse
import datetime
import os
import random
import shutil
import subprocess
import tempfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))

TITLE = "2025年第一季度隐患排查治理台账"
HEADER = ["序号", "排查时间", "排查人", "隐患部位", "隐患描述", "隐患等级",
          "整改措施", "整改期限", "责任部门", "整改资金", "是否销号", "整改率"]
D = datetime.date


def soffice_convert(source, outdir, filter_name="xls:MS Excel 97"):
    soffice = shutil.which("soffice")
    if soffice is None:
        raise SystemExit("LibreOffice is needed: apt-get install libreoffice-calc-nogui")
    subprocess.run([soffice, "--headless", "--calc", "--convert-to", filter_name, "--outdir", outdir, source],
                   check=True, capture_output=True)
    return os.path.join(outdir, os.path.splitext(os.path.basename(source))[0] + ".xls")


def hazard_ledger(path):
    """The hazard ledger drawn up with openpyxl, then opened and saved as .xls by LibreOffice, which
    computes the formulas and stores their results as Excel does."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "隐患台账"
    ws["A1"] = TITLE
    ws.merge_cells("A1:L1")
    ws.append(HEADER)  # row 2

    def put(ref, value, fmt=None):
        ws[ref] = value
        if fmt:
            ws[ref].number_format = fmt

    rows = {
        3: [1, (D(2025, 3, 5), "yyyy-mm-dd"), "张伟", "3号车间配电箱", '  电缆<老化> & "破损"  ', "一般",
            "更换电缆", (D(2025, 3, 20), 'yyyy"年"m"月"d"日"'), "设备科", 1200.5, "是", (0.15, "0%")],
        4: [2, (D(2025, 3, 6), "mm-dd-yy"), "李娜", "仓库", "消防通道堆放杂物\n影响疏散", "较大",
            "清理杂物", (D(2025, 4, 1), "yyyy/m/d"), "设备科", 0, "否", (0.875, "0.0%")],
        5: [3, (D(2025, 3, 7), '[$-804]yyyy"年"m"月"d"日";@'), "王强", "食堂", "=燃气管道未固定", "一般",
            "加装管卡", "2025.3.25", "后勤处", 0.1, "是", (1, "0%")],
        6: [4, "2025年3月8日", "赵敏", "办公楼", "应急灯损坏", "一般",
            "更换应急灯", (D(2025, 3, 31), "m月d日"), "办公室", -45.25, "否"],
        7: [5, 45721, "孙丽", "锅炉房", "压力表超期未检", "重大",
            "送检压力表", "２０２５年３月２８日", "动力科", 1234567.89, True, 0.001],
    }
    for r, values in rows.items():
        for c, value in enumerate(values):
            ref = "%s%d" % ("ABCDEFGHIJKL"[c], r)
            if isinstance(value, tuple):
                put(ref, value[0], value[1])
            else:
                put(ref, value)
                if isinstance(value, str) and value.startswith("="):
                    ws[ref].data_type = "s"  # text that merely looks like a formula
    # Row 8 is empty; row 9 has values only in A, C and K.
    put("A9", 6)
    put("C9", "周杰")
    put("K9", "否")
    put("A10", "合计")
    put("H10", "=NA()")
    put("I10", "=1/0")
    put("J10", "=SUM(J3:J9)")
    put("K10", '=IF(J10>0,"有资金","")')
    put("L10", '=IF(J10<0,"无资金","")')  # an empty-string result: no value
    put("M10", "=J10>0")
    with tempfile.TemporaryDirectory() as tmp:
        source = os.path.join(tmp, "hazard-ledger.xlsx")
        wb.save(source)
        shutil.move(soffice_convert(source, tmp), path)


def long_text(i):
    """Chinese descriptions long enough that the shared string table fills several CONTINUE records."""
    base = "第%d项：消防设施不完好，灭火器压力不足，疏散通道被占用，应急照明失效，需要限期整改并复查。" % i
    return base * (1 + i % 5)


def long_strings(path):
    """xlwt's shared string table: strings split across CONTINUE records in UTF-16 and in 8-bit form,
    rich-text runs that land in the next record."""
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("长文本")
    ws.write(0, 0, "编号")
    ws.write(0, 1, "描述")
    ws.write(0, 2, "English")
    bold = xlwt.easyfont("bold true")
    for i in range(1, 41):
        ws.write(i, 0, i)
        ws.write(i, 1, long_text(i))
        ws.write(i, 2, ("Fire exit %d blocked; extinguisher expired. " % i) * (1 + i % 7))
        if i % 10 == 0:
            ws.row(i).set_cell_rich_text(3, [("加粗", bold), ("普通文本%d" % i, xlwt.Font())])
    wb.save(path)


def long_strings_libreoffice(source, path):
    """The same workbook saved again by LibreOffice, which splits strings in its own way."""
    with tempfile.TemporaryDirectory() as tmp:
        shutil.move(soffice_convert(source, tmp), path)


def two_sheets(path):
    """Two sheets (the second hidden), with booleans, errors and dates as xlwt writes them."""
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    first = wb.add_sheet("汇总")
    first.write(0, 0, "单位")
    first.write(0, 1, "隐患数")
    first.write(0, 2, "已销号")
    first.write(0, 3, "核查日期")
    first.write(1, 0, "一中队")
    first.write(1, 1, 3)
    first.write(1, 2, True)
    first.write(1, 3, datetime.datetime(2025, 3, 5), xlwt.easyxf(num_format_str="yyyy-mm-dd"))
    first.write(2, 0, "二中队")
    first.write(2, 1, 2.5)
    first.write(2, 2, False)
    first.row(2).set_cell_error(3, 0x2A)  # #N/A (xlwt has no name for it)
    first.row(3).set_cell_error(1, "#DIV/0!")
    second = wb.add_sheet("明细")
    second.write(0, 0, "单位")
    second.write(0, 1, "隐患描述")
    second.write(1, 0, "一中队")
    second.write(1, 1, "灭火器过期")
    second.write(2, 0, "二中队")
    second.write(2, 1, "疏散指示灯不亮")
    second.visibility = 1
    wb.save(path)


def dates_1904(path):
    """A workbook in the 1904 date system (old Mac Excel), where serial 0 is 1904-01-01."""
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    wb.dates_1904 = True
    ws = wb.add_sheet("Sheet1")
    ws.write(0, 0, "排查时间")
    ws.write(1, 0, datetime.datetime(2025, 3, 5), xlwt.easyxf(num_format_str="yyyy-mm-dd"))
    wb.save(path)


def escape(s):
    s = s.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return "".join("\\x%02x" % ord(ch) if ord(ch) < 0x20 else ch for ch in s)


def number_text(v):
    """Shortest decimal text, integers without a fraction, as the Swift reader reports numbers."""
    if v == int(v) and abs(v) < 2 ** 53:
        return str(int(v))
    return repr(v).replace("e", "E")


def dump(path):
    """The compound file's root streams as olefile reads them (name, size, CRC-32), then every
    non-empty cell as xlrd reads it: row (1-based), column (0-based), kind, value."""
    import olefile
    import xlrd

    book = xlrd.open_workbook(path)
    out = ["=== %s%s" % (os.path.basename(path), " 1904" if book.datemode else "")]
    ole = olefile.OleFileIO(path)
    for entry in sorted(e[0] for e in ole.listdir(streams=True, storages=False) if len(e) == 1):
        data = ole.openstream(entry).read()
        out.append("stream\t%s\t%d\t%08x" % (escape(entry), len(data), zlib.crc32(data)))
    ole.close()
    for sheet in book.sheets():
        out.append("--- %s%s" % (sheet.name, " hidden" if sheet.visibility else ""))
        for r in range(sheet.nrows):
            for c in range(sheet.ncols):
                cell = sheet.cell(r, c)
                if cell.ctype == xlrd.XL_CELL_TEXT:
                    if cell.value == "":
                        continue
                    kind, text = "s", escape(cell.value)
                elif cell.ctype == xlrd.XL_CELL_NUMBER:
                    kind, text = "n", number_text(cell.value)
                elif cell.ctype == xlrd.XL_CELL_DATE:
                    kind, text = "d", number_text(cell.value)
                elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                    kind, text = "b", "TRUE" if cell.value else "FALSE"
                elif cell.ctype == xlrd.XL_CELL_ERROR:
                    kind, text = "e", xlrd.error_text_from_code[cell.value]
                else:
                    continue
                out.append("%d\t%d\t%s\t%s" % (r + 1, c, kind, text))
    return out


def benchmark(path, rows):
    """A 15-column ledger of `rows` rows saved by LibreOffice, for timing (not a fixture)."""
    from openpyxl import Workbook

    rng = random.Random(7)
    places = ["配电室", "仓库", "食堂", "锅炉房", "办公楼", "宿舍", "车间", "停车场"]
    departments = ["设备科", "后勤处", "安全科", "办公室", "动力科"]
    people = ["张伟", "李娜", "王强", "赵敏", "孙丽", "周杰", "吴芳", "郑涛"]
    wb = Workbook()
    ws = wb.active
    ws.title = "隐患台账"
    ws.append(HEADER + ["所属单位", "备注", "复查人"])
    base = D(2020, 1, 1)
    for r in range(1, rows + 1):
        found = base + datetime.timedelta(days=rng.randrange(2000))
        ws.append([r, found, rng.choice(people), "%s%d号" % (rng.choice(places), rng.randrange(1, 20)),
                   "第%d项隐患：%s消防设施不完好，需要及时整改" % (r, rng.choice(places)),
                   rng.choice(["一般", "较大", "重大"]), "限期整改并复查", found + datetime.timedelta(days=30),
                   rng.choice(departments), round(rng.random() * 10000, 2), rng.choice(["是", "否"]),
                   rng.random(), "第%d网格" % rng.randrange(1, 40), "" if r % 3 else "已复核", rng.choice(people)])
        ws.cell(row=r + 1, column=2).number_format = "yyyy-mm-dd"
        ws.cell(row=r + 1, column=8).number_format = 'yyyy"年"m"月"d"日"'
    with tempfile.TemporaryDirectory() as tmp:
        source = os.path.join(tmp, os.path.splitext(os.path.basename(path))[0] + ".xlsx")
        wb.save(source)
        shutil.move(soffice_convert(source, tmp), path)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bench", metavar="PATH", help="write a large benchmark workbook instead")
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    if args.bench:
        benchmark(args.bench, args.rows)
        return
    names = ["hazard-ledger.xls", "long-strings.xls", "long-strings-libreoffice.xls", "two-sheets.xls",
             "dates-1904.xls"]
    paths = [os.path.join(HERE, n) for n in names]
    hazard_ledger(paths[0])
    long_strings(paths[1])
    long_strings_libreoffice(paths[1], paths[2])
    two_sheets(paths[3])
    dates_1904(paths[4])
    lines = []
    for p in paths:
        lines += dump(p)
    with open(os.path.join(HERE, "xls-expected.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
