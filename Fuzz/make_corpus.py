#!/usr/bin/env python3
"""Writes the seed corpus of the fuzzers under Fuzz/Corpus/ from the test fixtures and hand-made cases.

    python3 Fuzz/make_corpus.py      # rewrites Fuzz/Corpus/*; deterministic, standard library only

Seeds are small on purpose: libFuzzer grows its own corpus in a temporary copy (see run.sh).
"""
import io
import os
import shutil
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OFFICE = os.path.join(ROOT, "Tests", "LvzeOfficeTests", "Fixtures")
SERVER = os.path.join(ROOT, "Tests", "LvzeServerTests", "Fixtures")
CORPUS = os.path.join(HERE, "Corpus")

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def fixture(*parts):
    with open(os.path.join(*parts), "rb") as f:
        return f.read()


def write(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def package(parts, method=zipfile.ZIP_STORED):
    """A ZIP with fixed timestamps, so the corpus does not change when regenerated."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, data in parts:
            info = zipfile.ZipInfo(name, date_time=(2025, 3, 5, 0, 0, 0))
            info.compress_type = method
            z.writestr(info, data)
    return buf.getvalue()


def rels(items):
    body = "".join(f'<Relationship Id="{i}" Type="{REL_NS}/{t}" Target="{target}"/>' for i, t, target in items)
    return f'{DECL}<Relationships xmlns="{PKG_NS}">{body}</Relationships>'


ROOT_RELS = rels([("rId1", "officeDocument", "xl/workbook.xml")])
WB_RELS = rels([("rId1", "worksheet", "worksheets/sheet1.xml"), ("rId2", "sharedStrings", "sharedStrings.xml"),
                ("rId3", "styles", "styles.xml")])


def workbook(sheets='<sheet name="Sheet1" sheetId="1" r:id="rId1"/>', pr=""):
    return f'{DECL}<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">{pr}<sheets>{sheets}</sheets></workbook>'


def sheet(rows):
    return f'{DECL}<worksheet xmlns="{MAIN_NS}"><sheetData>{rows}</sheetData></worksheet>'


SST = (f'{DECL}<sst xmlns="{MAIN_NS}" count="4" uniqueCount="4"><si><t>序号</t></si>'
       '<si><t xml:space="preserve"> 隐患 &amp; 描述 </t></si><si/>'
       '<si><r><t>3号</t></r><r><rPr><b/></rPr><t>车间</t></r><rPh sb="0" eb="1"><t>ハ</t></rPh></si>'
       '<si><t>a_x000D__x000A_b_x005F_x</t></si></sst>')
STYLES = (f'{DECL}<styleSheet xmlns="{MAIN_NS}"><numFmts count="2"><numFmt numFmtId="176" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/>'
          '<numFmt numFmtId="177" formatCode="[h]:mm:ss"/></numFmts>'
          '<cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="176"/><xf numFmtId="177"/></cellXfs></styleSheet>')
ROWS = ('<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>3</v></c></row>'
        '<row r="2"><c r="A2"><v>1</v></c><c r="B2" s="1"><v>45721</v></c><c r="C2" s="2"><v>45721.5</v></c>'
        '<c r="D2" s="3"><v>0.5</v></c><c r="E2" t="b"><v>1</v></c><c r="F2" t="e"><v>#N/A</v></c></row>'
        '<row r="4"><c r="A4" t="inlineStr"><is><t>内联</t></is></c><c r="C4" t="str"><f>A1</f><v>公式_x000D_</v></c>'
        '<c r="D4" t="d"><v>2025-03-05T00:00:00</v></c><c r="$AB$4" t="s"><v>4</v></c><c t="n"><v> 12 </v></c>'
        '<c r="E4" t="inlineStr"><is><t><![CDATA[<cdata> & ]]></t></is></c></row>'
        '<row><c r="B5"><v>2.5E+3</v></c><c r="A5" t="inlineStr"><is><t>乱序</t></is></c></row>')


def xlsx_seeds():
    t = "FuzzXLSX"
    # Real workbooks from openpyxl, xlsxwriter and LibreOffice, deflated as they came.
    for name in ["hazard-ledger.xlsx", "hazard-ledger-shared.xlsx", "hazard-ledger-libreoffice.xlsx",
                 "dates-1904.xlsx", "two-sheets.xlsx"]:
        write(t, name, fixture(OFFICE, name))
    write(t, "rectification-errors.xlsx", fixture(SERVER, "rectification-errors.xlsx"))
    # Not workbooks: an .xls (compound file), an encrypted OOXML file, random bytes.
    for name in ["legacy.xls", "encrypted.xlsx", "broken.xlsx"]:
        write(t, name, fixture(OFFICE, name))
    # The same workbooks repacked without themes and docProps and *stored* (not deflated), so that
    # mutations land in the XML itself instead of in deflate streams.
    for name in ["hazard-ledger.xlsx", "hazard-ledger-shared.xlsx", "dates-1904.xlsx", "two-sheets.xlsx"]:
        with zipfile.ZipFile(os.path.join(OFFICE, name)) as z:
            parts = [(i.filename, z.read(i.filename)) for i in z.infolist()
                     if not i.filename.startswith(("docProps/", "xl/theme/")) and i.filename != "[Content_Types].xml"]
        write(t, "stored-" + name, package(parts))
    # Hand-made packages covering every cell type, styles, rich text and Office escapes.
    write(t, "stored-all-types.xlsx", package([
        ("_rels/.rels", ROOT_RELS), ("xl/workbook.xml", workbook(pr='<workbookPr date1904="false"/>')),
        ("xl/_rels/workbook.xml.rels", WB_RELS), ("xl/worksheets/sheet1.xml", sheet(ROWS)),
        ("xl/sharedStrings.xml", SST), ("xl/styles.xml", STYLES)]))
    write(t, "stored-no-root-rels.xlsx", package([
        ("xl/workbook.xml", workbook(
            '<sheet name="隐藏" sheetId="2" r:id="rId9" state="hidden"/><sheet name="A" sheetId="1" r:id="rId1"/>',
            '<workbookPr date1904="1"/>')),
        ("xl/_rels/workbook.xml.rels", rels([("rId1", "worksheet", "/xl/worksheets/../worksheets/sheet1.xml"),
                                              ("rId9", "worksheet", "http://example.com/x")])),
        ("xl/worksheets/sheet1.xml", sheet('<row r="3"><c r="A3"><v>1</v></c></row>'))]))
    write(t, "stored-ods.zip", package([("mimetype", "application/vnd.oasis.opendocument.spreadsheet"),
                                        ("content.xml", "<office:document-content/>")]))
    write(t, "deflated-minimal.xlsx", package([
        ("xl/workbook.xml", workbook()), ("xl/_rels/workbook.xml.rels", WB_RELS),
        ("xl/worksheets/sheet1.xml", sheet('<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row>'))],
        zipfile.ZIP_DEFLATED))


def sheet_seeds():
    t = "FuzzSheet"
    for name in ["hazard-ledger.xlsx", "hazard-ledger-shared.xlsx", "hazard-ledger-libreoffice.xlsx", "dates-1904.xlsx"]:
        base = name.replace(".xlsx", "")
        with zipfile.ZipFile(os.path.join(OFFICE, name)) as z:
            for part, short in [("xl/worksheets/sheet1.xml", "sheet"), ("xl/sharedStrings.xml", "sst"),
                                ("xl/styles.xml", "styles")]:
                if part in z.namelist():
                    write(t, f"{base}-{short}.xml", z.read(part))
    # One document the three handlers all read: strings, styles, then the cells that use them.
    inner = lambda doc: doc.split("?>\n", 1)[1]
    write(t, "combined.xml", "<x>" + inner(SST) + inner(STYLES) + "<sheetData>" + ROWS + "</sheetData></x>")
    write(t, "selfclosing.xml", '<worksheet><sheetData><row r="1"/><row><c/><c r="B2"/><c r="C2" t="s"/></row></sheetData></worksheet>')
    write(t, "empty-sheetdata.xml", "<worksheet><sheetData/></worksheet>")
    write(t, "big-numbers.xml", sheet('<row r="999999999999999999"><c r="ZZZ1"><v>1e308</v></c><c><v>-0</v></c>'
                                      '<c t="d"><v>9999-99-99</v></c><c t="s"><v>99999999999999999999</v></c></row>'))


def xml_seeds():
    t = "FuzzXML"
    # The first byte of each seed picks the chunk sizes of the second pass; the rest is the document.
    docs = {
        "root-rels.xml": ROOT_RELS,
        "workbook-rels.xml": WB_RELS,
        "workbook.xml": workbook('<sheet name="a&amp;b&#x4E2D;&#20013;" sheetId="1" r:id="rId1" state="veryHidden"/>',
                                 '<workbookPr date1904="true"/>'),
        "styles.xml": STYLES,
        "sst.xml": SST,
        "doctype.xml": '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e "&#60;boom"> <!ELEMENT x ANY>]>\n<x a=\'1\' b = "2">&e;</x>',
        "comments-cdata-pi.xml": '\ufeff<?xml version="1.0"?><!-- c --><a><?pi x?><![CDATA[ <not/> ]]>t&lt;&#xD;\r\n&unknown;<!----></a><!-- tail -->',
        "crlf-entities.xml": '<a>\r\n\r&amp;&amp&#;&#x;&#1114112;&#x10FFFF;&#55296;_x0041__xD800__xDC00_</a>',
        "namespaces.xml": '<ns:a xmlns:ns="u"><ns:b ns:c="1" d=\'">\'/></ns:a >',
        "content-types.xml": fixture_part("hazard-ledger-shared.xlsx", "[Content_Types].xml"),
    }
    for i, (name, doc) in enumerate(sorted(docs.items())):
        data = doc.encode("utf-8") if isinstance(doc, str) else doc
        write(t, name, bytes([i * 37 % 256]) + data)


def fixture_part(name, part):
    with zipfile.ZipFile(os.path.join(OFFICE, name)) as z:
        return z.read(part)


def csv_seeds():
    t = "FuzzCSV"
    # The first byte picks the delimiter (its value mod 4: , ; TAB |); ',' (0x2C) picks the comma.
    for name in ["ledger-utf8-bom.csv", "ledger-gb18030.csv"]:
        write(t, name, b"," + fixture(OFFICE, name))
    write(t, "rectification-gb18030.csv", b"," + fixture(SERVER, "rectification-gb18030.csv"))
    write(t, "quotes-line-ends.csv", b"," + 'a,b\nc,d\re,f\r\n"x,""y""",z\n"abc"def,"多\r\n行"\n,,\n末行无换行'.encode())
    write(t, "semicolon.csv", bytes([3]) + "序号;日期;金额\n1;2025年3月5日;1.5\n2;２０２５．３．５;\n".encode())
    write(t, "tab.csv", bytes([1]) + "a\tb\n\"\t\"\t2025/3/5\n".encode())
    write(t, "utf16le.csv", b"," + b"\xff\xfe" + "a,b\n".encode("utf-16-le"))
    write(t, "unclosed-quote.csv", b"," + 'a,b\n"未闭合,c\nd,e\n'.encode())
    write(t, "dates.csv", b"," + "20250305,2025-3-5,2025年3月,是,×,TRUE,  \u3000,=1+1\n".encode())
    write(t, "gb18030-mixed.csv", b"," + "编号,描述\r\n1,\"多行\r\n文本\"\r\n".encode("gb18030"))


def main():
    if os.path.isdir(CORPUS):
        shutil.rmtree(CORPUS)
    xlsx_seeds()
    sheet_seeds()
    xml_seeds()
    csv_seeds()
    for t in sorted(os.listdir(CORPUS)):
        files = os.listdir(os.path.join(CORPUS, t))
        size = sum(os.path.getsize(os.path.join(CORPUS, t, f)) for f in files)
        print(f"{t}: {len(files)} seeds, {size} bytes")


if __name__ == "__main__":
    main()
