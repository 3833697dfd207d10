import Foundation
import LvzeCore
import XCTest
import ZIPFoundation
@testable import LvzeOffice

final class XLSReaderTests: XCTestCase {
    private let march5 = LocalDate(year: 2025, month: 3, day: 5)!
    private let fixtures = ["hazard-ledger.xls", "long-strings.xls", "long-strings-libreoffice.xls",
                            "two-sheets.xls", "dates-1904.xls"]

    // MARK: - The fixtures against xlrd and olefile (Fixtures/make_xls_fixtures.py)

    func testEveryFixtureReadsAsXlrdAndOlefileReadIt() throws {
        let expected = try String(contentsOf: try Fixture.url("xls-expected.txt"), encoding: .utf8)
        var sections: [String: [String]] = [:]
        var current = ""
        for line in expected.split(separator: "\n", omittingEmptySubsequences: false) where !line.isEmpty {
            if line.hasPrefix("=== ") { current = String(line.dropFirst(4).split(separator: " ")[0]) }
            sections[current, default: []].append(String(line))
        }
        XCTAssertEqual(Set(sections.keys), Set(fixtures))
        for name in fixtures {
            let ours = try XLSDump.lines(try Fixture.url(name))
            let theirs = sections[name] ?? []
            XCTAssertEqual(ours.count, theirs.count, name)
            for (a, b) in zip(ours, theirs) where a != b {
                XCTFail("\(name):\n ours:   \(a)\n xlrd:   \(b)")
                break
            }
        }
    }

    // MARK: - The hazard ledger as LibreOffice saves it (RK/MULRK, shared strings, cached formula results)

    private func ledgerRows() throws -> [Int: SpreadsheetRow] {
        let reader = try XLSReader(url: try Fixture.url("hazard-ledger.xls"))
        XCTAssertEqual(reader.sheets.map(\.name), ["隐患台账"])
        XCTAssertFalse(reader.uses1904DateSystem)
        var rows: [SpreadsheetRow] = []
        try reader.forEachRow { rows.append($0) }
        XCTAssertEqual(rows.map(\.number), [1, 2, 3, 4, 5, 6, 7, 9, 10], "row 8 is empty and must not be reported")
        return Dictionary(uniqueKeysWithValues: rows.map { ($0.number, $0) })
    }

    func testMergedTitleAndHeader() throws {
        let rows = try ledgerRows()
        XCTAssertEqual(rows[1]?.cells.map(\.column), [0])
        XCTAssertEqual(rows[1]?.text(0), Fixture.title)
        XCTAssertEqual(rows[2]?.texts, Fixture.header + ["整改率"])
        XCTAssertEqual(rows[9]?.cells.map(\.column), [0, 2, 10], "cells that skip columns")
        XCTAssertEqual(rows[9]?.text(2), "周杰")
        XCTAssertNil(rows[9]?[1])
    }

    func testDateCellsInSeveralFormats() throws {
        let rows = try ledgerRows()
        let dates: [(Int, Int, LocalDate?)] = [
            (3, 1, march5),                                     // yyyy-mm-dd
            (4, 1, LocalDate(year: 2025, month: 3, day: 6)),    // mm-dd-yy
            (5, 1, LocalDate(year: 2025, month: 3, day: 7)),    // [$-804]yyyy"年"m"月"d"日";@
            (3, 7, LocalDate(year: 2025, month: 3, day: 20)),   // yyyy"年"m"月"d"日"
            (4, 7, LocalDate(year: 2025, month: 4, day: 1)),    // yyyy/m/d
            (6, 7, LocalDate(year: 2025, month: 3, day: 31)),   // m"月"d"日"
        ]
        for (r, c, date) in dates {
            let cell = try XCTUnwrap(rows[r]?[c], "row \(r) column \(c)")
            XCTAssertTrue(cell.isDateFormatted, "row \(r) column \(c)")
            XCTAssertEqual(cell.date, date, "row \(r) column \(c)")
            XCTAssertEqual(cell.text, date?.iso, "row \(r) column \(c)")
        }
        XCTAssertEqual(rows[3]?[1]?.value, .number("45721"))
        // A bare serial number in General format is a number, a date only if the importer asks.
        let serial = try XCTUnwrap(rows[7]?[1])
        XCTAssertFalse(serial.isDateFormatted)
        XCTAssertNil(serial.date)
        XCTAssertEqual(serial.serialDate, march5)
        // Text dates stay text.
        XCTAssertEqual(rows[6]?[1]?.value, .text("2025年3月8日"))
        XCTAssertEqual(rows[6]?[1]?.date, LocalDate(year: 2025, month: 3, day: 8))
        XCTAssertEqual(rows[7]?[7]?.date, LocalDate(year: 2025, month: 3, day: 28))
    }

    func testNumbersAsTheirShortestText() throws {
        let rows = try ledgerRows()
        XCTAssertEqual(rows[3]?[0]?.value, .number("1"))
        XCTAssertEqual(rows[3]?[9]?.value, .number("1200.5"))
        XCTAssertEqual(rows[4]?[9]?.value, .number("0"))
        XCTAssertEqual(rows[5]?[9]?.value, .number("0.1"))
        XCTAssertEqual(rows[6]?[9]?.value, .number("-45.25"))
        XCTAssertEqual(rows[7]?[9]?.value, .number("1234567.89"))
        XCTAssertEqual(rows[7]?[11]?.value, .number("0.001"))
        // Percentages are numbers, not dates.
        XCTAssertEqual(rows[3]?[11]?.value, .number("0.15"))
        XCTAssertEqual(rows[3]?[11]?.isDateFormatted, false)
        XCTAssertEqual(rows[4]?[11]?.value, .number("0.875"))
        XCTAssertEqual(rows[5]?[11]?.value, .number("1"))
    }

    func testTextKeepsWhitespaceAndLineBreaks() throws {
        let rows = try ledgerRows()
        XCTAssertEqual(rows[3]?.text(4), "  电缆<老化> & \"破损\"  ")
        XCTAssertEqual(rows[4]?.text(4), "消防通道堆放杂物\n影响疏散")
        XCTAssertEqual(rows[5]?.text(4), "=燃气管道未固定")
        XCTAssertEqual(rows[7]?.text(7), "２０２５年３月２８日")
        XCTAssertEqual(rows[3]?[10]?.boolean, true)
    }

    func testFormulaResultsAsCached() throws {
        let rows = try ledgerRows()
        let total = try XCTUnwrap(rows[10])
        XCTAssertEqual(total.cells.map(\.column), [0, 7, 8, 9, 10, 12], "the empty-string result of L10 is left out")
        XCTAssertEqual(total[7]?.value, .error("#N/A"))
        XCTAssertEqual(total[8]?.value, .error("#DIV/0!"))
        XCTAssertEqual(total[9]?.value, .number("1235723.24"))
        XCTAssertEqual(total[10]?.value, .text("有资金"))
        XCTAssertEqual(total[12]?.value, .boolean(true))
        // LibreOffice stores a TRUE cell as the formula =TRUE() with its result.
        XCTAssertEqual(rows[7]?[10]?.value, .boolean(true))
        XCTAssertEqual(rows[7]?[10]?.text, "TRUE")
    }

