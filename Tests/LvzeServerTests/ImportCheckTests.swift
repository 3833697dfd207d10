import Fluent
import Foundation
import LvzeCore
@testable import LvzeServer
import XCTest
import XCTVapor

/// The import's row checks on their own: a dry run of a small CSV through `LedgerImporter`,
/// one bad cell a case, and the exact 第N行 «列名»：message the clerk reads back.
final class ImportCheckTests: XCTestCase {
    static let header = "检查日期,被检查单位,统一社会信用代码,检查类型,发现隐患数,处理结果,罚款金额,责任单位"
    /// A good row of the enforcement inspection ledger, cell by cell in `header`'s order.
    static let good = ["2025-03-05", "甲镇纺织有限公司", "", "日常检查", "2", "责令限期整改", "5000", "TA-V1"]

    /// A dry run (nothing written) of `csv` as the given kind, for a clerk whose scope is `scope`.
    func dryRun(_ app: Application, kind id: String, _ csv: String, scope: UnitPath, defaultUnit: OrgUnit) async throws
    -> LedgerImporter.Report {
        let kind = try XCTUnwrap(app.lvze.catalogue[id])
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("import-check-\(UUID().uuidString).csv")
        try Data(csv.utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let importer = LedgerImporter(kind: kind, db: app.db, scope: scope, defaultUnit: defaultUnit, readers: app.threadPool)
        return try await importer.run(try LedgerImporter.open(url, name: "检查.csv"), fileName: "检查.csv", writer: nil)
    }

    /// One CSV line with the cells quoted, as spreadsheet programs write them when a cell holds a comma or quote.
    static func line(_ cells: [String]) -> String {
        cells.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: ",")
    }

    func testEachBadCellIsNamedByRowAndColumnWithItsReason() async throws {
        try await withFixture { app, f in
            let choices = "日常检查、专项检查、重点检查、双随机抽查、联合检查、复查"
            let cases: [(name: String, column: Int, cell: String, expected: String)] = [
                ("impossible date", 0, "2025/2/30", "«检查日期»：「2025/2/30」不是有效日期（可写作2025-03-05、2025/3/5、2025.3.5或2025年3月5日）"),
                ("date in words", 0, "三月初", "«检查日期»：「三月初」不是有效日期（可写作2025-03-05、2025/3/5、2025.3.5或2025年3月5日）"),
                ("date with a 13th month", 0, "2025.13.1", "«检查日期»：「2025.13.1」不是有效日期（可写作2025-03-05、2025/3/5、2025.3.5或2025年3月5日）"),
                ("empty required text", 1, "", "«被检查单位»：不能为空"),
                ("required text of spaces", 1, "   ", "«被检查单位»：不能为空"),
                ("text over 500 characters", 1, String(repeating: "厂", count: 501),
                 "«被检查单位»：不能超过500个字（现有501个字），较长的内容请用长文本字段"),
                ("text with U+0000", 1, "甲厂\u{0}乙", "«被检查单位»：含有不可见的控制字符（U+0000），请删除后再提交"),
                ("text with a line break", 1, "甲厂\n乙厂", "«被检查单位»：不能换行"),
                ("credit code too short", 2, "9135010", "«统一社会信用代码»：应为18位，实际为7位"),
                ("credit code check character", 2, "91350100M000100Y44", "«统一社会信用代码»：校验码错误：第18位应为「3」，实际为「4」"),
                ("enumeration value unknown", 3, "抽查", "«检查类型»：「抽查」不是可选值（可选：\(choices)）"),
                ("enumeration by a one-character prefix", 3, "联", "«检查类型»：「联」不是可选值（可选：\(choices)）"),
                ("integer in words", 4, "两个", "«发现隐患数»：「两个」不是整数"),
                ("integer with a fraction", 4, "2.5", "«发现隐患数»：「2.5」不是整数"),
                ("integer below its minimum", 4, "-1", "«发现隐患数»：不能小于0"),
                ("money in words", 6, "五千元", "«罚款金额»：「五千元」不是数字"),
                ("money with letters", 6, "1e5", "«罚款金额»：「1e5」不是数字"),
                ("unit of the other town", 7, "TB-V1", "«责任单位»：「TB-V1」不存在或不在您的管理范围内"),
                ("unit by the other town's name", 7, "乙镇", "«责任单位»：「乙镇」不存在或不在您的管理范围内"),
                ("unit that does not exist", 7, "不存在的村", "«责任单位»：「不存在的村」不存在或不在您的管理范围内"),
            ]
            for c in cases {
                var cells = Self.good
                cells[c.column] = c.cell
                let csv = Self.header + "\n" + Self.line(cells) + "\n"
                let report = try await dryRun(app, kind: "enforcement_inspection", csv, scope: f.townA.unitPath, defaultUnit: f.townA)
                XCTAssertEqual(report.errors, ["第2行 " + c.expected], c.name)
                XCTAssertEqual(report.rows, 0, c.name)
            }
        }
    }

