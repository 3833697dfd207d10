import Foundation
import ZIPFoundation

/// A sheet of a workbook as listed in `xl/workbook.xml`, in tab order.
public struct XLSXSheet: Sendable, Hashable {
    public let name: String
    /// True for sheets the user hid (state `hidden` or `veryHidden`).
    public let isHidden: Bool
    /// Package path of the sheet's XML, nil when the workbook points at nothing.
    let path: String?
}

/// Reads `.xlsx` workbooks row by row without loading a sheet into memory, so a 100,000-row ledger
/// costs the same memory as a 10-row one.
///
/// The sheet XML is inflated in chunks by ZIPFoundation and tokenized at byte level; only the shared
/// string table (which every row may refer to) is held whole. Not safe to share between tasks.
public final class XLSXReader: WorkbookReader {
    /// Ceilings that make a hostile or absurd file fail fast instead of exhausting memory or time.
    public struct Limits: Sendable, Equatable {
        /// Total bytes that may be inflated for one read (workbook parts plus the sheet).
        public var maxUncompressedBytes: Int64
        /// Highest compression ratio accepted for entries at least `ratioCheckThreshold` bytes long.
        public var maxCompressionRatio: Int64
        public var ratioCheckThreshold: Int64

        public init(maxUncompressedBytes: Int64 = 1 << 30, maxCompressionRatio: Int64 = 200,
                    ratioCheckThreshold: Int64 = 10 << 20) {
            self.maxUncompressedBytes = maxUncompressedBytes
            self.maxCompressionRatio = maxCompressionRatio
            self.ratioCheckThreshold = ratioCheckThreshold
        }
    }

    /// The workbook's sheets in tab order; `forEachRow(sheet:)` takes an index into this array.
    public let sheets: [XLSXSheet]
    /// True when the workbook counts dates from 1904 (old Mac workbooks).
    public let uses1904DateSystem: Bool

    private let archive: Archive
    private let entries: [String: Entry]
    private let limits: Limits
    private let sharedStringsPath: String?
    private let stylesPath: String?
    private var sharedStrings: SharedStringStore?
    private var dateStyles: [Bool] = []
    /// Bytes inflated for workbook-level parts, which count against every sheet read.
    private var metadataBytes: Int64 = 0
    private static let chunkSize = 256 << 10

    /// Opens a workbook file, telling apart encrypted workbooks, `.xls` files and non-Excel files.
    public convenience init(url: URL, limits: Limits = Limits()) throws {
        let handle: FileHandle
        do {
            handle = try FileHandle(forReadingFrom: url)
        } catch {
            throw SpreadsheetError.io(url.path, error)
        }
        defer { try? handle.close() }
        let head = [UInt8]((try? handle.read(upToCount: 8)) ?? Data())
        if FileSignature.isCompoundFile(head) {
            try? handle.seek(toOffset: 0)
            throw try FileSignature.compoundFileError { try handle.read(upToCount: $0) }
        }
        guard FileSignature.isZIP(head) else { throw SpreadsheetError.notXLSXFile }
        let archive: Archive
        do {
            archive = try Archive(url: url, accessMode: .read)
        } catch {
            throw SpreadsheetError.notXLSXFile
        }
        try self.init(archive: archive, limits: limits)
    }

    /// Opens a workbook held in memory, such as an uploaded request body.
    public convenience init(data: Data, limits: Limits = Limits()) throws {
        let head = [UInt8](data.prefix(8))
        if FileSignature.isCompoundFile(head) {
            var offset = data.startIndex
            throw try FileSignature.compoundFileError { max in
                let end = min(offset + max, data.endIndex)
                defer { offset = end }
                return offset < end ? data[offset..<end] : nil
            }
        }
        guard FileSignature.isZIP(head) else { throw SpreadsheetError.notXLSXFile }
        let archive: Archive
        do {
            archive = try Archive(data: data, accessMode: .read)
        } catch {
            throw SpreadsheetError.notXLSXFile
        }
        try self.init(archive: archive, limits: limits)
    }

