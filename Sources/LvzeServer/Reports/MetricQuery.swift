import Foundation
import LvzeCore
import SQLKit

/// The records behind one metric for a scope and year, as SQL conditions on
/// `records JOIN units`: the same conditions compute the figure, list its drill-down and
/// freeze a snapshot, so a figure and its records cannot disagree.
struct MetricQuery {
    let metric: MetricDefinition
    let kind: LedgerKind
    let scope: UnitPath
    let year: Int
    let settings: [String: String]
    let dialect: Dialect

    /// Why the metric cannot be computed (a required template setting is missing), or nil.
    var unresolved: String? {
        for c in metric.conditions + metric.conditions.flatMap(\.children) {
            for v in c.values {
                if case .setting(let key, false) = v, v.resolve(year: year, settings: settings) == nil {
                    return "报告模板未设置「\(key)」"
                }
            }
        }
        return nil
    }

    var yearStart: String { LocalDate(year: year, month: 1, day: 1)!.iso }
    var yearEnd: String { LocalDate(year: year, month: 12, day: 31)!.iso }

    /// The first instant after the year, local time, for history entries (stored as instants).
    var yearEndInstant: Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .lvzeDefault
        return calendar.date(from: DateComponents(year: year + 1, month: 1, day: 1))!
    }

    func conditions() -> [any SQLExpression] {
        var c: [any SQLExpression] = [
            SQLQueryString("\(ident: "records").\(ident: "kind") = \(bind: kind.id)"),
            SQLQueryString("\(ident: "units").\(ident: "path") >= \(bind: scope.value)"),
            SQLQueryString("\(ident: "units").\(ident: "path") < \(bind: scope.subtreeUpperBound)"),
        ]
        c += period()
        for condition in metric.conditions {
            if let e = expression(condition) { c.append(e) }
        }
        if !metric.states.isEmpty {
            c.append(SQLQueryString("(\(SQLList(metric.states.map(state), separator: SQLRaw(" OR "))))"))
        }
        return c
    }

    /// The date a record is placed by: the record's indexed date when it is the kind's own.
    private var dateExpression: String {
        if let d = metric.dateField, d != kind.dateField { return jsonText(d, dialect) }
        return "records.record_date"
    }

    private func period() -> [any SQLExpression] {
        switch metric.period {
        case .year:
            if metric.dateField == nil || metric.dateField == kind.dateField {
                return [SQLQueryString("\(ident: "records").\(ident: "year") = \(bind: year)")]
            }
            return [SQLQueryString("\(unsafeRaw: dateExpression) >= \(bind: yearStart)"),
                    SQLQueryString("\(unsafeRaw: dateExpression) <= \(bind: yearEnd)")]
        case .through:
            return [SQLQueryString("\(unsafeRaw: dateExpression) <= \(bind: yearEnd)")]
        case .stock:
            let end = jsonText(metric.endField!, dialect)
            return [SQLQueryString("\(unsafeRaw: dateExpression) <= \(bind: yearEnd)"),
                    SQLQueryString("(\(unsafeRaw: end) IS NULL OR \(unsafeRaw: end) = '' OR \(unsafeRaw: end) > \(bind: yearEnd))")]
        case .all:
            return []
        }
    }

    /// A field as SQL text, or as a number for numeric fields.
    private func operandSQL(_ field: String) -> (sql: String, numeric: Bool, type: FieldType?) {
        if field.hasPrefix("@") { return ("records.\(field.dropFirst())", false, .date) }
        let spec = kind.field(field)
        let numeric = [.integer, .decimal, .money].contains(spec?.type)
        return (numeric ? number(field) : jsonText(field, dialect), numeric, spec?.type)
    }

    /// A numeric field; empty values are NULL and drop out of sums and comparisons.
    func number(_ field: String) -> String {
        switch dialect {
        case .sqlite: return "CAST(NULLIF(json_extract(records.data, '$.\(field)'), '') AS REAL)"
        case .postgres: return "(NULLIF(records.doc ->> '\(field)', ''))::float8"
        }
    }

    private func bindValue(_ text: String, numeric: Bool, type: FieldType?) -> any SQLExpression {
        if numeric { return SQLBind(Double(text) ?? 0) }
        if type == .boolean { return SQLBind(text == "是" || text == "true" ? "true" : "false") }
        return SQLBind(text)
    }

    func expression(_ condition: MetricCondition) -> (any SQLExpression)? {
        if condition.op == .any {
            let parts = condition.children.compactMap(expression)
            return parts.isEmpty ? nil : SQLQueryString("(\(SQLList(parts, separator: SQLRaw(" OR "))))")
        }
        let (field, numeric, type) = operandSQL(condition.field)
        let resolved = condition.values.map { $0.resolve(year: year, settings: settings) }
        // An optional setting that is not given drops its condition.
        if resolved.contains(where: { $0 == nil }) { return nil }
        let values = resolved.map { bindValue($0!, numeric: numeric, type: type) }
        let core: any SQLExpression
        switch condition.op {
        case .equals: core = SQLQueryString("\(unsafeRaw: field) = \(values[0])")
        case .oneOf: core = SQLQueryString("\(unsafeRaw: field) IN (\(SQLList(values)))")
        case .contains:
            core = SQLQueryString("\(unsafeRaw: field) LIKE \(bind: LikePattern.contains(resolved[0] ?? "")) ESCAPE '\\'")
        case .empty: return SQLQueryString("(\(unsafeRaw: field) IS NULL OR \(unsafeRaw: field) = '')")
        case .notEmpty: return SQLQueryString("(\(unsafeRaw: field) IS NOT NULL AND \(unsafeRaw: field) <> '')")
        case .less: core = SQLQueryString("\(unsafeRaw: field) < \(values[0])")
        case .lessOrEqual: core = SQLQueryString("\(unsafeRaw: field) <= \(values[0])")
        case .greater: core = SQLQueryString("\(unsafeRaw: field) > \(values[0])")
        case .greaterOrEqual: core = SQLQueryString("\(unsafeRaw: field) >= \(values[0])")
        case .flagged:
            let id = dialect == .sqlite ? "CAST(json_extract(records.data, '$.\(condition.field)') AS INTEGER)"
                                        : "(NULLIF(records.doc ->> '\(condition.field)', ''))::int"
            core = SQLQueryString("""
                \(unsafeRaw: id) IN (SELECT unit_flags.unit_id FROM unit_flags WHERE unit_flags.flag IN (\(SQLList(resolved.map { SQLBind($0!) }))) \
                AND unit_flags.set_on <= \(bind: yearEnd) AND (unit_flags.cleared_on IS NULL OR unit_flags.cleared_on > \(bind: yearEnd)))
                """)
        case .any: return nil
        }
        guard condition.orEmpty else { return core }
        return SQLQueryString("(\(unsafeRaw: field) IS NULL OR \(unsafeRaw: field) = '' OR \(core))")
    }

    /// The last step of the record's history on or before 31 December that set its state.
    private var lastStep: any SQLExpression {
        SQLQueryString("""
            (SELECT e.action FROM record_events e WHERE e.record_id = records.id \
            AND e.action IN ('started', 'closure_requested', 'closure_approved', 'sent_back') \
            AND e.at < \(bind: yearEndInstant) ORDER BY e.id DESC LIMIT 1)
            """)
    }

    /// The state a record was in at the end of 31 December: 已销号 by its close-out date,
    /// 申请销号 by the last step of its history, otherwise still being rectified.
    private func state(_ s: RectificationState) -> any SQLExpression {
        let closed = SQLQueryString("(records.closed_on IS NOT NULL AND records.closed_on <= \(bind: yearEnd))")
        switch s {
        case .closed: return closed
        case .closureRequested:
            return SQLQueryString("(NOT \(closed) AND \(lastStep) = 'closure_requested')")
        case .inProgress:
            return SQLQueryString("(NOT \(closed) AND \(lastStep) IN ('started', 'sent_back'))")
        case .pending:
            return SQLQueryString("(NOT \(closed) AND \(lastStep) IS NULL)")
        }
    }
}
