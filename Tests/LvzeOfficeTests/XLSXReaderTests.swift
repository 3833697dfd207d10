import Foundation
import LvzeCore
import XCTest
@testable import LvzeOffice

final class XLSXReaderTests: XCTestCase {
    private let march5 = LocalDate(year: 2025, month: 3, day: 5)!

    // MARK: - The hazard ledger as openpyxl (inline strings), xlsxwriter and LibreOffice (shared strings) write it

    private let producers = ["hazard-ledger.xlsx", "hazard-ledger-shared.xlsx", "hazard-ledger-libreoffice.xlsx"]

    private func ledgerRows(_ name: String) throws -> [Int: SpreadsheetRow] {
        let reader = try XLSXReader(url: try Fixture.url(name))
        XCTAssertEqual(reader.sheets.map(\.name), ["隐患台账"])
        let rows = try allRows(reader)
        XCTAssertEqual(rows.map(\.number), [1, 2, 3, 4, 5, 6, 7, 9, 10], "row 8 is empty and must not be reported")
        return Dictionary(uniqueKeysWithValues: rows.map { ($0.number, $0) })
    }

    func testMergedTitleRowIsARowWithOnlyTheTitle() throws {
        for name in producers {
            let title = try XCTUnwrap(try ledgerRows(name)[1])
            XCTAssertEqual(title.cells.count, 1, name)
            XCTAssertEqual(title.cells.first?.column, 0, name)
            XCTAssertEqual(title.text(0), Fixture.title, name)
        }
    }

    func testHeaderRowAndCellPositions() throws {
        for name in producers {
            let rows = try ledgerRows(name)
            XCTAssertEqual(rows[2]?.texts, Fixture.header, name)
            XCTAssertEqual(rows[9]?.cells.map(\.column), [0, 2, 10], "\(name): cells that skip columns")
            XCTAssertEqual(rows[9]?.text(2), "周杰", name)
            XCTAssertEqual(rows[9]?.text(1), "", name)
            XCTAssertNil(rows[9]?[1], name)
            XCTAssertEqual(rows[10]?.text(0), "合计", name)
        }
    }

    func testDatesInEveryFormUsersType() throws {
        for name in producers {
            let rows = try ledgerRows(name)
            // 排查时间: 2025年3月5日, 2025-03-05, 2025/3/5 as text, then a real date cell.
            for r in 3...6 {
                XCTAssertEqual(rows[r]?[1]?.date, march5, "\(name) B\(r)")
            }
            let real = try XCTUnwrap(rows[6]?[1])
            XCTAssertTrue(real.isDateFormatted, name)
            XCTAssertEqual(real.value, .number("45721"), name)
            XCTAssertEqual(real.text, "2025-03-05", name)
            // A bare serial number in General format is a number, a date only if the importer asks.
            let serial = try XCTUnwrap(rows[7]?[1])
            XCTAssertFalse(serial.isDateFormatted, name)
            XCTAssertNil(serial.date, name)
            XCTAssertEqual(serial.serialDate, march5, name)
            XCTAssertEqual(serial.number, 45721, name)
            // 整改期限: ISO text, slash text, dot text, a yyyy"年"m"月"d"日" date cell, full-width digits.
            XCTAssertEqual(rows[3]?[7]?.date, LocalDate(year: 2025, month: 3, day: 20), name)
            XCTAssertEqual(rows[4]?[7]?.date, LocalDate(year: 2025, month: 4, day: 1), name)
            XCTAssertEqual(rows[5]?[7]?.date, LocalDate(year: 2025, month: 3, day: 25), name)
            XCTAssertEqual(rows[6]?[7]?.isDateFormatted, true, "\(name): custom Chinese date format")
            XCTAssertEqual(rows[6]?[7]?.date, LocalDate(year: 2025, month: 3, day: 31), name)
            XCTAssertEqual(rows[7]?[7]?.text, "２０２５年３月２８日", name)
            XCTAssertEqual(rows[7]?[7]?.date, LocalDate(year: 2025, month: 3, day: 28), name)
        }
    }