    func testAcceptedCellsAreReadAsTheLedgerKeepsThem() async throws {
        try await withFixture { app, f in
            let cases: [(name: String, column: Int, cell: String, field: String, expected: String)] = [
                ("date with slashes", 0, "2025/3/5", "检查日期", "2025-03-05"),
                ("date with dots", 0, "2025.3.5", "检查日期", "2025-03-05"),
                ("date in Chinese", 0, "2025年3月5日", "检查日期", "2025-03-05"),
                ("date of eight digits", 0, "20250305", "检查日期", "2025-03-05"),
                ("date in full-width digits", 0, "２０２５－０３－０５", "检查日期", "2025-03-05"),
                ("text trimmed", 1, "  甲镇纺织有限公司  ", "被检查单位", "甲镇纺织有限公司"),
                ("text of exactly 500 characters", 1, String(repeating: "厂", count: 500), "被检查单位", String(repeating: "厂", count: 500)),
                ("valid credit code", 2, "91350100M000100Y43", "统一社会信用代码", "91350100M000100Y43"),
                ("enumeration by a unique prefix", 3, "专项", "检查类型", "专项检查"),
                ("integer in full-width digits", 4, "１２", "发现隐患数", "12"),
                ("integer with a thousands comma", 4, "1,200", "发现隐患数", "1200"),
                ("integer written with .0", 4, "3.0", "发现隐患数", "3"),
                ("money with a currency sign and comma", 6, "￥5,000元", "罚款金额", "5000"),
                ("money rounded to fen", 6, "12.345", "罚款金额", "12.35"),
                ("money in full-width digits", 6, "５０００", "罚款金额", "5000"),
            ]
            for c in cases {
                var cells = Self.good
                cells[c.column] = c.cell
                let csv = Self.header + "\n" + Self.line(cells) + "\n"
                let report = try await dryRun(app, kind: "enforcement_inspection", csv, scope: f.townA.unitPath, defaultUnit: f.townA)
                XCTAssertEqual(report.errors, [], c.name)
                XCTAssertEqual(report.rows, 1, c.name)
                let column = try XCTUnwrap(report.previewHeaders.firstIndex(of: c.field), c.name)
                XCTAssertEqual(report.preview.first?[column], c.expected, c.name)
            }
        }
    }

    func testEveryProblemOfEveryRowIsListedInRowOrder() async throws {
        try await withFixture { app, f in
            var first = Self.good, second = Self.good, third = Self.good
            first[0] = "明天"
            first[4] = "很多"
            third[3] = "抽查"
            third[7] = "TB"
            second[1] = "乙厂"
            let csv = [Self.header, Self.line(first), Self.line(second), Self.line(third)].joined(separator: "\n") + "\n"
            let report = try await dryRun(app, kind: "enforcement_inspection", csv, scope: f.townA.unitPath, defaultUnit: f.townA)
            XCTAssertEqual(report.errors.map { String($0.prefix { $0 != "：" }) },
                           ["第2行 «检查日期»", "第2行 «发现隐患数»", "第4行 «责任单位»", "第4行 «检查类型»"])
            XCTAssertEqual(report.rows, 1, "the good row is counted, and still nothing would be written")
        }
    }

