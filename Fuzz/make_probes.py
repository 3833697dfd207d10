#!/usr/bin/env python3
"""Legal but hostile spreadsheets too large for the fuzzers (whose inputs stay under ~10 KB): each
passes the reader's limits (1 GB inflated, compression ratio 200:1 for entries over 10 MB) and
costs the reader far more memory or time than its size suggests.

    python3 Fuzz/make_probes.py OUTDIR [MB]      # MB of XML per probe (default 256)
    .build-fuzz-release/release/ReadProbe OUTDIR/<probe>.xlsx

Probes:
  widerow      one <row> of MB megabytes of <c><v>1</v></c> cells without r=: every cell is held
  wideafter    a 16 MB row, then 200,000 one-cell rows: each later row reserves the wide row's capacity
  bigcomment   one comment of 60 MB of "- " (a token split over every 256 KB chunk)
  bigtag       four start tags with a 60 MB attribute each (tokens stop at 64 MB)
  sstempty     MB megabytes of <si/> in the shared string table
  widecsv      a CSV whose second record is 15 MB of "1," fields
Random letters in XML comments keep deflate under the 200:1 ratio the reader accepts.
"""
import os
import random
import sys
import zipfile

DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
WB = f'{DECL}<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>'
RELS = (f'{DECL}<Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
HEAD = f'{DECL}<worksheet xmlns="{MAIN}"><sheetData>'.encode()
TAIL = b"</sheetData></worksheet>"


def letter():
    return bytes([random.randint(97, 122)])


def repeat(unit, total, noise):
    out = bytearray()
    while len(out) < total:
        out += unit + noise()
    return bytes(out)


def xlsx(path, sheet, sst=None):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("xl/workbook.xml", WB)
        z.writestr("xl/_rels/workbook.xml.rels", RELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet)
        if sst is not None:
            z.writestr("xl/sharedStrings.xml", sst)
    inflated = len(sheet) + (len(sst) if sst else 0)
    print(f"{path}: {os.path.getsize(path) >> 10} KB, {inflated >> 20} MB of XML")


def main():
    out = sys.argv[1]
    mb = int(sys.argv[2]) if len(sys.argv) > 2 else 256
    n = mb << 20
    os.makedirs(out, exist_ok=True)
    random.seed(7)
    cells = lambda size: repeat(b"<c><v>1</v></c>" * 13, size, lambda: b"<c><v>" + bytes([random.randint(49, 57)]) + b"</v></c>")
    xlsx(f"{out}/widerow-{mb}.xlsx", HEAD + b'<row r="1">' + cells(n) + b"</row>" + TAIL)
    small = b"".join(b'<row><c r="A%d"><v>%d</v></c></row>' % (i, i % 10) for i in range(2, 200_002))
    xlsx(f"{out}/wideafter-16.xlsx", HEAD + b'<row r="1">' + cells(16 << 20) + b"</row>" + small + TAIL)
    xlsx(f"{out}/bigcomment-60.xlsx", HEAD + b"<!--" + repeat(b"- " * 50, 60 << 20, letter) + b"-->" + TAIL)
    tag = b'<row r="1" x="' + repeat(b"a" * 100, 60 << 20, letter) + b'"/>'
    xlsx(f"{out}/bigtag-60.xlsx", HEAD + tag * 4 + TAIL)
    sst = f'{DECL}<sst xmlns="{MAIN}">'.encode() + repeat(b"<si/>" * 30, n, lambda: b"<!--" + letter() + b"-->") + b"</sst>"
    xlsx(f"{out}/sstempty-{mb}.xlsx", HEAD + b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>' + TAIL, sst)
    with open(f"{out}/widecsv-15.csv", "wb") as f:
        f.write(b"a,b\n" + repeat(b"1," * 20, 15 << 20, lambda: letter() + b",") + b"\n")
    print(f"{out}/widecsv-15.csv: 15 MB")


if __name__ == "__main__":
    main()
