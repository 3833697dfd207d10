import Foundation

/// The shared string table, kept as UTF-8 bytes in one buffer rather than a String per item,
/// and moved to a temporary file once it passes `memoryLimit`: a legal workbook may carry
/// hundreds of megabytes of shared strings, and an import must not hold them all in memory.
/// Strings are read back by index as the sheet refers to them.
final class SharedStringStore {
    /// Bytes kept in memory before the table moves to disk.
    static let defaultMemoryLimit = 32 << 20

    private var bytes: [UInt8] = []
    /// Start of each string; the end is the next start (or the total length).
    private var starts: [UInt32] = []
    private var total: UInt32 = 0
    private let memoryLimit: Int
    private var file: FileHandle?
    private var fileURL: URL?
    /// The last string read from disk: a sheet often repeats the same value down a column.
    private var lastIndex = -1
    private var lastString = ""

    init(memoryLimit: Int = SharedStringStore.defaultMemoryLimit) {
        self.memoryLimit = memoryLimit
    }

    deinit {
        try? file?.close()
        if let fileURL { try? FileManager.default.removeItem(at: fileURL) }
    }

    var count: Int { starts.count }
    /// True once the table lives in a temporary file.
    var spilled: Bool { file != nil }

    /// At most this many strings: each keeps a 4-byte offset in memory (64 MB at the limit), and a
    /// table of millions of empty items is no ledger.
    static let maxCount = 16_000_000

    func append(_ string: String) throws {
        guard starts.count < Self.maxCount else {
            throw SpreadsheetError.corrupt("共享字符串超过\(Self.maxCount)个，文件不像是台账")
        }
        starts.append(total)
        var utf8 = string
        try utf8.withUTF8 { buffer in
            // Offsets are 32-bit: the reader's limit on inflated bytes keeps a table far below 4 GB.
            guard UInt64(total) + UInt64(buffer.count) <= UInt64(UInt32.max) else {
                throw SpreadsheetError.tooLarge(limit: Int64(UInt32.max))
            }
            bytes.append(contentsOf: buffer)
            total += UInt32(buffer.count)
        }
        if bytes.count >= (file == nil ? memoryLimit : 1 << 20) { try flush() }
    }

    /// Writes what is buffered to the temporary file (creating it the first time).
    private func flush() throws {
        if file == nil {
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("lvze-sst-\(UUID().uuidString)")
            guard FileManager.default.createFile(atPath: url.path, contents: nil, attributes: [.posixPermissions: 0o600]),
                  let handle = try? FileHandle(forUpdating: url) else {
                throw SpreadsheetError(.io, "无法创建临时文件存放共享字符串")
            }
            file = handle
            fileURL = url
        }
        do {
            try file!.seekToEnd()
            try file!.write(contentsOf: bytes)
        } catch {
            throw SpreadsheetError(.io, "写入临时文件失败：\(error.localizedDescription)")
        }
        bytes.removeAll(keepingCapacity: true)
    }

    /// Ends the table: what is still buffered goes to the file when the table spilled.
    func finish() throws {
        if file != nil, !bytes.isEmpty { try flush() }
        bytes.shrinkToFit()
        starts.shrinkToFit()
    }

    subscript(index: Int) -> String {
        let start = starts[index]
        let end = index + 1 < starts.count ? starts[index + 1] : total
        let length = Int(end - start)
        guard let file else {
            return String(decoding: bytes[Int(start)..<Int(start) + length], as: UTF8.self)
        }
        if index == lastIndex { return lastString }
        guard length > 0 else { return "" }
        do {
            try file.seek(toOffset: UInt64(start))
            let data = try file.read(upToCount: length) ?? Data()
            lastIndex = index
            lastString = String(decoding: data, as: UTF8.self)
            return lastString
        } catch {
            return ""
        }
    }
}

private extension Array where Element == UInt8 {
    mutating func shrinkToFit() {
        if capacity > count * 2 + 1_024 { self = Array(self) }
    }
}

private extension Array where Element == UInt32 {
    mutating func shrinkToFit() {
        if capacity > count * 2 + 1_024 { self = Array(self) }
    }
}
