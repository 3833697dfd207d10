import Foundation
import LvzeCore
import XCTest
@testable import LvzeOffice

final class XLSXWriterTests: XCTestCase {
    private let march5 = LocalDate(year: 2025, month: 3, day: 5)!
    private let columns = [
        ExportColumn("序号", kind: .integer),
        ExportColumn("排查时间", kind: .date),
        ExportColumn("隐患描述", width: 40),
        ExportColumn("整改资金", kind: .decimal(places: 2)),
        ExportColumn("是否销号", kind: .boolean),
        ExportColumn("备注"),
    ]

    private func write(_ rows: [[ExportValue]], name: String = "隐患台账") throws -> URL {
        let url = temporaryURL(self, "export.xlsx")
        let writer = try XLSXWriter(url: url, sheetName: name, columns: columns)
        for row in rows { try writer.append(row) }
        try writer.finish()
        return url
    }

    func testRoundTripThroughTheReader() throws {
        let url = try write([
            [1, .date(march5), "电缆<老化> & \"破损\"", 1200.5, true, "=SUM(A1:A9)"],
            [2, .date(LocalDate(year: 2024, month: 12, day: 31)), "  两端空格\n第二行  ", 0, false, "+86 138"],
            [3, .empty, "控制\u{0}字符\u{1B}去掉\u{FFFE}", .decimal(-45.125), .empty, "-5"],
            [4, .text("2025年3月5日"), "_x0041_ 原样", .integer(7), true, "@某人"],
            [.integer(-12), nil, "", .decimal(.nan), nil],
        ])
        let reader = try XLSXReader(url: url)
        XCTAssertEqual(reader.sheets.map(\.name), ["隐患台账"])
        let rows = try allRows(reader)
        XCTAssertEqual(rows.map(\.number), [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(rows[0].texts, columns.map(\.title))

        let first = rows[1]
        XCTAssertEqual(first[0]?.value, .number("1"))
        XCTAssertEqual(first[1]?.isDateFormatted, true)
        XCTAssertEqual(first[1]?.value, .number("45721"))
        XCTAssertEqual(first[1]?.date, march5)
        XCTAssertEqual(first.text(2), "电缆<老化> & \"破损\"")
        XCTAssertEqual(first[3]?.value, .number("1200.5"))
        XCTAssertEqual(first[4]?.value, .text("是"))
        XCTAssertEqual(first.text(5), "=SUM(A1:A9)", "kept as typed: an inline string is never a formula")

        let second = rows[2]
        XCTAssertEqual(second[1]?.date, LocalDate(year: 2024, month: 12, day: 31))
        XCTAssertEqual(second.text(2), "  两端空格\n第二行  ")
        XCTAssertEqual(second[3]?.value, .number("0"))
        XCTAssertEqual(second.text(4), "否")
        XCTAssertEqual(second.text(5), "+86 138")

        let third = rows[3]
        XCTAssertEqual(third.cells.map(\.column), [0, 2, 3, 5])
        XCTAssertEqual(third.text(2), "控制字符去掉")
        XCTAssertEqual(third[3]?.number, -45.125)
        XCTAssertEqual(third.text(5), "-5")

        let fourth = rows[4]
        XCTAssertEqual(fourth[1]?.value, .text("2025年3月5日"), "text in a date column stays text")
        XCTAssertEqual(fourth[1]?.date, march5)
        XCTAssertEqual(fourth.text(2), "_x0041_ 原样", "literal _xHHHH_ survives Excel's escaping")
        XCTAssertEqual(fourth.text(5), "@某人")

        XCTAssertEqual(rows[5].cells.map(\.column), [0], "empty text, nil and NaN write no cell")
        XCTAssertEqual(rows[5][0]?.value, .number("-12"))
    }

    func testPackageHasFrozenHeaderFilterStylesAndWidths() throws {
        let url = try write([[1, .date(march5), "描述", 2.5, true, "备注"], [2]], name: "A&B 台账")
        let sheet = try TestPackage.part("xl/worksheets/sheet1.xml", of: url)
        XCTAssertTrue(sheet.contains(#"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#))
        XCTAssertTrue(sheet.contains(#"<autoFilter ref="A1:F3"/>"#))
        XCTAssertTrue(sheet.contains(#"<col min="3" max="3" width="40" customWidth="1"/>"#))
        XCTAssertTrue(sheet.contains(#"<c r="A1" s="1" t="inlineStr"><is><t>序号</t></is></c>"#), "header uses the bold style")
        XCTAssertTrue(sheet.contains(#"<c r="B2" s="2"><v>45721</v></c>"#), "date as serial with the date style")
        XCTAssertTrue(sheet.contains(#"<c r="D2" s="4"><v>2.5</v></c>"#), "number with the 0.00 style")

        let styles = try TestPackage.part("xl/styles.xml", of: url)
        XCTAssertTrue(styles.contains(#"<numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>"#))
        XCTAssertTrue(styles.contains(#"<numFmt numFmtId="165" formatCode="0.00"/>"#))
        XCTAssertTrue(styles.contains("<font><b/>"), "bold header font")
        XCTAssertTrue(styles.contains(#"<patternFill patternType="solid"><fgColor rgb="FFD9E1F2"/>"#), "header fill")
        XCTAssertTrue(styles.contains(#"<xf numFmtId="0" fontId="1" fillId="2""#), "style 1 = bold + fill")
        XCTAssertTrue(styles.contains(#"<xf numFmtId="164""#), "style 2 = date")

        let workbook = try TestPackage.part("xl/workbook.xml", of: url)
        XCTAssertTrue(workbook.contains(#"<sheet name="A&amp;B 台账" sheetId="1" r:id="rId1"/>"#))
        XCTAssertTrue(workbook.contains("'A&amp;B 台账'!$A$1:$F$3</definedName>"))
        XCTAssertTrue(try TestPackage.part("[Content_Types].xml", of: url).contains("/xl/worksheets/sheet1.xml"))
    }

    func testManyRowsStreamAndReadBack() throws {
        let url = temporaryURL(self, "many.xlsx")
        let writer = try XLSXWriter(url: url, sheetName: "明细", columns: columns)
        for i in 1...30_000 {
            try writer.append([.integer(i), .date(march5.adding(days: i)), .text("第\(i)条隐患描述，内容较长以便超过缓冲区"),
                               .decimal(Double(i) / 4), .boolean(i % 2 == 0)])
        }
        XCTAssertEqual(writer.rowCount, 30_000)
        try writer.finish()
        var count = 0
        var last: SpreadsheetRow?
        try XLSXReader(url: url).forEachRow { row in
            count += 1
            last = row
        }
        XCTAssertEqual(count, 30_001)
        XCTAssertEqual(last?.number, 30_001)
        XCTAssertEqual(last?[1]?.date, march5.adding(days: 30_000))
        XCTAssertEqual(last?.text(2), "第30000条隐患描述，内容较长以便超过缓冲区")
        XCTAssertEqual(last?[3]?.number, 7500)
    }

    func testReplacesAnExistingFileAndRefusesMisuse() throws {
        let url = temporaryURL(self, "again.xlsx")
        try Data("旧文件".utf8).write(to: url)
        let writer = try XLSXWriter(url: url, sheetName: "表", columns: [ExportColumn("名称")])
        assertSpreadsheetError(.invalidArgument) { try writer.append(["一", "二"]) }
        try writer.append(["一"])
        try writer.finish()
        assertSpreadsheetError(.invalidArgument) { try writer.append(["晚了"]) }
        XCTAssertEqual(try allRows(try XLSXReader(url: url)).map(\.texts), [["名称"], ["一"]])
        assertSpreadsheetError(.invalidArgument) {
            _ = try XLSXWriter(url: temporaryURL(self, "x.xlsx"), sheetName: "表", columns: [])
        }
    }

    func testSheetNames() throws {
        XCTAssertNil(XLSXWriter.sheetNameProblem("2025年隐患排查治理台账"))
        for bad in ["", "a/b", "问题[1]", "是否?", "'引号'", String(repeating: "长", count: 32), "History"] {
            XCTAssertNotNil(XLSXWriter.sheetNameProblem(bad), bad)
            assertSpreadsheetError(.invalidArgument) {
                _ = try XLSXWriter(url: temporaryURL(self, "n.xlsx"), sheetName: bad, columns: [ExportColumn("a")])
            }
        }
        XCTAssertEqual(XLSXWriter.sanitizedSheetName("2025/03 隐患:台账*"), "2025_03 隐患_台账_")
        XCTAssertEqual(XLSXWriter.sanitizedSheetName(String(repeating: "长", count: 40)).count, 31)
        XCTAssertEqual(XLSXWriter.sanitizedSheetName("''"), "Sheet1")
        XCTAssertNil(XLSXWriter.sheetNameProblem(XLSXWriter.sanitizedSheetName("'[报表]'")))
    }

    func testDefaultColumnWidthsFollowTheTitle() {
        XCTAssertEqual(ExportColumn("隐患描述").width, 10)
        XCTAssertEqual(ExportColumn("隐患排查治理情况说明").width, 22)
        XCTAssertEqual(ExportColumn("日期", kind: .date).width, 12)
        XCTAssertEqual(ExportColumn("x", width: 7.5).width, 7.5)
    }
}
