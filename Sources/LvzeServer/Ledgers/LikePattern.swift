import Fluent
import FluentSQL
import SQLKit

/// "Contains" searches: the text's own `%`, `_` and `\` are taken literally (a search for
/// `%` used to match every row), the same on both databases through `ESCAPE '\'`.
enum LikePattern {
    static func contains(_ text: String) -> String {
        var out = "%"
        for ch in text {
            if ch == "%" || ch == "_" || ch == "\\" { out.append("\\") }
            out.append(ch)
        }
        return out + "%"
    }

    /// `table.column LIKE '%text%' ESCAPE '\'`.
    static func sql(_ table: String, _ column: String, contains text: String) -> SQLQueryString {
        SQLQueryString("\(ident: table).\(ident: column) LIKE \(bind: contains(text)) ESCAPE '\\'")
    }
}

extension QueryBuilder {
    /// Rows whose `table.column` contains `text` literally.
    func filter(_ table: String, _ column: String, contains text: String) -> Self {
        filter(.custom(LikePattern.sql(table, column, contains: text)))
    }
}
