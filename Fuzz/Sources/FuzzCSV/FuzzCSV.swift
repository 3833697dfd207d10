import Foundation
import FuzzSupport
@testable import LvzeOffice

// CSV uploads: encoding detection (UTF-8 with or without BOM, GB18030, UTF-16 refused), then the
// RFC 4180 state machine, then every cell read as the importer reads it. The first input byte picks
// the delimiter, as a user may choose one; the rest is the file.
//
// Also checked: `CSVParser` fed in small chunks gives the same rows as fed whole (the reader hands
// it 1 MB chunks, so quotes, CR LF and delimiters cut at a chunk edge must not change a row).

private let delimiters: [Character] = [",", ";", "\t", "|"]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    guard count > 0 else { return 0 }
    let delimiter = delimiters[Int(start[0]) % delimiters.count]
    let data = Data(bytes: start + 1, count: count - 1)
    var h = 0
    var rows: [SpreadsheetRow] = []
    do {
        let reader = try CSVReader(data: data, delimiter: delimiter)
        h &+= reader.encoding == .utf8 ? 1 : 2
        try reader.forEachRow { row in
            h &+= exercise(row)
            rows.append(row)
        }
        let preview = try reader.firstRows(2)
        precondition(preview == Array(rows.prefix(2)), "firstRows(2) differs from the first rows read")
    } catch {
        blackHole(String(describing: error))
    }

    // The parser alone on the raw bytes, whole and in pieces of 1, 2, 3 … bytes.
    let d = delimiter.asciiValue!
    var whole = CSVParser(delimiter: d)
    var pieces = CSVParser(delimiter: d)
    let bytes = [UInt8](data)
    let wholeOK: Bool = bytes.withUnsafeBufferPointer { buffer in
        do { try whole.feed(buffer); try whole.finish(); return true } catch { return false }
    }
    let piecesOK: Bool = bytes.withUnsafeBufferPointer { buffer in
        do {
            var offset = 0
            var size = 1
            while offset < buffer.count {
                let end = min(offset + size, buffer.count)
                try pieces.feed(UnsafeBufferPointer(rebasing: buffer[offset..<end]))
                offset = end
                size = size % 5 + 1
            }
            try pieces.finish()
            return true
        } catch {
            return false
        }
    }
    precondition(wholeOK == piecesOK, "CSVParser: whole \(wholeOK ? "ok" : "fails"), in pieces \(piecesOK ? "ok" : "fails")")
    if wholeOK {
        precondition(whole.rows == pieces.rows, """
            CSVParser gives different rows when fed in pieces:
              whole:  \(whole.rows.prefix(4).map(\.texts))
              pieces: \(pieces.rows.prefix(4).map(\.texts))
            """)
    }
    blackHole(h)
    return 0
}