    func testTextIsUnescapedWithWhitespaceAndLineBreaksKept() throws {
        for name in producers {
            let rows = try ledgerRows(name)
            XCTAssertEqual(rows[3]?.text(4), "  电缆<老化> & \"破损\"  ", name)
            XCTAssertEqual(rows[4]?.text(4), "消防通道堆放杂物\n影响疏散", name)
            XCTAssertEqual(rows[5]?.text(4), "=燃气管道未固定", "\(name): text that looks like a formula")
            XCTAssertEqual(rows[3]?.text(3), "3号车间配电箱", "\(name): rich text runs are joined")
            XCTAssertEqual(rows[3]?.text(2), "张伟", name)
        }
    }

    func testNumbersAndBooleans() throws {
        for name in producers {
            let rows = try ledgerRows(name)
            XCTAssertEqual(rows[3]?[0]?.value, .number("1"), name)
            XCTAssertEqual(rows[3]?[9]?.value, .number("1200.5"), name)
            XCTAssertEqual(rows[3]?[9]?.number, 1200.5, name)
            XCTAssertEqual(rows[4]?[9]?.number, 0, name)
            XCTAssertEqual(rows[6]?[9]?.number, 45.25, name)
            XCTAssertEqual(rows[3]?[10]?.value, .text("是"), name)
            XCTAssertEqual(rows[3]?[10]?.boolean, true, name)
            XCTAssertEqual(rows[4]?[10]?.boolean, false, name)
            XCTAssertEqual(rows[7]?[10]?.value, .boolean(true), name)
            XCTAssertEqual(rows[7]?[10]?.text, "TRUE", name)
            XCTAssertNil(rows[3]?[9]?.boolean, name)
        }
    }

    func testFormulaResultsAsExcelCachesThem() throws {
        // xlsxwriter stores cached results like Excel: a number, a string (t="str") and an error (t="e").
        let shared = try ledgerRows("hazard-ledger-shared.xlsx")[10]
        XCTAssertEqual(shared?[8]?.value, .error("#DIV/0!"))
        XCTAssertEqual(shared?[9]?.value, .number("2345.75"))
        XCTAssertEqual(shared?[10]?.value, .text("有资金"))
        // LibreOffice computes the SUM when it loads the openpyxl file and stores the result.
        XCTAssertEqual(try ledgerRows("hazard-ledger-libreoffice.xlsx")[10]?[9]?.value, .number("2345.75"))
        // openpyxl writes the formula without a result: nothing to read, so the cell is absent.
        let plain = try ledgerRows("hazard-ledger.xlsx")[10]
        XCTAssertEqual(plain?.cells.map(\.column), [0])
    }

    // MARK: - Sheets

    func testListsSheetsInTabOrderWithHiddenFlag() throws {
        let reader = try XLSXReader(url: try Fixture.url("two-sheets.xlsx"))
        XCTAssertEqual(reader.sheets.map(\.name), ["汇总", "明细"])
        XCTAssertEqual(reader.sheets.map(\.isHidden), [false, true])
        XCTAssertEqual(reader.sheetIndex(named: "明细"), 1)
        XCTAssertNil(reader.sheetIndex(named: "不存在"))
    }

    func testReadsTheChosenSheet() throws {
        let reader = try XLSXReader(url: try Fixture.url("two-sheets.xlsx"))
        XCTAssertEqual(try allRows(reader, sheet: 0).map(\.texts), [["单位", "隐患数"], ["一中队", "3"]])
        var detail: [[String]] = []
        try reader.forEachRow(sheetNamed: "明细") { detail.append($0.texts) }
        XCTAssertEqual(detail, [["单位", "隐患描述"], ["一中队", "灭火器过期"], ["二中队", "疏散指示灯不亮"]])
        // Reading again with the same reader gives the same rows.
        XCTAssertEqual(try allRows(reader, sheet: 1).count, 3)
    }

    func testMissingSheetIsReportedInChinese() throws {
        let reader = try XLSXReader(url: try Fixture.url("two-sheets.xlsx"))
        let byIndex = assertSpreadsheetError(.missingSheet) { try reader.forEachRow(sheet: 2) { _ in } }
        XCTAssertEqual(byIndex?.message, "工作簿中没有第 3 个工作表（共 2 个）")
        let byName = assertSpreadsheetError(.missingSheet) { try reader.forEachRow(sheetNamed: "统计") { _ in } }
        XCTAssertEqual(byName?.message, "工作簿中没有名为“统计”的工作表")
    }

