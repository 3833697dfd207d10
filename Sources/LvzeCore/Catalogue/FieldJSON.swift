import Foundation

/// The JSON document of a record's fields, written and read without Foundation's
/// JSONSerialization: imports and exports handle hundreds of thousands of records, and the
/// generic path costs more than everything else together.
public enum FieldJSON {
    /// `{"a":1,"b":"x"}` with keys sorted, so equal values give equal text.
    public static func encode(_ values: [String: FieldValue]) -> String {
        var out = "{"
        var first = true
        for key in values.keys.sorted() {
            if !first { out += "," }
            first = false
            appendString(key, to: &out)
            out += ":"
            switch values[key]! {
            case .text(let s): appendString(s, to: &out)
            case .integer(let i): out += String(i)
            case .decimal(let d): appendString(plain(d), to: &out)
            case .date(let d): appendString(d.iso, to: &out)
            case .boolean(let b): out += b ? "true" : "false"
            case .reference(let id): out += String(id)
            case .attachments(let ids): out += "[" + ids.map(String.init).joined(separator: ",") + "]"
            }
        }
        return out + "}"
    }

    /// A decimal as plain digits (no exponent).
    public static func plain(_ d: Decimal) -> String {
        var value = d
        return NSDecimalString(&value, Locale(identifier: "en_US_POSIX"))
    }

    static func appendString(_ s: String, to out: inout String) {
        out += "\""
        // Most text needs no escaping: copy it whole.
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            out += s
            out += "\""
            return
        }
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }

    /// Reads stored values back for `kind`. Stored data was checked when written, so this
    /// trusts its shape and only converts; a value of the wrong shape is left out.
    public static func decode(_ text: String, kind: LedgerKind) -> [String: FieldValue] {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else { return [:] }
        var out: [String: FieldValue] = [:]
        for field in kind.fields {
            guard let raw = object[field.id], !(raw is NSNull) else { continue }
            switch field.type {
            case .text, .longText, .enumeration:
                if let s = raw as? String { out[field.id] = .text(s) }
            case .integer:
                if let n = raw as? NSNumber { out[field.id] = .integer(n.intValue) }
                else if let s = raw as? String, let i = Int(s) { out[field.id] = .integer(i) }
            case .decimal, .money:
                if let s = raw as? String, let d = Decimal(string: s, locale: Locale(identifier: "en_US_POSIX")) { out[field.id] = .decimal(d) }
                else if let n = raw as? NSNumber { out[field.id] = .decimal(n.decimalValue) }
            case .date:
                if let s = raw as? String, let d = LocalDate.parse(s) { out[field.id] = .date(d) }
            case .boolean:
                if let n = raw as? NSNumber { out[field.id] = .boolean(n.boolValue) }
            case .unit, .person:
                if let n = raw as? NSNumber { out[field.id] = .reference(n.intValue) }
            case .attachments:
                if let ids = raw as? [Any] { out[field.id] = .attachments(ids.compactMap { ($0 as? NSNumber)?.intValue }) }
            }
        }
        return out
    }
}
