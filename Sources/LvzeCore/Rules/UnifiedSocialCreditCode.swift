/// A unified social credit code (统一社会信用代码) that passed the GB 32100-2015 check: 18
/// characters from the standard's 31-character set, the last a check character over the first 17.
/// Stored in normalised form, so codes typed in lower case or full width compare equal.
public struct UnifiedSocialCreditCode: Hashable, Sendable, Codable, CustomStringConvertible {
    public let value: String

    /// GB 32100-2015 code characters: digits and capitals without I, O, S, V, Z; a character's
    /// code value is its index here.
    public static let alphabet: [Character] = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")
    /// GB 32100-2015 weights of positions 1…17 (3^(i−1) mod 31).
    public static let weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

    /// Returns nil when `raw` is not a valid code; use `validate` to learn why.
    public init?(_ raw: String) {
        guard case let .success(code) = UnifiedSocialCreditCode.validate(raw) else { return nil }
        self = code
    }

    private init(normalised: String) { value = normalised }

    public var description: String { value }

    /// What users typed, with full-width characters made half width, ASCII letters upper case
    /// and all white space removed.
    public static func normalise(_ raw: String) -> String {
        String(raw.halfWidth.compactMap { ch -> Character? in
            if ch.isWhitespace { return nil }
            return ch.isASCII && ch.isLowercase ? Character(ch.uppercased()) : ch
        })
    }

    /// The check character (position 18) for a 17-character body, or nil when the body has the
    /// wrong length or a character outside the code set.
    public static func checkCharacter<S: StringProtocol>(for body: S) -> Character? {
        let chars = Array(body)
        guard chars.count == 17 else { return nil }
        var sum = 0
        for (ch, weight) in zip(chars, weights) {
            guard let value = alphabet.firstIndex(of: ch) else { return nil }
            sum += value * weight
        }
        return alphabet[(31 - sum % 31) % 31]
    }

    /// The normalised code, or a form error in Chinese saying what is wrong: length, which
    /// characters are illegal, or which check character was expected.
    public static func validate(_ raw: String, field: String = "creditCode",
                                label: String = "统一社会信用代码") -> Result<UnifiedSocialCreditCode, FieldError> {
        let code = normalise(raw)
        let chars = Array(code)
        func problem(_ message: String) -> Result<UnifiedSocialCreditCode, FieldError> {
            .failure(FieldError(field, label, message))
        }
        if chars.isEmpty { return problem("不能为空") }
        if chars.count != 18 { return problem("应为18位，实际为\(chars.count)位") }
        let illegal = chars.enumerated().filter { !alphabet.contains($0.element) }
        if !illegal.isEmpty {
            let list = illegal.map { "第\($0.offset + 1)位「\($0.element)」" }.joined(separator: "、")
            return problem("\(list)不是合法字符（只能使用数字和除I、O、S、V、Z以外的大写字母）")
        }
        let expected = checkCharacter(for: String(chars.prefix(17)))!
        if chars[17] != expected {
            return problem("校验码错误：第18位应为「\(expected)」，实际为「\(chars[17])」")
        }
        return .success(UnifiedSocialCreditCode(normalised: code))
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        let raw = try c.decode(String.self)
        switch UnifiedSocialCreditCode.validate(raw) {
        case let .success(code): self = code
        case let .failure(error):
            throw DecodingError.dataCorruptedError(in: c, debugDescription: error.description)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(value)
    }
}
