import Fluent
import FluentSQL
import LvzeCore
import SQLKit
import Vapor

/// The filters of a record list, shared by the list page, the API, exports and the
/// supervision page, so a list and its export always hold the same records.
struct RecordFilter {
    var kind: LedgerKind
    /// The subtree searched: the user's scope or a unit inside it.
    var scope: UnitPath
    var year: Int?
    var status: RectificationState?
    var text: String = ""
    /// Enum and boolean fields: field id → exact value.
    var equals: [String: String] = [:]
    /// Date fields: field id → (from, to), either end optional.
    var dateRanges: [String: (from: LocalDate?, to: LocalDate?)] = [:]
    /// The records behind a report figure (drill-down): its conditions are added to these.
    var metric: MetricQuery?

    /// Reads the filters from query parameters, returning the problems of any it cannot use.
    static func from(_ req: Request, kind: LedgerKind, scope: UnitPath) async throws -> (RecordFilter, [String]) {
        var filter = RecordFilter(kind: kind, scope: scope)
        var problems: [String] = []
        func q(_ key: String) -> String { (req.queryText(key) ?? "").trimmingCharacters(in: .whitespaces) }
        let unitText = q("unit")
        if !unitText.isEmpty {
            let row = try await req.db.sql.raw("SELECT path FROM units WHERE code = \(bind: unitText)").first()
            if let path = try row.map({ UnitPath(try $0.decode(column: "path", as: String.self)) }), scope.contains(path) {
                filter.scope = path
            } else {
                problems.append("«单位»：「\(unitText)」不存在或不在您的管理范围内")
            }
        }
        let year = q("year")
        if !year.isEmpty {
            if let y = Int(year), (1900...2200).contains(y) { filter.year = y } else { problems.append("«年度»：「\(year)」不是年份") }
        }
        let status = q("status")
        if !status.isEmpty {
            if let s = RectificationState(rawValue: status) { filter.status = s } else { problems.append("«状态»：「\(status)」不是可选状态") }
        }
        filter.text = q("q")
        for field in kind.fields {
            switch field.type {
            case .enumeration, .boolean:
                let v = q("f_\(field.id)")
                if v.isEmpty { continue }
                if case .success(let value?) = field.parse(v) {
                    filter.equals[field.id] = value.json as? String ?? (value == .boolean(true) ? "true" : "false")
                } else { problems.append("«\(field.label)»：「\(v)」不是可选值") }
            case .date:
                let from = q("f_\(field.id)_from"), to = q("f_\(field.id)_to")
                if from.isEmpty && to.isEmpty { continue }
                let f = from.isEmpty ? nil : LocalDate.parse(from)
                let t = to.isEmpty ? nil : LocalDate.parse(to)
                if !from.isEmpty && f == nil { problems.append("«\(field.label)»起：「\(from)」不是有效日期") }
                if !to.isEmpty && t == nil { problems.append("«\(field.label)»止：「\(to)」不是有效日期") }
                filter.dateRanges[field.id] = (f, t)
            default: continue
            }
        }
        return (filter, problems)
    }

    /// The filter as query parameters, for links to the next page and to exports.
    var queryItems: [(String, String)] {
        var items: [(String, String)] = []
        if let year { items.append(("year", String(year))) }
        if let status { items.append(("status", status.rawValue)) }
        if !text.isEmpty { items.append(("q", text)) }
        for (k, v) in equals.sorted(by: { $0.key < $1.key }) {
            let shown = kind.field(k)?.type == .boolean ? (v == "true" ? "是" : "否") : v
            items.append(("f_\(k)", shown))
        }
        for (k, r) in dateRanges.sorted(by: { $0.key < $1.key }) {
            if let f = r.from { items.append(("f_\(k)_from", f.iso)) }
            if let t = r.to { items.append(("f_\(k)_to", t.iso)) }
        }
        return items
    }

    /// The filter on a Fluent query, from the same conditions the bulk SQL paths use.
    func apply(_ builder: QueryBuilder<LedgerRecord>, dialect: Dialect) -> QueryBuilder<LedgerRecord> {
        var b = builder.join(OrgUnit.self, on: \LedgerRecord.$unit.$id == \OrgUnit.$id)
        for condition in conditions(dialect: dialect) { b = b.filter(.sql(condition)) }
        return b
    }
}

/// A kind-specific field read from the JSON document as text. Field ids are checked against
/// `[a-z][a-z0-9_]*` by the catalogue, so they are safe to embed.
/// SQLite: `json_extract`; PostgreSQL: `->>` on a jsonb cast. Booleans come out as 1/0 in
/// SQLite and true/false in PostgreSQL, so they are compared through a CASE that yields text.
func jsonText(_ field: String, _ dialect: Dialect) -> String {
    precondition(field.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" })
    switch dialect {
    case .sqlite:
        return "(CASE json_type(\"records\".\"data\", '$.\(field)') WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' ELSE json_extract(\"records\".\"data\", '$.\(field)') END)"
    case .postgres:
        return "(\"records\".\"data\"::jsonb ->> '\(field)')"
    }
}

extension RecordFilter {
    /// The same conditions as `apply`, as SQL for bulk reads that skip model decoding
    /// (exports read every matching record).
    func conditions(dialect: Dialect) -> [any SQLExpression] {
        var c: [any SQLExpression] = [
            SQLQueryString("\(ident: "records").\(ident: "kind") = \(bind: kind.id)"),
            SQLQueryString("\(ident: "units").\(ident: "path") >= \(bind: scope.value)"),
            SQLQueryString("\(ident: "units").\(ident: "path") < \(bind: scope.subtreeUpperBound)"),
        ]
        if let year { c.append(SQLQueryString("\(ident: "records").\(ident: "year") = \(bind: year)")) }
        if let status { c.append(SQLQueryString("\(ident: "records").\(ident: "status") = \(bind: status.rawValue)")) }
        if !text.isEmpty {
            let like = "%" + text.replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: "") + "%"
            c.append(SQLQueryString("(\(ident: "records").\(ident: "title") LIKE \(bind: like) OR \(ident: "records").\(ident: "data") LIKE \(bind: like))"))
        }
        for (field, value) in equals {
            c.append(SQLQueryString("\(unsafeRaw: jsonText(field, dialect)) = \(bind: value)"))
        }
        for (field, range) in dateRanges {
            if let from = range.from { c.append(SQLQueryString("\(unsafeRaw: jsonText(field, dialect)) >= \(bind: from.iso)")) }
            if let to = range.to { c.append(SQLQueryString("\(unsafeRaw: jsonText(field, dialect)) <= \(bind: to.iso)")) }
        }
        if let metric { c += metric.conditions() }
        return c
    }
}

