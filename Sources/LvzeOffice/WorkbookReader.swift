/// What the XLSX and XLS readers share: sheets by index or name, rows streamed in order.
public protocol WorkbookReader {
    /// The worksheets, in tab order.
    var sheets: [XLSXSheet] { get }
    /// Every row with a value of the sheet at `index`, in order.
    func forEachRow(sheet index: Int, _ body: (SpreadsheetRow) throws -> Void) throws
}

private struct EnoughRows: Error {}

extension WorkbookReader {
    /// The index in `sheets` of the sheet with this name (compared exactly), if any.
    public func sheetIndex(named name: String) -> Int? {
        sheets.firstIndex { $0.name == name }
    }

    /// Throws `missingSheet`, saying how many there are, when `index` names no sheet.
    func checkSheet(_ index: Int) throws {
        guard sheets.indices.contains(index) else {
            throw SpreadsheetError(.missingSheet, sheets.isEmpty
                ? "工作簿中没有工作表"
                : "工作簿中没有第 \(index + 1) 个工作表（共 \(sheets.count) 个）")
        }
    }

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
