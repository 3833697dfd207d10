import Foundation

/// Bytes inside the scanner's buffer; valid only during the handler call that receives them.
typealias XMLBytes = UnsafeBufferPointer<UInt8>

/// Receives the tokens of an XML stream; element and attribute names arrive without namespace prefix.
protocol XMLHandler {
    mutating func startElement(_ name: XMLBytes, _ attributes: XMLAttributes, selfClosing: Bool) throws
    mutating func endElement(_ name: XMLBytes) throws
    /// Raw character data between tags (entities still encoded unless `cdata`), possibly in several pieces.
    mutating func characters(_ text: XMLBytes, cdata: Bool) throws
}

/// The attribute bytes of one start tag, parsed only when a handler asks, since most tags are not needed.
struct XMLAttributes {
    let bytes: XMLBytes

    /// Calls `body` with each attribute's local name and raw (still entity-encoded) value.
    func forEach(_ body: (_ name: XMLBytes, _ value: XMLBytes) throws -> Void) throws {
        guard let base = bytes.baseAddress else { return }
        let n = bytes.count
        var i = 0
        while i < n {
            while i < n, XMLSyntax.isSpace(base[i]) { i += 1 }
            if i >= n || base[i] == UInt8(ascii: "/") { return }
            let nameStart = i
            var localStart = i
            while i < n, base[i] != UInt8(ascii: "="), !XMLSyntax.isSpace(base[i]) {
                if base[i] == UInt8(ascii: ":") { localStart = i + 1 }
                i += 1
            }
            let nameEnd = i
            while i < n, XMLSyntax.isSpace(base[i]) { i += 1 }
            guard i < n, base[i] == UInt8(ascii: "="), nameEnd > nameStart else {
                throw SpreadsheetError.corrupt("XML 属性格式错误")
            }
            i += 1
            while i < n, XMLSyntax.isSpace(base[i]) { i += 1 }
            guard i < n, base[i] == UInt8(ascii: "\"") || base[i] == UInt8(ascii: "'") else {
                throw SpreadsheetError.corrupt("XML 属性格式错误")
            }
            let quote = base[i]
            i += 1
            let valueStart = i
            while i < n, base[i] != quote { i += 1 }
            guard i < n else { throw SpreadsheetError.corrupt("XML 属性格式错误") }
            try body(XMLBytes(start: base + localStart, count: nameEnd - localStart),
                     XMLBytes(start: base + valueStart, count: i - valueStart))
            i += 1
        }
    }

    /// The raw value of the attribute with the given local name, if present.
    func value(_ name: StaticString) throws -> XMLBytes? {
        var found: XMLBytes?
        try forEach { n, v in if found == nil, XMLSyntax.equals(n, name) { found = v } }
        return found
    }
}

/// A byte-level XML tokenizer fed with chunks, because sheets are hundreds of megabytes and
/// Foundation's `XMLParser` is twenty times slower than scanning the bytes.
///
/// It knows elements, attributes, character data, CDATA, comments, processing instructions and a
/// DOCTYPE (skipped, so no entity it declares is ever expanded). A token split across chunks is kept
/// back and completed by the next chunk; long text is handed over in pieces, so memory stays bounded
/// by the largest tag rather than by the document.
struct XMLScanner<Handler: XMLHandler> {
    var handler: Handler
    private var pending: [UInt8] = []
    private var depth = 0
    private var sawRoot = false
    /// A tag or other token larger than this is treated as corruption rather than buffered forever.
    private let maxTokenBytes = 64 << 20
    /// Size `pending` must reach before it is scanned again. An incomplete token is rescanned from
    /// its start, so waiting until the buffer has doubled keeps a long token linear, not quadratic.
    private var rescanAt = 0

    init(handler: Handler) {
        self.handler = handler
    }

