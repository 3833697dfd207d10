import Foundation
import FuzzSupport
@testable import LvzeOffice

// The byte-level XML tokenizer every workbook part goes through, checked two ways:
//
// 1. It must not trap on any bytes (it walks raw pointers, so the build adds AddressSanitizer).
// 2. Its answer must not depend on how the bytes are cut into chunks. The document is scanned
//    whole and again in chunks whose sizes come from the input's first byte; both must give the same
//    elements, the same decoded text (text may arrive in pieces, but an entity reference or a
//    CR LF must never be split between two pieces) and the same success or failure.
//
// The same bytes also go through the handlers of the small parts (relationships, workbook,
// styles) and the text decoders.

/// What a handler saw, with character data decoded as the sheet parser decodes it.
private struct Recorder: XMLHandler {
    var events: [String] = []
    private var text: [UInt8] = []
    private var textIsCDATA = false

    private mutating func flush() {
        if !text.isEmpty {
            events.append((textIsCDATA ? "C:" : "T:") + String(decoding: text, as: UTF8.self))
            text.removeAll()
        }
    }

    mutating func startElement(_ name: XMLBytes, _ attributes: XMLAttributes, selfClosing: Bool) throws {
        flush()
        var attrs: [String] = []
        do {
            try attributes.forEach { n, v in attrs.append(String(decoding: n, as: UTF8.self) + "=" + XMLText.string(v)) }
        } catch {
            attrs.append("!error")
        }
        events.append("<" + String(decoding: name, as: UTF8.self) + " " + attrs.joined(separator: " ")
                      + (selfClosing ? "/>" : ">"))
    }

    mutating func endElement(_ name: XMLBytes) throws {
        flush()
        events.append("</" + String(decoding: name, as: UTF8.self) + ">")
    }

    mutating func characters(_ bytes: XMLBytes, cdata: Bool) throws {
        if cdata != textIsCDATA { flush() }
        textIsCDATA = cdata
        // Decoded piece by piece, as XLSXSheetParser and RichTextCollector do.
        if cdata { text.append(contentsOf: bytes) } else { XMLText.appendDecoded(bytes, to: &text) }
    }

    mutating func end() { flush() }
}

private func record(_ data: Data, chunkSizes: [Int]?) -> (events: [String], error: String?) {
    var scanner = XMLScanner(handler: Recorder())
    var error: String?
    do {
        if let chunkSizes {
            var offset = data.startIndex
            var k = 0
            while offset < data.endIndex {
                let end = min(offset + chunkSizes[k % chunkSizes.count], data.endIndex)
                try scanner.feed(data[offset..<end])
                offset = end
                k += 1
            }
        } else {
            try scanner.feed(data)
        }
        try scanner.finish()
    } catch let e as SpreadsheetError {
        error = e.message
    } catch let e {
        error = "\(e)"
    }
    scanner.handler.end()
    return (scanner.handler.events, error)
}

private func parse<H: XMLHandler>(_ handler: H, _ data: Data) -> H? {
    var scanner = XMLScanner(handler: handler)
    do {
        try scanner.feed(data)
        try scanner.finish()
        return scanner.handler
    } catch {
        return nil
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    guard count > 0 else { return 0 }
    let seed = Int(start[0])
    let data = Data(bytes: start + 1, count: count - 1)

    let whole = record(data, chunkSizes: nil)
    let sizes = [1 + seed % 7, 1 + seed % 13, 1 + (seed >> 3), 2]
    let chunked = record(data, chunkSizes: sizes)
    if whole.events != chunked.events || (whole.error == nil) != (chunked.error == nil) {
        let diff = Array(zip(whole.events, chunked.events)).firstIndex { $0 != $1 } ?? min(whole.events.count, chunked.events.count)
        let w = whole.events.dropFirst(diff).prefix(3), c = chunked.events.dropFirst(diff).prefix(3)
        fatalError("""
            chunking changes the result (chunks \(sizes)):
              whole:   \(whole.error ?? "ok"), \(whole.events.count) events, from #\(diff): \(Array(w))
              chunked: \(chunked.error ?? "ok"), \(chunked.events.count) events, from #\(diff): \(Array(c))
            """)
    }

    var h = whole.events.count
    if let rels = parse(XLSXRelationships(), data) {
        for item in rels.items {
            h &+= XLSXRelationships.resolve(item.target, relativeTo: "xl/workbook.xml").utf8.count
            h &+= XLSXRelationships.path(for: item.target).utf8.count
        }
        h &+= rels.first(typeSuffix: "worksheet") == nil ? 0 : 1
    }
    if let workbook = parse(XLSXWorkbookPart(), data) {
        h &+= workbook.sheets.count &+ (workbook.uses1904 ? 1 : 0)
    }
    if let styles = parse(XLSXStyles(), data) {
        h &+= styles.dateStyles.count
    }
    // The decoders on the raw bytes: entities, Office `_xHHHH_` escapes, format codes.
    let bytes = [UInt8](data)
    h &+= bytes.withUnsafeBufferPointer { XMLText.string($0) }.utf8.count
    if XMLText.mayHaveOfficeEscapes(bytes) { h &+= XMLText.unescapeOffice(bytes).count }
    h &+= XLSXStyles.isDateFormat(String(decoding: bytes, as: UTF8.self)) ? 1 : 0
    blackHole(h)
    return 0
}
