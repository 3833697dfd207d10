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
    /// True when `scope` holds every unit, so the scope condition is true of every record and
    /// is left out (set by `from`; see `coversEverything`).
    var scopeCoversAll = false

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
        filter.scopeCoversAll = try await Self.coversEverything(filter.scope, on: req.db)
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

    /// Whether no unit lies outside `scope` (a district-wide user looking at the whole tree):
    /// two index probes on the units' paths, read fresh on every request.
    static func coversEverything(_ scope: UnitPath, on db: any Database) async throws -> Bool {
        let row = try await db.sql.raw("""
            SELECT (SELECT count(*) FROM (SELECT 1 FROM units WHERE path < \(bind: scope.value) LIMIT 1) AS below)
                 + (SELECT count(*) FROM (SELECT 1 FROM units WHERE path >= \(bind: scope.subtreeUpperBound) LIMIT 1) AS above) AS outside
            """).first()
        return try row?.decode(column: "outside", as: Int.self) == 0
    }

    /// True when every condition can be checked inside the (kind, id, …) index, so a page can be
    /// found by walking the newest records (see `RecordRow.list`).
    var walkable: Bool {
        let slots = kind.filterSlots
        return text.isEmpty && dateRanges.isEmpty && metric == nil && equals.keys.allSatisfy(slots.contains)
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
        var c: [any SQLExpression] = [SQLQueryString("\(ident: "records").\(ident: "kind") = \(bind: kind.id)")]
        if !scopeCoversAll {
            // The subtree's units (an index range on their paths), then the records of those
            // units: the (unit_id, kind, year) index, or a check inside the (kind, id, …) one.
            c.append(SQLQueryString("""
                \(ident: "records").\(ident: "unit_id") IN (SELECT \(ident: "id") FROM \(ident: "units") \
                WHERE \(ident: "path") >= \(bind: scope.value) AND \(ident: "path") < \(bind: scope.subtreeUpperBound))
                """))
        }
        if let year { c.append(SQLQueryString("\(ident: "records").\(ident: "year") = \(bind: year)")) }
        if let status { c.append(SQLQueryString("\(ident: "records").\(ident: "status") = \(bind: status.rawValue)")) }
        if !text.isEmpty {
            let like = "%" + text.replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: "") + "%"
            c.append(SQLQueryString("(\(ident: "records").\(ident: "title") LIKE \(bind: like) OR \(ident: "records").\(ident: "data") LIKE \(bind: like))"))
        }
        let slots = kind.filterSlots
        for (field, value) in equals {
            if let slot = slots.firstIndex(of: field) {
                c.append(SQLQueryString("\(ident: "records").\(ident: "f\(slot + 1)") = \(bind: value)"))
            } else {
                c.append(SQLQueryString("\(unsafeRaw: jsonText(field, dialect)) = \(bind: value)"))
            }
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
        if column == "id", filter.walkable {
            let ids = try await pageIDs(filter, conditions: conditions, descending: descending, after: Int(after), limit: limit, on: db)
            return try await rows(ids, on: db)
        }
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

    /// How many ids past the cursor a page walks before it looks the records up through the
    /// filter instead (about 0.4 ms of index on the development machine), and the first
    /// stretch it walks to judge how often the filter matches.
    static let walkSpan = 8_000
    static let probeSpan = 1_000

    /// The ids of one page in id order, found one of two ways, each an index read:
    ///
    /// 1. Walk the (kind, id, unit_id, year, status, f1, f2, f3) index from the cursor,
    ///    checking the filter inside the index: first `probeSpan` ids, then — when what the
    ///    probe found says the page will fill within `walkSpan` ids — on to there. A filter that
    ///    matches one record in a hundred or more fills the page this way.
    /// 2. Otherwise the filter matches few records: read them through the filter's own index
    ///    (unit and year, or a filter column) and sort them. `+ 0` keeps the planner from
    ///    walking the id order instead, which for a rare value would mean the whole ledger.
    ///
    /// The planner cannot choose between these itself: it does not know how many records a
    /// unit's subtree holds, and without the bound it walks the id order for every filter.
    static func pageIDs(_ filter: RecordFilter, conditions: [any SQLExpression], descending: Bool, after: Int?, limit: Int,
                        on db: any Database) async throws -> [Int] {
        let id = SQLQueryString("\(ident: "records").\(ident: "id")")
        let dir = descending ? "DESC" : "ASC"
        func ids(_ extra: [any SQLExpression], order: String, limit: Int) async throws -> [Int] {
            try await db.sql.raw("""
                SELECT records.id FROM records WHERE \(SQLKit.SQLList(conditions + extra, separator: SQLRaw(" AND ")))
                ORDER BY \(unsafeRaw: order) LIMIT \(unsafeRaw: String(limit))
                """).all().map { try $0.decode(column: "id", as: Int.self) }
        }
        // The walk starts after the cursor, or at the kind's newest (oldest) record.
        let start: any SQLExpression = after.map { SQLBind($0 + (descending ? 0 : 1)) as any SQLExpression } ?? SQLQueryString("""
            (SELECT COALESCE(\(unsafeRaw: descending ? "MAX" : "MIN")(\(ident: "id")), 0) \(unsafeRaw: descending ? "+ 1" : "")
            FROM \(ident: "records") WHERE \(ident: "kind") = \(bind: filter.kind.id))
            """)
        // Ids in [start - to, start - from) going down, [start + from, start + to) going up.
        func span(_ from: Int, _ to: Int) -> any SQLExpression {
            descending
                ? SQLQueryString("\(id) < \(start) - \(unsafeRaw: String(from)) AND \(id) >= \(start) - \(unsafeRaw: String(to))")
                : SQLQueryString("\(id) >= \(start) + \(unsafeRaw: String(from)) AND \(id) < \(start) + \(unsafeRaw: String(to))")
        }
        var found = try await ids([span(0, probeSpan)], order: "records.id \(dir)", limit: limit)
        if found.count == limit { return found }
        if found.count * walkSpan / probeSpan >= limit {
            found += try await ids([span(probeSpan, walkSpan)], order: "records.id \(dir)", limit: limit - found.count)
            if found.count == limit { return found }
        }
        var seek: [any SQLExpression] = []
        if let after { seek.append(descending ? SQLQueryString("\(id) < \(bind: after)") : SQLQueryString("\(id) > \(bind: after)")) }
        return try await ids(seek, order: "records.id + 0 \(dir)", limit: limit)
    }

    /// The rows of `ids`, in that order.
    static func rows(_ ids: [Int], on db: any Database) async throws -> [RecordRow] {
        guard !ids.isEmpty else { return [] }
        let found = try await db.sql.raw("""
            SELECT \(unsafeRaw: columns) FROM records JOIN units ON units.id = records.unit_id
            WHERE records.id IN \(SQLBind.group(ids))
            """).all().map(RecordRow.init)
        let byID = Dictionary(found.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        return ids.compactMap { byID[$0] }
    }
}

extension RecordFilter {
    /// How many records match, counting at most `cap` (a list over a million records must
    /// not scan them all to print its total); `capped` says the true number is larger.
    func count(cap: Int, on db: any Database) async throws -> (count: Int, capped: Bool) {
        let row = try await db.sql.raw("""
            SELECT count(*) AS n FROM (SELECT 1 FROM records \(unsafeRaw: metric == nil ? "" : "JOIN units ON units.id = records.unit_id")
            WHERE \(SQLKit.SQLList(conditions(dialect: db.dialect), separator: SQLRaw(" AND "))) LIMIT \(unsafeRaw: String(cap + 1))) AS matched
            """).first()
        let n = try row?.decode(column: "n", as: Int.self) ?? 0
        return (min(n, cap), n > cap)
    }
}
