import Foundation

/// Small pieces of official Chinese wording used across pages and documents.
public enum ChineseText {
    /// A file size as users read it: 615字节, 12.3 KB, 1.2 MB (one decimal below 100, none above).
    public static func size(_ bytes: Int) -> String {
        if bytes < 1024 { return "\(max(0, bytes))字节" }
        let units = ["KB", "MB", "GB", "TB"]
        var value = Double(bytes) / 1024
        var i = 0
        while value >= 1024, i < units.count - 1 { value /= 1024; i += 1 }
        let text = value < 100 ? String(format: "%.1f", value) : String(Int(value.rounded()))
        return "\(text.hasSuffix(".0") ? String(text.dropLast(2)) : text) \(units[i])"
    }

    /// Sentences joined with 「；」, each without the full stop or semicolon it may already end
    /// with, so two parts never read 「。；」; empty parts are left out.
    public static func joined(_ parts: [String]) -> String {
        parts.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .map { p in
                var s = Substring(p)
                while let last = s.last, "。；;，,".contains(last) { s = s.dropLast() }
                return String(s)
            }
            .filter { !$0.isEmpty }
            .joined(separator: "；")
    }

    /// A label with its unit in full-width brackets, unless the label already ends with it
    /// (「整改资金（元）」 stays as it is rather than 「整改资金（元）（元）」).
    public static func labelled(_ label: String, unit: String) -> String {
        let bare = label.trimmingCharacters(in: .whitespaces)
        for suffix in ["（\(unit)）", "(\(unit))"] where bare.hasSuffix(suffix) { return bare }
        return "\(bare)（\(unit)）"
    }
}
