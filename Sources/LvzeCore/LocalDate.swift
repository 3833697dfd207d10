import Foundation

/// A calendar date without time or zone: ledgers speak of days, and storing them as
/// `YYYY-MM-DD` text keeps comparisons identical on SQLite and PostgreSQL.
public struct LocalDate: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// Returns nil for a day that does not exist (2025-02-30).
    public init?(year: Int, month: Int, day: Int) {
        guard (1900...2200).contains(year), (1...12).contains(month),
              day >= 1, day <= LocalDate.daysIn(month: month, year: year) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// ISO form, the stored and tabular form: 2025-03-05.
    public var iso: String {
        // Hand-built: String(format:) dominates imports and exports of large ledgers.
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : String(n) }
        let y = year < 1000 ? String(repeating: "0", count: 4 - String(year).count) + String(year) : String(year)
        return y + "-" + two(month) + "-" + two(day)
    }
    public var description: String { iso }
    /// Prose form used in Chinese documents: 2025年3月5日.
    public var chinese: String { "\(year)年\(month)月\(day)日" }

    public static func < (a: LocalDate, b: LocalDate) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }

    /// Days since 1970-01-01 (proleptic Gregorian), for date arithmetic without Foundation calendars.
    public var dayNumber: Int {
        // Algorithm from Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    public init(dayNumber z0: Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.year = yoe + era * 400 + (m <= 2 ? 1 : 0)
        self.month = m
        self.day = d
    }

    public func adding(days: Int) -> LocalDate { LocalDate(dayNumber: dayNumber + days) }
    public func days(until other: LocalDate) -> Int { other.dayNumber - dayNumber }

    /// Whole years of age on `date` for someone born on `self`.
    public func age(on date: LocalDate) -> Int {
        var years = date.year - year
        if (date.month, date.day) < (month, day) { years -= 1 }
        return years
    }

    /// The date of an instant in the given zone (China Standard Time unless told).
    public init(_ instant: Date, in zone: TimeZone = .lvzeDefault) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let c = calendar.dateComponents([.year, .month, .day], from: instant)
        self.year = c.year!
        self.month = c.month!
        self.day = c.day!
    }

    /// Reads the forms users type in forms and spreadsheets: 2025-03-05, 2025/3/5, 2025.3.5,
    /// 2025年3月5日 and 20250305, with full-width digits allowed. Returns nil for anything else.
    public static func parse(_ raw: String) -> LocalDate? {
        // The stored form, 2025-03-05, is read without building any string: lists and
        // imports parse several dates a row.
        if raw.utf8.count == 10, let date = raw.utf8.withContiguousStorageIfAvailable(parseISO) ?? nil {
            return date
        }
        let text = raw.halfWidth.trimmedWhitespace
        if text.count == 8, text.allSatisfy(\.isASCIIDigit) {
            let y = Int(text.prefix(4))!, m = Int(text.dropFirst(4).prefix(2))!, d = Int(text.suffix(2))!
            return LocalDate(year: y, month: m, day: d)
        }
        var parts: [Int] = []
        var widths: [Int] = []
        var current = ""
        for ch in text {
            if ch.isASCIIDigit {
                current.append(ch)
            } else if "-/.年月日".contains(ch) {
                guard !current.isEmpty, current.count <= 4 else { return nil }
                parts.append(Int(current)!)
                widths.append(current.count)
                current = ""
            } else {
                return nil
            }
        }
        if !current.isEmpty {
            guard current.count <= 4 else { return nil }
            parts.append(Int(current)!)
            widths.append(current.count)
        }
        guard parts.count == 3, widths[0] == 4, widths[1] <= 2, widths[2] <= 2 else { return nil }
        // Separators must not be mixed across styles: 2025年3-5 is a typo, not a date.
        let separators = Set(text.filter { !$0.isASCIIDigit })
        let allowed: [Set<Character>] = [["-"], ["/"], ["."], ["年", "月", "日"], ["年", "月"]]
        guard allowed.contains(separators) else { return nil }
        return LocalDate(year: parts[0], month: parts[1], day: parts[2])
    }

    /// `YYYY-MM-DD` in ASCII, or nil (the general parser then decides).
    private static func parseISO(_ b: UnsafeBufferPointer<UInt8>) -> LocalDate? {
        guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-") else { return nil }
        func digits(_ range: Range<Int>) -> Int? {
            var v = 0
            for k in range {
                let d = Int(b[k]) - 48
                guard d >= 0, d <= 9 else { return nil }
                v = v * 10 + d
            }
            return v
        }
        guard let y = digits(0..<4), let m = digits(5..<7), let d = digits(8..<10) else { return nil }
        return LocalDate(year: y, month: m, day: d)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(iso)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        let s = try c.decode(String.self)
        guard let d = LocalDate.parse(s) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "不是有效日期：\(s)")
        }
        self = d
    }
}

extension Character {
    /// Exactly one of 0–9: a range test on `Character` would also admit a digit followed by a
    /// combining mark ("1\u{301}"), which `Int(_:)` then refuses.
    var isASCIIDigit: Bool { asciiValue.map { $0 >= 0x30 && $0 <= 0x39 } ?? false }
}

extension String {
    /// Full-width digits, letters and common punctuation turned into ASCII: spreadsheets typed
    /// with a Chinese input method are full of them.
    public var halfWidth: String {
        if utf8.allSatisfy({ $0 < 0x80 }) { return self }
        var out = String.UnicodeScalarView()
        for s in unicodeScalars {
            if s.value >= 0xFF01 && s.value <= 0xFF5E, let h = Unicode.Scalar(s.value - 0xFEE0) {
                out.append(h)
            } else if s.value == 0x3000 {
                out.append(" ")
            } else {
                out.append(s)
            }
        }
        return String(out)
    }
}

extension TimeZone {
    /// The zone a Chinese district works in; its dates are what "in year Y" means.
    public static let lvzeDefault = TimeZone(identifier: "Asia/Shanghai") ?? TimeZone(secondsFromGMT: 8 * 3600)!
}

extension StringProtocol {
    /// `trimmingCharacters(in: .whitespaces)` without Foundation's `NSString` round trip,
    /// which an import paid for every state and date cell; most cells have nothing to trim.
    public var trimmedWhitespace: String { trimmed { CharacterSet.whitespaces.contains($0) } }

    /// `trimmingCharacters(in: .whitespacesAndNewlines)`, the same way.
    public var trimmedWhitespaceAndNewlines: String { trimmed { CharacterSet.whitespacesAndNewlines.contains($0) } }

    private func trimmed(_ isSpace: (Unicode.Scalar) -> Bool) -> String {
        let scalars = unicodeScalars
        guard let first = scalars.first, let last = scalars.last else { return "" }
        if !isSpace(first), !isSpace(last) { return String(self) }
        var start = scalars.startIndex, end = scalars.endIndex
        while start < end, isSpace(scalars[start]) { start = scalars.index(after: start) }
        while end > start {
            let before = scalars.index(before: end)
            guard isSpace(scalars[before]) else { break }
            end = before
        }
        return String(String.UnicodeScalarView(scalars[start..<end]))
    }
}
