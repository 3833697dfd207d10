/// The value of one cell as the file stores it, so an importer can tell a typed number from text.
public enum SpreadsheetValue: Sendable, Hashable {
    /// A string: shared, inline or a formula's text result, already unescaped.
    case text(String)
    /// A number exactly as written in the file (`45721`, `1200.5`, `1E-3`), so nothing is lost to rounding.
    case number(String)
    /// An Excel `TRUE`/`FALSE` cell.
    case boolean(Bool)
    /// An Excel error such as `#DIV/0!` or `#REF!`.
    case error(String)
}
