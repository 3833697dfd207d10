/// Appends SVG markup to one growing string. Hand-written rather than via an XML library
/// because the output is small, must be byte-for-byte deterministic, and must never carry a
/// `style` attribute (the site's CSP forbids inline styles).
struct SVGWriter {
    private(set) var out = ""

    init(capacity: Int = 4096) {
        out.reserveCapacity(capacity)
    }

    mutating func raw(_ s: String) {
        out += s
    }

    /// Text content or an attribute value from user data, escaped.
    mutating func escaped(_ s: String) {
        SVGWriter.escape(s, into: &out)
    }

    /// `<text …>content</text>`, with an optional `<title>` holding the full words when the
    /// shown ones were shortened.
    mutating func text(
        _ content: String, x: Double, y: Double, size: Double, anchor: String = "start",
        fill: String = Ink.text, cls: String, bold: Bool = false, rotate: Double? = nil,
        fullText: String? = nil
    ) {
        out += "<text class=\"\(cls)\" x=\"\(fmt(x))\" y=\"\(fmt(y))\" font-size=\"\(fmt(size))\" fill=\"\(fill)\""
        if anchor != "start" { out += " text-anchor=\"\(anchor)\"" }
        if bold { out += " font-weight=\"bold\"" }
        if let rotate { out += " transform=\"rotate(\(fmt(rotate)) \(fmt(x)) \(fmt(y)))\"" }
        out += ">"
        if let fullText, fullText != content {
            out += "<title>"
            escaped(fullText)
            out += "</title>"
        }
        escaped(content)
        out += "</text>"
    }

    mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, cls: String, width: Double = 1) {
        out += "<line class=\"\(cls)\" x1=\"\(fmt(x1))\" y1=\"\(fmt(y1))\" x2=\"\(fmt(x2))\" y2=\"\(fmt(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(fmt(width))\"/>"
    }

    /// A filled rectangle; `tip` becomes its `<title>`, the hover text and what a screen
    /// reader says for the one mark.
    mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String, cls: String, tip: String? = nil) {
        out += "<rect class=\"\(cls)\" x=\"\(fmt(x))\" y=\"\(fmt(y))\" width=\"\(fmt(width))\" height=\"\(fmt(height))\" fill=\"\(fill)\""
        if let tip {
            out += "><title>"
            escaped(tip)
            out += "</title></rect>"
        } else {
            out += "/>"
        }
    }

    static func escape(_ s: String, into out: inout String) {
        // Most labels need nothing escaped: append them whole. 0xEF leads U+FFFE/U+FFFF.
        if !s.utf8.contains(where: { b in b < 0x20 || b == 0x26 || b == 0x3C || b == 0x3E || b == 0x22 || b == 0x27 || b == 0xEF }) {
            out += s
            return
        }
        for scalar in s.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\n", "\r", "\t": out += " "
            default:
                // Characters XML 1.0 forbids would make the whole page's SVG unparseable.
                let v = scalar.value
                if v < 0x20 || v == 0xFFFE || v == 0xFFFF { continue }
                out.unicodeScalars.append(scalar)
            }
        }
    }

    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count + 8)
        escape(s, into: &out)
        return out
    }
}

/// The greys of text and rules; the site's `--ink`, `--muted` and `--line`.
enum Ink {
    static let text = "#1f2328"
    static let muted = "#5f6b76"
    static let grid = "#e3e6ea"
    static let axis = "#8a939c"
    static let frame = "#d8dde3"
    static let panel = "#fafbfc"
}

/// A coordinate with at most two decimals, without `String(format:)` or locale: the output
/// must be identical on every machine and stays short.
func fmt(_ v: Double) -> String {
    guard v.isFinite else { return "0" }
    // Far beyond any picture; keeps the Int conversion below from trapping.
    guard abs(v) < 1e12 else { return v < 0 ? "-1000000000000" : "1000000000000" }
    let hundredths = Int((v * 100).rounded())
    if hundredths % 100 == 0 { return String(hundredths / 100) }
    let negative = hundredths < 0
    let a = abs(hundredths)
    var s = negative ? "-" : ""
    s += String(a / 100)
    s += "."
    let frac = a % 100
    if frac % 10 == 0 {
        s += String(frac / 10)
    } else {
        if frac < 10 { s += "0" }
        s += String(frac)
    }
    return s
}

/// A figure as shown to readers: at most one decimal, no thousands separator (the style of
/// official documents: 12345, 12.5).
func formatNumber(_ v: Double) -> String {
    guard v.isFinite else { return "—" }
    // Beyond what tenths in an Int64 can hold; no district counts that high, but it must not trap.
    guard abs(v) < 1e15 else { return v.description }
    let tenths = Int64((v * 10).rounded())
    if tenths == 0 { return "0" }
    if tenths % 10 == 0 { return String(tenths / 10) }
    let a = abs(tenths)
    return (tenths < 0 ? "-" : "") + String(a / 10) + "." + String(a % 10)
}

/// The width a string takes when drawn, in pixels, estimated from character classes:
/// the server has no font metrics, and CJK glyphs are one em wide in every CJK font, which
/// is what the layout has to get right.
func textWidth(_ s: String, size: Double) -> Double {
    var total = 0.0
    for scalar in s.unicodeScalars { total += ems(of: scalar) }
    return total * size
}

private func ems(of scalar: Unicode.Scalar) -> Double {
    switch scalar.value {
    case 0x30...0x39: return 0.56
    case 0x41...0x5A: return 0.64
    case 0x61...0x7A: return 0.52
    case 0x20, 0x2C, 0x2E: return 0.28
    case 0x21...0x7E: return 0.36
    case 0..<0x20: return 0
    case 0x2E80...: return 1.0
    default: return 0.6
    }
}

/// The string shortened with 「…」 to fit `maxWidth`, or unchanged when it fits.
func truncate(_ s: String, maxWidth: Double, size: Double) -> String {
    if textWidth(s, size: size) <= maxWidth { return s }
    let budget = maxWidth - textWidth("…", size: size)
    var kept = String.UnicodeScalarView()
    var used = 0.0
    for scalar in s.unicodeScalars {
        let w = ems(of: scalar) * size
        if used + w > budget { break }
        used += w
        kept.append(scalar)
    }
    return String(kept) + "…"
}

/// 64-bit FNV-1a: a stable id for a chart's `<title>`/`<desc>` from its content, so two
/// charts on one page get different ids with no counter shared between requests.
func stableHash(_ s: String) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in s.utf8 {
        h ^= UInt64(b)
        h = h &* 0x0000_0100_0000_01B3
    }
    return h
}