    // MARK: - Shared strings across CONTINUE records

    private func longText(_ i: Int) -> String {
        String(repeating: "第\(i)项：消防设施不完好，灭火器压力不足，疏散通道被占用，应急照明失效，需要限期整改并复查。",
               count: 1 + i % 5)
    }

    func testLongStringsSpanningContinueRecords() throws {
        for name in ["long-strings.xls", "long-strings-libreoffice.xls"] {
            let reader = try XLSReader(url: try Fixture.url(name))
            XCTAssertEqual(reader.strings.count, 87, name)
            let rows = try allRows(reader)
            XCTAssertEqual(rows.map(\.number), Array(1...41), name)
            XCTAssertEqual(rows[0].texts, ["编号", "描述", "English"], name)
            for i in 1...40 {
                let row = rows[i]
                XCTAssertEqual(row[0]?.value, .number("\(i)"), name)
                XCTAssertEqual(row.text(1), longText(i), "\(name) row \(i + 1)")
                XCTAssertEqual(row.text(2), String(repeating: "Fire exit \(i) blocked; extinguisher expired. ",
                                                   count: 1 + i % 7), "\(name) row \(i + 1)")
                XCTAssertEqual(row.text(3), i % 10 == 0 ? "加粗普通文本\(i)" : "", "\(name): rich text, runs skipped")
            }
        }
    }

    func testStringsSplitAtEveryKindOfContinueBoundary() throws {
        // Built by hand: only these show a width change at a boundary, a header alone before one,
        // formatting runs and phonetic data cut by one, and a surrogate pair cut by one.
        var sst = BIFFBytes.u32(7) + BIFFBytes.u32(7)
        sst += [5, 0, 0x00] + Array("Hello".utf8)
        sst += [8, 0, 0x00] + Array("ABCD".utf8)                        // 8 chars: 4 here, 4 wide after
        var c1: [UInt8] = [0x01] + BIFFBytes.utf16("中文字符")
        c1 += [3, 0, 0x01]                                              // header only; characters follow
        var c2: [UInt8] = [0x00] + Array("xyz".utf8)                    // restarts as 8-bit
        c2 += [2, 0, 0x0D] + BIFFBytes.u16(2) + BIFFBytes.u32(6) + BIFFBytes.utf16("安全")
        c2 += [0, 0, 1, 0, 1]                                           // 5 of the 8 run bytes
        var c3: [UInt8] = [0, 5, 0] + [1, 2, 3, 4, 5, 6]                // rest of the runs, phonetic data
        c3 += [0, 0, 0x00]                                              // an empty string
        c3 += [2, 0, 0x01] + [0x3D, 0xD8]                               // high surrogate of 😀
        var c4: [UInt8] = [0x01, 0x00, 0xDE]                            // its low surrogate
        c4 += [1, 0, 0x01] + BIFFBytes.utf16("尾")
        var cells: [BIFFBytes.Record] = []
        for i in 0..<7 { cells.append(BIFFBytes.labelSST(row: 0, column: i, index: i)) }
        let stream = BIFFBytes.workbook(
            globals: [(BIFF.sst, sst), (BIFF.continueRecord, c1), (BIFF.continueRecord, c2),
                      (BIFF.continueRecord, c3), (BIFF.continueRecord, c4)],
            sheets: [.init(name: "Sheet1", records: cells)])
        let reader = try XLSReader(data: TestCFB.build([("Workbook", stream)]))
        let rows = try allRows(reader)
        XCTAssertEqual(rows.count, 1)
        XCTAssertEqual(rows[0].cells.map(\.column), [0, 1, 2, 3, 5, 6], "the empty string is no cell")
        XCTAssertEqual(rows[0].texts, ["Hello", "ABCD中文字符", "xyz", "安全", "", "😀", "尾"])
    }

    // MARK: - Every cell record, written by hand