    private init(archive: Archive, limits: Limits) throws {
        self.archive = archive
        self.limits = limits
        var entries: [String: Entry] = [:]
        var count = 0
        for entry in archive {
            // Real workbooks hold tens of parts; millions of tiny entries are an attack on memory.
            count += 1
            if count > 100_000 { throw SpreadsheetError.tooLarge(limit: limits.maxUncompressedBytes) }
            guard entry.type == .file else { continue }
            let key = Self.normalized(entry.path)
            if entries[key] == nil { entries[key] = entry }
        }
        self.entries = entries
        if entries["mimetype"] != nil, entries["content.xml"] != nil {
            throw SpreadsheetError(.notXLSX, "文件是 OpenDocument（.ods）表格，请另存为 Excel 工作簿（.xlsx）后再导入")
        }

        var used: Int64 = 0
        let rootRels = try Self.parse(XLSXRelationships(), path: "_rels/.rels", entries: entries, archive: archive,
                                      limits: limits, used: &used, required: false)
        let workbookPath = rootRels?.first(typeSuffix: "officeDocument")
            .map { XLSXRelationships.resolve($0.target, relativeTo: "") } ?? "xl/workbook.xml"
        guard let workbook = try Self.parse(XLSXWorkbookPart(), path: workbookPath, entries: entries,
                                            archive: archive, limits: limits, used: &used, required: true) else {
            throw SpreadsheetError.notXLSXFile
        }
        let rels = try Self.parse(XLSXRelationships(), path: XLSXRelationships.path(for: workbookPath),
                                  entries: entries, archive: archive, limits: limits, used: &used, required: false)
            ?? XLSXRelationships()
        self.sheets = workbook.sheets.map { sheet in
            let target = rels.items.first { $0.id == sheet.relationshipID && !$0.isExternal }
            return XLSXSheet(name: sheet.name, isHidden: sheet.state != "visible",
                             path: target.map { XLSXRelationships.resolve($0.target, relativeTo: workbookPath) })
        }
        self.uses1904DateSystem = workbook.uses1904
        self.sharedStringsPath = rels.first(typeSuffix: "sharedStrings")
            .map { XLSXRelationships.resolve($0.target, relativeTo: workbookPath) }
        self.stylesPath = rels.first(typeSuffix: "styles")
            .map { XLSXRelationships.resolve($0.target, relativeTo: workbookPath) }
        self.metadataBytes = used
    }

    /// Calls `body` with every row that has at least one value, in file order, streaming the sheet.
    ///
    /// Rows carry their Excel row number, so skipped numbers show where empty rows were. Cells without
    /// a value (only a style) and empty strings are left out; cells keep their column from `r="C12"`.
    public func forEachRow(sheet index: Int = 0, _ body: (SpreadsheetRow) throws -> Void) throws {
        try checkSheet(index)
        let sheet = sheets[index]
        guard let path = sheet.path, Self.entry(path, in: entries) != nil else {
            throw SpreadsheetError(.missingSheet, "工作表“\(sheet.name)”的数据在文件中缺失")
        }
        try loadWorkbookParts()
        var scanner = XMLScanner(handler: XLSXSheetParser(sharedStrings: sharedStrings ?? SharedStringStore(), dateStyles: dateStyles,
                                                          uses1904: uses1904DateSystem))
        var used = metadataBytes
        let completed = try Self.stream(path: path, entries: entries, archive: archive, limits: limits,
                                        used: &used) { data in
            try scanner.feed(data)
            for row in scanner.handler.rows { try body(row) }
            scanner.handler.rows.removeAll(keepingCapacity: true)
            return !scanner.handler.finished
        }
        if completed {
            try scanner.finish()
            for row in scanner.handler.rows { try body(row) }
        }
    }

    /// Thrown through ZIPFoundation to stop inflating once the caller has what it needs.
    private struct StopReading: Error {}
    /// Carries an error of the row handler through ZIPFoundation untouched.
    private struct ConsumerFailure: Error { let error: Error }

