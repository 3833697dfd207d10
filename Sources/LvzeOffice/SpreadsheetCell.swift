import Foundation
import LvzeCore

/// One non-empty cell of a row, with its 0-based column, so gaps between columns stay visible.
public struct SpreadsheetCell: Sendable, Hashable {
    /// 0-based column index: A is 0, B is 1, AA is 26.
    public let column: Int
    public let value: SpreadsheetValue
    /// True when the cell's number format is a date format, so its number is an Excel date serial.
    public let isDateFormatted: Bool
    /// True when the workbook counts dates from 1904 (old Mac workbooks).
    let uses1904: Bool

    public init(column: Int, value: SpreadsheetValue, isDateFormatted: Bool = false) {
        self.init(column: column, value: value, isDateFormatted: isDateFormatted, uses1904: false)
    }

    init(column: Int, value: SpreadsheetValue, isDateFormatted: Bool, uses1904: Bool) {
        self.column = column
        self.value = value
        self.isDateFormatted = isDateFormatted
        self.uses1904 = uses1904
    }

    /// The cell as text: strings as typed, numbers as written in the file, date-formatted numbers as
    /// `YYYY-MM-DD`, booleans as `TRUE`/`FALSE` and errors as their code.
    public var text: String {
        switch value {
        case .text(let s): return s
        case .number(let s):
            if isDateFormatted, let d = date { return d.iso }
            return s
        case .boolean(let b): return b ? "TRUE" : "FALSE"
        case .error(let e): return e
        }
    }

    /// The number of a numeric cell, nil for any other kind.
    public var number: Double? {
        if case .number(let s) = value { return Double(s) }
        return nil
    }

    /// The date of a date-formatted number, or of text written as 2025-03-05, 2025/3/5, 2025.3.5,
    /// 2025年3月5日 or 20250305 (full-width digits allowed); nil otherwise.
    public var date: LocalDate? {
        switch value {
        case .number(let s):
            guard isDateFormatted, let n = Double(s) else { return nil }
            return ExcelDate.date(serial: n, uses1904: uses1904)
        case .text(let s):
            return LocalDate.parse(s)
        case .boolean, .error:
            return nil
        }
    }

    /// The date of any number read as an Excel serial, for a date column whose cells lost their
    /// date format (users often paste 45721 where they meant 2025-03-05); nil for non-numbers.
    public var serialDate: LocalDate? {
        guard case .number(let s) = value, let n = Double(s) else { return nil }
        return ExcelDate.date(serial: n, uses1904: uses1904)
    }

    /// A boolean cell's value, or text reading 是/否, TRUE/FALSE (any case) or √/×; nil otherwise.
    public var boolean: Bool? {
        switch value {
        case .boolean(let b): return b
        case .text(let s):
            switch s.trimmingCharacters(in: .whitespaces).lowercased() {
            case "是", "true", "√": return true
            case "否", "false", "×": return false
            default: return nil
            }
        case .number, .error:
            return nil
        }
    }

    /// True when the cell holds only whitespace text, which ledgers treat as empty.
    public var isBlank: Bool {
        guard case .text(let s) = value else { return false }
        // Most cells start with a letter, digit or Chinese character: decided at the first byte.
        if let first = s.utf8.first, first > 0x20, first < 0x80 { return false }
        return s.unicodeScalars.allSatisfy(\.properties.isWhitespace)
    }

    /// The Excel column letters of a 0-based index (0 → A, 26 → AA), for messages that point at a cell.
    public static func columnName(_ index: Int) -> String {
        precondition(index >= 0, "column index must not be negative")
        var n = index + 1
        var letters: [Character] = []
        while n > 0 {
            let r = (n - 1) % 26
            letters.append(Character(Unicode.Scalar(UInt8(65 + r))))
            n = (n - 1) / 26
        }
        return String(letters.reversed())
    }
}
