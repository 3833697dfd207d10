import Foundation

/// A stored field value. Records keep their kind-specific fields as JSON built from these.
public enum FieldValue: Sendable, Equatable, Hashable {
    case text(String)
    case integer(Int)
    case decimal(Decimal)
    case date(LocalDate)
    case boolean(Bool)
    /// A unit or person reference by id.
    case reference(Int)
    /// Attachment ids.
    case attachments([Int])

    /// The value as it goes into the record's JSON document.
    public var json: Any {
        switch self {
        case .text(let s): return s
        case .integer(let i): return i
        case .decimal(let d): return NSDecimalNumber(decimal: d).stringValue
        case .date(let d): return d.iso
        case .boolean(let b): return b
        case .reference(let id): return id
        case .attachments(let ids): return ids
        }
    }

    /// Plain text for lists, exports and templates (without references resolved).
    public var display: String {
        switch self {
        case .text(let s): return s
        case .integer(let i): return String(i)
        case .decimal(let d): return NSDecimalNumber(decimal: d).stringValue
        case .date(let d): return d.iso
        case .boolean(let b): return b ? "是" : "否"
        case .reference(let id): return String(id)
        case .attachments(let ids): return "\(ids.count)个附件"
        }
    }

    public var decimalValue: Decimal? {
        switch self {
        case .integer(let i): return Decimal(i)
        case .decimal(let d): return d
        default: return nil
        }
    }
}

extension FieldSpec {
    /// Reads what a user typed (form, CSV, spreadsheet text) into a value, or says why it
    /// cannot, in words that name the field. Empty input is nil (required-ness is checked
    /// by the caller, who knows whether the field was submitted at all).
    public func parse(_ raw: String) -> Result<FieldValue?, FieldError> {
        // Fast paths matter here: an import parses every cell of every row.
        let text = FieldSpec.mayNeedTrimming(raw) ? raw.trimmedWhitespaceAndNewlines : raw
        if text.isEmpty { return .success(nil) }
        func fail(_ message: String) -> Result<FieldValue?, FieldError> { .failure(FieldError(id, label, message)) }
        switch type {
        case .text where text.utf8.contains(0), .longText where text.utf8.contains(0):
            return fail("含有不可见的控制字符（U+0000），请删除后再提交")
        case .text:
            if text.utf8.count > 500, text.count > 500 { return fail("不能超过500个字（现有\(text.count)个字），较长的内容请用长文本字段") }
            if text.utf8.contains(0x0A) { return fail("不能换行") }
            return .success(.text(text))
        case .longText:
            if text.utf8.count > 20_000, text.count > 20_000 { return fail("不能超过20000个字") }
            return .success(.text(text))
        case .integer:
            if let value = Int(text) { return checkRange(Decimal(value)).map { _ in .integer(value) } }
            let cleaned = text.halfWidth.replacingOccurrences(of: ",", with: "")
            var number = cleaned
            if let d = Decimal(string: cleaned, locale: Locale(identifier: "en_US_POSIX")), d == d.rounded(), !cleaned.contains("e") {
                number = NSDecimalNumber(decimal: d).stringValue
            }
            guard let value = Int(number) else { return fail("「\(text)」不是整数") }
            return checkRange(Decimal(value)).map { _ in .integer(value) }
        case .decimal, .money:
            if let value = FieldSpec.plainDecimal(text) { return checkRange(value).map { _ in .decimal(value.rounded(decimals)) } }
            let cleaned = text.halfWidth.replacingOccurrences(of: ",", with: "")
                .replacingOccurrences(of: "￥", with: "").replacingOccurrences(of: "¥", with: "")
                .replacingOccurrences(of: "万元", with: "").replacingOccurrences(of: "元", with: "")
                .trimmedWhitespace
            guard !cleaned.isEmpty, cleaned.allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" }),
                  let value = Decimal(string: cleaned, locale: Locale(identifier: "en_US_POSIX")) else {
                return fail("「\(text)」不是数字")
            }
            return checkRange(value).map { _ in .decimal(value.rounded(decimals)) }
        case .date:
            guard let date = LocalDate.parse(text) else {
                return fail("「\(text)」不是有效日期（可写作2025-03-05、2025/3/5、2025.3.5或2025年3月5日）")
            }
            return .success(.date(date))
        case .enumeration:
            if values.contains(text) { return .success(.text(text)) }
            let key = text.halfWidth
            if let match = values.first(where: { $0 == text || $0.halfWidth == key }) { return .success(.text(match)) }
            // Ledgers often shorten a value (一般 for 一般隐患): accept a prefix that names exactly one.
            let candidates = values.filter { $0.hasPrefix(key) }
            if key.count >= 2, candidates.count == 1 { return .success(.text(candidates[0])) }
            return fail("「\(text)」不是可选值（可选：\(values.joined(separator: "、"))）")
        case .boolean:
            switch text.halfWidth.lowercased() {
            case "是", "y", "yes", "true", "1", "√", "✓", "已", "有": return .success(.boolean(true))
            case "否", "n", "no", "false", "0", "×", "✗", "未", "无": return .success(.boolean(false))
            default: return fail("「\(text)」应填“是”或“否”")
            }
        case .unit, .person:
            // References arrive as ids from forms and the API; spreadsheets name units and
            // people, which only the server can look up.
            guard let id = Int(text.halfWidth) else { return fail("「\(text)」不是有效的\(type.label)编号") }
            return .success(.reference(id))
        case .attachments:
            return fail("附件须上传文件，不能填写文字")
        case .creditCode:
            if case .failure(let e) = UnifiedSocialCreditCode.validate(text, field: id, label: label) { return .failure(e) }
            return .success(.text(text))
        }
    }

