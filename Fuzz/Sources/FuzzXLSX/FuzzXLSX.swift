import Foundation
import FuzzSupport
import LvzeOffice

// Whole .xlsx files, as an upload reaches the importer: open the package (ZIP, relationships,
// workbook, content types), then stream every sheet with its shared strings and styles, and read
// every cell the way the importer does. Throwing is the expected answer to a bad file; a trap,
// a leak past the limits or a hang is a bug.
//
// The input goes through a temporary file and `XLSXReader(url:)`, as an upload does in the server.
// Set LVZE_FUZZ_IN_MEMORY=1 to use `XLSXReader(data:)` instead; note that ZIPFoundation 0.9.20
// leaks the whole input on that path whenever the end-of-central-directory record is missing
// (its in-memory `FILE*` is never closed), which LeakSanitizer reports at once.

private let inMemory = ProcessInfo.processInfo.environment["LVZE_FUZZ_IN_MEMORY"] == "1"
private let tempURL = FileManager.default.temporaryDirectory
    .appendingPathComponent("lvze-fuzz-xlsx-\(getpid()).xlsx")
/// Small enough that inflating past it is quick, large enough for every seed.
private let limits = XLSXReader.Limits(maxUncompressedBytes: 64 << 20, maxCompressionRatio: 200,
                                       ratioCheckThreshold: 1 << 20)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let data = Data(bytes: start, count: count)
    defer { if !inMemory { try? FileManager.default.removeItem(at: tempURL) } }
    let reader: XLSXReader
    do {
        if inMemory {
            reader = try XLSXReader(data: data, limits: limits)
        } else {
            try data.write(to: tempURL)
            reader = try XLSXReader(url: tempURL, limits: limits)
        }
    } catch {
        blackHole(String(describing: error))
        return 0
    }
    var h = reader.sheets.count
    // The importer reads the first sheet only; a few are enough to cover sheet lookup, and a
    // workbook naming one sheet part a thousand times would only measure repetition.
    for (index, sheet) in reader.sheets.enumerated().prefix(4) {
        h &+= sheet.name.utf8.count &+ (sheet.isHidden ? 1 : 0)
        precondition(reader.sheetIndex(named: sheet.name) != nil, "sheet \(sheet.name) not found by name")
        do {
            // Row numbers come from `r` and need not ascend in a hand-made file; not checked.
            try reader.forEachRow(sheet: index) { row in h &+= exercise(row) }
        } catch {
            blackHole(String(describing: error))
        }
        // The preview the importer takes before the full read, on a reader that already read once.
        if let rows = try? reader.firstRows(3, sheet: index) {
            precondition(rows.count <= 3)
            for row in rows { h &+= exercise(row) }
        }
    }
    blackHole(h)
    return 0
}
