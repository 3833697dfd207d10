import Foundation
import LvzeCore

/// Writes CSV as Excel on Chinese Windows opens it correctly: UTF-8 with BOM, CRLF line ends,
/// RFC 4180 quoting, and formula-safe text.
public final class CSVWriter {
    public let columns: [ExportColumn]
    /// Data rows appended so far (the header not counted).
    public private(set) var rowCount = 0

    private var output: OutputBuffer
    private var finished = false

    /// Creates (or truncates) the file at `url` and writes the BOM and the header row.
    public init(url: URL, columns: [ExportColumn]) throws {
        guard !columns.isEmpty else { throw SpreadsheetError(.invalidArgument, "导出的列数不能为 0") }
        self.columns = columns
        output = try OutputBuffer(url: url)
        CSVWriter.start(&output, columns: columns)
    }

    /// Appends one data row; missing trailing values are empty, extra values are an error.
    public func append(_ values: [ExportValue]) throws {
        guard !finished else { throw SpreadsheetError(.invalidArgument, "导出文件已完成，不能再追加行") }
        guard values.count <= columns.count else {
            throw SpreadsheetError(.invalidArgument, "一行有 \(values.count) 个值，但只声明了 \(columns.count) 列")
        }
        CSVWriter.write(values, columns: columns, to: &output)
        rowCount += 1
        try output.flush()
    }

    /// Flushes and closes the file.
    public func finish() throws {
        guard !finished else { return }
        finished = true
        try output.close()
    }

    /// A whole CSV in memory, for small exports answered directly in a response.
    public static func data(columns: [ExportColumn], rows: [[ExportValue]]) -> Data {
        var out = OutputBuffer()
        start(&out, columns: columns)
        for row in rows { write(Array(row.prefix(columns.count)), columns: columns, to: &out) }
        return Data(out.bytes)
    }

    /// The text of one field as written, quoted when it holds a comma, quote or line break.
    public static func field(_ value: ExportValue, kind: ExportColumn.Kind) -> String {
        let text: String
        switch value {
        case .empty: return ""
        case .text(let s): text = FormulaGuard.neutralized(s)
        case .integer(let n): return String(n)
        case .decimal(let d):
            guard d.isFinite else { return "" }
            if case .decimal(let places) = kind { return String(format: "%.\(min(max(places, 0), 15))f", d) }
            return XLSXWriter.number(d)
        case .date(let date): return date.iso
        case .boolean(let b): return b ? "是" : "否"
        }
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else {
            return text
        }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    private static func start(_ out: inout OutputBuffer, columns: [ExportColumn]) {
        out.append([0xEF, 0xBB, 0xBF])
        write(columns.map { .text($0.title) }, columns: columns, to: &out)
    }

    private static func write(_ values: [ExportValue], columns: [ExportColumn], to out: inout OutputBuffer) {
        for (i, value) in values.enumerated() {
            if i > 0 { out.append(byte: UInt8(ascii: ",")) }
            out.append(field(value, kind: columns[i].kind))
        }
        out.append("\r\n")
    }
}

@available(*, unavailable, message: "CSVWriter appends to one file; use one writer per task")
extension CSVWriter: Sendable {}