    /// Scans one chunk, keeping an incomplete trailing token for the next call.
    mutating func feed(_ data: Data) throws {
        if pending.isEmpty {
            let consumed = try data.withUnsafeBytes { raw -> Int in
                try Self.scan(raw.bindMemory(to: UInt8.self), final: false,
                              handler: &handler, depth: &depth, sawRoot: &sawRoot)
            }
            if consumed < data.count {
                pending.append(contentsOf: data[(data.startIndex + consumed)...])
            }
        } else {
            pending.append(contentsOf: data)
            if pending.count >= rescanAt || pending.count > maxTokenBytes {
                let consumed = try pending.withUnsafeBufferPointer { buffer -> Int in
                    try Self.scan(buffer, final: false, handler: &handler, depth: &depth, sawRoot: &sawRoot)
                }
                pending.removeFirst(consumed)
                rescanAt = 2 * pending.count
            }
        }
        if pending.count > maxTokenBytes { throw SpreadsheetError.corrupt("XML 节点过大") }
    }

    /// Scans what is left and checks that the document was complete.
    mutating func finish() throws {
        let consumed = try pending.withUnsafeBufferPointer { buffer -> Int in
            try Self.scan(buffer, final: true, handler: &handler, depth: &depth, sawRoot: &sawRoot)
        }
        pending.removeFirst(consumed)
        guard pending.isEmpty, depth == 0, sawRoot else { throw SpreadsheetError.corrupt("XML 内容不完整") }
    }