    private func kindsWorkbook() -> Data {
        let globals: [BIFFBytes.Record] = [
            (BIFF.codePage, BIFFBytes.u16(1200)),
            (BIFF.format, BIFFBytes.u16(164) + BIFFBytes.string(#"yyyy"年"m"月"d"日""#)),
            (BIFF.format, BIFFBytes.u16(165) + BIFFBytes.string("0.00%")),
            (BIFF.format, BIFFBytes.u16(166) + BIFFBytes.string("h:mm")),
            (0x1234, [UInt8](repeating: 0xAB, count: 100)),   // an unknown record, skipped by length
        ] + [0, 14, 31, 164, 165, 166, 10, 57].map { BIFFBytes.xf(format: $0) }
        let rk = { (v: UInt32) in BIFFBytes.u32(Int(v)) }
        let oneAndHalf = UInt32((1.5).bitPattern >> 32)
        let threeAndHalf = UInt32((3.5).bitPattern >> 32) | 1
        let cells: [BIFFBytes.Record] = [
            (0x0200, [UInt8](repeating: 0, count: 14)),       // DIMENSIONS
            BIFFBytes.number(row: 4, column: 0, 4),            // rows out of order
            (BIFF.label, BIFFBytes.cell(0, 2) + BIFFBytes.string("text")),
            (BIFF.label, BIFFBytes.cell(0, 0) + BIFFBytes.string("标签")),
            (BIFF.rstring, BIFFBytes.cell(0, 1) + BIFFBytes.string("富文本") + BIFFBytes.u16(1) + [0, 0, 1, 0]),
            BIFFBytes.number(row: 1, column: 0, 0.1),
            BIFFBytes.number(row: 1, column: 1, 3),
            BIFFBytes.number(row: 1, column: 2, -0.0),
            BIFFBytes.number(row: 1, column: 3, 1e-5),
            BIFFBytes.number(row: 1, column: 4, 45721, xf: 1),   // built-in 14
            BIFFBytes.number(row: 1, column: 5, 45721, xf: 2),   // built-in 31, Chinese yyyy年m月d日
            BIFFBytes.number(row: 1, column: 6, 45721, xf: 3),   // custom yyyy"年"m"月"d"日"
            BIFFBytes.number(row: 1, column: 7, 0.5, xf: 4),     // 0.00%
            BIFFBytes.number(row: 1, column: 8, 0.5, xf: 5),     // h:mm, a time
            BIFFBytes.number(row: 1, column: 9, 0.25, xf: 6),    // built-in 10, 0.00%
            BIFFBytes.number(row: 1, column: 10, 1e20),
            BIFFBytes.number(row: 1, column: 11, 123456.789, xf: 7), // built-in 57, Chinese
            (BIFF.rk, BIFFBytes.cell(2, 0) + rk(42 << 2 | 2)),
            (BIFF.rk, BIFFBytes.cell(2, 1) + rk(1234 << 2 | 3)),
            (BIFF.rk, BIFFBytes.cell(2, 2) + rk(oneAndHalf)),
            (BIFF.rk, BIFFBytes.cell(2, 3) + rk(threeAndHalf)),
            (BIFF.rk, BIFFBytes.cell(2, 4) + rk(UInt32(bitPattern: -7 << 2 | 2))),
            (BIFF.mulRK, BIFFBytes.u16(2) + BIFFBytes.u16(5)
                + BIFFBytes.u16(0) + rk(1 << 2 | 2) + BIFFBytes.u16(1) + rk(45721 << 2 | 2)
                + BIFFBytes.u16(0) + rk(UInt32(bitPattern: -3 << 2 | 2)) + BIFFBytes.u16(7)),
            (BIFF.boolErr, BIFFBytes.cell(3, 0) + [1, 0]),
            (BIFF.boolErr, BIFFBytes.cell(3, 1) + [0, 0]),
            (BIFF.boolErr, BIFFBytes.cell(3, 2) + [0x07, 1]),
            (BIFF.boolErr, BIFFBytes.cell(3, 3) + [0x2A, 1]),
            (BIFF.boolErr, BIFFBytes.cell(3, 4) + [0x17, 1]),
            (0x0201, BIFFBytes.cell(3, 5)),                                     // BLANK
            (0x00BE, BIFFBytes.u16(3) + BIFFBytes.u16(6) + [0, 0, 0, 0, 0, 0] + BIFFBytes.u16(8)), // MULBLANK
            BIFFBytes.formula(row: 5, column: 0, number: 99.5),
            BIFFBytes.formula(row: 5, column: 1, special: 0),
            (BIFF.sharedFormula, [UInt8](repeating: 0, count: 10)),
            (BIFF.string, BIFFBytes.string("公式文本")),
            BIFFBytes.formula(row: 5, column: 2, special: 1, value: 1),
            BIFFBytes.formula(row: 5, column: 3, special: 2, value: 0x24),
            BIFFBytes.formula(row: 5, column: 4, special: 3),
            BIFFBytes.formula(row: 5, column: 5, special: 0),
            (BIFF.string, BIFFBytes.u16(4) + [0x00] + Array("ab".utf8)),
            (BIFF.continueRecord, [0x01] + BIFFBytes.utf16("丙丁")),
            BIFFBytes.formula(row: 5, column: 6, special: 0),                   // its STRING is missing
            BIFFBytes.number(row: 5, column: 7, 7),
            BIFFBytes.number(row: 6, column: 0, 1),
            (0x0809, BIFFBytes.bof(0x0020)),                                    // an embedded chart
            BIFFBytes.number(row: 0, column: 9, 999),
            (0x000A, []),
            BIFFBytes.number(row: 6, column: 0, 2),                             // the same cell again
        ]
        let hidden: [BIFFBytes.Record] = [(BIFF.label, BIFFBytes.cell(0, 0) + BIFFBytes.string("隐藏表"))]
        let stream = BIFFBytes.workbook(globals: globals, sheets: [
            .init(name: "图表", type: 2, records: []),
            .init(name: "各类单元格", records: cells),
            .init(name: "隐藏", hidden: 2, records: hidden),
            .init(name: "Module1", type: 6, records: []),
        ])
        return TestCFB.build([("Workbook", stream)])
    }

    func testEveryCellRecordKind() throws {
        let reader = try XLSReader(data: kindsWorkbook())
        XCTAssertEqual(reader.sheets.map(\.name), ["各类单元格", "隐藏"], "chart and VB module sheets are left out")
        XCTAssertEqual(reader.sheets.map(\.isHidden), [false, true])
        let rows = try allRows(reader)
        XCTAssertEqual(rows.map(\.number), [1, 2, 3, 4, 5, 6, 7])
        XCTAssertEqual(rows[0].texts, ["标签", "富文本", "text"], "sorted by column, chart data left out")
        XCTAssertEqual(rows[1].cells.map(\.value), [
            .number("0.1"), .number("3"), .number("0"), .number("1E-05"), .number("45721"), .number("45721"),
            .number("45721"), .number("0.5"), .number("0.5"), .number("0.25"), .number("1E+20"), .number("123456.789"),
        ])
        XCTAssertEqual(rows[1].cells.map(\.isDateFormatted),
                       [false, false, false, false, true, true, true, false, false, false, false, true])
        XCTAssertEqual(rows[1][5]?.date, march5)
        XCTAssertEqual(rows[1][6]?.text, "2025-03-05")
        XCTAssertEqual(rows[2].cells.map(\.column), [0, 1, 2, 3, 4, 5, 6, 7])
        XCTAssertEqual(rows[2].cells.map(\.value), [
            .number("42"), .number("12.34"), .number("1.5"), .number("0.035"), .number("-7"),
            .number("1"), .number("45721"), .number("-3"),
        ])
        XCTAssertEqual(rows[2][6]?.date, march5, "MULRK cells keep their own format")
        XCTAssertFalse(rows[2][7]?.isDateFormatted ?? true)
        XCTAssertEqual(rows[3].cells.map(\.value),
                       [.boolean(true), .boolean(false), .error("#DIV/0!"), .error("#N/A"), .error("#REF!")],
                       "blank cells are no cells")
        XCTAssertEqual(rows[4].texts, ["4"])
        XCTAssertEqual(rows[5].cells.map(\.column), [0, 1, 2, 3, 5, 7])
        XCTAssertEqual(rows[5].cells.map(\.value), [
            .number("99.5"), .text("公式文本"), .boolean(true), .error("#NUM!"), .text("ab丙丁"), .number("7"),
        ])
        XCTAssertEqual(rows[6].cells.map(\.value), [.number("2")], "a cell written twice keeps the later value")
        XCTAssertEqual(try allRows(reader, sheet: 1).map(\.texts), [["隐藏表"]])
    }

    func testRKNumbers() {
        XCTAssertEqual(XLSReader.rk(42 << 2 | 2), 42)
        XCTAssertEqual(XLSReader.rk(1234 << 2 | 3), 12.34)
        XCTAssertEqual(XLSReader.rk(Int(UInt32(bitPattern: -7 << 2 | 2))), -7)
        XCTAssertEqual(XLSReader.rk(Int(UInt32((1.5).bitPattern >> 32))), 1.5)
        XCTAssertEqual(XLSReader.number(12.34), .number("12.34"))
        XCTAssertEqual(XLSReader.number(-0.0), .number("0"))
        XCTAssertEqual(XLSReader.number(.infinity), .error("#NUM!"))
        XCTAssertEqual(XLSReader.number(1e15), .number("1000000000000000"))
        XCTAssertEqual(XLSReader.number(1e16), .number("1E+16"))
        XCTAssertEqual(XLSReader.number(-2.5e-7), .number("-2.5E-07"))
    }

    // MARK: - Sheets, dates, API

    func testListsSheetsAndReadsTheChosenOne() throws {
        let reader = try XLSReader(url: try Fixture.url("two-sheets.xls"))
        XCTAssertEqual(reader.sheets.map(\.name), ["汇总", "明细"])
        XCTAssertEqual(reader.sheets.map(\.isHidden), [false, true])
        XCTAssertEqual(reader.sheetIndex(named: "明细"), 1)
        XCTAssertNil(reader.sheetIndex(named: "不存在"))
        let first = try allRows(reader)
        XCTAssertEqual(first.map(\.number), [1, 2, 3, 4])
        XCTAssertEqual(first[1].cells.map(\.value), [.text("一中队"), .number("3"), .boolean(true), .number("45721")])
        XCTAssertEqual(first[1][3]?.date, march5)
        XCTAssertEqual(first[2].cells.map(\.value), [.text("二中队"), .number("2.5"), .boolean(false), .error("#N/A")])
        XCTAssertEqual(first[3].cells.map(\.column), [1])
        var detail: [[String]] = []
        try reader.forEachRow(sheetNamed: "明细") { detail.append($0.texts) }
        XCTAssertEqual(detail, [["单位", "隐患描述"], ["一中队", "灭火器过期"], ["二中队", "疏散指示灯不亮"]])
        XCTAssertEqual(try allRows(reader, sheet: 1).count, 3, "reading again gives the same rows")
    }

    func testMissingSheetIsReportedInChinese() throws {
        let reader = try XLSReader(url: try Fixture.url("two-sheets.xls"))
        let byIndex = assertSpreadsheetError(.missingSheet) { try reader.forEachRow(sheet: 2) { _ in } }
        XCTAssertEqual(byIndex?.message, "工作簿中没有第 3 个工作表（共 2 个）")
        let byName = assertSpreadsheetError(.missingSheet) { try reader.forEachRow(sheetNamed: "统计") { _ in } }
        XCTAssertEqual(byName?.message, "工作簿中没有名为“统计”的工作表")
        let empty = try XLSReader(data: TestCFB.build([("Workbook", BIFFBytes.workbook(globals: [], sheets: []))]))
        let none = assertSpreadsheetError(.missingSheet) { _ = try empty.firstRows(1) }
        XCTAssertEqual(none?.message, "工作簿中没有工作表")
    }

    func test1904DateSystem() throws {
        let reader = try XLSReader(url: try Fixture.url("dates-1904.xls"))
        XCTAssertTrue(reader.uses1904DateSystem)
        let cell = try XCTUnwrap(try allRows(reader).last?[0])
        XCTAssertTrue(cell.isDateFormatted)
        XCTAssertEqual(cell.value, .number("44259"))
        XCTAssertEqual(cell.date, march5)
    }

    func testFirstRowsStopsEarly() throws {
        let reader = try XLSReader(url: try Fixture.url("hazard-ledger.xls"))
        let rows = try reader.firstRows(2)
        XCTAssertEqual(rows.map(\.number), [1, 2])
        XCTAssertEqual(rows.last?.text(0), "序号")
        XCTAssertEqual(try reader.firstRows(0), [])
        XCTAssertEqual(try reader.firstRows(100).count, 9)
    }

    func testErrorsOfTheRowHandlerPassThroughUnchanged() throws {
        struct Stop: Error, Equatable { let row: Int }
        let reader = try XLSReader(url: try Fixture.url("hazard-ledger.xls"))
        XCTAssertThrowsError(try reader.forEachRow { row in if row.number == 3 { throw Stop(row: 3) } }) {
            XCTAssertEqual($0 as? Stop, Stop(row: 3))
        }
    }

    func testOneReaderServesConcurrentReads() throws {
        let reader = try XLSReader(url: try Fixture.url("long-strings-libreoffice.xls"))
        let expected = try allRows(reader)
        let results = ReadResults()
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            var rows: [SpreadsheetRow] = []
            try? reader.forEachRow { rows.append($0) }
            results.add(rows)
        }
        XCTAssertEqual(results.all.count, 8)
        for rows in results.all { XCTAssertEqual(rows, expected) }
    }

    // MARK: - A large sheet

    func testLargeSheetWithManyContinueRecords() throws {
        // 10,000 rows of 15 columns; unique Chinese and ASCII strings make a shared string table of
        // about 700 KB, split over some 90 CONTINUE records at arbitrary characters.
        let rowCount = 10_000
        var strings = ["一般", "较大", "重大", "设备科", "后勤处"]
        for r in 0..<rowCount {
            strings.append("第\(r)项隐患：配电室消防设施不完好，需要及时整改")
            strings.append("Note \(r): exit sign out")
        }
        var records: [BIFFBytes.Record] = []
        records.reserveCapacity(rowCount * 12)
        for r in 0..<rowCount {
            let row = r + 1
            records.append((BIFF.mulRK, BIFFBytes.u16(row) + BIFFBytes.u16(0) + BIFFBytes.u16(0)
                + BIFFBytes.u32(row << 2 | 2) + BIFFBytes.u16(1) + BIFFBytes.u32((43_831 + r % 2_000) << 2 | 2)
                + BIFFBytes.u16(1)))
            for c in 2...6 { records.append(BIFFBytes.labelSST(row: row, column: c, index: c < 5 ? (r + c) % 5 : 5 + 2 * r + (c - 5))) }
            records.append(BIFFBytes.number(row: row, column: 7, Double(r) + 0.25))
            for c in 8...12 { records.append(BIFFBytes.labelSST(row: row, column: c, index: (r * c) % 5)) }
            records.append(BIFFBytes.formula(row: row, column: 13, number: Double(r) * 2))
            records.append((BIFF.boolErr, BIFFBytes.cell(row, 14) + [UInt8(r % 2), 0]))
        }
        let globals = BIFFBytes.sst(strings) + [BIFFBytes.xf(format: 0), BIFFBytes.xf(format: 14)]
        XCTAssertGreaterThan(globals.filter { $0.type == BIFF.continueRecord }.count, 50)
        let file = TestCFB.build([("Workbook", BIFFBytes.workbook(globals: globals, sheets: [.init(name: "台账", records: records)]))])

        let started = Date()
        let reader = try XLSReader(data: file)
        var count = 0
        try reader.forEachRow { row in
            let r = count
            count += 1
            guard row.number == r + 2, row.cells.count == 15 else {
                return XCTFail("row \(row.number): \(row.texts)")
            }
            let expected = ["\(r + 1)", ExcelDate.date(serial: Double(43_831 + r % 2_000), uses1904: false)!.iso,
                            strings[(r + 2) % 5], strings[(r + 3) % 5], strings[(r + 4) % 5],
                            strings[5 + 2 * r], strings[6 + 2 * r], "\(r).25"]
                + (8...12).map { strings[(r * $0) % 5] } + ["\(2 * r)", r % 2 == 1 ? "TRUE" : "FALSE"]
            if row.texts != expected { XCTFail("row \(row.number): \(row.texts) ≠ \(expected)") }
        }
        XCTAssertEqual(count, rowCount)
        let seconds = Date().timeIntervalSince(started)
        XCTAssertLessThan(seconds, 30, "10,000 rows")
        print("XLSReader: \(rowCount) rows × 15 columns built in memory, read in \(String(format: "%.3f", seconds)) s")

        // A file made elsewhere (make_xls_fixtures.py --bench PATH) is timed when named.
        if let path = ProcessInfo.processInfo.environment["LVZE_XLS_BENCH"] {
            let started = Date()
            let reader = try XLSReader(url: URL(fileURLWithPath: path))
            var rows = 0
            var cells = 0
            var last = 0
            try reader.forEachRow { row in
                XCTAssertGreaterThan(row.number, last)
                last = row.number
                rows += 1
                cells += row.cells.count
            }
            print("XLSReader: \(path): \(rows) rows, \(cells) cells in \(String(format: "%.3f", Date().timeIntervalSince(started))) s")
        }
    }

    // MARK: - Compound file variants

    func testSectorSizes_MiniStream_AndDIFATSectors() throws {
        let stream = BIFFBytes.workbook(globals: [], sheets: [
            .init(name: "Sheet1", records: [(BIFF.label, BIFFBytes.cell(0, 0) + BIFFBytes.string("小文件"))]),
        ])
        XCTAssertLessThan(stream.count, 4096, "kept in the mini stream")
        let padding = Data(repeating: 0x5A, count: 70_000)   // a second FAT sector is needed for this
        for file in [TestCFB.build([("Workbook", stream)]),
                     TestCFB.build([("Workbook", stream)], sectorShift: 12),
                     TestCFB.build([("Other", padding), ("Workbook", stream)], fatInDIFATSectors: true),
                     TestCFB.build([("Other", padding), ("Workbook", stream)], sectorShift: 12, fatInDIFATSectors: true)] {
            let reader = try XLSReader(data: file)
            XCTAssertEqual(try allRows(reader).first?.text(0), "小文件")
            XCTAssertEqual(try CompoundFile(data: file).stream(named: "workbook"), stream, "names compare case-insensitively")
        }
        XCTAssertEqual(try CompoundFile(data: TestCFB.build([("Other", padding)], fatInDIFATSectors: true))
            .stream(named: "Other"), padding)
    }

    func testMoreThan109FATSectorsUseTheDIFATChain() throws {
        // 109 FAT sectors of 128 entries map 6.8 MB; a bigger file lists the rest in DIFAT sectors.
        var stream = BIFFBytes.workbook(globals: [], sheets: [
            .init(name: "Sheet1", records: [BIFFBytes.number(row: 0, column: 0, 1)]),
        ])
        stream.append(Data(repeating: 0, count: 7_400_000))
        let file = TestCFB.build([("Workbook", stream)])
        XCTAssertGreaterThan(file.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 44, as: UInt32.self) }, 109)
        XCTAssertEqual(try allRows(try XLSReader(data: file)).first?.cells.first?.value, .number("1"))
    }

    // MARK: - Files that are not readable workbooks

    func testOlderExcelFormatsAreRefusedWithAHint() throws {
        let message = "文件是Excel 95或更早的格式，请在Excel或WPS中“另存为”Excel工作簿（.xlsx）后再导入"
        var biff5 = Data()
        BIFFBytes.append(&biff5, BIFF.bof, BIFFBytes.u16(0x0500) + BIFFBytes.u16(5) + [0, 0, 0, 0])
        BIFFBytes.append(&biff5, BIFF.eof, [])
        for file in [TestCFB.build([("Book", biff5)]), TestCFB.build([("Workbook", biff5)]),
                     TestCFB.build([("Workbook", Data([0x09, 0x02, 0x04, 0x00, 0, 0, 0x10, 0]))])] {
            let error = assertSpreadsheetError(.legacyXLS) { _ = try XLSReader(data: file) }
            XCTAssertEqual(error?.message, message)
        }
    }

    func testEncryptedWorkbooksAreRecognised() throws {
        var stream = Data()
        BIFFBytes.append(&stream, BIFF.bof, BIFFBytes.bof(0x0005))
        BIFFBytes.append(&stream, BIFF.filePass, [1, 0, 1, 0] + [UInt8](repeating: 0, count: 48))
        BIFFBytes.append(&stream, BIFF.eof, [])
        let error = assertSpreadsheetError(.encrypted) { _ = try XLSReader(data: TestCFB.build([("Workbook", stream)])) }
        XCTAssertEqual(error?.message, "文件已加密，请去掉密码后再导入")
        assertSpreadsheetError(.encrypted) { _ = try XLSReader(url: try Fixture.url("encrypted.xlsx")) }
    }

    func testOtherFilesAreNotWorkbooks() throws {
        assertSpreadsheetError(.notXLSX) { _ = try XLSReader(url: try Fixture.url("hazard-ledger.xlsx")) }
        assertSpreadsheetError(.notXLSX) { _ = try XLSReader(url: try Fixture.url("broken.xlsx")) }
        assertSpreadsheetError(.notXLSX) { _ = try XLSReader(data: Data()) }
        let word = assertSpreadsheetError(.notXLSX) {
            _ = try XLSReader(data: TestCFB.build([("WordDocument", Data(repeating: 1, count: 100))]))
        }
        XCTAssertTrue(word?.message.contains("Word") == true, word?.message ?? "")
        assertSpreadsheetError(.io) { _ = try XLSReader(url: URL(fileURLWithPath: "/nonexistent/台账.xls")) }
    }

    // MARK: - Broken and hostile files: a SpreadsheetError, never a crash or a hang

    /// Opens and reads every sheet; returns the error, which must be a SpreadsheetError.
    private func readFully(_ data: Data, file: StaticString = #filePath, line: UInt = #line) -> SpreadsheetError? {
        do {
            let reader = try XLSReader(data: data)
            for i in reader.sheets.indices { try reader.forEachRow(sheet: i) { _ in } }
            return nil
        } catch let error as SpreadsheetError {
            return error
        } catch {
            XCTFail("not a SpreadsheetError: \(error)", file: file, line: line)
            return nil
        }
    }

    private func assertCorrupt(_ data: Data, _ detail: String? = nil, file: StaticString = #filePath, line: UInt = #line) {
        guard let error = readFully(data, file: file, line: line) else {
            return XCTFail("no error", file: file, line: line)
        }
        XCTAssertEqual(error.kind, .corrupt, error.message, file: file, line: line)
        XCTAssertTrue(error.message.hasPrefix("文件已损坏"), error.message, file: file, line: line)
        if let detail { XCTAssertTrue(error.message.contains(detail), error.message, file: file, line: line) }
    }

    func testTruncatedFilesAreCorrupt() throws {
        for name in ["hazard-ledger.xls", "long-strings.xls"] {
            let data = try Data(contentsOf: try Fixture.url(name))
            assertCorrupt(data.prefix(data.count / 2))
            let whole = try XLSDump.lines(try Fixture.url(name)).filter { !$0.hasPrefix("stream") && !$0.hasPrefix("===") }
            // A cut anywhere is refused, unless all it removed is unused space at the end.
            for cut in stride(from: 600, to: data.count - 1, by: 509) {
                let part = data.prefix(cut)
                if readFully(part) == nil {
                    XCTAssertEqual(try XLSDump.cells(try XLSReader(data: part)), whole, "\(name) cut at \(cut)")
                }
            }
        }
    }

    private func header(_ data: Data, _ offset: Int) -> Int {
        data.withUnsafeBytes { Int(UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self))) }
    }

    private func put(_ data: inout Data, _ offset: Int, _ value: UInt32) {
        withUnsafeBytes(of: value.littleEndian) { data.replaceSubrange(offset..<offset + 4, with: $0) }
    }

    func testOverwrittenFATIsCorrupt() throws {
        let data = try Data(contentsOf: try Fixture.url("hazard-ledger.xls"))
        let fatStart = (header(data, 76) + 1) * 512
        var free = data
        free.replaceSubrange(fatStart..<fatStart + 512, with: Data(repeating: 0xFF, count: 512))
        assertCorrupt(free, "提前结束")
        var garbage = data
        var seed: UInt64 = 99
        garbage.replaceSubrange(fatStart..<fatStart + 512, with: (0..<512).map { _ in UInt8(truncatingIfNeeded: lcg(&seed) >> 24) })
        assertCorrupt(garbage)
    }

    func testFATCyclesAreCorrupt() throws {
        let data = try Data(contentsOf: try Fixture.url("hazard-ledger.xls"))
        let fatStart = (header(data, 76) + 1) * 512
        // Every sector pointing at itself.
        var selfLoops = data
        for k in 0..<128 { put(&selfLoops, fatStart + 4 * k, UInt32(k)) }
        assertCorrupt(selfLoops, "循环")
        // The workbook stream's second sector pointing back at its first.
        let file = try CompoundFile(data: data)
        let workbook = try XCTUnwrap(try file.rootChildren().first { $0.name == "Workbook" })
        let first = Int(workbook.start)
        let second = header(data, fatStart + 4 * first)
        XCTAssertLessThan(second, 128)
        var cycle = data
        put(&cycle, fatStart + 4 * second, UInt32(first))
        assertCorrupt(cycle, "循环")
    }

    func testBrokenHeadersDirectoriesAndDIFATAreCorrupt() throws {
        let data = try Data(contentsOf: try Fixture.url("hazard-ledger.xls"))
        var shift = data
        shift[30] = 10
        assertCorrupt(shift, "扇区大小")
        var fatCount = data
        put(&fatCount, 44, 0xFFFF_FFFF)
        assertCorrupt(fatCount)
        var directory = data
        put(&directory, 48, 0x00FF_FFFF)
        assertCorrupt(directory, "越界")
        // The root's child pointing at itself makes a tree that never ends.
        let dirStart = (header(data, 48) + 1) * 512
        var tree = data
        put(&tree, dirStart + 128 + 72, 1)
        assertCorrupt(tree, "循环")
        var bigStream = data
        // The directory entry starts with its UTF-16 name, at a multiple of 128 bytes.
        let name = Data(BIFFBytes.utf16("Workbook") + [0, 0])
        var entryOffset = 0
        var from = data.startIndex
        while let r = data[from...].firstRange(of: name) {
            if r.lowerBound % 128 == 0 { entryOffset = r.lowerBound }
            from = r.upperBound
        }
        XCTAssertGreaterThan(entryOffset, 0)
        put(&bigStream, entryOffset + 120, 0x7FFF_0000)
        assertCorrupt(bigStream, "超出文件大小")
        // A DIFAT sector whose next pointer is itself, with more FAT sectors declared than listed.
        let padding = Data(repeating: 1, count: 70_000)
        var difat = TestCFB.build([("Workbook", padding)], fatInDIFATSectors: true)
        let difatSector = header(difat, 68)
        put(&difat, 44, UInt32(header(difat, 44) + 5))
        put(&difat, (difatSector + 1) * 512 + 508, UInt32(difatSector))
        assertCorrupt(difat, "DIFAT")
    }

    func testBrokenRecordsAreCorrupt() throws {
        func workbook(globals: [BIFFBytes.Record] = [], _ records: [BIFFBytes.Record]) -> Data {
            TestCFB.build([("Workbook", BIFFBytes.workbook(globals: globals, sheets: [.init(name: "S", records: records)]))])
        }
        let sst: BIFFBytes.Record = (BIFF.sst, BIFFBytes.u32(1) + BIFFBytes.u32(1) + [1, 0, 0, 0x41])
        assertCorrupt(workbook(globals: [sst], [BIFFBytes.labelSST(row: 2, column: 1, index: 5)]), "B3")
        let cut: BIFFBytes.Record = (BIFF.sst, BIFFBytes.u32(1) + BIFFBytes.u32(1) + [100, 0, 0] + Array("short".utf8))
        assertCorrupt(workbook(globals: [cut], []), "截断")
        assertCorrupt(workbook([(BIFF.number, BIFFBytes.cell(0, 0) + [0, 0])]), "过短")
        let wrapping = BIFFBytes.u16(0) + BIFFBytes.u16(0xFFFF) + [UInt8](repeating: 0, count: 12) + BIFFBytes.u16(0)
        assertCorrupt(workbook([(BIFF.mulRK, wrapping)]), "过短")
        assertCorrupt(workbook(globals: [(BIFF.xf, [0])], []), "过短")
        // A sheet whose last record claims more bytes than the stream has, or that has no EOF.
        var stream = BIFFBytes.workbook(globals: [], sheets: [.init(name: "S", records: [])])
        stream.removeLast(4)
        assertCorrupt(TestCFB.build([("Workbook", stream)]), "数据不完整")
        stream.append(contentsOf: [0x03, 0x02, 0xFF, 0x00, 1, 2])
        assertCorrupt(TestCFB.build([("Workbook", stream)]), "超出")
        // A sheet offset outside the stream, and globals that start with no BOF or end with no EOF.
        var offset = BIFFBytes.workbook(globals: [], sheets: [.init(name: "S", records: [])])
        let boundSheet = try XCTUnwrap(offset.firstRange(of: Data([0x85, 0x00])))
        put(&offset, boundSheet.lowerBound + 4, 0x00FF_FFFF)
        assertCorrupt(TestCFB.build([("Workbook", offset)]), "位置无效")
        assertCorrupt(TestCFB.build([("Workbook", Data([0x0A, 0, 0, 0]))]), "BOF")
        var open = Data()
        BIFFBytes.append(&open, BIFF.bof, BIFFBytes.bof(5))
        assertCorrupt(TestCFB.build([("Workbook", open)]), "不完整")
    }

    func testRandomDamageNeverCrashesOrHangs() throws {
        let started = Date()
        var seed: UInt64 = 20_250_305
        let originals = [try Data(contentsOf: try Fixture.url("hazard-ledger.xls")),
                         try Data(contentsOf: try Fixture.url("two-sheets.xls")), kindsWorkbook()]
        var failures = 0
        for round in 0..<600 {
            var data = originals[round % originals.count]
            let edits = 1 + Int(lcg(&seed) % 8)
            for _ in 0..<edits {
                // Half the edits hit the header, FAT and directory, where one byte changes the most.
                let limit = lcg(&seed) % 2 == 0 ? min(data.count, 2_048) : data.count
                let position = Int(lcg(&seed) % UInt64(limit))
                data[position] = UInt8(truncatingIfNeeded: lcg(&seed) >> 33)
            }
            if round % 7 == 0 { data = data.prefix(Int(lcg(&seed) % UInt64(data.count))) }
            if readFully(data) != nil { failures += 1 }
        }
        XCTAssertGreaterThan(failures, 50, "damage is noticed")
        XCTAssertLessThan(Date().timeIntervalSince(started), 60)
    }
}

