/// A column of an exported list, declared before the rows so the writers can emit widths, number
/// formats and the header up front and then stream the rows.
public struct ExportColumn: Sendable, Hashable {
    /// How the column's values are shown.
    public enum Kind: Sendable, Hashable {
        case text
        case integer
        /// A number shown with this many decimal places (the stored value keeps full precision).
        case decimal(places: Int)
        /// A calendar date, written as a real date cell shown as `yyyy-mm-dd`.
        case date
        /// Shown as 是/否.
        case boolean
    }

    public var title: String
    /// Width in Excel units (about one Latin character; a Chinese character takes about two).
    public var width: Double
    public var kind: Kind

    /// A column whose width defaults to fit its title and kind.
    public init(_ title: String, kind: Kind = .text, width: Double? = nil) {
        self.title = title
        self.kind = kind
        self.width = width ?? ExportColumn.defaultWidth(title: title, kind: kind)
    }

    /// Title width in Excel units (CJK counted double) plus padding, at least what the kind needs.
    static func defaultWidth(title: String, kind: Kind) -> Double {
        let titleWidth = title.unicodeScalars.reduce(0.0) { $0 + ($1.value >= 0x1100 ? 2.0 : 1.0) }
        let minimum: Double
        switch kind {
        case .date: minimum = 12
        case .boolean: minimum = 6
        case .integer: minimum = 8
        case .decimal: minimum = 12
        case .text: minimum = 10
        }
        return min(max(titleWidth + 2, minimum), 100)
    }
}
