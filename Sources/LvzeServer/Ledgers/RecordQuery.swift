import Fluent
import FluentSQL
import FluentSQLiteDriver
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
        // A unit below the top has its parent outside its subtree.
        guard scope.depth == 0 else { return false }
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
    /// The filter's conditions as SQL, for every read of records: lists, the API, exports.
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
            // The title, or any field's value; never the JSON's keys (`_` matched every row's "found_on").
            let pattern = LikePattern.contains(text)
            let values: SQLQueryString = dialect == .postgres
                ? "EXISTS (SELECT 1 FROM jsonb_each_text(\(ident: "records").\(ident: "data")::jsonb) AS \(ident: "e") WHERE \(ident: "e").\(ident: "value") LIKE \(bind: pattern) ESCAPE '\\')"
                : "EXISTS (SELECT 1 FROM json_each(\(ident: "records").\(ident: "data")) AS \(ident: "e") WHERE \(ident: "e").\(ident: "value") LIKE \(bind: pattern) ESCAPE '\\')"
            c.append(SQLQueryString("(\(LikePattern.sql("records", "title", contains: text)) OR \(values))"))
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

    /// The same columns from a SQLite row, read by the driver's own accessors: a page decodes
    /// some six hundred values, and SQLKit's `Decodable` path cost more than its queries.
    init(_ r: SQLiteRow) throws {
        func text(_ name: String) -> String? { r.column(name)?.string }
        func int(_ name: String) -> Int? { r.column(name)?.integer }
        guard let id = int("id"), let unitID = int("unit_id") else { throw Abort(.internalServerError, reason: "记录行缺少编号") }
        self.id = id
        self.unitID = unitID
        title = text("title") ?? ""
        status = text("status") ?? ""
        recordDate = text("record_date") ?? ""
        openedOn = text("opened_on") ?? ""
        dueDate = text("due_date")
        closedOn = text("closed_on")
        progress = int("progress")
        data = text("data") ?? "{}"
        workflow = text("workflow") ?? "{}"
        updatedAt = r.column("updated_at").flatMap { Date(sqliteData: $0) }
        unitName = text("unit_name")
    }

    /// Runs a query that selects `columns` or `pageColumns` and decodes its rows.
    static func fetch(_ query: any SQLExpression, on db: any Database) async throws -> [RecordRow] {
        if let sqlite = db as? any SQLiteDatabase {
            let (sql, binds) = db.sql.serialize(query)
            let encoder = SQLiteDataEncoder()
            return try await sqlite.query(sql, try binds.map { try encoder.encode($0) }).map(RecordRow.init)
        }
        return try await db.sql.raw(SQLQueryString("\(query)")).all().map(RecordRow.init)
    }

    /// One page, newest first, below `beforeID`.
    static func page(_ filter: RecordFilter, beforeID: Int, limit: Int, on db: any Database) async throws -> [RecordRow] {
        try await list(filter, sort: "-id", after: beforeID == Int.max ? "" : String(beforeID), limit: limit, on: db)
    }

    /// One page and how many records match (counted up to `cap`, see `RecordFilter.count`):
    /// a page in id order carries the count in its first statement.
    static func list(_ filter: RecordFilter, sort: String, after: String, limit: Int, countingTo cap: Int,
                     on db: any Database) async throws -> ([RecordRow], (count: Int, capped: Bool)) {
        if sort == "id" || sort == "-id", filter.walkable {
            let conditions = filter.conditions(dialect: db.dialect)
            var total: Int?
            let rows = try await page(filter, conditions: conditions, descending: sort.hasPrefix("-"), after: Int(after), limit: limit,
                                      counting: (cap, filter.countQuery(cap: cap, conditions: conditions)), total: &total, on: db)
            if let total { return (rows, (min(total, cap), total > cap)) }
            return (rows, try await filter.count(cap: cap, on: db))
        }
        let counted = try await filter.count(cap: cap, on: db)
        return (try await list(filter, sort: sort, after: after, limit: limit, on: db), counted)
    }

    /// One page in a sort order, after a keyset cursor (`value|id`, or an id when sorting by id).
    static func list(_ filter: RecordFilter, sort: String, after: String, limit: Int, on db: any Database) async throws -> [RecordRow] {
        var conditions = filter.conditions(dialect: db.dialect)
        let descending = sort.hasPrefix("-")
        let column = descending ? String(sort.dropFirst()) : sort
        if column == "id", filter.walkable {
            var total: Int?
            return try await page(filter, conditions: conditions, descending: descending, after: Int(after), limit: limit,
                                  counting: nil, total: &total, on: db)
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
        return try await fetch(SQLQueryString("""
            SELECT \(unsafeRaw: columns) FROM records JOIN units ON units.id = records.unit_id
            WHERE \(SQLKit.SQLList(conditions, separator: SQLRaw(" AND ")))
            ORDER BY \(unsafeRaw: order) LIMIT \(unsafeRaw: String(limit))
            """), on: db)
    }

    /// How many ids past the cursor a page walks before it looks the records up through the
    /// filter instead (about 0.4 ms of index on the development machine), and the first
    /// stretch it walks to judge how often the filter matches.
    static let walkSpan = 8_000
    static let probeSpan = 1_000

    /// The columns of a page read without joining the units (the planner then has one table
    /// to plan); the unit's name is looked up for the rows returned only.
    static let pageColumns = """
        records.id, records.unit_id, records.title, records.status, records.record_date, records.opened_on, records.due_date,
        records.closed_on, records.progress, records.data, records.workflow, records.updated_at,
        (SELECT units.name FROM units WHERE units.id = records.unit_id) AS unit_name
        """

    /// One page in id order, found one of two ways, each an index read:
    ///
    /// 1. Walk the (kind, id, unit_id, year, status, f1, f2, f3) index from the cursor — or
    ///    (kind, year, id, …) for one year — checking the filter inside the index (a record's
    ///    row is read only when it matches):
    ///    first `probeSpan` ids, then — when what the probe found says the page will fill
    ///    within `walkSpan` ids — on to there. A filter that matches one record in a hundred
    ///    or more fills the page this way.
    /// 2. Otherwise the filter matches few records: read their ids through the filter's own
    ///    index (unit and year, or a filter column), sort them, then read the page's rows.
    ///    `+ 0` keeps the planner from walking the id order instead, which for a rare value
    ///    would mean the whole ledger.
    ///
    /// The planner cannot choose between these itself: it does not know how many records a
    /// unit's subtree holds, and without the bound it walks the id order for every filter.
    ///
    /// With `counting`, the first statement also counts the matches (its rows carry the count,
    /// saving a round trip to the database's thread); `total` is nil when it found no row.
    static func page(_ filter: RecordFilter, conditions: [any SQLExpression], descending: Bool, after: Int?, limit: Int,
                     counting: (cap: Int, query: any SQLExpression)?, total: inout Int?,
                     on db: any Database) async throws -> [RecordRow] {
        let id = SQLQueryString("\(ident: "records").\(ident: "id")")
        let dir = descending ? "DESC" : "ASC"
        var counting = counting
        var counted: Int?
        func walk(_ span: any SQLExpression, limit: Int) async throws -> [RecordRow] {
            let count = counting.map { SQLQueryString(", (\($0.query)) AS total") } ?? SQLQueryString("")
            let rows = try await fetchCounting(SQLQueryString("""
                SELECT \(unsafeRaw: pageColumns)\(count) FROM records
                WHERE \(SQLKit.SQLList(conditions + [span], separator: SQLRaw(" AND ")))
                ORDER BY records.id \(unsafeRaw: dir) LIMIT \(unsafeRaw: String(limit))
                """), on: db)
            if counting != nil, let total = rows.total {
                counted = total
                counting = nil
            }
            return rows.rows
        }
        defer { total = counted }
        // The walk starts after the cursor, or at the kind's newest (oldest) record — of the
        // year when one is asked for: it then walks (kind, year, id, …).
        let inYear = filter.year.map { SQLQueryString(" AND \(ident: "year") = \(bind: $0)") } ?? SQLQueryString("")
        let start: any SQLExpression = after.map { SQLBind($0 + (descending ? 0 : 1)) as any SQLExpression } ?? SQLQueryString("""
            (SELECT COALESCE(\(unsafeRaw: descending ? "MAX" : "MIN")(\(ident: "id")), 0) \(unsafeRaw: descending ? "+ 1" : "")
            FROM \(ident: "records") WHERE \(ident: "kind") = \(bind: filter.kind.id)\(inYear))
            """)
        // Ids in [start - to, start - from) going down, [start + from, start + to) going up.
        func span(_ from: Int, _ to: Int) -> any SQLExpression {
            descending
                ? SQLQueryString("\(id) < \(start) - \(unsafeRaw: String(from)) AND \(id) >= \(start) - \(unsafeRaw: String(to))")
                : SQLQueryString("\(id) >= \(start) + \(unsafeRaw: String(from)) AND \(id) < \(start) + \(unsafeRaw: String(to))")
        }
        var found = try await walk(span(0, probeSpan), limit: limit)
        if found.count == limit { return found }
        if found.count * walkSpan / probeSpan >= limit {
            found += try await walk(span(probeSpan, walkSpan), limit: limit - found.count)
            if found.count == limit { return found }
        }
        var seek = conditions
        if let after { seek.append(descending ? SQLQueryString("\(id) < \(bind: after)") : SQLQueryString("\(id) > \(bind: after)")) }
        // The ids first (from the filter's index, sorted), then their rows, in one statement.
        let count = counting.map { SQLQueryString(", (\($0.query)) AS total") } ?? SQLQueryString("")
        let rows = try await fetchCounting(SQLQueryString("""
            SELECT \(unsafeRaw: pageColumns)\(count) FROM records WHERE records.id IN (
                SELECT records.id FROM records WHERE \(SQLKit.SQLList(seek, separator: SQLRaw(" AND ")))
                ORDER BY records.id + 0 \(unsafeRaw: dir) LIMIT \(unsafeRaw: String(limit)))
            ORDER BY records.id \(unsafeRaw: dir)
            """), on: db)
        if counting != nil { counted = rows.total }
        return rows.rows
    }

    /// `fetch`, also reading the `total` column of the first row when there is one.
    private static func fetchCounting(_ query: any SQLExpression, on db: any Database) async throws -> (rows: [RecordRow], total: Int?) {
        if let sqlite = db as? any SQLiteDatabase {
            let (sql, binds) = db.sql.serialize(query)
            let encoder = SQLiteDataEncoder()
            let rows = try await sqlite.query(sql, try binds.map { try encoder.encode($0) })
            return (try rows.map(RecordRow.init), rows.first?.column("total")?.integer)
        }
        let rows = try await db.sql.raw(SQLQueryString("\(query)")).all()
        return (try rows.map(RecordRow.init), try rows.first.flatMap { $0.contains(column: "total") ? try $0.decode(column: "total", as: Int.self) : nil })
    }

    /// The rows of `ids`, in that order.
    static func rows(_ ids: [Int], on db: any Database) async throws -> [RecordRow] {
        guard !ids.isEmpty else { return [] }
        let found = try await fetch(SQLQueryString("""
            SELECT \(unsafeRaw: pageColumns) FROM records WHERE records.id IN \(SQLBind.group(ids))
            """), on: db)
        let byID = Dictionary(found.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        return ids.compactMap { byID[$0] }
    }
}

extension RecordFilter {
    /// How many records match, counting at most `cap` (a list over a million records must
    /// not scan them all to print its total); `capped` says the true number is larger.
    func count(cap: Int, on db: any Database) async throws -> (count: Int, capped: Bool) {
        let row = try await db.sql.raw("""
            SELECT \(countQuery(cap: cap, conditions: conditions(dialect: db.dialect))) AS n
            """).first()
        let n = try row?.decode(column: "n", as: Int.self) ?? 0
        return (min(n, cap), n > cap)
    }

    /// `(SELECT count(*) …)` of the matches, stopping after `cap + 1`.
    func countQuery(cap: Int, conditions: [any SQLExpression]) -> any SQLExpression {
        SQLQueryString("""
            (SELECT count(*) FROM (SELECT 1 FROM records \(unsafeRaw: metric == nil ? "" : "JOIN units ON units.id = records.unit_id")
            WHERE \(SQLKit.SQLList(conditions, separator: SQLRaw(" AND "))) LIMIT \(unsafeRaw: String(cap + 1))) AS matched)
            """)
    }
}
