import Foundation
#if canImport(CoreFoundation)
import CoreFoundation
#endif

/// Reads CSV files row by row in constant memory, in UTF-8 (with or without BOM) or in GB18030,
/// the encoding Chinese Excel uses for “CSV（逗号分隔）”.
///
/// Rows have the same shape as `XLSXReader`'s: record numbers as row numbers, every cell text,
/// empty fields left out, so an importer treats both formats alike.
public struct CSVReader: Sendable {
    /// The text encoding found in the file.
    public enum TextEncoding: String, Sendable {
        case utf8 = "UTF-8"
        case gb18030 = "GB18030"
    }

    private enum Source: Sendable {
        case file(URL)
        case memory(Data)
    }

    public let encoding: TextEncoding
    private let source: Source
    private let delimiter: UInt8
    private let hasBOM: Bool
    private static let chunkSize = 1 << 20

    /// Opens a CSV file and decides its encoding by checking whether all of it is valid UTF-8.
    public init(url: URL, delimiter: Character = ",") throws {
        try self.init(source: .file(url), delimiter: delimiter)
    }

    /// Reads a CSV held in memory, such as an uploaded request body.
    public init(data: Data, delimiter: Character = ",") throws {
        try self.init(source: .memory(data), delimiter: delimiter)
    }

    private init(source: Source, delimiter: Character) throws {
        guard let d = delimiter.asciiValue, d != UInt8(ascii: "\""), d != 0x0A, d != 0x0D else {
            throw SpreadsheetError(.invalidArgument, "CSV 分隔符必须是引号和换行以外的 ASCII 字符")
        }
        self.source = source
        self.delimiter = d
        var head: [UInt8] = []
        var validator = UTF8Validator()
        try Self.readChunks(source) { chunk in
            if head.isEmpty { head = Array(chunk.prefix(3)) }
            if head.starts(with: [0xEF, 0xBB, 0xBF]) { return false }
            if head.starts(with: [0xFF, 0xFE]) || head.starts(with: [0xFE, 0xFF]) { return false }
            return validator.feed(chunk)
        }
        if head.starts(with: [0xFF, 0xFE]) || head.starts(with: [0xFE, 0xFF]) {
            throw SpreadsheetError(.unsupportedEncoding,
                                   "CSV 文件是 UTF-16（Unicode）编码，请在 Excel 中另存为“CSV UTF-8（逗号分隔）”后再导入")
        }
        hasBOM = head.starts(with: [0xEF, 0xBB, 0xBF])
        if hasBOM || validator.finish() {
            encoding = .utf8
        } else if Self.gb18030 != nil {
            encoding = .gb18030
        } else {
            throw Self.unreadableEncoding
        }
    }

    /// Calls `body` with every record that has at least one non-empty field, streaming the file.
    public func forEachRow(_ body: (SpreadsheetRow) throws -> Void) throws {
        var parser = CSVParser(delimiter: delimiter)
        var skipBOM = hasBOM
        var carry: [UInt8] = []
        let gb = Self.gb18030
        try Self.readChunks(source) { chunk in
            var bytes = chunk
            if skipBOM {
                bytes = bytes.dropFirst(3)
                skipBOM = false
            }
            switch encoding {
            case .utf8:
                try bytes.withUnsafeBytes { try parser.feed($0.bindMemory(to: UInt8.self)) }
            case .gb18030:
                // LF never occurs inside a GB18030 multi-byte character, so text up to the last LF decodes alone.
                carry.append(contentsOf: bytes)
                guard let lastLF = carry.lastIndex(of: 0x0A) else {
                    if carry.count > 16 << 20 { throw Self.unreadableEncoding }
                    return true
                }
                let utf8 = try Self.transcode(carry[...lastLF], gb)
                carry.removeSubrange(...lastLF)
                try utf8.withUnsafeBufferPointer { try parser.feed($0) }
            }
            for row in parser.rows { try body(row) }
            parser.rows.removeAll(keepingCapacity: true)
            return true
        }
        if !carry.isEmpty {
            let utf8 = try Self.transcode(carry[...], gb)
            try utf8.withUnsafeBufferPointer { try parser.feed($0) }
        }
        try parser.finish()
        for row in parser.rows { try body(row) }
    }