    /// Loads the shared strings and styles once, on the first sheet read.
    private func loadWorkbookParts() throws {
        guard sharedStrings == nil else { return }
        var used = metadataBytes
        let strings = try sharedStringsPath.flatMap {
            try Self.parse(XLSXSharedStrings(), path: $0, entries: entries, archive: archive, limits: limits,
                           used: &used, required: false)
        }
        let styles = try stylesPath.flatMap {
            try Self.parse(XLSXStyles(), path: $0, entries: entries, archive: archive, limits: limits,
                           used: &used, required: false)
        }
        let store = strings?.strings ?? SharedStringStore()
        try store.finish()
        sharedStrings = store
        dateStyles = styles?.dateStyles ?? []
        metadataBytes = used
    }

    private static func normalized(_ path: String) -> String {
        var p = path.replacingOccurrences(of: "\\", with: "/")
        while p.hasPrefix("/") { p.removeFirst() }
        return p
    }

    private static func entry(_ path: String, in entries: [String: Entry]) -> Entry? {
        let key = normalized(path)
        if let e = entries[key] { return e }
        let lower = key.lowercased()
        return entries.first { $0.key.lowercased() == lower }?.value
    }

    /// Parses a whole (small or streamed) part with `handler`; nil when the part is absent and not required.
    private static func parse<H: XMLHandler>(_ handler: H, path: String, entries: [String: Entry], archive: Archive,
                                             limits: Limits, used: inout Int64, required: Bool) throws -> H? {
        guard entry(path, in: entries) != nil else {
            if required { throw SpreadsheetError.notXLSXFile }
            return nil
        }
        var scanner = XMLScanner(handler: handler)
        _ = try stream(path: path, entries: entries, archive: archive, limits: limits, used: &used) { data in
            try scanner.feed(data)
            return true
        }
        try scanner.finish()
        return scanner.handler
    }

    /// Inflates one entry chunk by chunk into `consume`, enforcing the limits; `consume` returns false
    /// to stop early. Returns true when the entry was read to its end.
    private static func stream(path: String, entries: [String: Entry], archive: Archive, limits: Limits,
                               used: inout Int64, _ consume: (Data) throws -> Bool) throws -> Bool {
        guard let entry = entry(path, in: entries) else {
            throw SpreadsheetError.corrupt("缺少 \(path)")
        }
        let declared = Int64(clamping: entry.uncompressedSize)
        let compressed = Int64(clamping: entry.compressedSize)
        if declared > limits.maxUncompressedBytes - used {
            throw SpreadsheetError.tooLarge(limit: limits.maxUncompressedBytes)
        }
        if declared >= limits.ratioCheckThreshold, declared > compressed * limits.maxCompressionRatio {
            throw SpreadsheetError.tooLarge(limit: limits.maxUncompressedBytes)
        }
        var produced: Int64 = 0
        var stoppedEarly = false
        let start = used
        var checksum: CRC32 = 0
        do {
            checksum = try archive.extract(entry, bufferSize: chunkSize, skipCRC32: false) { data in
                produced += Int64(data.count)
                // The central directory's size is what the ratio check trusted; more data is a lie.
                if produced > declared { throw SpreadsheetError.corrupt("\(path) 的实际大小与记录不符") }
                if start + produced > limits.maxUncompressedBytes {
                    throw SpreadsheetError.tooLarge(limit: limits.maxUncompressedBytes)
                }
                let more: Bool
                do {
                    more = try consume(data)
                } catch {
                    throw ConsumerFailure(error: error)
                }
                if !more { throw StopReading() }
            }
        } catch let failure as ConsumerFailure {
            throw failure.error
        } catch is StopReading {
            stoppedEarly = true
        } catch let error as SpreadsheetError {
            throw error
        } catch {
            throw SpreadsheetError.corrupt("\(path) 的压缩数据损坏")
        }
        used = start + produced
        if !stoppedEarly {
            guard produced == declared, checksum == entry.checksum else {
                throw SpreadsheetError.corrupt("\(path) 的校验和不符")
            }
        }
        return !stoppedEarly
    }
}

@available(*, unavailable, message: "XLSXReader keeps a file position; use one reader per task")
extension XLSXReader: Sendable {}
