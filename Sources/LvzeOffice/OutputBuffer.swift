import Foundation

/// A byte buffer flushed to a file every megabyte, so writers stream any number of rows in flat memory.
struct OutputBuffer {
    private(set) var bytes: [UInt8] = []
    private let handle: FileHandle?
    private let path: String
    private static let flushThreshold = 1 << 20

    /// A buffer that only collects bytes, for small parts built in memory.
    init() {
        handle = nil
        path = ""
    }

    /// A buffer that writes to `url`, created or truncated.
    init(url: URL) throws {
        bytes.reserveCapacity(Self.flushThreshold + 4096)
        path = url.path
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw SpreadsheetError(.io, "无法创建文件 \(url.lastPathComponent)")
        }
        do {
            handle = try FileHandle(forWritingTo: url)
        } catch {
            throw SpreadsheetError.io(url.path, error)
        }
    }

    mutating func append(_ s: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    mutating func append(_ s: String) {
        bytes.append(contentsOf: s.utf8)
    }

    mutating func append(_ b: [UInt8]) {
        bytes.append(contentsOf: b)
    }

    mutating func append(_ b: UnsafeBufferPointer<UInt8>) {
        bytes.append(contentsOf: b)
    }

    mutating func append(byte: UInt8) {
        bytes.append(byte)
    }

    /// Appends a decimal integer without creating a String.
    mutating func append(integer value: Int) {
        if value < 0 {
            bytes.append(UInt8(ascii: "-"))
            if value == .min {
                append(String(value).dropFirst().description)
                return
            }
        }
        var v = value.magnitude
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { d in
            repeat {
                d[19 - count] = UInt8(48 + v % 10)
                v /= 10
                count += 1
            } while v > 0
            bytes.append(contentsOf: d[(20 - count)...])
        }
    }

    /// Writes the collected bytes to the file once past the threshold (or always when `force`).
    mutating func flush(force: Bool = false) throws {
        guard let handle, force || bytes.count >= Self.flushThreshold, !bytes.isEmpty else { return }
        do {
            try handle.write(contentsOf: bytes)
        } catch {
            throw SpreadsheetError.io(path, error)
        }
        bytes.removeAll(keepingCapacity: true)
    }

    /// Flushes everything and closes the file.
    mutating func close() throws {
        try flush(force: true)
        do {
            try handle?.close()
        } catch {
            throw SpreadsheetError.io(path, error)
        }
    }
}

/// Escaping of text for XML content and attribute values, dropping the characters XML 1.0 forbids.
enum XMLEscaping {
    /// Appends `text` escaped for element content or a double-quoted attribute: `& < > "` become
    /// entities, control characters other than tab and line feed are dropped, CR LF and CR become LF,
    /// and U+FFFE/U+FFFF are dropped. With `officeEscapes`, a literal `_xHHHH_` is protected as Excel does.
    static func append(_ text: String, to out: inout OutputBuffer, officeEscapes: Bool = true) {
        var copy = text
        copy.withUTF8 { u in
            guard let p = u.baseAddress else { return }
            let n = u.count
            var run = 0
            var i = 0
            while i < n {
                let b = p[i]
                let special = b < 0x20 || b == UInt8(ascii: "&") || b == UInt8(ascii: "<")
                    || b == UInt8(ascii: ">") || b == UInt8(ascii: "\"") || b == 0xEF
                    || (officeEscapes && b == UInt8(ascii: "_"))
                if !special {
                    i += 1
                    continue
                }
                out.append(UnsafeBufferPointer(start: p + run, count: i - run))
                var skip = 1
                switch b {
                case UInt8(ascii: "&"): out.append("&amp;")
                case UInt8(ascii: "<"): out.append("&lt;")
                case UInt8(ascii: ">"): out.append("&gt;")
                case UInt8(ascii: "\""): out.append("&quot;")
                case 0x09, 0x0A: out.append(byte: b)
                case 0x0D:
                    out.append(byte: 0x0A)
                    if i + 1 < n, p[i + 1] == 0x0A { skip = 2 }
                case 0xEF:
                    // U+FFFE and U+FFFF are EF BF BE and EF BF BF; other EF sequences are ordinary text.
                    if i + 2 < n, p[i + 1] == 0xBF, p[i + 2] == 0xBE || p[i + 2] == 0xBF {
                        skip = 3
                    } else {
                        out.append(byte: b)
                    }
                case UInt8(ascii: "_"):
                    out.append(byte: b)
                    if isOfficeEscape(p, i, n) { out.append("x005F_") }
                default:
                    break // other C0 control characters are not allowed in XML 1.0
                }
                i += skip
                run = i
            }
            out.append(UnsafeBufferPointer(start: p + run, count: n - run))
        }
    }

    /// Whether `_xHHHH_` starts at `i`, which Excel would read as an escaped character.
    private static func isOfficeEscape(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int) -> Bool {
        guard i + 6 < n, p[i + 1] == UInt8(ascii: "x"), p[i + 6] == UInt8(ascii: "_") else { return false }
        for k in (i + 2)...(i + 5) {
            let c = p[k]
            let hex = (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102)
            if !hex { return false }
        }
        return true
    }

    /// The escaped form of `text` as a String, for the small fixed parts of a package.
    static func escaped(_ text: String) -> String {
        var out = OutputBuffer()
        append(text, to: &out, officeEscapes: false)
        return String(decoding: out.bytes, as: UTF8.self)
    }
}
