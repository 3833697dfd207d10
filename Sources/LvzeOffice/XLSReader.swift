import Foundation

extension SpreadsheetError {
    static let tooOldXLSFile = SpreadsheetError(
        .legacyXLS, "文件是Excel 95或更早的格式，请在Excel或WPS中“另存为”Excel工作簿（.xlsx）后再导入")
}

/// Reads Excel 97–2003 `.xls` workbooks (BIFF8 records in the `Workbook` stream of an OLE2 compound
/// file), reporting rows exactly as `XLSXReader` does, so ledgers still sent as `.xls` import unchanged.
///
/// The workbook stream is held in memory (about the file's size) with the shared strings as UTF-8;
/// a sheet is read by indexing its cell records (12 bytes a cell), sorting them into row order,
/// which BIFF does not guarantee, and decoding one row at a time. Every read is immutable, so one
/// reader may serve several tasks.
public final class XLSReader: WorkbookReader, Sendable {
    /// The workbook's worksheets in tab order (charts and macro sheets left out).
    public let sheets: [XLSXSheet]
    /// True when the workbook counts dates from 1904 (old Mac workbooks).
    public let uses1904DateSystem: Bool

    private let stream: Data
    private let sheetOffsets: [Int]
    /// The shared string table (internal for tests).
    let strings: BIFFStringTable
    /// For each XF (cell format) index, whether its number format shows a date.
    private let dateXFs: [Bool]