/// The columns of a record that lists and exports show, read without building a model
/// (Fluent decodes models by reflection, which dominated list and export time).
struct RecordRow: Sendable {
    var id: Int
    var unitID: Int
    var title: String
    var status: String
    var recordDate: String
    var openedOn: String
    var dueDate: String?
    var closedOn: String?
    var progress: Int?
    var data: String
    var workflow: String
    var updatedAt: Date?
    /// The record's unit's name (every query joins it: lists show it).
    var unitName: String?

    var state: RectificationState? { RectificationState(rawValue: status) }

    static let columns = """
        records.id, records.unit_id, records.title, records.status, records.record_date, records.opened_on, records.due_date,
        records.closed_on, records.progress, records.data, records.workflow, records.updated_at, units.name AS unit_name
        """

    init(_ r: any SQLRow) throws {
        id = try r.decode(column: "id", as: Int.self)
        unitID = try r.decode(column: "unit_id", as: Int.self)
        title = try r.decode(column: "title", as: String.self)
        status = try r.decode(column: "status", as: String.self)
        recordDate = try r.decode(column: "record_date", as: String.self)
        openedOn = try r.decode(column: "opened_on", as: String.self)
        dueDate = try r.decode(column: "due_date", as: String?.self)
        closedOn = try r.decode(column: "closed_on", as: String?.self)
        progress = try r.decode(column: "progress", as: Int?.self)
        data = try r.decode(column: "data", as: String.self)
        workflow = try r.decode(column: "workflow", as: String.self)
        updatedAt = try? r.decode(column: "updated_at", as: Date?.self)
        unitName = try? r.decode(column: "unit_name", as: String?.self)
    }

    /// One page, newest first, below `beforeID`.
    static func page(_ filter: RecordFilter, beforeID: Int, limit: Int, on db: any Database) async throws -> [RecordRow] {
        try await list(filter, sort: "-id", after: beforeID == Int.max ? "" : String(beforeID), limit: limit, on: db)
    }

    /// One page in a sort order, after a keyset cursor (`value|id`, or an id when sorting by id).
    static func list(_ filter: RecordFilter, sort: String, after: String, limit: Int, on db: any Database) async throws -> [RecordRow] {
        var conditions = filter.conditions(dialect: db.dialect)
        let descending = sort.hasPrefix("-")
        let column = descending ? String(sort.dropFirst()) : sort
        let op = descending ? "<" : ">"
        let dir = descending ? "DESC" : "ASC"
        let order: String
        if column == "id" {
            if let id = Int(after) { conditions.append(SQLQueryString("\(ident: "records").\(ident: "id") \(unsafeRaw: op) \(bind: id)")) }
            order = "records.id \(dir)"
        } else {
            precondition(["record_date", "due_date", "title"].contains(column))
            let parts = after.split(separator: "|", maxSplits: 1).map(String.init)
            if parts.count == 2, let id = Int(parts[1]) {
                conditions.append(SQLQueryString("""
                    (\(ident: "records").\(ident: column) \(unsafeRaw: op) \(bind: parts[0]) OR (\(ident: "records").\(ident: column) = \(bind: parts[0]) \
                    AND \(ident: "records").\(ident: "id") \(unsafeRaw: op) \(bind: id)))
                    """))
            }
            order = "records.\(column) \(dir), records.id \(dir)"
        }
        let rows = try await db.sql.raw("""
            SELECT \(unsafeRaw: columns) FROM records JOIN units ON units.id = records.unit_id
            WHERE \(SQLKit.SQLList(conditions, separator: SQLRaw(" AND ")))
            ORDER BY \(unsafeRaw: order) LIMIT \(unsafeRaw: String(limit))
            """).all()
        return try rows.map(RecordRow.init)
    }
}

extension RecordFilter {
    /// How many records match, counting at most `cap` (a list over a million records must
    /// not scan them all to print its total); `capped` says the true number is larger.
    func count(cap: Int, on db: any Database) async throws -> (count: Int, capped: Bool) {
        let row = try await db.sql.raw("""
            SELECT count(*) AS n FROM (SELECT 1 FROM records JOIN units ON units.id = records.unit_id
            WHERE \(SQLKit.SQLList(conditions(dialect: db.dialect), separator: SQLRaw(" AND "))) LIMIT \(unsafeRaw: String(cap + 1))) AS matched
            """).first()
        let n = try row?.decode(column: "n", as: Int.self) ?? 0
        return (min(n, cap), n > cap)
    }
}