    /// The first `count` rows, for previewing a file and finding its header row.
    public func firstRows(_ count: Int) throws -> [SpreadsheetRow] {
        var out: [SpreadsheetRow] = []
        guard count > 0 else { return out }
        do {
            try forEachRow { row in
                out.append(row)
                if out.count >= count { throw EnoughRows() }
            }
        } catch is EnoughRows {}
        return out
    }

    private struct EnoughRows: Error {}

    private static let unreadableEncoding = SpreadsheetError(
        .unsupportedEncoding, "无法识别 CSV 文件的编码，请在 Excel 中另存为“CSV UTF-8（逗号分隔）”后再导入")

    /// Foundation's GB18030 encoding, or nil where this Foundation cannot decode it.
    private static let gb18030: String.Encoding? = {
        let raw = CFStringConvertEncodingToNSStringEncoding(CFStringEncoding(CFStringEncodings.GB_18030_2000.rawValue))
        let encoding = String.Encoding(rawValue: raw)
        // 隐患 in GB18030; a Foundation without the converter returns nil or something else.
        return String(data: Data([0xD2, 0xFE, 0xBB, 0xBC]), encoding: encoding) == "隐患" ? encoding : nil
    }()

    private static func transcode(_ bytes: ArraySlice<UInt8>, _ encoding: String.Encoding?) throws -> [UInt8] {
        guard let encoding, let text = String(data: Data(bytes), encoding: encoding) else {
            throw unreadableEncoding
        }
        return Array(text.utf8)
    }

    /// Hands the source to `body` in chunks until it ends or `body` returns false.
    private static func readChunks(_ source: Source, _ body: (Data) throws -> Bool) throws {
        switch source {
        case .memory(let data):
            var offset = data.startIndex
            while offset < data.endIndex {
                let end = min(offset + chunkSize, data.endIndex)
                if try !body(data[offset..<end]) { return }
                offset = end
            }
        case .file(let url):
            let handle: FileHandle
            do {
                handle = try FileHandle(forReadingFrom: url)
            } catch {
                throw SpreadsheetError.io(url.path, error)
            }
            defer { try? handle.close() }
            while true {
                let chunk: Data
                do {
                    chunk = try handle.read(upToCount: chunkSize) ?? Data()
                } catch {
                    throw SpreadsheetError.io(url.path, error)
                }
                if chunk.isEmpty { return }
                if try !body(chunk) { return }
            }
        }
    }
}

/// Checks UTF-8 well-formedness across chunk boundaries, with an ASCII fast path for the bulk of a file.
struct UTF8Validator {
    private var needed = 0
    private var lowerBound: UInt8 = 0x80
    private var upperBound: UInt8 = 0xBF
    private var valid = true

    /// Feeds a chunk; returns false as soon as the bytes are known not to be UTF-8.
    mutating func feed(_ data: Data) -> Bool {
        guard valid else { return false }
        data.withUnsafeBytes { raw in
            let p = raw.bindMemory(to: UInt8.self)
            var i = 0
            let n = p.count
            while i < n {
                if needed == 0 {
                    // Skip eight ASCII bytes at a time.
                    while i + 8 <= n,
                          UnsafeRawPointer(p.baseAddress! + i).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                        i += 8
                    }
                    guard i < n else { break }
                    let b = p[i]
                    i += 1
                    switch b {
                    case 0x00...0x7F: continue
                    case 0xC2...0xDF: needed = 1; lowerBound = 0x80; upperBound = 0xBF
                    case 0xE0: needed = 2; lowerBound = 0xA0; upperBound = 0xBF
                    case 0xE1...0xEC, 0xEE...0xEF: needed = 2; lowerBound = 0x80; upperBound = 0xBF
                    case 0xED: needed = 2; lowerBound = 0x80; upperBound = 0x9F
                    case 0xF0: needed = 3; lowerBound = 0x90; upperBound = 0xBF
                    case 0xF1...0xF3: needed = 3; lowerBound = 0x80; upperBound = 0xBF
                    case 0xF4: needed = 3; lowerBound = 0x80; upperBound = 0x8F
                    default: valid = false; return
                    }
                } else {
                    let b = p[i]
                    guard b >= lowerBound, b <= upperBound else { valid = false; return }
                    lowerBound = 0x80
                    upperBound = 0xBF
                    needed -= 1
                    i += 1
                }
            }
        }
        return valid
    }

    /// Whether everything fed was complete, valid UTF-8.
    func finish() -> Bool { valid && needed == 0 }
}
