import Foundation

/// The JSON document of a record's fields, written and read without Foundation's
/// JSONSerialization: imports and exports handle hundreds of thousands of records, and the
/// generic path costs more than everything else together.
public enum FieldJSON {
    /// `{"a":1,"b":"x"}` with keys sorted, so equal values give equal text.
    public static func encode(_ values: [String: FieldValue]) -> String {
        encode(values, sortedKeys: values.keys.sorted())
    }

    /// The same, with the keys to write already sorted (every key of `values` must be among
    /// them): an import sorts a kind's field ids once, not once a row.
    public static func encode(_ values: [String: FieldValue], sortedKeys: [String]) -> String {
        // Written as UTF-8 bytes and made a string once: an import encodes 100,000 rows, and
        // appending to a `String` piece by piece cost twice as much.
        var out: [UInt8] = []
        out.reserveCapacity(512)
        out.append(UInt8(ascii: "{"))
        var written = 0
        for key in sortedKeys {
            guard let value = values[key] else { continue }
            if written > 0 { out.append(UInt8(ascii: ",")) }
            written += 1
            appendString(key, to: &out)
            out.append(UInt8(ascii: ":"))
            switch value {
            case .text(let s): appendString(s, to: &out)
            case .integer(let i): out.append(contentsOf: String(i).utf8)
            case .decimal(let d): appendString(plain(d), to: &out)
            case .date(let d): appendString(d.iso, to: &out)
            case .boolean(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
            case .reference(let id): out.append(contentsOf: String(id).utf8)
            case .attachments(let ids): out.append(contentsOf: ("[" + ids.map(String.init).joined(separator: ",") + "]").utf8)
            }
        }
        // A key the caller did not list: sort them all after all.
        if written != values.count { return encode(values, sortedKeys: values.keys.sorted()) }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    /// A decimal as plain digits (no exponent).
    /// `description` is what `NSDecimalString` gives in the POSIX locale (checked over 100,000
    /// values), without its locale lookup and `NSString` copies: an import writes one a money cell.
    public static func plain(_ d: Decimal) -> String {
        d.description
    }

    /// A JSON string. Escaping works on bytes: every byte of a multi-byte UTF-8 sequence is
    /// 0x80 or above, so only ASCII quotes, backslashes and control characters are touched.
    static func appendString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var text = s
        text.withUTF8 { bytes in
            // Most text needs no escaping: copy it whole.
            guard bytes.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else {
                out.append(contentsOf: bytes)
                return
            }
            for byte in bytes {
                switch byte {
                case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
                case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
                case UInt8(ascii: "\n"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                case UInt8(ascii: "\r"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                case UInt8(ascii: "\t"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                case ..<0x20: out.append(contentsOf: String(format: "\\u%04x", byte).utf8)
                default: out.append(byte)
                }
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Reads stored values back for `kind`. Stored data was checked when written, so this
    /// trusts its shape and only converts; a value of the wrong shape is left out.
    public static func decode(_ text: String, kind: LedgerKind) -> [String: FieldValue] {
        decode(text, fields: kind.fields)
    }

    /// The values of `fields` only (a list reads its columns, not the whole record).
    public static func decode(_ text: String, fields: [FieldSpec]) -> [String: FieldValue] {
        Reader(fields: fields).decode(text)
    }

    /// Reads the values of some fields from many documents (a page of a list).
    public struct Reader: Sendable {
        let fields: [FieldSpec]
        let wanted: FlatObject.Keys

        public init(fields: [FieldSpec]) {
            self.fields = fields
            wanted = FlatObject.Keys(fields.map(\.id))
        }

        public func decode(_ text: String) -> [String: FieldValue] {
            FieldJSON.decode(text, fields: fields, wanted: wanted)
        }
    }

    static func decode(_ text: String, fields: [FieldSpec], wanted: FlatObject.Keys) -> [String: FieldValue] {
        // Lists decode fifty documents a page: the flat objects written by `encode` are read
        // by a small scanner; anything else goes through Foundation.
        var copy = text
        let flat = copy.withUTF8 { FlatObject.parse($0, wanted: wanted) }
        guard let flat else { return decodeWithFoundation(text, fields: fields) }
        var out: [String: FieldValue] = [:]
        out.reserveCapacity(flat.count)
        for field in fields {
            guard let raw = flat[field.id] else { continue }
            switch (field.type, raw) {
            case (.text, .string(let s)), (.longText, .string(let s)), (.enumeration, .string(let s)), (.creditCode, .string(let s)):
                out[field.id] = .text(s)
            case (.integer, .number(let n)):
                if let i = Int(n) ?? Double(n).map({ Int($0) }) { out[field.id] = .integer(i) }
            case (.integer, .string(let s)):
                if let i = Int(s) { out[field.id] = .integer(i) }
            case (.decimal, .string(let s)), (.money, .string(let s)), (.decimal, .number(let s)), (.money, .number(let s)):
                if let d = FieldSpec.plainDecimal(s) ?? Decimal(string: s, locale: Locale(identifier: "en_US_POSIX")) { out[field.id] = .decimal(d) }
            case (.date, .string(let s)):
                if let d = LocalDate.parse(s) { out[field.id] = .date(d) }
            case (.boolean, .bool(let b)):
                out[field.id] = .boolean(b)
            case (.boolean, .number(let n)):
                out[field.id] = .boolean((Double(n) ?? 0) != 0)
            case (.unit, .number(let n)), (.person, .number(let n)):
                if let i = Int(n) ?? Double(n).map({ Int($0) }) { out[field.id] = .reference(i) }
            case (.attachments, .numbers(let ids)):
                out[field.id] = .attachments(ids)
            default:
                continue
            }
        }
        return out
    }

    static func decodeWithFoundation(_ text: String, fields: [FieldSpec]) -> [String: FieldValue] {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else { return [:] }
        var out: [String: FieldValue] = [:]
        for field in fields {
            guard let raw = object[field.id], !(raw is NSNull) else { continue }
            switch field.type {
            case .text, .longText, .enumeration, .creditCode:
                if let s = raw as? String { out[field.id] = .text(s) }
            case .integer:
                if let n = raw as? NSNumber { out[field.id] = .integer(n.intValue) }
                else if let s = raw as? String, let i = Int(s) { out[field.id] = .integer(i) }
            case .decimal, .money:
                if let s = raw as? String, let d = Decimal(string: s, locale: Locale(identifier: "en_US_POSIX")) { out[field.id] = .decimal(d) }
                else if let n = raw as? NSNumber { out[field.id] = .decimal(n.decimalValue) }
            case .date:
                if let s = raw as? String, let d = LocalDate.parse(s) { out[field.id] = .date(d) }
            case .boolean:
                if let n = raw as? NSNumber { out[field.id] = .boolean(n.boolValue) }
            case .unit, .person:
                if let n = raw as? NSNumber { out[field.id] = .reference(n.intValue) }
            case .attachments:
                if let ids = raw as? [Any] { out[field.id] = .attachments(ids.compactMap { ($0 as? NSNumber)?.intValue }) }
            }
        }
        return out
    }
}

/// A JSON object of scalars (and arrays of integers), read byte by byte: the shape of every
/// record document. Returns nil for anything else (nested objects, bad JSON), so the caller
/// can fall back to a general parser.
enum FlatObject {
    enum Value: Equatable {
        case string(String)
        /// The number as written.
        case number(String)
        case bool(Bool)
        case null
        case numbers([Int])
    }

    /// Keys compared as bytes, so a key that is not wanted never becomes a string.
    struct Keys: Sendable {
        let keys: [[UInt8]]
        init(_ keys: [String]) { self.keys = keys.map { Array($0.utf8) } }

        func contains(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
            keys.contains { key in
                key.count == range.count && key.withUnsafeBufferPointer { k in
                    var i = 0
                    while i < k.count, k[i] == b[range.lowerBound + i] { i += 1 }
                    return i == k.count
                }
            }
        }
    }

    /// Values of keys outside `wanted` are checked but not built.
    static func parse(_ b: UnsafeBufferPointer<UInt8>, wanted: Keys? = nil) -> [String: Value]? {
        var i = 0
        let n = b.count
        func skipSpace() { while i < n, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 } }
        func string() -> String? {
            guard i < n, b[i] == UInt8(ascii: "\"") else { return nil }
            i += 1
            let start = i
            // Fast path: no escapes, the bytes are copied whole.
            while i < n, b[i] != UInt8(ascii: "\""), b[i] != UInt8(ascii: "\\") { i += 1 }
            guard i < n else { return nil }
            if b[i] == UInt8(ascii: "\"") {
                defer { i += 1 }
                return String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self)
            }
            var bytes = Array(b[start..<i])
            while i < n {
                let c = b[i]
                if c == UInt8(ascii: "\"") { i += 1; return String(decoding: bytes, as: UTF8.self) }
                if c != UInt8(ascii: "\\") { bytes.append(c); i += 1; continue }
                i += 1
                guard i < n else { return nil }
                let e = b[i]
                i += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): bytes.append(e)
                case UInt8(ascii: "n"): bytes.append(0x0A)
                case UInt8(ascii: "r"): bytes.append(0x0D)
                case UInt8(ascii: "t"): bytes.append(0x09)
                case UInt8(ascii: "b"): bytes.append(0x08)
                case UInt8(ascii: "f"): bytes.append(0x0C)
                case UInt8(ascii: "u"):
                    guard var scalar = hex4() else { return nil }
                    if (0xD800..<0xDC00).contains(scalar) {
                        // A surrogate pair: \uD83D\uDE00.
                        guard i + 1 < n, b[i] == UInt8(ascii: "\\"), b[i + 1] == UInt8(ascii: "u") else { return nil }
                        i += 2
                        guard let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let u = Unicode.Scalar(scalar) else { return nil }
                    bytes.append(contentsOf: Array(String(u).utf8))
                default: return nil
                }
            }
            return nil
        }
        func hex4() -> UInt32? {
            guard i + 4 <= n else { return nil }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let c = b[i]
                i += 1
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): v = v << 4 | UInt32(c - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): v = v << 4 | UInt32(c - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): v = v << 4 | UInt32(c - UInt8(ascii: "A") + 10)
                default: return nil
                }
            }
            return v
        }
        func number() -> String? {
            let start = i
            while i < n, (b[i] >= UInt8(ascii: "0") && b[i] <= UInt8(ascii: "9")) || b[i] == UInt8(ascii: "-")
                || b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: ".") || b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") { i += 1 }
            return i > start ? String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self) : nil
        }
        func literal(_ word: StaticString) -> Bool {
            let count = word.utf8CodeUnitCount
            guard i + count <= n else { return false }
            for k in 0..<count where b[i + k] != word.utf8Start[k] { return false }
            i += count
            return true
        }
        func value() -> Value? {
            guard i < n else { return nil }
            switch b[i] {
            case UInt8(ascii: "\""): return string().map(Value.string)
            case UInt8(ascii: "t"): return literal("true") ? .bool(true) : nil
            case UInt8(ascii: "f"): return literal("false") ? .bool(false) : nil
            case UInt8(ascii: "n"): return literal("null") ? .null : nil
            case UInt8(ascii: "["):
                i += 1
                var ids: [Int] = []
                skipSpace()
                if i < n, b[i] == UInt8(ascii: "]") { i += 1; return .numbers(ids) }
                while true {
                    skipSpace()
                    guard let text = number(), let id = Int(text) else { return nil }
                    ids.append(id)
                    skipSpace()
                    guard i < n else { return nil }
                    if b[i] == UInt8(ascii: ",") { i += 1; continue }
                    if b[i] == UInt8(ascii: "]") { i += 1; return .numbers(ids) }
                    return nil
                }
            default: return number().map(Value.number)
            }
        }
        /// Steps over a value without building it.
        func skipValue() -> Bool {
            guard i < n else { return false }
            if b[i] == UInt8(ascii: "\"") {
                i += 1
                while i < n, b[i] != UInt8(ascii: "\"") { i += b[i] == UInt8(ascii: "\\") ? 2 : 1 }
                guard i < n else { return false }
                i += 1
                return true
            }
            if b[i] == UInt8(ascii: "[") {
                while i < n, b[i] != UInt8(ascii: "]") {
                    if b[i] == UInt8(ascii: "{") || b[i] == UInt8(ascii: "\"") { return false }
                    i += 1
                }
                guard i < n else { return false }
                i += 1
                return true
            }
            return value() != nil
        }
        var out: [String: Value] = [:]
        skipSpace()
        guard i < n, b[i] == UInt8(ascii: "{") else { return nil }
        i += 1
        skipSpace()
        if i < n, b[i] == UInt8(ascii: "}") { i += 1; skipSpace(); return i == n ? out : nil }
        while true {
            skipSpace()
            // A plain key (no escapes, as `encode` writes them) is compared in place.
            var plainKey: Range<Int>?
            if i < n, b[i] == UInt8(ascii: "\"") {
                var j = i + 1
                while j < n, b[j] != UInt8(ascii: "\""), b[j] != UInt8(ascii: "\\") { j += 1 }
                if j < n, b[j] == UInt8(ascii: "\"") { plainKey = (i + 1)..<j }
            }
            if let wanted, let range = plainKey, !wanted.contains(b, range) {
                i = range.upperBound + 1
                skipSpace()
                guard i < n, b[i] == UInt8(ascii: ":") else { return nil }
                i += 1
                skipSpace()
                guard skipValue() else { return nil }
            } else {
                guard let key = string() else { return nil }
                skipSpace()
                guard i < n, b[i] == UInt8(ascii: ":") else { return nil }
                i += 1
                skipSpace()
                if let wanted, !wanted.keys.contains(Array(key.utf8)) {
                    guard skipValue() else { return nil }
                } else {
                    guard let v = value() else { return nil }
                    if v != .null { out[key] = v }
                }
            }
            skipSpace()
            guard i < n else { return nil }
            if b[i] == UInt8(ascii: ",") { i += 1; continue }
            if b[i] == UInt8(ascii: "}") { i += 1; break }
            return nil
        }
        skipSpace()
        return i == n ? out : nil
    }
}
