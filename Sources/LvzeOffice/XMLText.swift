import Foundation

/// Decoding of XML character data into UTF-8 bytes: entity references, line-end normalisation
/// and the `_xHHHH_` escapes Office uses for control characters.
enum XMLText {
    /// Appends `source` to `out` with the five named entities and numeric character references
    /// decoded and CR LF / lone CR turned into LF, as an XML parser does; unknown references stay literal.
    static func appendDecoded(_ source: XMLBytes, to out: inout [UInt8]) {
        guard let p = source.baseAddress else { return }
        let n = source.count
        var runStart = 0
        var i = 0
        while i < n {
            let b = p[i]
            if b != UInt8(ascii: "&") && b != 0x0D {
                i += 1
                continue
            }
            out.append(contentsOf: XMLBytes(start: p + runStart, count: i - runStart))
            if b == 0x0D {
                out.append(0x0A)
                i += (i + 1 < n && p[i + 1] == 0x0A) ? 2 : 1
            } else if let (scalar, length) = entity(p, at: i, count: n) {
                appendUTF8(scalar, to: &out)
                i += length
            } else {
                out.append(b)
                i += 1
            }
            runStart = i
        }
        out.append(contentsOf: XMLBytes(start: p + runStart, count: n - runStart))
    }

    /// The decoded text of an attribute value or short text.
    static func string(_ source: XMLBytes) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(source.count)
        appendDecoded(source, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes the reference starting at `i` (`&amp;`, `&#20013;`, `&#x4E2D;`), returning its scalar and length.
    private static func entity(_ p: UnsafePointer<UInt8>, at i: Int, count n: Int) -> (Unicode.Scalar, Int)? {
        var end = i + 1
        while end < n, end - i <= 10, p[end] != UInt8(ascii: ";") { end += 1 }
        guard end < n, p[end] == UInt8(ascii: ";"), end > i + 1 else { return nil }
        let body = XMLBytes(start: p + i + 1, count: end - i - 1)
        let length = end - i + 1
        if body[0] == UInt8(ascii: "#") {
            var value: UInt32 = 0
            var k = 1
            let hex = body.count > 1 && (body[1] == UInt8(ascii: "x") || body[1] == UInt8(ascii: "X"))
            if hex { k = 2 }
            guard k < body.count else { return nil }
            while k < body.count {
                let c = body[k]
                let digit: UInt32
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - 48)
                case UInt8(ascii: "a")...UInt8(ascii: "f") where hex: digit = UInt32(c - 87)
                case UInt8(ascii: "A")...UInt8(ascii: "F") where hex: digit = UInt32(c - 55)
                default: return nil
                }
                value = value * (hex ? 16 : 10) + digit
                guard value <= 0x10FFFF else { return nil }
                k += 1
            }
            guard let scalar = Unicode.Scalar(value) else { return nil }
            return (scalar, length)
        }
        if XMLSyntax.equals(body, "amp") { return ("&", length) }
        if XMLSyntax.equals(body, "lt") { return ("<", length) }
        if XMLSyntax.equals(body, "gt") { return (">", length) }
        if XMLSyntax.equals(body, "quot") { return ("\"", length) }
        if XMLSyntax.equals(body, "apos") { return ("'", length) }
        return nil
    }

    static func appendUTF8(_ scalar: Unicode.Scalar, to out: inout [UInt8]) {
        UTF8.encode(scalar) { out.append($0) }
    }

    /// Replaces Office's `_xHHHH_` escapes (how Excel stores a CR or other control character in a
    /// string) with the character itself; `_x005F_` is an escaped underscore.
    static func unescapeOffice(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        let n = bytes.count
        var pendingHigh: UInt32?
        while i < n {
            if bytes[i] == UInt8(ascii: "_"), i + 6 < n, bytes[i + 1] == UInt8(ascii: "x"),
               bytes[i + 6] == UInt8(ascii: "_"), let unit = hex4(bytes, i + 2) {
                if (0xD800...0xDBFF).contains(unit) {
                    pendingHigh = unit
                } else if (0xDC00...0xDFFF).contains(unit), let high = pendingHigh {
                    let value = 0x10000 + ((high - 0xD800) << 10) + (unit - 0xDC00)
                    if let s = Unicode.Scalar(value) { appendUTF8(s, to: &out) }
                    pendingHigh = nil
                } else if let s = Unicode.Scalar(unit) {
                    appendUTF8(s, to: &out)
                    pendingHigh = nil
                }
                i += 7
                continue
            }
            pendingHigh = nil
            out.append(bytes[i])
            i += 1
        }
        return out
    }

    /// Whether the bytes contain `_x`, the only case in which `unescapeOffice` changes anything.
    static func mayHaveOfficeEscapes(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= 7 else { return false }
        for i in 0..<(bytes.count - 6) where bytes[i] == UInt8(ascii: "_") && bytes[i + 1] == UInt8(ascii: "x") {
            return true
        }
        return false
    }

    private static func hex4(_ b: [UInt8], _ at: Int) -> UInt32? {
        var v: UInt32 = 0
        for k in at..<(at + 4) {
            let c = b[k]
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = v * 16 + UInt32(c - 48)
            case UInt8(ascii: "a")...UInt8(ascii: "f"): v = v * 16 + UInt32(c - 87)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): v = v * 16 + UInt32(c - 55)
            default: return nil
            }
        }
        return v
    }

    /// Removes leading and trailing XML whitespace from `out[from...]`, for a `<t>` without `xml:space="preserve"`.
    static func trimWhitespace(_ out: inout [UInt8], from start: Int) {
        var end = out.count
        while end > start, XMLSyntax.isSpace(out[end - 1]) { end -= 1 }
        var begin = start
        while begin < end, XMLSyntax.isSpace(out[begin]) { begin += 1 }
        if end < out.count { out.removeSubrange(end...) }
        if begin > start { out.removeSubrange(start..<begin) }
    }
}

