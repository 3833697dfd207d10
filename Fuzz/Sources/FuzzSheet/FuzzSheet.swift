import Foundation
import FuzzSupport
@testable import LvzeOffice

// The XML inside a workbook without the ZIP layer, which random bytes rarely get through:
// the input is parsed as a shared-string table, as styles, then as a worksheet that uses both,
// the way `XLSXReader.forEachRow` does. The handlers only react to their own element names, so
// one document such as
//   <x><si><t>a</t></si><cellXfs><xf numFmtId="14"/></cellXfs>
//      <sheetData><row r="1"><c r="A1" t="s" s="0"><v>0</v></c></row></sheetData></x>
// drives all three. The sheet is fed in small chunks of varying size, as ZIPFoundation's inflater
// hands over its output, so tokens split across chunks are exercised too.

/// Chunk sizes cycled through while feeding; the first pass uses them, the reader uses 256 KB.
private let chunkPattern = [1, 3, 17, 64, 5, 256, 2, 4096]

private func parse<H: XMLHandler>(_ handler: H, _ data: Data, chunked: Bool) throws -> H {
    var scanner = XMLScanner(handler: handler)
    if chunked {
        var offset = data.startIndex
        var k = data.count
        while offset < data.endIndex {
            let end = min(offset + chunkPattern[k % chunkPattern.count], data.endIndex)
            try scanner.feed(data[offset..<end])
            offset = end
            k += 1
        }
    } else {
        try scanner.feed(data)
    }
    try scanner.finish()
    return scanner.handler
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let data = Data(bytes: start, count: count)
    // One input in three keeps its shared strings in a tiny memory buffer, so the table moves to
    // a temporary file after 256 bytes and is read back from there (the path of a huge table).
    let store = SharedStringStore(memoryLimit: count % 3 == 0 ? 256 : SharedStringStore.defaultMemoryLimit)
    var table = XLSXSharedStrings(into: store)
    do {
        table = try parse(table, data, chunked: false)
    } catch {
        table = XLSXSharedStrings()
    }
    let strings = table.strings
    do { try strings.finish() } catch { blackHole(error) }
    let styles = (try? parse(XLSXStyles(), data, chunked: true))?.dateStyles ?? []
    var h = strings.count &+ styles.count
    for i in 0..<strings.count { h &+= strings[i].utf8.count }

    var scanner = XMLScanner(handler: XLSXSheetParser(sharedStrings: strings, dateStyles: styles,
                                                      uses1904: count % 2 == 1))
    do {
        var offset = data.startIndex
        var k = 0
        while offset < data.endIndex {
            let end = min(offset + chunkPattern[k % chunkPattern.count], data.endIndex)
            try scanner.feed(data[offset..<end])
            offset = end
            k += 1
            for row in scanner.handler.rows { h &+= exercise(row) }
            scanner.handler.rows.removeAll(keepingCapacity: true)
            if scanner.handler.finished { break }
        }
        if !scanner.handler.finished { try scanner.finish() }
        for row in scanner.handler.rows { h &+= exercise(row) }
    } catch {
        blackHole(String(describing: error))
    }
    blackHole(h)
    return 0
}
