import Foundation

/// A rule of one ledger kind beyond its field types, declared in the catalogue and checked
/// on every path (form, API, import) by `LedgerKind.problems` or before a close-out by
/// `LedgerKind.closureBlockers`.
///
/// ```yaml
/// rules:
///   - {rule: not_before, fields: [assigned_on, replied_on], than: received_on}
///   - {rule: days_ahead, field: filed_on, than: event_on, days: 3, setting: ideology.filing_days, action: 报备}
///   - {rule: plan_before_closure, when: level, values: [重大隐患], name: 整改方案五到位,
///      requires: [measures, funds, deadline, responsible_person, emergency_plan]}
///   - {rule: follow_up, since: received_on, until: disposed_on, days: 30, setting: integrity.lead_disposal_days, action: 处置}
/// ```
public enum KindRule: Sendable, Equatable, Codable {
    /// None of `fields` may be earlier than `than` (a reply is not dated before receipt).
    case notBefore(fields: [String], than: String)
    /// `field` must be at least `days` days before `than`; the days are read from the setting
    /// `setting` when the server has one; `action` names the act in the message (报备).
    case daysAhead(field: String, than: String, days: Int, setting: String?, action: String)
    /// When `when` holds one of `values`, `requires` must all be filled before close-out can
    /// be requested; `name` names the plan in the message (整改方案五到位).
    case planBeforeClosure(when: String, values: [String], requires: [String], name: String)
    /// A record is due for `action` within `days` of its `since` date (the setting `setting`
    /// when the server has one) until `until` is filled: past it, it waits in its readers' 待办.
    case followUp(since: String, until: String, days: Int, setting: String?, action: String)

    /// The field ids the rule reads, for the catalogue's checks.
    public var fieldIDs: [String] {
        switch self {
        case .notBefore(let fields, let than): return fields + [than]
        case .daysAhead(let field, let than, _, _, _): return [field, than]
        case .planBeforeClosure(let when, _, let requires, _): return [when] + requires
        case .followUp(let since, let until, _, _, _): return [since, until]
        }
    }
}

extension LedgerKind {
    /// The workflow's own fields, which every workflow kind has (`LedgerKind.workflowFields`).
    public enum WorkflowField {
        public static let deadline = "deadline"
        public static let progress = "progress"
        public static let source = "source"
        public static let evidence = "evidence"
    }

    /// Every kind's 备注: where an import keeps the columns that match no field.
    public static let noteField = "note"
    public static let noteSpec = FieldSpec(id: noteField, label: "备注", type: .longText, aliases: ["说明", "其他说明"])

    /// The kind's 备注 field (the loader adds one to every kind that declares none).
    public var remarksField: String? {
        fields.first { $0.id == Self.noteField || $0.label == Self.noteSpec.label }?.id
    }

    /// Required fields a record's values leave empty (attachments are asked for where files arrive).
    public func missingRequired(_ values: [String: FieldValue]) -> [FieldSpec] {
        fields.filter { $0.required && $0.type != .attachments && values[$0.id] == nil }
    }

    /// Problems of a record's values under the kind's rules; empty when it may be saved.
    /// `setting` reads a whole-number setting by key (nil: the rule's own default).
    public func problems(_ values: [String: FieldValue], setting: (String) -> Int? = { _ in nil }) -> [FieldError] {
        var out: [FieldError] = []
        func date(_ id: String) -> LocalDate? {
            if case .date(let d)? = values[id] { return d }
            return nil
        }
        func label(_ id: String) -> String { field(id)?.label ?? id }
        // A workflow item's deadline cannot come before the finding it answers.
        if workflow, let f = dateField, let found = date(f), let due = date(WorkflowField.deadline), due < found {
            out.append(FieldError(WorkflowField.deadline, label(WorkflowField.deadline), "不能早于\(label(f))"))
        }
        for rule in rules {
            switch rule {
            case .notBefore(let fields, let than):
                guard let bound = date(than) else { continue }
                for id in fields {
                    if let d = date(id), d < bound { out.append(FieldError(id, label(id), "不能早于\(label(than))")) }
                }
            case .daysAhead(let id, let than, let days, let key, let action):
                guard let event = date(than), let filed = date(id) else { continue }
                let n = key.flatMap(setting) ?? days
                let latest = event.adding(days: -n)
                if filed > latest {
                    out.append(FieldError(id, label(id), "须在\(label(than))\(n)日前\(action)：\(label(than))为\(event.chinese)，最迟应于\(latest.chinese)\(action)"))
                }
            case .planBeforeClosure, .followUp:
                continue
            }
        }
        return out
    }

    /// The kind's follow-up rule, if it declares one.
    public var followUpRule: (since: String, until: String, days: Int, setting: String?, action: String)? {
        for case .followUp(let since, let until, let days, let setting, let action) in rules { return (since, until, days, setting, action) }
        return nil
    }

    /// Days past the follow-up deadline of a record (0 on the last day, nil when not due or done).
    public func followUpOverdue(_ values: [String: FieldValue], today: LocalDate, setting: (String) -> Int? = { _ in nil }) -> Int? {
        guard let rule = followUpRule, values[rule.until] == nil, case .date(let since)? = values[rule.since] else { return nil }
        let deadline = since.adding(days: rule.setting.flatMap(setting) ?? rule.days)
        let late = deadline.days(until: today)
        return late > 0 ? late : nil
    }

    /// Conditions outside the state machine that refuse a close-out request: a declared plan
    /// not yet filled (a major hazard's 五到位).
    public func closureBlockers(_ values: [String: FieldValue]) -> [String] {
        var out: [String] = []
        for case .planBeforeClosure(let when, let triggers, let requires, let name) in rules {
            guard let value = values[when]?.display, triggers.contains(value) else { continue }
            let missing = requires.filter { values[$0] == nil }
            guard !missing.isEmpty else { continue }
            let labels = requires.map { field($0)?.label ?? $0 }.joined(separator: "、")
            out.append("\(value)须填写\(name)（\(labels)）后才能申请销号，尚缺：\(missing.map { field($0)?.label ?? $0 }.joined(separator: "、"))")
        }
        return out
    }
}
