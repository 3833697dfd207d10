import Foundation
import LvzeCore
import XCTest
@testable import LvzeOffice

final class CSVReaderTests: XCTestCase {
    private let expected: [[String]] = [
        ["序号", "隐患描述", "排查时间", "整改资金"],
        ["1", "电缆老化，需更换", "2025年3月5日", "1200.5"],
        ["2", "含\"引号\"和\n换行的描述", "2025-03-05", "0"],
        ["3", "", "2025/3/5"],
    ]

    func testUTF8WithBOMFromPython() throws {
        let reader = try CSVReader(url: try Fixture.url("ledger-utf8-bom.csv"))
        XCTAssertEqual(reader.encoding, .utf8)
        let rows = try allRows(reader)
        XCTAssertEqual(rows.map(\.texts), expected)
        XCTAssertEqual(rows.map(\.number), [1, 2, 3, 4])
        XCTAssertEqual(rows[3].cells.map(\.column), [0, 2], "the empty field and trailing empty field are left out")
        XCTAssertEqual(rows[1][2]?.date, LocalDate(year: 2025, month: 3, day: 5))
    }

    func testGB18030FromChineseExcel() throws {
        let reader = try CSVReader(url: try Fixture.url("ledger-gb18030.csv"))
        XCTAssertEqual(reader.encoding, .gb18030)
        XCTAssertEqual(try allRows(reader).map(\.texts), expected)
        let data = try Data(contentsOf: try Fixture.url("ledger-gb18030.csv"))
        XCTAssertEqual(try allRows(try CSVReader(data: data)).map(\.texts), expected)
    }

    func testQuotesAndEveryLineEnding() throws {
        let text = "a,b\nc,d\re,f\r\n\"x,\"\"y\"\"\",z\n\"abc\"def,\"多\r\n行\"\n,,\n末行无换行"
        let rows = try allRows(try CSVReader(data: Data(text.utf8)))
        XCTAssertEqual(rows.map(\.texts), [["a", "b"], ["c", "d"], ["e", "f"], ["x,\"y\"", "z"],
                                           ["abcdef", "多\r\n行"], ["末行无换行"]])
        XCTAssertEqual(rows.map(\.number), [1, 2, 3, 4, 5, 7], "the record of empty fields is left out but counted")
    }

    func testBlankLinesKeepRecordNumbers() throws {
        let rows = try allRows(try CSVReader(data: Data("标题\n\n数据\n".utf8)))
        XCTAssertEqual(rows.map(\.number), [1, 3])
    }

    func testOtherDelimiter() throws {
        let rows = try allRows(try CSVReader(data: Data("a;b,c\n".utf8), delimiter: ";"))
        XCTAssertEqual(rows.first?.texts, ["a", "b,c"])
        assertSpreadsheetError(.invalidArgument) { _ = try CSVReader(data: Data(), delimiter: "\"") }
    }

    func testUnclosedQuoteIsReported() throws {
        let reader = try CSVReader(data: Data("a,b\n\"未闭合,c\nd,e\n".utf8))
        let error = assertSpreadsheetError(.corrupt) { try reader.forEachRow { _ in } }
        XCTAssertEqual(error?.message, "CSV 第 2 行的引号没有闭合，请检查文件")
    }

    func testUTF16IsRejectedWithAdvice() throws {
        var data = Data([0xFF, 0xFE])
        data.append("a,b".data(using: .utf16LittleEndian)!)
        let error = assertSpreadsheetError(.unsupportedEncoding) { _ = try CSVReader(data: data) }
        XCTAssertTrue(error?.message.contains("CSV UTF-8") == true, error?.message ?? "")
    }

    func testBytesThatAreNeitherUTF8NorGB18030AreRejected() throws {
        let reader = try CSVReader(data: Data([0x61, 0x2C, 0xFF, 0xFF, 0x0A]))
        let error = assertSpreadsheetError(.unsupportedEncoding) { try reader.forEachRow { _ in } }
        XCTAssertEqual(error?.message, "无法识别 CSV 文件的编码，请在 Excel 中另存为“CSV UTF-8（逗号分隔）”后再导入")
    }

    func testLargeFilesStreamAcrossChunksInBothEncodings() throws {
        // About 3 MB, so quoted line breaks and multi-byte characters straddle the 1 MB chunks.
        var text = "序号,描述\r\n"
        for i in 1...40_000 { text += "\(i),\"第\(i)条，含\"\"引号\"\"\n和换行\"\r\n" }
        let utf8 = temporaryURL(self, "large-utf8.csv")
        try Data(text.utf8).write(to: utf8)
        let gb = temporaryURL(self, "large-gb18030.csv")
        try XCTUnwrap(text.data(using: gb18030)).write(to: gb)
        for (url, expectedEncoding) in [(utf8, CSVReader.TextEncoding.utf8), (gb, .gb18030)] {
            let reader = try CSVReader(url: url)
            XCTAssertEqual(reader.encoding, expectedEncoding)
            var count = 0
            try reader.forEachRow { row in
                count += 1
                if row.number > 1 {
                    let i = row.number - 1
                    if row.texts != ["\(i)", "第\(i)条，含\"引号\"\n和换行"] {
                        XCTFail("\(expectedEncoding) row \(row.number): \(row.texts)")
                    }
                }
            }
            XCTAssertEqual(count, 40_001)
        }
    }

    func testFirstRows() throws {
        let reader = try CSVReader(url: try Fixture.url("ledger-utf8-bom.csv"))
        XCTAssertEqual(try reader.firstRows(1).map(\.texts), [expected[0]])
    }

    func testUTF8Validator() {
        func valid(_ bytes: [UInt8], split: Int) -> Bool {
            var v = UTF8Validator()
            _ = v.feed(Data(bytes.prefix(split)))
            _ = v.feed(Data(bytes.dropFirst(split)))
            return v.finish()
        }
        let chinese = Array("中文😀abcdefgh".utf8)
        for split in 0...chinese.count { XCTAssertTrue(valid(chinese, split: split), "split at \(split)") }
        XCTAssertFalse(valid([0xE4, 0xB8], split: 1), "truncated sequence")
        XCTAssertFalse(valid([0xC0, 0x80], split: 0), "overlong encoding")
        XCTAssertFalse(valid([0xED, 0xA0, 0x80], split: 2), "surrogate")
        XCTAssertFalse(valid(Array("隐患".data(using: gb18030)!), split: 1), "GB18030 bytes")
    }
}

/// Found by the fuzzers: rows wider than Excel's 16,384 columns are refused, not held.
final class WideRowTests: XCTestCase {
    func testCSVRecordWiderThanExcelIsRefused() {
        let wide = "标题\n" + String(repeating: ",", count: 20_000) + "x\n"
        XCTAssertThrowsError(try allRows(try CSVReader(data: Data(wide.utf8)))) { error in
            XCTAssertTrue("\(error)".contains("16384"), "\(error)")
        }
    }

    func testSheetRowWiderThanExcelIsRefused() throws {
        var xml = "<worksheet><sheetData><row r=\"1\">"
        for _ in 0..<20_000 { xml += "<c r=\"A1\"><v>1</v></c>" }
        xml += "</row></sheetData></worksheet>"
        var scanner = XMLScanner(handler: XLSXSheetParser(sharedStrings: SharedStringStore(), dateStyles: [], uses1904: false))
        XCTAssertThrowsError(try { try scanner.feed(Data(xml.utf8)); try scanner.finish() }()) { error in
            XCTAssertTrue("\(error)".contains("16384"), "\(error)")
        }
    }
}
