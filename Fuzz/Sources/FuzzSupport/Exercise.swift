import LvzeCore
import LvzeOffice

/// Reads every public property of a row the way the ledger importer does (texts, dates, numbers,
/// booleans, blank checks, lookups by column), so a crash in any of them counts against the reader.
/// Returns a number that depends on all of it, so the optimizer cannot drop the work.
@inline(never)
public func exercise(_ row: SpreadsheetRow) -> Int {
    var h = row.number &* 31 &+ row.cells.count
    // XLSX rows are numbered from 1, but cells outside any <row> (`<sheetData><c>…</c></row>`)
    // come out as a row numbered 0 (or as a second copy of the previous row's number): an oddity
    // reported separately, allowed here so the fuzzer can look past it.
    precondition(row.number >= 0, "row number \(row.number) is negative")
    var previous = -1
    for cell in row.cells {
        precondition(cell.column >= 0, "negative column \(cell.column)")
        // Ascending order is what `SpreadsheetRow` promises and its binary search relies on. Two cells
        // with the same column (`<c r="A1">` twice) are allowed through by the reader; not checked here.
        precondition(cell.column >= previous, "cells out of order: \(previous) then \(cell.column)")
        previous = cell.column
        h = h &* 31 &+ cell.text.utf8.count
        if let d = cell.date { h &+= d.dayNumber }
        if let n = cell.number, n.isFinite { h &+= Int(n.magnitude < 1e15 ? n : 0) }
        if let d = cell.serialDate { h &+= d.year }
        if let b = cell.boolean { h &+= b ? 1 : 2 }
        if cell.isBlank { h &+= 3 }
        h &+= SpreadsheetCell.columnName(cell.column).utf8.count
        precondition(row[cell.column]?.column == cell.column, "row[\(cell.column)] does not find its column")
    }
    if let last = row.cells.last, last.column < 1 << 16 {
        h &+= row.texts.count
    }
    h &+= row.text(0).utf8.count
    if row.isBlank { h &+= 5 }
    return h
}

/// Keeps a value alive without printing it.
@inline(never)
public func blackHole<T>(_ value: T) {
    withExtendedLifetime(value) {}
}