/// Collects the visible text of a rich string (`<si>` or `<is>`): every `<t>` run concatenated,
/// phonetic guides (`<rPh>`) left out, and whitespace trimmed unless `xml:space="preserve"`.
struct RichTextCollector {
    private(set) var bytes: [UInt8] = []
    private var inText = false
    private var phoneticDepth = 0
    private var runStart = 0
    private var preserve = false

    mutating func reset() {
        bytes.removeAll(keepingCapacity: true)
        inText = false
        phoneticDepth = 0
    }

    /// Tracks `<t>` runs and phonetic guides as elements inside the string open.
    mutating func start(_ name: XMLBytes, _ attributes: XMLAttributes, selfClosing: Bool) throws {
        if XMLSyntax.equals(name, "rPh") {
            if !selfClosing { phoneticDepth += 1 }
        } else if XMLSyntax.equals(name, "t"), phoneticDepth == 0, !selfClosing {
            inText = true
            runStart = bytes.count
            preserve = false
            if let space = try attributes.value("space") { preserve = XMLSyntax.equals(space, "preserve") }
        }
    }

    mutating func end(_ name: XMLBytes) {
        if XMLSyntax.equals(name, "rPh") {
            phoneticDepth = max(0, phoneticDepth - 1)
        } else if inText, XMLSyntax.equals(name, "t") {
            inText = false
            if !preserve { XMLText.trimWhitespace(&bytes, from: runStart) }
        }
    }

    mutating func characters(_ text: XMLBytes, cdata: Bool) {
        guard inText else { return }
        if cdata { bytes.append(contentsOf: text) } else { XMLText.appendDecoded(text, to: &bytes) }
    }

    /// The collected text as a string, with Office escapes undone.
    var string: String {
        if XMLText.mayHaveOfficeEscapes(bytes) {
            return String(decoding: XMLText.unescapeOffice(bytes), as: UTF8.self)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