    /// Tokenizes `buffer` and returns how many bytes were consumed; the rest begins an incomplete token.
    private static func scan(_ buffer: XMLBytes, final: Bool, handler: inout Handler,
                             depth: inout Int, sawRoot: inout Bool) throws -> Int {
        guard let p = buffer.baseAddress else { return 0 }
        let n = buffer.count
        var i = 0
        while i < n {
            if p[i] != UInt8(ascii: "<") {
                // Character data up to the next tag.
                let lt = memchr(p + i, 0x3C, n - i).map { UnsafePointer($0.assumingMemoryBound(to: UInt8.self)) - p }
                var end = lt ?? n
                if lt == nil && !final {
                    end = safeTextEnd(p, from: i, to: n)
                    if end == i { return i }
                }
                if depth == 0 {
                    // Whitespace and a UTF-8 byte order mark may surround the root element.
                    if !(i..<end).allSatisfy({ XMLSyntax.isSpace(p[$0]) || p[$0] >= 0xBB }) {
                        throw SpreadsheetError.corrupt("XML 根元素之外有文本")
                    }
                } else {
                    try handler.characters(XMLBytes(start: p + i, count: end - i), cdata: false)
                }
                i = end
                continue
            }
            guard i + 1 < n else { return try incomplete(i, final) }
            let next = p[i + 1]
            if next == UInt8(ascii: "/") {
                guard let gt = indexOf(0x3E, p, from: i + 2, to: n) else { return try incomplete(i, final) }
                var nameEnd = gt
                while nameEnd > i + 2, XMLSyntax.isSpace(p[nameEnd - 1]) { nameEnd -= 1 }
                depth -= 1
                guard depth >= 0 else { throw SpreadsheetError.corrupt("XML 结束标签多余") }
                try handler.endElement(localName(p, i + 2, nameEnd))
                i = gt + 1
            } else if next == UInt8(ascii: "?") {
                guard let end = indexOf(sequence: "?>", p, from: i + 2, to: n) else { return try incomplete(i, final) }
                i = end + 2
            } else if next == UInt8(ascii: "!") {
                if hasPrefix(p, i, n, "<!--") {
                    guard let end = indexOf(sequence: "-->", p, from: i + 4, to: n) else { return try incomplete(i, final) }
                    i = end + 3
                } else if hasPrefix(p, i, n, "<![CDATA[") {
                    guard let end = indexOf(sequence: "]]>", p, from: i + 9, to: n) else { return try incomplete(i, final) }
                    guard depth > 0 else { throw SpreadsheetError.corrupt("XML 根元素之外有文本") }
                    try handler.characters(XMLBytes(start: p + i + 9, count: end - i - 9), cdata: true)
                    i = end + 3
                } else if n - i < 9 && !final {
                    return i
                } else {
                    // DOCTYPE, possibly with an internal subset in brackets; skipped whole.
                    var j = i + 2
                    var brackets = 0
                    var closed = false
                    while j < n {
                        let b = p[j]
                        if b == UInt8(ascii: "[") { brackets += 1 }
                        else if b == UInt8(ascii: "]") { brackets -= 1 }
                        else if b == UInt8(ascii: ">") && brackets <= 0 { closed = true; break }
                        j += 1
                    }
                    guard closed else { return try incomplete(i, final) }
                    i = j + 1
                }
            } else {
                // Start tag: name, then attributes up to a `>` that is not inside quotes.
                var j = i + 1
                while j < n, !XMLSyntax.isSpace(p[j]), p[j] != UInt8(ascii: ">"), p[j] != UInt8(ascii: "/") { j += 1 }
                let nameEnd = j
                var quote: UInt8 = 0
                while j < n {
                    let b = p[j]
                    if quote != 0 {
                        if b == quote { quote = 0 }
                    } else if b == UInt8(ascii: ">") {
                        break
                    } else if b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") {
                        quote = b
                    }
                    j += 1
                }
                guard j < n else { return try incomplete(i, final) }
                guard nameEnd > i + 1 else { throw SpreadsheetError.corrupt("XML 标签格式错误") }
                let selfClosing = p[j - 1] == UInt8(ascii: "/") && j - 1 >= nameEnd
                let attributesEnd = selfClosing ? j - 1 : j
                if depth == 0 {
                    guard !sawRoot else { throw SpreadsheetError.corrupt("XML 有多个根元素") }
                    sawRoot = true
                }
                if !selfClosing { depth += 1 }
                try handler.startElement(localName(p, i + 1, nameEnd),
                                         XMLAttributes(bytes: XMLBytes(start: p + nameEnd,
                                                                       count: attributesEnd - nameEnd)),
                                         selfClosing: selfClosing)
                i = j + 1
            }
        }
        return i
    }

    /// Where partial text may be cut: never inside an entity reference or between CR and LF.
    private static func safeTextEnd(_ p: UnsafePointer<UInt8>, from start: Int, to end: Int) -> Int {
        var cut = end
        var k = end - 1
        while k >= start, k >= end - 12 {
            if p[k] == UInt8(ascii: ";") { break }
            if p[k] == UInt8(ascii: "&") { cut = k; break }
            k -= 1
        }
        if cut > start, p[cut - 1] == 0x0D { cut -= 1 }
        return cut
    }

    private static func incomplete(_ i: Int, _ final: Bool) throws -> Int {
        if final { throw SpreadsheetError.corrupt("XML 内容不完整") }
        return i
    }

    private static func localName(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> XMLBytes {
        var s = start
        var k = start
        while k < end {
            if p[k] == UInt8(ascii: ":") { s = k + 1 }
            k += 1
        }
        return XMLBytes(start: p + s, count: end - s)
    }

    private static func indexOf(_ byte: UInt8, _ p: UnsafePointer<UInt8>, from: Int, to: Int) -> Int? {
        guard from < to, let hit = memchr(p + from, Int32(byte), to - from) else { return nil }
        return UnsafePointer(hit.assumingMemoryBound(to: UInt8.self)) - p
    }

    private static func indexOf(sequence: StaticString, _ p: UnsafePointer<UInt8>, from: Int, to: Int) -> Int? {
        let first = sequence.utf8Start[0]
        let count = sequence.utf8CodeUnitCount
        var k = from
        while let hit = indexOf(first, p, from: k, to: to) {
            if hit + count > to { return nil }
            if memcmp(p + hit, sequence.utf8Start, count) == 0 { return hit }
            k = hit + 1
        }
        return nil
    }

    private static func hasPrefix(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int, _ s: StaticString) -> Bool {
        let count = s.utf8CodeUnitCount
        return i + count <= n && memcmp(p + i, s.utf8Start, count) == 0
    }
}

/// Byte classes and comparisons shared by the scanner and its handlers.
enum XMLSyntax {
    static func isSpace(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09
    }

    /// Whether `bytes` spell exactly the ASCII `name`.
    static func equals(_ bytes: XMLBytes, _ name: StaticString) -> Bool {
        guard bytes.count == name.utf8CodeUnitCount, let base = bytes.baseAddress else {
            return bytes.count == 0 && name.utf8CodeUnitCount == 0
        }
        return memcmp(base, name.utf8Start, bytes.count) == 0
    }
}