// MARK: - Helpers

private func allRows(_ reader: XLSReader, sheet: Int = 0) throws -> [SpreadsheetRow] {
    var rows: [SpreadsheetRow] = []
    try reader.forEachRow(sheet: sheet) { rows.append($0) }
    return rows
}

private func lcg(_ state: inout UInt64) -> UInt64 {
    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    return state >> 11
}

private final class ReadResults: @unchecked Sendable {
    private let lock = NSLock()
    private var rows: [[SpreadsheetRow]] = []
    func add(_ r: [SpreadsheetRow]) {
        lock.lock()
        rows.append(r)
        lock.unlock()
    }

    var all: [[SpreadsheetRow]] {
        lock.lock()
        defer { lock.unlock() }
        return rows
    }
}

/// The text dump `make_xls_fixtures.py` writes from olefile and xlrd, made from our reading.
enum XLSDump {
    static func lines(_ url: URL) throws -> [String] {
        let data = try Data(contentsOf: url)
        let reader = try XLSReader(data: data)
        var out = ["=== \(url.lastPathComponent)\(reader.uses1904DateSystem ? " 1904" : "")"]
        let file = try CompoundFile(data: data)
        for entry in try file.rootChildren().filter({ $0.type == 2 }).sorted(by: { $0.name < $1.name }) {
            let bytes = try XCTUnwrap(try file.stream(named: entry.name))
            let crc = String(bytes.crc32(checksum: 0), radix: 16)
            out.append("stream\t\(escape(entry.name))\t\(bytes.count)\t\(String(repeating: "0", count: 8 - crc.count) + crc)")
        }
        return out + (try cells(reader))
    }