    func testFirstRowsStopsEarly() throws {
        let reader = try XLSXReader(url: try Fixture.url("hazard-ledger-shared.xlsx"))
        let rows = try reader.firstRows(2)
        XCTAssertEqual(rows.map(\.number), [1, 2])
        XCTAssertEqual(rows.last?.texts, Fixture.header)
    }

    func testReadsFromMemory() throws {
        let data = try Data(contentsOf: try Fixture.url("two-sheets.xlsx"))
        let reader = try XLSXReader(data: data)
        XCTAssertEqual(try allRows(reader).first?.texts, ["单位", "隐患数"])
    }

    func test1904DateSystem() throws {
        let reader = try XLSXReader(url: try Fixture.url("dates-1904.xlsx"))
        XCTAssertTrue(reader.uses1904DateSystem)
        let cell = try XCTUnwrap(try allRows(reader).last?[0])
        XCTAssertTrue(cell.isDateFormatted)
        XCTAssertEqual(cell.date, march5)
    }

    // MARK: - Files that are not readable workbooks

    func testRandomBytesAreNotAnExcelFile() throws {
        let error = assertSpreadsheetError(.notXLSX) { _ = try XLSXReader(url: try Fixture.url("broken.xlsx")) }
        XCTAssertEqual(error?.message, "文件不是有效的 Excel（.xlsx）文件")
    }

    func testPasswordProtectedWorkbookIsRecognised() throws {
        let error = assertSpreadsheetError(.encrypted) { _ = try XLSXReader(url: try Fixture.url("encrypted.xlsx")) }
        XCTAssertEqual(error?.message, "文件已加密，请去掉密码后再导入")
        let data = try Data(contentsOf: try Fixture.url("encrypted.xlsx"))
        assertSpreadsheetError(.encrypted) { _ = try XLSXReader(data: data) }
    }

    func testLegacyXLSIsRecognised() throws {
        let error = assertSpreadsheetError(.legacyXLS) { _ = try XLSXReader(url: try Fixture.url("legacy.xls")) }
        XCTAssertTrue(error?.message.contains("另存为") == true, error?.message ?? "")
        XCTAssertTrue(error?.message.contains(".xlsx") == true, error?.message ?? "")
    }

    func testCSVAndOtherZipFilesAreNotExcelFiles() throws {
        assertSpreadsheetError(.notXLSX) { _ = try XLSXReader(url: try Fixture.url("ledger-utf8-bom.csv")) }
        let zip = try TestPackage.zip([("readme.txt", Data("不是表格".utf8))])
        assertSpreadsheetError(.notXLSX) { _ = try XLSXReader(data: zip) }
        assertSpreadsheetError(.notXLSX) { _ = try XLSXReader(data: Data()) }
    }

    func testUnreadableFileIsAnIOError() throws {
        let missing = URL(fileURLWithPath: "/nonexistent/台账.xlsx")
        assertSpreadsheetError(.io) { _ = try XLSXReader(url: missing) }
    }

    func testTruncatedSheetXMLIsCorrupt() throws {
        let data = try TestPackage.xlsx(sheet: "<worksheet><sheetData><row r=\"1\"><c r=\"A1\"><v>1</v></c>")
        let reader = try XLSXReader(data: data)
        let error = assertSpreadsheetError(.corrupt) { try reader.forEachRow { _ in } }
        XCTAssertTrue(error?.message.hasPrefix("文件已损坏") == true, error?.message ?? "")
    }

    func testNonXMLSheetIsCorrupt() throws {
        let reader = try XLSXReader(data: try TestPackage.xlsx(sheet: "这不是 XML，只是一段文字"))
        assertSpreadsheetError(.corrupt) { try reader.forEachRow { _ in } }
        let tags = try XLSXReader(data: try TestPackage.xlsx(sheet: "<worksheet><sheetData></row></sheetData></worksheet>"))
        assertSpreadsheetError(.corrupt) { try tags.forEachRow { _ in } }
    }

