/// What the XLSX and XLS readers share: sheets by index or name, rows streamed in order.
public protocol WorkbookReader {
    /// The index of the worksheet with this name, nil when there is none.
    func sheetIndex(named name: String) -> Int?
    /// Every row with a value of the sheet at `index`, in order.
    func forEachRow(sheet index: Int, _ body: (SpreadsheetRow) throws -> Void) throws
}

private struct EnoughRows: Error {}

extension WorkbookReader {
    /// Reads the sheet with the given name; throws `missingSheet` when there is none.
    public func forEachRow(sheetNamed name: String, _ body: (SpreadsheetRow) throws -> Void) throws {
        guard let index = sheetIndex(named: name) else {
            throw SpreadsheetError(.missingSheet, "工作簿中没有名为“\(name)”的工作表")
        }
        try forEachRow(sheet: index, body)
    }

    /// The first `count` rows with values, for previewing a file and finding its header row
    /// without reading it all.
    public func firstRows(_ count: Int, sheet index: Int = 0) throws -> [SpreadsheetRow] {
        var out: [SpreadsheetRow] = []
        guard count > 0 else { return out }
        do {
            try forEachRow(sheet: index) { row in
                out.append(row)
                if out.count >= count { throw EnoughRows() }
            }
        } catch is EnoughRows {}
        return out
    }
}
