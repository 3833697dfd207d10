import Foundation
import LvzeCore

/// Rules of particular ledgers beyond field types, applied on every path (form, API,
/// import) and shown on the record: credit codes checked by their check character,
/// 报备 filed in time, accident grades computed (never typed), opinion replies on time.
enum KindRules {
    /// Days ahead a forum, lecture or seminar must be filed (a setting).
    static let filingDaysKey = "ideology.filing_days"
    /// Days to reply to an online opinion item, and the extended limit.
    static let replyDays = 3, replyDaysExtended = 5

    /// Problems of a record's values; empty when it may be saved.
    static func problems(kind: LedgerKind, values: [String: FieldValue], filingDays: Int) -> [FieldError] {
        var out: [FieldError] = []
        // Every credit code field, in any ledger, must be a valid 统一社会信用代码.
        for field in kind.fields where field.id == "credit_code" || field.id == "enterprise_code" {
            guard case .text(let raw)? = values[field.id], !raw.isEmpty else { continue }
            if case .failure(let e) = UnifiedSocialCreditCode.validate(raw, field: field.id, label: field.label) { out.append(e) }
        }
        if kind.id == "event_filing", case .date(let event)? = values["event_on"], case .date(let filed)? = values["filed_on"] {
            let latest = event.adding(days: -filingDays)
            if filed > latest {
                out.append(FieldError("filed_on", kind.field("filed_on")?.label ?? "报备日期",
                                      "须在举办日期\(filingDays)日前报备：举办日期为\(event.chinese)，最迟应于\(latest.chinese)报备"))
            }
        }
        if kind.id == "online_opinion" {
            for (id, label) in [("assigned_on", "交办日期"), ("replied_on", "回复日期"), ("closed_on", "办结日期")] {
                if case .date(let d)? = values[id], case .date(let received)? = values["received_on"], d < received {
                    out.append(FieldError(id, kind.field(id)?.label ?? label, "不能早于发现日期"))
                }
            }
        }
        return out
    }

    /// A computed value shown with the record, with whether it needs attention.
    struct Derived: Encodable {
        var label: String
        var value: String
        var warn: Bool
    }

    static func derived(kind: LedgerKind, values: [String: FieldValue], today: LocalDate) -> [Derived] {
        switch kind.id {
        case "accident":
            guard let grade = accidentGrade(values) else { return [] }
            return [Derived(label: "事故等级（按国务院令第493号计算）", value: grade.label, warn: grade.isMajorOrAbove)]
        case "online_opinion":
            guard case .date(let received)? = values["received_on"] else { return [] }
            let due = received.adding(days: replyDays)
            let extendedDue = received.adding(days: replyDaysExtended)
            if case .date(let replied)? = values["replied_on"] {
                let late = replied > extendedDue
                return [Derived(label: "回复时限", value: replied <= due ? "按时回复（\(replyDays)日内）"
                                : (late ? "超期回复（超过\(replyDaysExtended)日）" : "延期回复（\(replyDaysExtended)日内）"), warn: late)]
            }
            let overdue = today > extendedDue
            return [Derived(label: "回复时限", value: overdue ? "已超期未回复（应于\(extendedDue.iso)前回复）"
                            : "应于\(due.iso)前回复，最迟可延至\(extendedDue.iso)", warn: overdue || today > due)]
        case "event_filing":
            guard case .date(let event)? = values["event_on"], case .date(let filed)? = values["filed_on"] else { return [] }
            return [Derived(label: "提前报备", value: "提前\(filed.days(until: event))日", warn: false)]
        default:
            return []
        }
    }

    /// 国务院令第493号: the grade follows deaths, serious injuries and direct loss (元).
    static func accidentGrade(_ values: [String: FieldValue]) -> AccidentGrade? {
        guard case .integer(let deaths)? = values["deaths"] else { return nil }
        let injuries: Int
        if case .integer(let i)? = values["serious_injuries"] { injuries = i } else { injuries = 0 }
        let loss = values["direct_loss"]?.decimalValue ?? 0
        return AccidentGrade.grade(deaths: deaths, seriousInjuries: injuries, directLossYuan: loss)
    }
}
