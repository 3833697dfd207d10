/// Protection against spreadsheet formula injection (CSV injection) in exported text.
public enum FormulaGuard {
    /// Prefixes `'` to text that a spreadsheet would otherwise run as a formula: text starting with
    /// `=`, `+`, `-` or `@`, or with a tab or carriage return that hides such a start.
    public static func neutralized(_ text: String) -> String {
        guard let first = text.utf8.first else { return text }
        switch first {
        case UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 0x09, 0x0D:
            return "'" + text
        default:
            return text
        }
    }
}