    /// Opens a workbook file.
    public convenience init(url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            throw SpreadsheetError.io(url.path, error)
        }
        try self.init(data: data)
    }

    /// Opens a workbook held in memory, such as an uploaded request body.
    public init(data: Data) throws {
        let file = try CompoundFile(data: data)
        guard let stream = try file.stream(named: "Workbook") else {
            if try file.hasStream(named: "EncryptedPackage") { throw SpreadsheetError.encryptedFile }
            if try file.hasStream(named: "Book") { throw SpreadsheetError.tooOldXLSFile }
            throw SpreadsheetError(.notXLSX, "文件中没有 Excel 工作簿数据（可能是 Word 等其他 Office 文件）")
        }
        // Record offsets are kept in 32 bits; a workbook stream that large is no ledger anyway.
        guard stream.count < Int(UInt32.max) else { throw SpreadsheetError.tooLarge(limit: Int64(UInt32.max)) }
        let globals = try stream.withUnsafeBytes { try BIFFGlobals($0) }
        self.stream = stream
        self.sheets = globals.sheets.map { XLSXSheet(name: $0.name, isHidden: $0.hidden, path: nil) }
        self.sheetOffsets = globals.sheets.map(\.offset)
        self.uses1904DateSystem = globals.uses1904
        self.strings = globals.strings
        self.dateXFs = globals.xfFormats.map { id in
            if let code = globals.formats[id] { return XLSXStyles.isDateFormat(code) }
            return XLSXStyles.builtInDateFormats.contains(id)
        }
    }

    /// Calls `body` with every row that has at least one value, in ascending row order, each with its
    /// cells in ascending column order. Blank cells and empty strings are left out.
    public func forEachRow(sheet index: Int = 0, _ body: (SpreadsheetRow) throws -> Void) throws {
        try checkSheet(index)
        try stream.withUnsafeBytes { raw in
            let refs = try cellIndex(raw, sheet: index)
            var i = 0
            while i < refs.count {
                let row = refs[i].row
                var cells: [SpreadsheetCell] = []
                while i < refs.count, refs[i].row == row {
                    // The same cell written twice: the later record wins, as in Excel.
                    if i + 1 < refs.count, refs[i + 1].key == refs[i].key {
                        i += 1
                        continue
                    }
                    if let cell = try decode(refs[i], raw) { cells.append(cell) }
                    i += 1
                }
                if !cells.isEmpty { try body(SpreadsheetRow(number: row + 1, cells: cells)) }
            }
        }
    }


    // MARK: - Cells

    /// Where a cell's value is: the record at `offset`, and for MULRK the position in it.
    private struct CellRef: Comparable {
        /// Row in the high 16 bits, column in the low 16.
        let key: UInt32
        let offset: UInt32
        let sub: UInt16

        var row: Int { Int(key >> 16) }
        var column: Int { Int(key & 0xFFFF) }

        static func < (a: CellRef, b: CellRef) -> Bool {
            if a.key != b.key { return a.key < b.key }
            if a.offset != b.offset { return a.offset < b.offset }
            return a.sub < b.sub
        }
    }

    /// The cell records of a sheet in row and column order, skipping embedded chart substreams.
    private func cellIndex(_ raw: UnsafeRawBufferPointer, sheet index: Int) throws -> [CellRef] {
        let name = sheets[index].name
        var cursor = BIFFCursor(raw, at: sheetOffsets[index])
        guard sheetOffsets[index] < raw.count, let bof = try cursor.next(), bof.type == BIFF.bof else {
            throw SpreadsheetError.corrupt("工作表“\(name)”的数据位置无效")
        }
        var refs: [CellRef] = []
        var sorted = true
        var depth = 1
        func add(_ row: Int, _ column: Int, _ offset: Int, _ sub: Int = 0) {
            let ref = CellRef(key: UInt32(row) << 16 | UInt32(column), offset: UInt32(offset), sub: UInt16(sub))
            if sorted, let last = refs.last, ref < last { sorted = false }
            refs.append(ref)
        }
        while depth > 0 {
            guard let r = try cursor.next() else {
                throw SpreadsheetError.corrupt("工作表“\(name)”的数据不完整")
            }
            switch r.type {
            case BIFF.bof:
                depth += 1
            case BIFF.eof:
                depth -= 1
            case BIFF.number, BIFF.rk, BIFF.labelSST, BIFF.label, BIFF.rstring, BIFF.boolErr, BIFF.formula:
                guard depth == 1 else { continue }
                guard r.length >= 6 else { throw BIFF.short(r, sheet: name) }
                add(raw.u16(r.body), raw.u16(r.body + 2), r.offset)
            case BIFF.mulRK:
                guard depth == 1 else { continue }
                guard r.length >= 12 else { throw BIFF.short(r, sheet: name) }
                let first = raw.u16(r.body + 2)
                let count = (r.length - 6) / 6
                // Columns past 16-bit range cannot be real; a garbled count must not wrap into them.
                guard first + count <= 0x10000 else { throw BIFF.short(r, sheet: name) }
                for k in 0..<count { add(raw.u16(r.body), first + k, r.offset, k) }
            default:
                break
            }
        }
        if !sorted { refs.sort() }
        return refs
    }

    /// The cell a record holds, or nil when it holds no value worth reporting (an empty string).
    private func decode(_ ref: CellRef, _ raw: UnsafeRawBufferPointer) throws -> SpreadsheetCell? {
        let offset = Int(ref.offset)
        let type = raw.u16(offset)
        let length = raw.u16(offset + 2)
        let body = offset + 4
        let column = ref.column
        let sub = Int(ref.sub)
        func cell(_ value: SpreadsheetValue, xf: Int) -> SpreadsheetCell {
            SpreadsheetCell(column: column, value: value, isDateFormatted: xf < dateXFs.count && dateXFs[xf],
                            uses1904: uses1904DateSystem)
        }
        func need(_ n: Int) throws {
            guard length >= n else {
                throw SpreadsheetError.corrupt("单元格 \(SpreadsheetCell.columnName(column))\(ref.row + 1) 的记录过短")
            }
        }
        let xf = length >= 6 ? raw.u16(body + 4) : 0
        switch type {
        case BIFF.number:
            try need(14)
            return cell(Self.number(raw.f64(body + 6)), xf: xf)
        case BIFF.rk:
            try need(10)
            return cell(Self.number(Self.rk(raw.u32(body + 6))), xf: xf)
        case BIFF.mulRK:
            try need(6 + 6 * (sub + 1))
            return cell(Self.number(Self.rk(raw.u32(body + 6 + 6 * sub))), xf: raw.u16(body + 4 + 6 * sub))
        case BIFF.labelSST:
            try need(10)
            let i = raw.u32(body + 6)
            guard i < strings.count else {
                throw SpreadsheetError.corrupt("共享字符串编号越界（\(SpreadsheetCell.columnName(column))\(ref.row + 1)）")
            }
            let s = strings[i]
            return s.isEmpty ? nil : cell(.text(s), xf: xf)
        case BIFF.label, BIFF.rstring:
            try need(9)
            var reader = BIFFContinuedReader(raw, record: offset, from: body + 6)
            let s = try reader.string(lengthBytes: 2)
            return s.isEmpty ? nil : cell(.text(s), xf: xf)
        case BIFF.boolErr:
            try need(8)
            let v = raw[body + 6]
            return cell(raw[body + 7] != 0 ? .error(Self.errorText(v)) : .boolean(v != 0), xf: xf)
        case BIFF.formula:
            try need(20)
            guard raw.u16(body + 12) == 0xFFFF else { return cell(Self.number(raw.f64(body + 6)), xf: xf) }
            switch raw[body + 6] {
            case 0:
                guard let s = try formulaString(raw, after: body + length), !s.isEmpty else { return nil }
                return cell(.text(s), xf: xf)
            case 1: return cell(.boolean(raw[body + 8] != 0), xf: xf)
            case 2: return cell(.error(Self.errorText(raw[body + 8])), xf: xf)
            default: return nil
            }
        default:
            return nil
        }
    }

    /// The cached text result of a formula: the STRING record after it (past any shared-formula,
    /// array or table record); nil when the writer left it out.
    private func formulaString(_ raw: UnsafeRawBufferPointer, after offset: Int) throws -> String? {
        var cursor = BIFFCursor(raw, at: offset)
        for _ in 0..<8 {
            guard let r = try cursor.next() else { return nil }
            switch r.type {
            case BIFF.string:
                var reader = BIFFContinuedReader(raw, record: r.offset, from: r.body)
                return try reader.string(lengthBytes: 2)
            case BIFF.sharedFormula, BIFF.array, BIFF.table, BIFF.continueRecord:
                continue
            default:
                return nil
            }
        }
        return nil
    }

    /// An RK number: a 30-bit integer or the top 30 bits of a double, optionally divided by 100.
    static func rk(_ v: Int) -> Double {
        let bits = UInt32(truncatingIfNeeded: v)
        let n: Double
        if bits & 2 != 0 {
            n = Double(Int32(bitPattern: bits) >> 2)
        } else {
            n = Double(bitPattern: UInt64(bits & 0xFFFF_FFFC) << 32)
        }
        return bits & 1 != 0 ? n / 100 : n
    }

    /// A number as its shortest decimal text, integers without a fraction (`3`, `0.1`, `1E-05`, `1E+16`),
    /// like the digits an `.xlsx` file stores.
    static func number(_ d: Double) -> SpreadsheetValue {
        guard d.isFinite else { return .error("#NUM!") }
        // Integers below 2^53 are exact: written out in full, as Excel's XML does.
        if d == d.rounded(.towardZero), abs(d) < 9_007_199_254_740_992 { return .number(String(Int64(d))) }
        let s = "\(d)"
        return .number(s.contains("e") ? s.replacingOccurrences(of: "e", with: "E") : s)
    }

    static func errorText(_ code: UInt8) -> String {
        switch code {
        case 0x00: return "#NULL!"
        case 0x07: return "#DIV/0!"
        case 0x0F: return "#VALUE!"
        case 0x17: return "#REF!"
        case 0x1D: return "#NAME?"
        case 0x24: return "#NUM!"
        case 0x2A: return "#N/A"
        case 0x2B: return "#GETTING_DATA"
        default: return "#VALUE!"
        }
    }
}