    func testSharedStringIndexOutOfRangeIsCorrupt() throws {
        let sheet = TestPackage.sheetXML(#"<row r="1"><c r="A1" t="s"><v>5</v></c></row>"#)
        let strings = #"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>a</t></si></sst>"#
        let reader = try XLSXReader(data: try TestPackage.xlsx(sheet: sheet, sharedStrings: strings))
        let error = assertSpreadsheetError(.corrupt) { try reader.forEachRow { _ in } }
        XCTAssertTrue(error?.message.contains("A1") == true, error?.message ?? "")
    }

    func testZipBombIsRefused() throws {
        // 24 MB of blanks between two tags deflates to a few dozen KB: a ratio no real sheet has.
        var sheet = Data("<worksheet><sheetData>".utf8)
        sheet.append(Data(repeating: 0x20, count: 24 << 20))
        sheet.append(Data("</sheetData></worksheet>".utf8))
        let reader = try XLSXReader(data: try TestPackage.xlsx(sheet: sheet))
        assertSpreadsheetError(.tooLarge) { try reader.forEachRow { _ in } }
    }

    func testUncompressedSizeLimit() throws {
        let url = try Fixture.url("hazard-ledger-shared.xlsx")
        let error = assertSpreadsheetError(.tooLarge) {
            try XLSXReader(url: url, limits: .init(maxUncompressedBytes: 6_000)).forEachRow { _ in }
        }
        XCTAssertTrue(error?.message.contains("拒绝导入") == true, error?.message ?? "")
    }

    func testErrorsOfTheRowHandlerPassThroughUnchanged() throws {
        struct Stop: Error, Equatable { let row: Int }
        let reader = try XLSXReader(url: try Fixture.url("hazard-ledger.xlsx"))
        XCTAssertThrowsError(try reader.forEachRow { row in if row.number == 3 { throw Stop(row: 3) } }) {
            XCTAssertEqual($0 as? Stop, Stop(row: 3))
        }
    }

    // MARK: - Hand-written XML for what producers rarely write

    func testInlineRichTextEntitiesEscapesAndWhitespace() throws {
        let sheet = TestPackage.sheetXML("""
            <row r="1">\
            <c r="A1" t="inlineStr"><is><r><t>安全</t></r><r><rPr><b/></rPr><t xml:space="preserve"> 生产</t></r>\
            <rPh sb="0" eb="2"><t>アンゼン</t></rPh></is></c>\
            <c r="B1" t="inlineStr"><is><t>  两端空格被去掉  </t></is></c>\
            <c r="C1" t="inlineStr"><is><t>&#x4E2D;&#25991;&amp;&lt;&gt;&quot;&apos;&unknown;</t></is></c>\
            <c r="D1" t="inlineStr"><is><t>第一行_x000D_&#10;第二行_x005F_x0041_</t></is></c>\
            <c r="E1" t="inlineStr"><is><t><![CDATA[<原样> & 保留]]></t></is></c>\
            <c r="F1" t="str"><f>A1&amp;""</f><v>公式结果</v></c>\
            <c r="G1" t="b"><v>0</v></c>\
            <c r="H1" t="e"><v>#N/A</v></c>\
            <c r="I1" t="d"><v>2025-03-05T00:00:00</v></c>\
            </row>
            """)
        let rows = try allRows(try XLSXReader(data: try TestPackage.xlsx(sheet: sheet)))
        let row = try XCTUnwrap(rows.first)
        XCTAssertEqual(row.text(0), "安全 生产", "runs joined, phonetic guide left out")
        XCTAssertEqual(row.text(1), "两端空格被去掉", "no xml:space=preserve: trimmed")
        XCTAssertEqual(row.text(2), "中文&<>\"'&unknown;")
        XCTAssertEqual(row.text(3), "第一行\r\n第二行_x0041_")
        XCTAssertEqual(row.text(4), "<原样> & 保留")
        XCTAssertEqual(row[5]?.value, .text("公式结果"))
        XCTAssertEqual(row[6]?.value, .boolean(false))
        XCTAssertEqual(row[7]?.value, .error("#N/A"))
        XCTAssertEqual(row[8]?.date, march5)
        XCTAssertEqual(row[8]?.isDateFormatted, true)
    }

    func testMissingReferencesPrefixesCommentsAndUnsortedCells() throws {
        let sheet = """
            <?xml version="1.0"?><!DOCTYPE x [ <!ENTITY boom "boom"> ]>
            <x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
            <!-- a comment with <tags> inside --><?custom processing instruction?>
            <x:sheetData>
            <x:row><x:c t="inlineStr"><x:is><x:t>甲</x:t></x:is></x:c><x:c><x:v>2</x:v></x:c></x:row>
            <x:row><x:c r="C2"><x:v>3</x:v></x:c><x:c r="A2"><x:v>1</x:v></x:c><x:c r="B2" s="0"/></x:row>
            <x:row r="7"><x:c r="AB7"><x:v> 4 </x:v></x:c></x:row>
            </x:sheetData></x:worksheet>
            """
        let rows = try allRows(try XLSXReader(data: try TestPackage.xlsx(sheet: sheet)))
        XCTAssertEqual(rows.map(\.number), [1, 2, 7])
        XCTAssertEqual(rows[0].cells.map(\.column), [0, 1])
        XCTAssertEqual(rows[0].texts, ["甲", "2"])
        XCTAssertEqual(rows[1].cells.map(\.column), [0, 2], "sorted by column; the value-less B2 left out")
        XCTAssertEqual(rows[1].text(2), "3")
        XCTAssertEqual(rows[2].cells.first?.column, 27)
        XCTAssertEqual(rows[2].cells.first?.value, .number("4"))
    }

    func testStreamingAcrossChunkBoundaries() throws {
        // About 2.5 MB of sheet XML: every tag, entity and multi-byte character lands on some chunk boundary.
        var xml = ""
        var strings = "<sst>"
        for r in 1...20_000 {
            xml += "<row r=\"\(r)\"><c r=\"A\(r)\"><v>\(r)</v></c>"
            xml += "<c r=\"B\(r)\" t=\"inlineStr\"><is><t>第\(r)行 &amp; &#x4E2D;&lt;文&gt;</t></is></c>"
            xml += "<c r=\"C\(r)\" t=\"s\"><v>\(r % 100)</v></c><c r=\"D\(r)\" s=\"1\"><v>\(45000 + r)</v></c></row>"
        }
        for i in 0..<100 { strings += "<si><r><t>共享</t></r><r><t>\(i)</t></r></si>" }
        strings += "</sst>"
        let styles = """
            <styleSheet><numFmts count="1"><numFmt numFmtId="176" formatCode="[$-804]yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;;@"/></numFmts>\
            <cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="176"/></cellXfs></styleSheet>
            """
        let reader = try XLSXReader(data: try TestPackage.xlsx(sheet: TestPackage.sheetXML(xml),
                                                               sharedStrings: strings, styles: styles))
        var count = 0
        try reader.forEachRow { row in
            count += 1
            let r = row.number
            XCTAssertEqual(row.texts.prefix(3), ["\(r)", "第\(r)行 & 中<文>", "共享\(r % 100)"])
            XCTAssertEqual(row[3]?.date, LocalDate(dayNumber: ExcelDate.epoch1900 + 45000 + r))
            if row.texts.count != 4 { XCTFail("row \(r): \(row.texts)") }
        }
        XCTAssertEqual(count, 20_000)
    }

    func testScannerGivesTheSameRowsForAnyChunkSize() throws {
        let xml = TestPackage.sheetXML("""
            <row r="1"><c r="A1" t="inlineStr"><is><t xml:space="preserve"> a&amp;b\r\nc </t></is></c>\
            <c r="B1"><v>1.5E-3</v></c><!-- x --><c r="C1" t="inlineStr"><is><t><![CDATA[a<b]]>x</t></is></c></row>\
            <row r="3"><c r="B3" t="inlineStr"><is><t>&#x1F600;中文</t></is></c></row>
            """)
        let bytes = Array(xml.utf8)
        func rows(chunk: Int) throws -> [SpreadsheetRow] {
            var scanner = XMLScanner(handler: XLSXSheetParser(sharedStrings: SharedStringStore(), dateStyles: [], uses1904: false))
            var out: [SpreadsheetRow] = []
            var i = 0
            while i < bytes.count {
                try scanner.feed(Data(bytes[i..<min(i + chunk, bytes.count)]))
                out += scanner.handler.rows
                scanner.handler.rows.removeAll()
                i += chunk
            }
            try scanner.finish()
            return out + scanner.handler.rows
        }
        let whole = try rows(chunk: bytes.count)
        XCTAssertEqual(whole.map(\.texts), [[" a&b\nc ", "1.5E-3", "a<bx"], ["", "😀中文"]])
        for size in [1, 2, 3, 5, 8, 13, 64] {
            XCTAssertEqual(try rows(chunk: size), whole, "chunk size \(size)")
        }
    }

    // MARK: - Formats and dates

    func testDateFormatDetection() {
        for code in ["yyyy-mm-dd", "m/d/yy", #"yyyy"年"m"月"d"日""#, "[$-804]yyyy年m月d日;@", "d-mmm", "mmm-yy",
                     "yyyy-mm-dd hh:mm:ss", "[DBNum1][$-804]m\"月\"d\"日\""] {
            XCTAssertTrue(XLSXStyles.isDateFormat(code), code)
        }
        for code in ["General", "0.00", "#,##0", "h:mm", "mm:ss", "[h]:mm:ss", "@", #""天数"0"#, "0.00E+00",
                     "[Red]0.00", #"#,##0"元""#, "_(* #,##0_)"] {
            XCTAssertFalse(XLSXStyles.isDateFormat(code), code)
        }
        for id in [14, 22, 31, 45, 57] { XCTAssertTrue(XLSXStyles.builtInDateFormats.contains(id), "\(id)") }
        for id in [0, 1, 2, 10, 49] { XCTAssertFalse(XLSXStyles.builtInDateFormats.contains(id), "\(id)") }
    }

    func testExcelSerialNumbers() {
        XCTAssertEqual(ExcelDate.date(serial: 1, uses1904: false), LocalDate(year: 1900, month: 1, day: 1))
        XCTAssertEqual(ExcelDate.date(serial: 59, uses1904: false), LocalDate(year: 1900, month: 2, day: 28))
        XCTAssertNil(ExcelDate.date(serial: 60, uses1904: false), "Excel's fictitious 1900-02-29")
        XCTAssertEqual(ExcelDate.date(serial: 61, uses1904: false), LocalDate(year: 1900, month: 3, day: 1))
        XCTAssertEqual(ExcelDate.date(serial: 45721.75, uses1904: false), march5, "time of day ignored")
        XCTAssertEqual(ExcelDate.date(serial: 44259, uses1904: true), march5)
        XCTAssertNil(ExcelDate.date(serial: -1, uses1904: false))
        XCTAssertNil(ExcelDate.date(serial: .nan, uses1904: false))
        XCTAssertNil(ExcelDate.date(serial: 2_958_466, uses1904: false), "beyond the years LocalDate accepts")
        for date in [march5, LocalDate(year: 1900, month: 1, day: 1)!, LocalDate(year: 1900, month: 3, day: 1)!,
                     LocalDate(year: 2200, month: 12, day: 31)!] {
            XCTAssertEqual(ExcelDate.date(serial: Double(ExcelDate.serial(date)), uses1904: false), date)
        }
        XCTAssertEqual(ExcelDate.serial(march5), 45721)
    }

    func testColumnNames() {
        XCTAssertEqual([0, 1, 25, 26, 27, 701, 702, 16383].map(SpreadsheetCell.columnName),
                       ["A", "B", "Z", "AA", "AB", "ZZ", "AAA", "XFD"])
    }
}

/// The shared string table moves to a temporary file past its memory limit and reads back the same.
final class SharedStringStoreTests: XCTestCase {
    func testSpillsToDiskAndReadsBack() throws {
        let store = SharedStringStore(memoryLimit: 1_024)
        var expected: [String] = []
        for i in 0..<5_000 {
            let s = i % 7 == 0 ? "" : "第\(i)项：台账\(String(repeating: "记", count: i % 13))"
            expected.append(s)
            try store.append(s)
        }
        try store.finish()
        XCTAssertTrue(store.spilled)
        XCTAssertEqual(store.count, expected.count)
        for i in [0, 1, 2, 999, 1_000, 4_999, 3_333, 3_333] { XCTAssertEqual(store[i], expected[i], "\(i)") }
        for (i, s) in expected.enumerated() where i % 97 == 0 { XCTAssertEqual(store[i], s) }
        let small = SharedStringStore()
        try small.append("甲")
        try small.finish()
        XCTAssertFalse(small.spilled)
        XCTAssertEqual(small[0], "甲")
    }
}