    /// The sheets and their cells.
    static func cells(_ reader: XLSReader) throws -> [String] {
        var out: [String] = []
        for (i, sheet) in reader.sheets.enumerated() {
            out.append("--- \(sheet.name)\(sheet.isHidden ? " hidden" : "")")
            try reader.forEachRow(sheet: i) { row in
                for cell in row.cells {
                    let kind: String
                    let text: String
                    switch cell.value {
                    case .text(let s): (kind, text) = ("s", escape(s))
                    case .number(let s): (kind, text) = (cell.isDateFormatted ? "d" : "n", s)
                    case .boolean(let b): (kind, text) = ("b", b ? "TRUE" : "FALSE")
                    case .error(let e): (kind, text) = ("e", e)
                    }
                    out.append("\(row.number)\t\(cell.column)\t\(kind)\t\(text)")
                }
            }
        }
        return out
    }

    static func escape(_ s: String) -> String {
        var out = ""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\x" + (hex.count < 2 ? "0" : "") + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

/// BIFF8 records written by hand.
enum BIFFBytes {
    typealias Record = (type: Int, body: [UInt8])

    struct Sheet {
        var name: String
        var type: UInt8 = 0
        var hidden: UInt8 = 0
        var records: [Record]
    }

    static func u16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)] }
    static func u32(_ v: Int) -> [UInt8] { u16(v & 0xFFFF) + u16((v >> 16) & 0xFFFF) }
    static func f64(_ d: Double) -> [UInt8] { withUnsafeBytes(of: d.bitPattern.littleEndian) { Array($0) } }
    static func utf16(_ s: String) -> [UInt8] { s.utf16.flatMap { u16(Int($0)) } }

    /// A unicode string, 8-bit when every character fits, with a 1- or 2-byte length.
    static func string(_ s: String, lengthBytes: Int = 2) -> [UInt8] {
        let units = Array(s.utf16)
        let narrow = units.allSatisfy { $0 < 0x100 }
        let length = lengthBytes == 1 ? [UInt8(units.count)] : u16(units.count)
        return length + [narrow ? 0 : 1] + (narrow ? units.map { UInt8($0) } : utf16(s))
    }

    /// A shared string table split into CONTINUE records of at most 8,224 bytes as Excel splits it:
    /// a string's header stays whole, its characters go on after a fresh flag byte.
    static func sst(_ strings: [String]) -> [Record] {
        var pieces: [[UInt8]] = [u32(strings.count) + u32(strings.count)]
        func room() -> Int { 8_224 - pieces[pieces.count - 1].count }
        for s in strings {
            let units = Array(s.utf16)
            let narrow = units.allSatisfy { $0 < 0x100 }
            let width = narrow ? 1 : 2
            if room() < 3 + width { pieces.append([]) }
            pieces[pieces.count - 1] += u16(units.count) + [narrow ? 0 : 1]
            var i = 0
            while i < units.count {
                if room() < width { pieces.append([narrow ? 0 : 1]) }
                let n = min(units.count - i, room() / width)
                for u in units[i..<(i + n)] { pieces[pieces.count - 1] += narrow ? [UInt8(u)] : u16(Int(u)) }
                i += n
            }
        }
        return [(BIFF.sst, pieces[0])] + pieces.dropFirst().map { (BIFF.continueRecord, $0) }
    }

    static func bof(_ type: Int) -> [UInt8] { u16(0x0600) + u16(type) + [UInt8](repeating: 0, count: 12) }
    static func cell(_ row: Int, _ column: Int, xf: Int = 0) -> [UInt8] { u16(row) + u16(column) + u16(xf) }
    static func xf(format: Int) -> Record { (BIFF.xf, u16(0) + u16(format) + [UInt8](repeating: 0, count: 16)) }

    static func number(row: Int, column: Int, _ d: Double, xf: Int = 0) -> Record {
        (BIFF.number, cell(row, column, xf: xf) + f64(d))
    }

    static func labelSST(row: Int, column: Int, index: Int) -> Record {
        (BIFF.labelSST, cell(row, column) + u32(index))
    }

    static func formula(row: Int, column: Int, number: Double) -> Record {
        (BIFF.formula, cell(row, column) + f64(number) + [0, 0, 0, 0, 0, 0] + [1, 0, 0x1E])
    }

    /// A formula whose cached result is a string (0), boolean (1), error (2) or empty string (3).
    static func formula(row: Int, column: Int, special: UInt8, value: UInt8 = 0) -> Record {
        (BIFF.formula, cell(row, column) + [special, 0, value, 0, 0, 0, 0xFF, 0xFF] + [0, 0, 0, 0, 0, 0] + [1, 0, 0x1E])
    }

    static func append(_ data: inout Data, _ type: Int, _ body: [UInt8]) {
        data.append(contentsOf: u16(type) + u16(body.count) + body)
    }

    /// A workbook stream: globals (with BOUNDSHEET offsets filled in), then each sheet's substream.
    static func workbook(globals: [Record], sheets: [Sheet]) -> Data {
        var head = Data()
        append(&head, BIFF.bof, bof(0x0005))
        for r in globals { append(&head, r.type, r.body) }
        let boundSheetsLength = sheets.reduce(0) { $0 + 4 + 6 + string($1.name, lengthBytes: 1).count }
        let offset = head.count + boundSheetsLength + 4
        var bodies = Data()
        for sheet in sheets {
            append(&head, BIFF.boundSheet, u32(offset + bodies.count) + [sheet.hidden, sheet.type]
                + string(sheet.name, lengthBytes: 1))
            var s = Data()
            append(&s, BIFF.bof, bof(sheet.type == 2 ? 0x0020 : 0x0010))
            for r in sheet.records { append(&s, r.type, r.body) }
            append(&s, BIFF.eof, [])
            bodies.append(s)
        }
        append(&head, BIFF.eof, [])
        return head + bodies
    }
}

