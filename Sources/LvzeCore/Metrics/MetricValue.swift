import Foundation

/// A computed figure: a number, a list of names, or no data with the reason. "No data" is
/// never shown as 0: a report must not claim a count the records cannot give.
public enum MetricValue: Sendable, Equatable, Codable {
    case number(Decimal)
    case names([String])
    case missing(String)

    public var number: Decimal? {
        if case .number(let d) = self { return d }
        return nil
    }

    enum CodingKeys: String, CodingKey { case number, names, missing }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let n = try c.decodeIfPresent(String.self, forKey: .number), let d = Decimal(string: n, locale: Locale(identifier: "en_US_POSIX")) {
            self = .number(d)
        } else if let names = try c.decodeIfPresent([String].self, forKey: .names) {
            self = .names(names)
        } else {
            self = .missing(try c.decodeIfPresent(String.self, forKey: .missing) ?? "")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .number(let d): try c.encode(FieldJSON.plain(d), forKey: .number)
        case .names(let n): try c.encode(n, forKey: .names)
        case .missing(let r): try c.encode(r, forKey: .missing)
        }
    }
}

extension MetricDefinition {
    /// The value as the report prints it: divided by the display divisor and rounded to
    /// the metric's decimals (half up, as 统计 tables do); names joined with 、.
    public func display(_ value: MetricValue, nameLimit: Int = 10) -> String? {
        switch value {
        case .missing: return nil
        case .names(let names): return names.isEmpty ? nil : names.prefix(nameLimit).joined(separator: "、")
        case .number(let d): return MetricFormat.number(d / divisor, decimals: decimals)
        }
    }

    /// The shown number (after the divisor and rounding), for claims and comparisons.
    public func shownNumber(_ value: MetricValue) -> Decimal? {
        value.number.map { MetricFormat.round($0 / divisor, decimals: decimals) }
    }
}

public enum MetricFormat {
    public static func round(_ d: Decimal, decimals: Int) -> Decimal {
        var value = d, out = Decimal()
        NSDecimalRound(&out, &value, decimals, .plain)
        return out
    }

    /// Plain digits with exactly `decimals` places, no grouping (公文 style).
    public static func number(_ d: Decimal, decimals: Int) -> String {
        let rounded = round(d, decimals: decimals)
        var text = FieldJSON.plain(rounded)
        if decimals > 0 {
            if !text.contains(".") { text += "." }
            let places = text.count - 1 - (text.firstIndex(of: ".").map { text.distance(from: text.startIndex, to: $0) } ?? 0)
            if places < decimals { text += String(repeating: "0", count: decimals - places) }
        }
        return text
    }

    /// A year-on-year change as words: 「下降12.5%」, 「上升8.0%」, 「持平」.
    public static func change(_ d: Decimal, decimals: Int) -> String {
        let r = round(d, decimals: decimals)
        if r == 0 { return "持平" }
        return (r > 0 ? "下降" : "上升") + number(r.magnitude, decimals: decimals) + "%"
    }
}