    func testARequiredColumnMissingFromTheFileIsSaidSo() async throws {
        try await withFixture { app, f in
            let csv = "检查日期,检查类型,责任单位\n2025-03-05,日常检查,TA-V1\n2025-03-06,复查,TA\n"
            let report = try await dryRun(app, kind: "enforcement_inspection", csv, scope: f.townA.unitPath, defaultUnit: f.townA)
            XCTAssertEqual(report.errors, ["第2行 «被检查单位»：不能为空（文件中没有这一列）", "第3行 «被检查单位»：不能为空（文件中没有这一列）"])
        }
    }

    func testTotalRowsAndRowsOfSpacesAreSkippedAndCounted() async throws {
        try await withFixture { app, f in
            let rows = [
                Self.header,
                Self.line(Self.good),
                ",,,,,,,",
                "合计,,,,2,,5000,",
                "小 计,,,,,,,",
                "合计：1家,,,,,,,",
                Self.line(Self.good),
                "   ,  ,,,,,,",
            ]
            let report = try await dryRun(app, kind: "enforcement_inspection", rows.joined(separator: "\n") + "\n",
                                          scope: f.townA.unitPath, defaultUnit: f.townA)
            XCTAssertEqual(report.errors, [])
            XCTAssertEqual(report.rows, 2)
            // The CSV reader never hands over a row of empty fields; a row of spaces is skipped as blank.
            XCTAssertEqual(report.skipped, 4)
            XCTAssertEqual(report.headerRow, 1)
            XCTAssertEqual(report.columns.map(\.field).last, "责任单位")
        }
    }

    func testAHeaderBelowATitleRowIsFoundAndUnknownColumnsAreListed() async throws {
        try await withFixture { app, f in
            let csv = "甲镇2025年安全生产执法检查台账,,,\n序号,检查时间,生产经营单位,天气,责任单位\n1,2025-03-05,甲厂,晴,TA-V1\n"
            let report = try await dryRun(app, kind: "enforcement_inspection", csv, scope: f.townA.unitPath, defaultUnit: f.townA)
            XCTAssertEqual(report.errors, [])
            XCTAssertEqual(report.headerRow, 2)
            XCTAssertEqual(report.columns.map(\.header), ["检查时间", "生产经营单位", "责任单位"])
            XCTAssertEqual(report.columns.map(\.field), ["检查日期", "被检查单位", "责任单位"])
            XCTAssertEqual(report.ignoredColumns, ["天气"])
            XCTAssertEqual(report.rows, 1)
        }
    }

    func testAFileWithoutAHeaderNamesTheColumnsItExpects() async throws {
        try await withFixture { app, f in
            do {
                _ = try await dryRun(app, kind: "enforcement_inspection", "甲,乙,丙\n1,2,3\n", scope: f.townA.unitPath, defaultUnit: f.townA)
                XCTFail("a file without a header was read")
            } catch let failure as ValidationFailure {
                XCTAssertEqual(failure.message,
                               "«文件»：在前20行中找不到表头：表头应包含「安全生产执法检查台账」的列名，如检查日期、被检查单位、统一社会信用代码、检查类型、专项行动、执法人员")
            }
        }
    }

    func testAUnitNameSharedByTwoUnitsMustBeGivenByCode() async throws {
        try await withFixture { app, f in
            for code in ["TA-V2", "TA-V3"] {
                _ = try await OrgUnit.create(.init(code: code, name: "新村", kind: .village, parent: f.townA, foundedOn: nil, dissolvedOn: nil,
                                                   sortOrder: 0, note: ""), on: app.db)
            }
            var byName = Self.good
            byName[7] = "新村"
            var byCode = Self.good
            byCode[7] = "TA-V3"
            var byUnitName = Self.good
            byUnitName[7] = "甲一村"
            let csv = [Self.header, Self.line(byName), Self.line(byCode), Self.line(byUnitName)].joined(separator: "\n") + "\n"
            let report = try await dryRun(app, kind: "enforcement_inspection", csv, scope: f.townA.unitPath, defaultUnit: f.townA)
            XCTAssertEqual(report.errors, ["第2行 «责任单位»：名为「新村」的单位不止一个，请填写单位代码"])
            XCTAssertEqual(report.rows, 2)
        }
    }
}
