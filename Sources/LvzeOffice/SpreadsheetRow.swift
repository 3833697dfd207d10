/// One row of a sheet or CSV file as the readers report it: its 1-based row number and its
/// non-empty cells in column order, so an importer can say “第 12 行 C 列” to the user.
public struct SpreadsheetRow: Sendable, Hashable {
    /// 1-based row number as Excel shows it; for CSV, the 1-based record number.
    public let number: Int
    /// Cells with a value, in ascending column order; absent columns are empty.
    public let cells: [SpreadsheetCell]

    public init(number: Int, cells: [SpreadsheetCell]) {
        self.number = number
        self.cells = cells
    }

    /// The cell in a 0-based column, or nil when that column is empty in this row.
    public subscript(column: Int) -> SpreadsheetCell? {
        if column < cells.count, cells[column].column == column { return cells[column] }
        var low = 0
        var high = cells.count
        while low < high {
            let mid = (low + high) / 2
            if cells[mid].column < column { low = mid + 1 } else { high = mid }
        }
        return low < cells.count && cells[low].column == column ? cells[low] : nil
    }

    /// The text of a 0-based column, empty when absent (see `SpreadsheetCell.text`).
    public func text(_ column: Int) -> String {
        self[column]?.text ?? ""
    }

    /// The texts of columns 0 up to the last non-empty one, with empty strings in the gaps.
    public var texts: [String] {
        guard let last = cells.last else { return [] }
        var out = [String](repeating: "", count: last.column + 1)
        for cell in cells { out[cell.column] = cell.text }
        return out
    }

    /// True when every cell is whitespace text, as in a row the user cleared by typing spaces.
    public var isBlank: Bool { cells.allSatisfy(\.isBlank) }
}
