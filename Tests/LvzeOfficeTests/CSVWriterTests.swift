import Foundation
import LvzeCore
import XCTest
@testable import LvzeOffice

final class CSVWriterTests: XCTestCase {
    private let columns = [
        ExportColumn("序号", kind: .integer),
        ExportColumn("排查时间", kind: .date),
        ExportColumn("隐患描述"),
        ExportColumn("整改资金", kind: .decimal(places: 2)),
        ExportColumn("是否销号", kind: .boolean),
    ]
    private let march5 = LocalDate(year: 2025, month: 3, day: 5)!

    func testBOMQuotingLineEndsAndNeutralisation() {
        let data = CSVWriter.data(columns: columns, rows: [
            [1, .date(march5), "含,逗号和\"引号\"", 1200.5, true],
            [2, nil, "=HYPERLINK(\"http://x\")", .decimal(3), false],
            [3, .date(march5), "第一行\n第二行", .integer(5), nil],
            ["@cmd", "-1+1", "+1", nil, nil],
        ])
        XCTAssertEqual(Array(data.prefix(3)), [0xEF, 0xBB, 0xBF])
        let lines = [
            #"序号,排查时间,隐患描述,整改资金,是否销号"#,
            #"1,2025-03-05,"含,逗号和""引号""",1200.50,是"#,
            #"2,,"'=HYPERLINK(""http://x"")",3.00,否"#,
            "3,2025-03-05,\"第一行\n第二行\",5,",
            #"'@cmd,'-1+1,'+1,,"#,
        ]
        XCTAssertEqual(String(decoding: data.dropFirst(3), as: UTF8.self), lines.joined(separator: "\r\n") + "\r\n")
    }

    func testStreamedFileReadsBackThroughTheCSVReader() throws {
        let url = temporaryURL(self, "export.csv")
        let writer = try CSVWriter(url: url, columns: columns)
        for i in 1...5_000 {
            try writer.append([.integer(i), .date(march5.adding(days: i)), .text("描述\(i)，\"重点\"\n跟踪"),
                               .decimal(Double(i) + 0.25), .boolean(i % 3 == 0)])
        }
        try writer.finish()
        XCTAssertEqual(writer.rowCount, 5_000)
        let reader = try CSVReader(url: url)
        XCTAssertEqual(reader.encoding, .utf8)
        let rows = try allRows(reader)
        XCTAssertEqual(rows.count, 5_001)
        XCTAssertEqual(rows[0].texts, columns.map(\.title))
        XCTAssertEqual(rows[3].texts, ["3", march5.adding(days: 3).iso, "描述3，\"重点\"\n跟踪", "3.25", "是"])
        XCTAssertEqual(rows[5_000][1]?.date, march5.adding(days: 5_000))
    }

    func testFormulaGuard() {
        XCTAssertEqual(FormulaGuard.neutralized("=1+2"), "'=1+2")
        XCTAssertEqual(FormulaGuard.neutralized("+8613800000000"), "'+8613800000000")
        XCTAssertEqual(FormulaGuard.neutralized("-"), "'-")
        XCTAssertEqual(FormulaGuard.neutralized("@SUM(A1)"), "'@SUM(A1)")
        XCTAssertEqual(FormulaGuard.neutralized("\t=1"), "'\t=1")
        XCTAssertEqual(FormulaGuard.neutralized("安全=第一"), "安全=第一")
        XCTAssertEqual(FormulaGuard.neutralized("＝全角"), "＝全角")
        XCTAssertEqual(FormulaGuard.neutralized(""), "")
    }

    func testFieldFormatting() {
        XCTAssertEqual(CSVWriter.field(.decimal(2.5), kind: .text), "2.5")
        XCTAssertEqual(CSVWriter.field(.decimal(2.5), kind: .decimal(places: 0)), "2")
        XCTAssertEqual(CSVWriter.field(.decimal(.infinity), kind: .decimal(places: 2)), "")
        XCTAssertEqual(CSVWriter.field(.text("a\r\nb"), kind: .text), "\"a\r\nb\"")
        XCTAssertEqual(CSVWriter.field(.integer(-7), kind: .integer), "-7")
    }
}
