/// Markup whose text is escaped by its type: interpolating a `String` escapes `& < > " '`,
/// interpolating `HTML` passes it through, and nothing else can be interpolated, so a value
/// cannot reach a page unescaped by accident. Literal parts are the page's own markup.
///
/// ```swift
/// let cell: HTML = "<td><a href=\"\(url)\">\(record.title)</a></td>"
/// ```
struct HTML: Sendable, Equatable, ExpressibleByStringInterpolation, CustomStringConvertible {
    /// The markup, ready to send.
    private(set) var rendered: String

    /// Markup made elsewhere and already safe (an SVG chart from `SVGWriter`, which escapes
    /// its own text); the name says so at every call.
    init(trusted markup: String) { rendered = markup }

    init(stringLiteral value: String) { rendered = value }

    init(stringInterpolation: StringInterpolation) { rendered = stringInterpolation.rendered }

    static let empty = HTML(trusted: "")

    var description: String { rendered }
    var isEmpty: Bool { rendered.isEmpty }

    struct StringInterpolation: StringInterpolationProtocol {
        var rendered = ""

        init(literalCapacity: Int, interpolationCount: Int) {
            rendered.reserveCapacity(literalCapacity + interpolationCount * 16)
        }

        mutating func appendLiteral(_ literal: String) { rendered += literal }
        /// Text: escaped.
        mutating func appendInterpolation(_ text: String) { appendEscapedHTML(text, to: &rendered) }
        mutating func appendInterpolation(_ number: Int) { rendered += String(number) }
        mutating func appendInterpolation(_ html: HTML) { rendered += html.rendered }
        mutating func appendInterpolation(_ parts: [HTML]) { for p in parts { rendered += p.rendered } }
        /// A link: its path and query are text like any other.
        mutating func appendInterpolation(_ url: SiteURL) { appendEscapedHTML(url.path, to: &rendered) }
    }

    static func + (a: HTML, b: HTML) -> HTML { HTML(trusted: a.rendered + b.rendered) }
    static func += (a: inout HTML, b: HTML) { a.rendered += b.rendered }

    /// Markup for each element, one after another.
    static func each<S: Sequence>(_ items: S, _ body: (S.Element) -> HTML) -> HTML {
        var out = HTML.empty
        for item in items { out.rendered += body(item).rendered }
        return out
    }

    /// Markup written piece by piece into one buffer, for the long tables of list pages: literal
    /// pieces are `HTML` (the page's own markup), text goes through `text(_:)` and is escaped.
    struct Builder {
        private(set) var html = HTML.empty

        init(capacity: Int) { html.rendered.reserveCapacity(capacity) }

        static func += (b: inout Builder, markup: HTML) { b.html.rendered += markup.rendered }
        mutating func text(_ text: String) { appendEscapedHTML(text, to: &html.rendered) }
        mutating func number(_ n: Int) { html.rendered += String(n) }
        mutating func url(_ url: SiteURL) { appendEscapedHTML(url.path, to: &html.rendered) }
    }

    /// The markup when `condition` holds, nothing otherwise.
    static func when(_ condition: Bool, _ body: () -> HTML) -> HTML { condition ? body() : .empty }
}

/// Text made safe for HTML element content and attribute values.
func escapeHTML(_ text: String) -> String {
    var out = ""
    appendEscapedHTML(text, to: &out)
    return out
}

/// Appends `text` with `& < > " '` escaped; text without them (nearly all) is copied whole.
func appendEscapedHTML(_ text: String, to out: inout String) {
    guard text.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 }) else {
        out += text
        return
    }
    for ch in text.unicodeScalars {
        switch ch {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.unicodeScalars.append(ch)
        }
    }
}

extension HTML: Encodable {
    /// In a Leaf context an `HTML` is its markup, which a template writes with `#unsafeHTML`:
    /// the only values passed there are of this type.
    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rendered)
    }
}
