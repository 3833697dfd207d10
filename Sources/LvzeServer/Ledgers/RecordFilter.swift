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
    /// On PostgreSQL, the ids of the scope's units when it is part of the tree (set by `from`;
    /// nil past `inlineUnits`): a walk checks each index entry's unit against them as a constant
    /// array, which PostgreSQL hashes once a statement. Against `= ANY(ARRAY(SELECT …))` it
    /// compared each entry with the subtree's ids one by one: a town and year page at 10M
    /// records, 171 units, executed in 1.09 ms that way and in 0.20–0.26 ms this way.
    var scopeUnitIDs: [Int]?
    static let inlineUnits = 2_000

    /// Reads the filters from query parameters, returning the problems of any it cannot use.
    static func from(_ req: Request, kind: LedgerKind, scope: UnitPath) async throws -> (RecordFilter, [String]) {
        var filter = RecordFilter(kind: kind, scope: scope)
        var problems: [String] = []
        func q(_ key: String) -> String { (req.queryText(key) ?? "").trimmingCharacters(in: .whitespaces) }
        let unitText = q("unit")
        if !unitText.isEmpty {
            // A code, or else a name of one unit in scope; kept as the scope checks are (a town's
            // page is asked for again and again).
            let db = req.db
            let found = try await req.lvze.unitLookups.value(scope.value + "\u{0}" + unitText, in: req.lvze, now: req.now) {
                var rows = try await db.sql.raw("SELECT path FROM units WHERE code = \(bind: unitText)").all()
                if rows.isEmpty {
                    rows = try await db.sql.raw("""
                        SELECT path FROM units WHERE name = \(bind: unitText) AND path >= \(bind: scope.value) AND path < \(bind: scope.subtreeUpperBound) LIMIT 2
                        """).all()
                }
                return try rows.map { try $0.decode(column: "path", as: String.self) }
            }
            let paths = found.map(UnitPath.init).filter { scope.contains($0) }
            if paths.count == 1 {
                filter.scope = paths[0]
            } else if paths.count > 1 {
                problems.append("«单位»：名为「\(unitText)」的单位不止一个，请填写单位代码")
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
        let db = req.db, scope = filter.scope
        filter.scopeCoversAll = try await req.lvze.scopeCoverage.value(scope.value, in: req.lvze, now: req.now) {
            try await Self.coversEverything(scope, on: db)
        }
        if db.dialect == .postgres, !filter.scopeCoversAll {
            filter.scopeUnitIDs = try await req.lvze.scopeUnits.value(scope.value, in: req.lvze, now: req.now) {
                try await Self.unitIDs(scope, on: db)
            }
        }
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
    /// two index probes on the units' paths. Lists ask it through `scopeCoverage`: adding or
    /// moving a unit is a write, after which it is asked again.
    static func coversEverything(_ scope: UnitPath, on db: any Database) async throws -> Bool {
        // A unit below the top has its parent outside its subtree.
        guard scope.depth == 0 else { return false }
        let row = try await db.sql.raw("""
            SELECT (SELECT count(*) FROM (SELECT 1 FROM units WHERE path < \(bind: scope.value) LIMIT 1) AS below)
                 + (SELECT count(*) FROM (SELECT 1 FROM units WHERE path >= \(bind: scope.subtreeUpperBound) LIMIT 1) AS above) AS outside
            """).first()
        return try row?.decode(column: "outside", as: Int.self) == 0
    }

    /// The ids of `scope`'s units, or nil when there are more than `limit` (a statement then
    /// selects them itself). Lists ask it through `scopeUnits`, as `coversEverything`.
    static func unitIDs(_ scope: UnitPath, upTo limit: Int = inlineUnits, on db: any Database) async throws -> [Int]? {
        let rows = try await db.sql.raw("""
            SELECT id FROM units WHERE path >= \(bind: scope.value) AND path < \(bind: scope.subtreeUpperBound)
            ORDER BY id LIMIT \(unsafeRaw: String(limit + 1))
            """).all()
        guard rows.count <= limit else { return nil }
        return try rows.map { try $0.decode(column: "id", as: Int.self) }
    }

    /// True when every condition can be checked inside the (kind, id, …) index, so a page can be
    /// found by walking the newest records (see `RecordRow.list`).
    var walkable: Bool {
        let slots = kind.filterSlots
        return text.isEmpty && dateRanges.isEmpty && metric == nil && equals.keys.allSatisfy(slots.contains)
    }

    /// The first filter column the filter asks a value of (`f1`…`f3`, in slot order), and the value.
    var columnEquality: (column: String, value: String)? {
        for (slot, field) in kind.filterSlots.enumerated() {
            if let value = equals[field] { return ("f\(slot + 1)", value) }
        }
        return nil
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
/// SQLite: `json_extract`; PostgreSQL: `->>` on `doc`, the jsonb copy of `data` it keeps
/// (`M009_RecordDocument`). Booleans come out as 1/0 in
/// SQLite and true/false in PostgreSQL, so they are compared through a CASE that yields text.
func jsonText(_ field: String, _ dialect: Dialect) -> String {
    precondition(field.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" })
    switch dialect {
    case .sqlite:
        return "(CASE json_type(\"records\".\"data\", '$.\(field)') WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' ELSE json_extract(\"records\".\"data\", '$.\(field)') END)"
    case .postgres:
        return "(\"records\".\"doc\" ->> '\(field)')"
    }
}

extension RecordFilter {
    /// The filter's conditions as SQL, for every read of records: lists, the API, exports.
    ///
    /// `walking`: for a walk of the (kind, id, …) index on PostgreSQL, which checks the unit
    /// inside that index. The unit is then `unit_id + 0`: given `unit_id`, the planner probed
    /// (unit_id, kind, year, id) once for each unit of the subtree instead and read each one's
    /// records in the span (a town's closed hazards: 171 probes, 4,643 buffers, 19 ms at ten
    /// million records, against 51 buffers and 0.8 ms walking).
    func conditions(dialect: Dialect, walking: Bool = false) -> [any SQLExpression] {
        var c: [any SQLExpression] = [SQLQueryString("\(ident: "records").\(ident: "kind") = \(bind: kind.id)")]
        if !scopeCoversAll {
            // The subtree's units (an index range on their paths), then the records of those
            // units: the (unit_id, kind, year) index, or a check inside the (kind, id, …) one.
            // PostgreSQL gets the units as an array: with `IN (SELECT …)` it hash-joined them
            // against every match of the whole district (15,348 重大隐患 read for one town's
            // 1,053, 10 ms at 1M records); `= ANY(ARRAY(…))` probes the index unit by unit (1 ms).
            let units = SQLQueryString("""
                SELECT \(ident: "id") FROM \(ident: "units") WHERE \(ident: "path") >= \(bind: scope.value) AND \(ident: "path") < \(bind: scope.subtreeUpperBound)
                """)
            if walking, dialect == .postgres, let ids = scopeUnitIDs {
                // Integers, written by Swift: nothing of the request reaches the text.
                let array = ids.map(String.init).joined(separator: ",")
                c.append(SQLQueryString("\(ident: "records").\(ident: "unit_id") + 0 = ANY('{\(unsafeRaw: array)}'::bigint[])"))
            } else {
                c.append(dialect == .postgres
                    ? SQLQueryString("\(ident: "records").\(ident: "unit_id")\(unsafeRaw: walking ? " + 0" : "") = ANY(ARRAY(\(units)))")
                    : SQLQueryString("\(ident: "records").\(ident: "unit_id") IN (\(units))"))
            }
        }
        if let year { c.append(SQLQueryString("\(ident: "records").\(ident: "year") = \(bind: year)")) }
        // The state as a literal (one of four fixed words, never the request's text): a prepared
        // statement's generic plan can then use the open items' partial index for an open state.
        // Bound, one plan served every state, and a town's pending hazards at 10M read 69,067
        // buffers through the unit index (70 ms) where the partial index reads 900 (1 ms).
        if let status { c.append(SQLQueryString("\(ident: "records").\(ident: "status") = '\(unsafeRaw: status.rawValue)'")) }
        if !text.isEmpty {
            // The title, or any field's value; never the JSON's keys (`_` matched every row's "found_on").
            let pattern = LikePattern.contains(text)
            let values: SQLQueryString = dialect == .postgres
                ? "EXISTS (SELECT 1 FROM jsonb_each_text(\(ident: "records").\(ident: "doc")) AS \(ident: "e") WHERE \(ident: "e").\(ident: "value") LIKE \(bind: pattern) ESCAPE '\\')"
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

extension RecordFilter {
    /// How many records match, counting at most `cap` (a list over a million records must
    /// not scan them all to print its total); `capped` says the true number is larger.
    func count(cap: Int, on db: any Database) async throws -> (count: Int, capped: Bool) {
        let n = try await matches(cap: cap, on: db)
        return (min(n, cap), n > cap)
    }

    /// The matches counted up to `cap + 1`: more than `cap` means «cap or more».
    func matches(cap: Int, on db: any Database) async throws -> Int {
        let row = try await db.sql.raw("""
            SELECT \(countQuery(cap: cap, conditions: conditions(dialect: db.dialect))) AS n
            """).first()
        return try row?.decode(column: "n", as: Int.self) ?? 0
    }

    /// `(SELECT count(*) …)` of the matches, stopping after `cap + 1`.
    func countQuery(cap: Int, conditions: [any SQLExpression]) -> any SQLExpression {
        SQLQueryString("""
            (SELECT count(*) FROM (SELECT 1 FROM records \(unsafeRaw: metric == nil ? "" : "JOIN units ON units.id = records.unit_id")
            WHERE \(SQLKit.SQLList(conditions, separator: SQLRaw(" AND "))) LIMIT \(unsafeRaw: String(cap + 1))) AS matched)
            """)
    }
}
