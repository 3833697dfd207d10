/// An RFC 4180 state machine over UTF-8 bytes fed in chunks: quoted fields, doubled quotes, line
/// breaks inside quotes, and CRLF, LF or CR record ends. Completed rows collect in `rows`.
struct CSVParser {
    private enum State {
        case fieldStart, unquoted, quoted, quoteInQuoted, afterCR
    }

    let delimiter: UInt8
    /// A record longer than this is an unclosed quote swallowing the file, not a real row.
    let maxRecordBytes: Int
    /// Rows completed since the reader last emptied this array.
    var rows: [SpreadsheetRow] = []

    private var state = State.fieldStart
    private var field: [UInt8] = []
    private var cells: [SpreadsheetCell] = []
    private var column = 0
    private var record = 1
    private var recordBytes = 0
    private var recordHasContent = false

    init(delimiter: UInt8, maxRecordBytes: Int = 16 << 20) {
        self.delimiter = delimiter
        self.maxRecordBytes = maxRecordBytes
    }

    mutating func feed(_ buffer: UnsafeBufferPointer<UInt8>) throws {
        guard let p = buffer.baseAddress else { return }
        let n = buffer.count
        let quote = UInt8(ascii: "\"")
        var i = 0
        while i < n {
            let b = p[i]
            switch state {
            case .afterCR:
                state = .fieldStart
                if b == 0x0A { i += 1 }
                continue
            case .fieldStart, .unquoted:
                if state == .fieldStart && b == quote {
                    state = .quoted
                    recordHasContent = true
                    i += 1
                    continue
                }
                // Copy the run of ordinary bytes at once.
                var j = i
                while j < n {
                    let c = p[j]
                    if c == delimiter || c == 0x0A || c == 0x0D { break }
                    j += 1
                }
                if j > i {
                    field.append(contentsOf: UnsafeBufferPointer(start: p + i, count: j - i))
                    state = .unquoted
                    recordHasContent = true
                }
                i = j
                if i < n { try endField(terminator: p[i]); i += 1 }
            case .quoted:
                var j = i
                while j < n, p[j] != quote { j += 1 }
                field.append(contentsOf: UnsafeBufferPointer(start: p + i, count: j - i))
                if j < n { state = .quoteInQuoted }
                i = min(j + 1, n)
            case .quoteInQuoted:
                if b == quote {
                    field.append(quote)
                    state = .quoted
                    i += 1
                } else if b == delimiter || b == 0x0A || b == 0x0D {
                    try endField(terminator: b)
                    i += 1
                } else {
                    // `"abc"def` is read as Excel reads it: abcdef.
                    state = .unquoted
                }
            }
        }
        // Counted per chunk: the limit trips when no record has ended for about `maxRecordBytes`.
        recordBytes += n
        if recordBytes > maxRecordBytes {
            throw SpreadsheetError(.corrupt, "CSV 第 \(record) 行过长或引号不配对，请检查文件")
        }
    }

    /// Ends the last record; an open quoted field at the end of the file is reported, not guessed at.
    mutating func finish() throws {
        switch state {
        case .quoted:
            throw SpreadsheetError(.corrupt, "CSV 第 \(record) 行的引号没有闭合，请检查文件")
        case .unquoted, .quoteInQuoted:
            try endField(terminator: 0x0A)
        case .fieldStart:
            if recordHasContent { try endField(terminator: 0x0A) }
        case .afterCR:
            break
        }
    }

    private mutating func endField(terminator: UInt8) throws {
        if !field.isEmpty {
            cells.append(SpreadsheetCell(column: column, value: .text(String(decoding: field, as: UTF8.self))))
            field.removeAll(keepingCapacity: true)
        }
        if terminator == delimiter {
            column += 1
            // Excel's widest row; a record of millions of empty fields is not a ledger.
            guard column < XLSXSheetParser.maxCellsPerRow else {
                throw SpreadsheetError.corrupt("第\(record)行的列数超过\(XLSXSheetParser.maxCellsPerRow)（Excel 每行最多16384列）")
            }
            state = .fieldStart
            recordHasContent = true
            return
        }
        if !cells.isEmpty {
            rows.append(SpreadsheetRow(number: record, cells: cells))
            cells = []
        }
        record += 1
        column = 0
        recordBytes = 0
        recordHasContent = false
        state = terminator == 0x0D ? .afterCR : .fieldStart
    }
}