    /// True unless the text plainly starts and ends with something other than whitespace
    /// (an ASCII letter, digit or sign, or a Chinese character): then trimming is skipped.
    static func mayNeedTrimming(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, let last = s.unicodeScalars.last else { return false }
        // Every whitespace scalar is at or below U+3000 (the ideographic space): Chinese text
        // is decided without looking its properties up.
        func space(_ u: Unicode.Scalar) -> Bool {
            u.value < 0x80 ? u.value <= 0x20 : (u.value <= 0x3000 && u.properties.isWhitespace)
        }
        return space(first) || space(last)
    }

    /// `-123.45` written plainly (ASCII digits, one optional dot and sign), read without
    /// Foundation's locale-aware parser; anything else returns nil for the general path.
    static func plainDecimal(_ text: String) -> Decimal? {
        var significand: UInt64 = 0
        var exponent = 0
        var negative = false
        var seenDot = false
        var digits = 0
        for (i, byte) in text.utf8.enumerated() {
            switch byte {
            case UInt8(ascii: "-") where i == 0: negative = true
            case UInt8(ascii: "."):
                if seenDot { return nil }
                seenDot = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                digits += 1
                if digits > 18 { return nil }
                significand = significand * 10 + UInt64(byte - UInt8(ascii: "0"))
                if seenDot { exponent -= 1 }
            default: return nil
            }
        }
        guard digits > 0 else { return nil }
        return Decimal(sign: negative ? .minus : .plus, exponent: exponent, significand: Decimal(significand))
    }

    private func checkRange(_ value: Decimal) -> Result<Void, FieldError> {
        if let min, value < min { return .failure(FieldError(id, label, "不能小于\(NSDecimalNumber(decimal: min).stringValue)")) }
        if let max, value > max { return .failure(FieldError(id, label, "不能大于\(NSDecimalNumber(decimal: max).stringValue)")) }
        return .success(())
    }
}

extension Decimal {
    /// Rounded half away from zero to `places` decimals.
    public func rounded(_ places: Int = 0) -> Decimal {
        var value = self
        var result = Decimal()
        NSDecimalRound(&result, &value, places, .plain)
        return result
    }
}