/// Compound files written by hand: streams under 4096 bytes in the mini stream, the rest in sectors.
enum TestCFB {
    static func build(_ streams: [(String, Data)], sectorShift: Int = 9, fatInDIFATSectors: Bool = false) -> Data {
        let size = 1 << sectorShift
        let perFAT = size / 4
        var sectors: [[UInt8]] = []
        var fat: [UInt32] = []
        func store(_ data: Data, unit: Int, into sectors: inout [[UInt8]], fat: inout [UInt32]) -> UInt32 {
            guard !data.isEmpty else { return 0xFFFF_FFFE }
            let start = sectors.count
            let bytes = [UInt8](data)
            for o in stride(from: 0, to: bytes.count, by: unit) {
                var chunk = Array(bytes[o..<min(o + unit, bytes.count)])
                chunk += [UInt8](repeating: 0, count: unit - chunk.count)
                sectors.append(chunk)
                fat.append(UInt32(sectors.count))
            }
            fat[fat.count - 1] = 0xFFFF_FFFE
            return UInt32(start)
        }
        var miniSectors: [[UInt8]] = []
        var miniFAT: [UInt32] = []
        var entries: [(name: String, start: UInt32, size: Int)] = []
        for (name, data) in streams {
            let start = data.count < 4096
                ? store(data, unit: 64, into: &miniSectors, fat: &miniFAT)
                : store(data, unit: size, into: &sectors, fat: &fat)
            entries.append((name, start, data.count))
        }
        let ministream = Data(miniSectors.joined())
        let rootStart = store(ministream, unit: size, into: &sectors, fat: &fat)
        let miniFATStart = miniFAT.isEmpty ? 0xFFFF_FFFE
            : store(Data(miniFAT.flatMap { BIFFBytes.u32(Int($0)) }), unit: size, into: &sectors, fat: &fat)
        let miniFATCount = (miniFAT.count * 4 + size - 1) / size

        var directory: [UInt8] = []
        func entry(_ name: String, type: UInt8, right: UInt32, child: UInt32, start: UInt32, size: Int) {
            var e = [UInt8](repeating: 0, count: 128)
            let units = BIFFBytes.utf16(name)
            e.replaceSubrange(0..<units.count, with: units)
            e.replaceSubrange(64..<66, with: BIFFBytes.u16(units.count + 2))
            e[66] = type
            e[67] = 1
            e.replaceSubrange(68..<72, with: [0xFF, 0xFF, 0xFF, 0xFF])
            e.replaceSubrange(72..<76, with: BIFFBytes.u32(Int(right)))
            e.replaceSubrange(76..<80, with: BIFFBytes.u32(Int(child)))
            e.replaceSubrange(116..<120, with: BIFFBytes.u32(Int(start)))
            e.replaceSubrange(120..<124, with: BIFFBytes.u32(size))
            directory += e
        }
        entry("Root Entry", type: 5, right: 0xFFFF_FFFF, child: entries.isEmpty ? 0xFFFF_FFFF : 1,
              start: rootStart, size: ministream.count)
        for (i, e) in entries.enumerated() {
            entry(e.name, type: 2, right: i + 1 < entries.count ? UInt32(i + 2) : 0xFFFF_FFFF, child: 0xFFFF_FFFF,
                  start: e.start, size: e.size)
        }
        while directory.count % size != 0 {
            var empty = [UInt8](repeating: 0, count: 128)
            empty.replaceSubrange(68..<80, with: [UInt8](repeating: 0xFF, count: 12))
            directory += empty
        }
        let directoryStart = store(Data(directory), unit: size, into: &sectors, fat: &fat)

        // FAT and DIFAT sectors go last; their count depends on the total, so settle it by iteration.
        let inHeader = fatInDIFATSectors ? 0 : 109
        var fatCount = 1
        var difatCount = 0
        while true {
            let total = sectors.count + fatCount + difatCount
            let f = (total + perFAT - 1) / perFAT
            let d = max(0, (f - inHeader + perFAT - 2) / (perFAT - 1))
            if f == fatCount, d == difatCount { break }
            fatCount = f
            difatCount = d
        }
        let fatStart = sectors.count
        let difatStart = fatStart + fatCount
        fat += [UInt32](repeating: 0xFFFF_FFFD, count: fatCount) + [UInt32](repeating: 0xFFFF_FFFC, count: difatCount)
        fat += [UInt32](repeating: 0xFFFF_FFFF, count: fatCount * perFAT - fat.count)
        var body = Data()
        for s in sectors { body.append(contentsOf: s) }
        body.append(contentsOf: fat.flatMap { BIFFBytes.u32(Int($0)) })
        let fatIDs = (0..<fatCount).map { UInt32(fatStart + $0) }
        var rest = Array(fatIDs.dropFirst(min(inHeader, fatIDs.count)))
        for d in 0..<difatCount {
            var words = Array(rest.prefix(perFAT - 1))
            rest.removeFirst(words.count)
            words += [UInt32](repeating: 0xFFFF_FFFF, count: perFAT - 1 - words.count)
            words.append(d + 1 < difatCount ? UInt32(difatStart + d + 1) : 0xFFFF_FFFE)
            body.append(contentsOf: words.flatMap { BIFFBytes.u32(Int($0)) })
        }

        var header = [UInt8](repeating: 0, count: size)
        header.replaceSubrange(0..<8, with: FileSignature.compoundFile)
        header.replaceSubrange(24..<34, with: BIFFBytes.u16(0x3E) + BIFFBytes.u16(sectorShift == 9 ? 3 : 4)
            + [0xFE, 0xFF] + BIFFBytes.u16(sectorShift) + BIFFBytes.u16(6))
        header.replaceSubrange(40..<76, with: BIFFBytes.u32(sectorShift == 9 ? 0 : directory.count / size)
            + BIFFBytes.u32(fatCount) + BIFFBytes.u32(Int(directoryStart)) + BIFFBytes.u32(0) + BIFFBytes.u32(4096)
            + BIFFBytes.u32(Int(miniFATStart)) + BIFFBytes.u32(miniFATCount)
            + BIFFBytes.u32(difatCount > 0 ? difatStart : 0xFFFF_FFFE) + BIFFBytes.u32(difatCount))
        for i in 0..<109 {
            let id = i < min(inHeader, fatIDs.count) ? fatIDs[i] : 0xFFFF_FFFF
            header.replaceSubrange(76 + 4 * i..<80 + 4 * i, with: BIFFBytes.u32(Int(id)))
        }
        return Data(header) + body
    }
}
