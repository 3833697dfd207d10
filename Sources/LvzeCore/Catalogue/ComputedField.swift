import Foundation

/// A value the system computes from a record's own fields by a named rule, never typed:
/// declared on the kind in the catalogue and shown alike in the list (when listed), on the
/// record, in exports, in the API and in a figure's drill-down.
///
/// ```yaml
/// computed:
///   - {id: grade, label: 事故等级, rule: accident_grade,
///      inputs: {deaths: deaths, serious_injuries: serious_injuries, direct_loss: direct_loss}}
/// ```
public struct ComputedField: Sendable, Equatable, Codable {
    /// The rules a catalogue may name; each reads the inputs it lists.
    public enum Rule: String, Sendable, Codable, CaseIterable {
        /// 国务院令第493号第三条: the grade from deaths, serious injuries and direct loss.
        case accidentGrade = "accident_grade"
        /// A reply due `days` after receipt, at the latest `extended_days` after (网络舆情).
        case replyTimeliness = "reply_timeliness"
        /// Whole days from one date to a later one, written with `text` (`提前{n}日`).
        case daysBetween = "days_between"

        /// The inputs the rule reads, each naming a field of the kind, and the type it must have.
        public var inputs: [(name: String, types: [FieldType], required: Bool)] {
            switch self {
            case .accidentGrade:
                return [("deaths", [.integer], true), ("serious_injuries", [.integer], false),
                        ("direct_loss", [.money, .decimal, .integer], false)]
            case .replyTimeliness: return [("received", [.date], true), ("replied", [.date], false)]
            case .daysBetween: return [("from", [.date], true), ("to", [.date], true)]
            }
        }

        /// Parameters and their defaults.
        public var parameters: [String: String] {
            switch self {
            case .accidentGrade: return [:]
            case .replyTimeliness: return ["days": "3", "extended_days": "5"]
            case .daysBetween: return ["text": "{n}日"]
            }
        }
    }

    public var id: String
    public var label: String
    public var rule: Rule
    /// Rule input → field id of the kind.
    public var inputs: [String: String]
    /// Rule parameter → value (numbers written as text); missing ones take the rule's default.
    public var parameters: [String: String]

    public init(id: String, label: String, rule: Rule, inputs: [String: String], parameters: [String: String] = [:]) {
        self.id = id
        self.label = label
        self.rule = rule
        self.inputs = inputs
        self.parameters = parameters
    }

    /// The computed value and whether it calls for attention (a major accident, a late reply).
    public struct Value: Sendable, Equatable {
        public var text: String
        public var warn: Bool

        public init(_ text: String, warn: Bool = false) {
            self.text = text
            self.warn = warn
        }
    }

    func parameter(_ name: String) -> String { parameters[name] ?? rule.parameters[name] ?? "" }
    func days(_ name: String) -> Int { Int(parameter(name)) ?? Int(rule.parameters[name] ?? "") ?? 0 }

    /// The value for a record's fields, or nil when an input it needs is empty.
    public func evaluate(_ values: [String: FieldValue], kind: LedgerKind, today: LocalDate) -> Value? {
        func value(_ input: String) -> FieldValue? { inputs[input].flatMap { values[$0] } }
        func date(_ input: String) -> LocalDate? {
            if case .date(let d)? = value(input) { return d }
            return nil
        }
        switch rule {
        case .accidentGrade:
            guard let grade = accidentGrade(values, kind: kind) else { return nil }
            return Value(grade.label, warn: grade.isMajorOrAbove)
        case .replyTimeliness:
            guard let received = date("received") else { return nil }
            let limit = days("days"), extended = days("extended_days")
            let due = received.adding(days: limit)
            let extendedDue = received.adding(days: extended)
            if let replied = date("replied") {
                let late = replied > extendedDue
                return Value(replied <= due ? "按时回复（\(limit)日内）" : (late ? "超期回复（超过\(extended)日）" : "延期回复（\(extended)日内）"),
                             warn: late)
            }
            let overdue = today > extendedDue
            return Value(overdue ? "已超期未回复（应于\(extendedDue.iso)前回复）" : "应于\(due.iso)前回复，最迟可延至\(extendedDue.iso)",
                         warn: overdue || today > due)
        case .daysBetween:
            guard let from = date("from"), let to = date("to") else { return nil }
            return Value(parameter("text").replacingOccurrences(of: "{n}", with: String(from.days(until: to))))
        }
    }

    /// The 493号 grade of an accident-grade field's inputs; money read in 元 whatever the field's scale.
    public func accidentGrade(_ values: [String: FieldValue], kind: LedgerKind) -> AccidentGrade? {
        guard rule == .accidentGrade, let deathsField = inputs["deaths"], case .integer(let deaths)? = values[deathsField] else { return nil }
        var injuries = 0
        if let f = inputs["serious_injuries"], case .integer(let i)? = values[f] { injuries = i }
        var loss: Decimal = 0
        if let f = inputs["direct_loss"], let d = values[f]?.decimalValue {
            loss = kind.field(f)?.type == .money && kind.field(f)?.moneyScale == .tenThousandYuan ? d * 10_000 : d
        }
        return AccidentGrade.grade(deaths: deaths, seriousInjuries: injuries, directLossYuan: loss)
    }
}

extension LedgerKind {
    /// The computed field with this id.
    public func computedField(_ id: String) -> ComputedField? { computed.first { $0.id == id } }

    /// Every computed value of a record, in declaration order, paired with its field.
    public func computedValues(_ values: [String: FieldValue], today: LocalDate) -> [(field: ComputedField, value: ComputedField.Value)] {
        computed.compactMap { f in f.evaluate(values, kind: self, today: today).map { (f, $0) } }
    }

    /// The fields computed values read, so a list that shows them decodes those too.
    public var computedInputs: Set<String> { Set(computed.flatMap { $0.inputs.values }) }
}
