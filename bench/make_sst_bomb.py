"""A legal XLSX whose shared string table is far larger than its sheet: `--sst-mb` megabytes of
distinct strings (random, so the file stays large compressed too), and a sheet of `--rows`
valid hazard rows that use a few of them. What an import must read without holding it all.

    python make_sst_bomb.py OUT.xlsx --sst-mb 420 --rows 200
"""
import argparse
import random
import zipfile

HEADER = ["排查时间", "隐患单位", "隐患描述", "隐患等级", "整改时限"]

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--sst-mb", type=int, default=420)
    ap.add_argument("--rows", type=int, default=200)
    a = ap.parse_args()
    rng = random.Random(7)
    alphabet = "隐患排查治理整改销号安全生产责任落实检查督导巡察问题台账规范消防通道电气线路"
    fixed = HEADER + ["2026-03-05", "示范区第一热电厂", "一般隐患", "2026-12-31"] + [f"配电室电缆沟积水{i}" for i in range(a.rows)]
    target = a.sst_mb * 1024 * 1024
    with zipfile.ZipFile(a.out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml", """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>""")
        z.writestr("_rels/.rels", """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>""")
        z.writestr("xl/workbook.xml", """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="隐患台账" sheetId="1" r:id="rId1"/></sheets></workbook>""")
        z.writestr("xl/_rels/workbook.xml.rels", """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>""")
        with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as f:
            f.write(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            written = 0
            for s in fixed:
                f.write(f"<si><t>{s}</t></si>".encode())
            n = 0
            while written < target:
                # Distinct strings that compress as real ledgers do (about ten to one).
                if n % 64 == 0:
                    phrase = "".join(rng.choice(alphabet) for _ in range(40))
                s = phrase + str(n)
                b = f"<si><t>{s}</t></si>".encode()
                f.write(b)
                written += len(b)
                n += 1
            f.write(b"</sst>")
        rows = ['<row r="1">' + "".join(f'<c r="{chr(65 + i)}1" t="s"><v>{i}</v></c>' for i in range(5)) + "</row>"]
        for r in range(a.rows):
            idx = [5, 6, 9 + r, 7, 8]
            rows.append(f'<row r="{r + 2}">' + "".join(f'<c r="{chr(65 + i)}{r + 2}" t="s"><v>{v}</v></c>' for i, v in enumerate(idx)) + "</row>")
        z.writestr("xl/worksheets/sheet1.xml", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>' + "".join(rows) + "</sheetData></worksheet>")

if __name__ == "__main__":
    main()
