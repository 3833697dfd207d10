import Vapor

extension Request {
    private struct QueryTextKey: StorageKey { typealias Value = [String: String] }

    /// A query parameter as text (`+` and percent escapes decoded), nil when absent. The query is
    /// parsed once a request: a list page reads a dozen parameters, and Vapor's decoder
    /// parsed the whole query again for each.
    func queryText(_ key: String) -> String? {
        if let parsed = storage[QueryTextKey.self] { return parsed[key] }
        var parsed: [String: String] = [:]
        for pair in (url.query ?? "").split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.formDecoded(parts[0])
            if parsed[name] == nil { parsed[name] = parts.count > 1 ? Self.formDecoded(parts[1]) : "" }
        }
        storage[QueryTextKey.self] = parsed
        return parsed[key]
    }

    /// A name or value of a query or an urlencoded form: `+` is a space, percent escapes are
    /// decoded, and a broken escape is kept as typed.
    static func formDecoded(_ s: Substring) -> String {
        let spaced = s.contains("+") ? s.replacingOccurrences(of: "+", with: " ") : String(s)
        return spaced.removingPercentEncoding ?? spaced
    }
}