// MARK: - BIFF8 records

enum BIFF {
    static let bof = 0x0809
    static let eof = 0x000A
    static let filePass = 0x002F
    static let codePage = 0x0042
    static let dateMode = 0x0022
    static let format = 0x041E
    static let xf = 0x00E0
    static let sst = 0x00FC
    static let continueRecord = 0x003C
    static let boundSheet = 0x0085
    static let labelSST = 0x00FD
    static let label = 0x0204
    static let rstring = 0x00D6
    static let number = 0x0203
    static let rk = 0x027E
    static let mulRK = 0x00BD
    static let boolErr = 0x0205
    static let formula = 0x0006
    static let string = 0x0207
    static let sharedFormula = 0x04BC
    static let array = 0x0221
    static let table = 0x0236

    static func hex(_ type: Int) -> String {
        let digits = String(type, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    static func short(_ r: BIFFRecord, sheet: String) -> SpreadsheetError {
        SpreadsheetError.corrupt("工作表“\(sheet)”中类型为 0x\(hex(r.type)) 的记录过短")
    }
}

struct BIFFRecord {
    let type: Int
    /// Stream offset of the record header.
    let offset: Int
    let length: Int
    var body: Int { offset + 4 }
    var end: Int { offset + 4 + length }
}

/// Walks records from an offset, checking each length against the stream.
struct BIFFCursor {
    private let raw: UnsafeRawBufferPointer
    private(set) var offset: Int

    init(_ raw: UnsafeRawBufferPointer, at offset: Int) {
        self.raw = raw
        self.offset = offset
    }

    /// The next record, or nil at the end of the stream.
    mutating func next() throws -> BIFFRecord? {
        guard offset < raw.count else { return nil }
        guard offset + 4 <= raw.count else { throw SpreadsheetError.corrupt("工作簿数据被截断") }
        let r = BIFFRecord(type: raw.u16(offset), offset: offset, length: raw.u16(offset + 2))
        guard r.end <= raw.count else { throw SpreadsheetError.corrupt("记录长度超出工作簿数据") }
        offset = r.end
        return r
    }

    /// The next record if it is of `type`, without moving otherwise.
    mutating func next(ifType type: Int) -> BIFFRecord? {
        guard offset + 4 <= raw.count, raw.u16(offset) == type else { return nil }
        let r = BIFFRecord(type: type, offset: offset, length: raw.u16(offset + 2))
        guard r.end <= raw.count else { return nil }
        offset = r.end
        return r
    }
}

/// Reads a record and the CONTINUE records after it as one byte sequence, except that the characters
/// of a string restart with a flag byte (8-bit or UTF-16) at each CONTINUE boundary.
struct BIFFContinuedReader {
    private let raw: UnsafeRawBufferPointer
    private var segmentEnd: Int
    private var position: Int
    private var cursor: BIFFCursor
    private var units: [UInt16] = []

    /// Starts at `position` inside the record at `record`.
    init(_ raw: UnsafeRawBufferPointer, record: Int, from position: Int) {
        self.raw = raw
        let length = raw.u16(record + 2)
        self.segmentEnd = record + 4 + length
        self.position = position
        self.cursor = BIFFCursor(raw, at: segmentEnd)
    }

    var atEnd: Bool {
        mutating get { position >= segmentEnd && !nextSegment() }
    }

    /// Moves into the following CONTINUE record; false when there is none.
    private mutating func nextSegment() -> Bool {
        guard let r = cursor.next(ifType: BIFF.continueRecord) else { return false }
        position = r.body
        segmentEnd = r.end
        return true
    }

    mutating func byte() throws -> UInt8 {
        while position >= segmentEnd {
            guard nextSegment() else { throw SpreadsheetError.corrupt("字符串数据被截断") }
        }
        defer { position += 1 }
        return raw[position]
    }

    mutating func u16() throws -> Int {
        let low = Int(try byte())
        return low | Int(try byte()) << 8
    }

    mutating func u32() throws -> Int {
        let low = try u16()
        return low | (try u16()) << 16
    }

    mutating func skip(_ n: Int) throws {
        var left = n
        while left > 0 {
            while position >= segmentEnd {
                guard nextSegment() else { throw SpreadsheetError.corrupt("字符串数据被截断") }
            }
            let step = min(left, segmentEnd - position)
            position += step
            left -= step
        }
    }

    /// A BIFF8 unicode string: its length (1 or 2 bytes), flags, optional run and phonetic sizes,
    /// the characters, then the skipped runs and phonetic data.
    mutating func string(lengthBytes: Int) throws -> String {
        let count = lengthBytes == 1 ? Int(try byte()) : try u16()
        let flags = try byte()
        var wide = flags & 0x01 != 0
        let runs = flags & 0x08 != 0 ? try u16() : 0
        let phonetic = flags & 0x04 != 0 ? try u32() : 0
        units.removeAll(keepingCapacity: true)
        var left = count
        while left > 0 {
            if position >= segmentEnd {
                guard nextSegment(), position < segmentEnd else {
                    throw SpreadsheetError.corrupt("字符串数据被截断")
                }
                wide = raw[position] & 0x01 != 0
                position += 1
            }
            let available = (segmentEnd - position) / (wide ? 2 : 1)
            guard available > 0 else { throw SpreadsheetError.corrupt("字符串跨记录处不完整") }
            let n = min(available, left)
            if wide {
                for k in 0..<n { units.append(UInt16(raw.u16(position + 2 * k))) }
                position += 2 * n
            } else {
                for k in 0..<n { units.append(UInt16(raw[position + k])) }
                position += n
            }
            left -= n
        }
        try skip(runs * 4 + phonetic)
        return String(decoding: units, as: UTF16.self)
    }
}

/// Shared strings as UTF-8 in one buffer, so a table of many short strings costs little more than
/// the file; immutable once built, so readers can share it across tasks.
struct BIFFStringTable: Sendable {
    private var bytes: [UInt8] = []
    private var ends: [UInt32] = []

    var count: Int { ends.count }

    mutating func append(_ s: String) throws {
        var s = s
        try s.withUTF8 { buffer in
            guard bytes.count + buffer.count <= Int(UInt32.max) else {
                throw SpreadsheetError.tooLarge(limit: Int64(UInt32.max))
            }
            bytes.append(contentsOf: buffer)
        }
        ends.append(UInt32(bytes.count))
    }

    subscript(i: Int) -> String {
        let start = i == 0 ? 0 : Int(ends[i - 1])
        return String(decoding: bytes[start..<Int(ends[i])], as: UTF8.self)
    }
}

/// What the workbook globals substream says: sheets, date system, number formats and shared strings.
struct BIFFGlobals {
    struct Sheet {
        let name: String
        let hidden: Bool
        let offset: Int
    }

    private(set) var sheets: [Sheet] = []
    private(set) var uses1904 = false
    private(set) var formats: [Int: String] = [:]
    /// The number format id of each XF record, in order.
    private(set) var xfFormats: [Int] = []
    private(set) var strings = BIFFStringTable()

    init(_ raw: UnsafeRawBufferPointer) throws {
        var cursor = BIFFCursor(raw, at: 0)
        guard raw.count >= 4 else { throw SpreadsheetError.corrupt("工作簿数据为空") }
        let firstType = raw.u16(0)
        // BIFF2–4 begin with other BOF ids; BIFF5/7 (Excel 5–95) share BIFF8's id with version 0x0500.
        if [0x0009, 0x0209, 0x0409].contains(firstType) { throw SpreadsheetError.tooOldXLSFile }
        guard let bof = try cursor.next(), bof.type == BIFF.bof, bof.length >= 4 else {
            throw SpreadsheetError.corrupt("工作簿数据不是以 BOF 记录开头")
        }
        guard raw.u16(bof.body) == 0x0600 else { throw SpreadsheetError.tooOldXLSFile }

        while true {
            guard let r = try cursor.next() else { throw SpreadsheetError.corrupt("工作簿全局数据不完整") }
            switch r.type {
            case BIFF.eof:
                return
            case BIFF.filePass:
                throw SpreadsheetError.encryptedFile
            case BIFF.dateMode:
                uses1904 = r.length >= 2 && raw.u16(r.body) == 1
            case BIFF.format:
                guard r.length >= 5 else { throw Self.short(r) }
                var reader = BIFFContinuedReader(raw, record: r.offset, from: r.body + 2)
                formats[raw.u16(r.body)] = try reader.string(lengthBytes: 2)
            case BIFF.xf:
                guard r.length >= 4 else { throw Self.short(r) }
                xfFormats.append(raw.u16(r.body + 2))
            case BIFF.boundSheet:
                guard r.length >= 8 else { throw Self.short(r) }
                // Only worksheets (type 0); charts, macro sheets and VB modules hold no ledger rows.
                guard raw[r.body + 5] == 0 else { continue }
                var reader = BIFFContinuedReader(raw, record: r.offset, from: r.body + 6)
                let name = try reader.string(lengthBytes: 1)
                sheets.append(Sheet(name: name, hidden: raw[r.body + 4] & 0x03 != 0, offset: raw.u32(r.body)))
            case BIFF.sst:
                guard r.length >= 8 else { throw Self.short(r) }
                try readSST(raw, record: r)
                // Skip the CONTINUE records the reader used.
                while cursor.next(ifType: BIFF.continueRecord) != nil {}
            default:
                break
            }
        }
    }

    private mutating func readSST(_ raw: UnsafeRawBufferPointer, record r: BIFFRecord) throws {
        let unique = raw.u32(r.body + 4)
        var reader = BIFFContinuedReader(raw, record: r.offset, from: r.body + 8)
        var table = BIFFStringTable()
        var n = 0
        // The declared count is only a hint: a table cut short ends where its records end.
        while n < unique, !reader.atEnd {
            try table.append(try reader.string(lengthBytes: 2))
            n += 1
        }
        strings = table
    }

    private static func short(_ r: BIFFRecord) -> SpreadsheetError {
        SpreadsheetError.corrupt("工作簿中类型为 0x\(BIFF.hex(r.type)) 的记录过短")
    }
}

fileprivate extension UnsafeRawBufferPointer {
    /// Little-endian reads at offsets the caller has checked against the record length.
    func u16(_ o: Int) -> Int {
        Int(UInt16(littleEndian: loadUnaligned(fromByteOffset: o, as: UInt16.self)))
    }

    func u32(_ o: Int) -> Int {
        Int(UInt32(littleEndian: loadUnaligned(fromByteOffset: o, as: UInt32.self)))
    }

    func f64(_ o: Int) -> Double {
        Double(bitPattern: UInt64(littleEndian: loadUnaligned(fromByteOffset: o, as: UInt64.self)))
    }
}
