import LvzeCore

/// One value of an exported row; the case decides the cell type, the column's kind its display format.
public enum ExportValue: Sendable, Hashable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
                         ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral, ExpressibleByNilLiteral {
    case empty
    case text(String)
    case integer(Int)
    case decimal(Double)
    case date(LocalDate)
    case boolean(Bool)

    public init(stringLiteral value: String) { self = .text(value) }
    public init(integerLiteral value: Int) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .decimal(value) }
    public init(booleanLiteral value: Bool) { self = .boolean(value) }
    public init(nilLiteral: ()) { self = .empty }

    /// `.text(value)`, or `.empty` for nil: convenient for optional model fields.
    public static func text(_ value: String?) -> ExportValue { value.map { .text($0) } ?? .empty }
    /// `.date(value)`, or `.empty` for nil.
    public static func date(_ value: LocalDate?) -> ExportValue { value.map { .date($0) } ?? .empty }
}
