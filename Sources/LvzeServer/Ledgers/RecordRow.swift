import Fluent
import FluentSQL
import FluentPostgresDriver
import FluentSQLiteDriver
import LvzeCore
import SQLKit
import Vapor

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

    /// The names `columns` and `pageColumns` select, in their order.
    static let columnOrder = ["id", "unit_id", "title", "status", "record_date", "opened_on", "due_date", "closed_on", "progress",
                              "data", "workflow", "updated_at", "unit_name"]

    /// The same columns from a PostgreSQL row, cell by cell in `columnOrder` (checked once a
    /// statement by `decode`): looking each of a page's 650 values up by name hashed its name
    /// and copied the row's cells into an array first, a tenth of a list page's time.
    init(_ row: PostgresRow) throws {
        var cells = row.makeIterator()
        func next<T: PostgresDecodable>(_: T.Type = T.self) throws -> T {
            guard let cell = cells.next() else { throw Abort(.internalServerError, reason: "记录行缺少列") }
            return try cell.decode(T.self)
        }
        id = try next()
        unitID = try next()
        title = try next()
        status = try next()
        recordDate = try next()
        openedOn = try next()
        dueDate = try next()
        closedOn = try next()
        progress = try next()
        data = try next()
        workflow = try next()
        updatedAt = try next()
        unitName = try next()
    }

    /// The rows of a statement selecting `columns` or `pageColumns` (and perhaps `total` after
    /// them), and that count. Every statement here selects them so; one that did not would be
    /// refused whole rather than put one column's value in another.
    static func decode(_ rows: [PostgresRow]) throws -> (rows: [RecordRow], total: Int?) {
        guard let first = rows.first else { return ([], nil) }
        let names = first.map(\.columnName)
        guard names.starts(with: columnOrder) else {
            throw Abort(.internalServerError, reason: "记录查询的列与约定不符：\(names.joined(separator: "、"))")
        }
        let total = names.count > columnOrder.count && names[columnOrder.count] == "total"
            ? try first.dropFirst(columnOrder.count).first?.decode(Int.self) : nil
        return (try rows.map(RecordRow.init), total)
    }

    /// Runs a query that selects `columns` or `pageColumns` and decodes its rows.
    static func fetch(_ query: any SQLExpression, on db: any Database) async throws -> [RecordRow] {
        if let sqlite = db as? any SQLiteDatabase {
            let (sql, binds) = db.sql.serialize(query)
            let encoder = SQLiteDataEncoder()
            return try await sqlite.query(sql, try binds.map { try encoder.encode($0) }).map(RecordRow.init)
        }
        if let rows = try await PostgresRows.fetch(query, on: db) { return try decode(rows).rows }
        return try await db.sql.raw(SQLQueryString("\(query)")).all().map(RecordRow.init)
    }

    /// One page, newest first, below `beforeID`.
    static func page(_ filter: RecordFilter, beforeID: Int, limit: Int, on db: any Database) async throws -> [RecordRow] {
        try await list(filter, sort: "-id", after: beforeID == Int.max ? "" : String(beforeID), limit: limit, on: db)
    }

    /// One page and how many records match (counted up to `cap`, see `RecordFilter.count`):
    /// a page in id order carries the count in its first statement.
    ///
    /// `counts`: counts read a moment ago, by statement (`KeptCounts`); a kept one is not read
    /// again, and only a fresh one is kept (a kept one shown again keeps its first time, so a
    /// busy list still counts anew after the lifetime).
    static func list(_ filter: RecordFilter, sort: String, after: String, limit: Int, countingTo cap: Int,
                     counts: KeptCounts, on db: any Database) async throws -> ([RecordRow], (count: Int, capped: Bool)) {
        let conditions = filter.conditions(dialect: db.dialect)
        let countQuery = filter.countQuery(cap: cap, conditions: conditions)
        let key = KeptCounts.key(countQuery, on: db)
        let kept = counts.get(key)
        func capped(_ n: Int) -> (count: Int, capped: Bool) { (min(n, cap), n > cap) }
        func counted(_ n: Int) -> (count: Int, capped: Bool) {
            counts.put(key, n)
            return capped(n)
        }
        if sort == "id" || sort == "-id", filter.walkable {
            var total: Int?
            let rows = try await page(filter, conditions: conditions, descending: sort.hasPrefix("-"), after: Int(after), limit: limit,
                                      counting: kept == nil ? (cap, countQuery) : nil, total: &total, on: db)
            if let kept { return (rows, capped(kept)) }
            if let total { return (rows, counted(total)) }
            return (rows, counted(try await filter.matches(cap: cap, on: db)))
        }
        // A page that falls short is every match after the cursor: on the first page that is
        // the count (a search for a word few records hold need not read them all twice).
        let rows = try await list(filter, sort: sort, after: after, limit: limit, on: db)
        if after.isEmpty, rows.count < limit { return (rows, counted(rows.count)) }
        if let kept { return (rows, capped(kept)) }
        do {
            return (rows, counted(try await timeLimited(on: db) { try await filter.matches(cap: cap, on: $0) }))
        } catch is TooSlow {
            return (rows, (rows.count, true))  // "at least": the page is found, counting the rest took too long
        }
    }

    /// How long one statement of a list that cannot walk (a text search, a date range, another
    /// sort, a report figure's records) may run on PostgreSQL. At ten million records a search
    /// for a word no record holds reads every record's fields: over a minute, holding a
    /// connection, where the user would rather be told to narrow the search.
    static let searchSeconds = 10

    /// A list statement stopped after `searchSeconds`: named to the user, nothing is lost.
    struct TooSlow: AbortError {
        var status: HTTPResponseStatus { .unprocessableEntity }
        var reason: String {
            "检索超过\(RecordRow.searchSeconds)秒仍未完成，已停止。记录较多时，请先选择单位、年度或状态缩小范围，再按关键词、日期或其他顺序检索。"
        }
    }

    /// `body` on PostgreSQL in a transaction whose statements stop after `searchSeconds`
    /// (`SET LOCAL`: the pooled connection keeps no limit afterwards); as it is on SQLite.
    static func timeLimited<T: Sendable>(on db: any Database, milliseconds: Int = searchSeconds * 1000,
                                         _ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        guard db.dialect == .postgres else { return try await body(db) }
        do {
            return try await db.transaction { tx in
                try await tx.sql.raw("SET LOCAL statement_timeout = \(unsafeRaw: String(milliseconds))").run()
                return try await body(tx)
            }
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "57014" {
            throw TooSlow()
        }
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
        let query = SQLQueryString("""
            SELECT \(unsafeRaw: columns) FROM records JOIN units ON units.id = records.unit_id
            WHERE \(SQLKit.SQLList(conditions, separator: SQLRaw(" AND ")))
            ORDER BY \(unsafeRaw: order) LIMIT \(unsafeRaw: String(limit))
            """)
        return try await timeLimited(on: db) { try await fetch(query, on: $0) }
    }

    /// How many ids past the cursor a page walks before it looks the records up through the
    /// filter instead (about 0.4 ms of index on the development machine), and the first
    /// stretch it walks to judge how often the filter matches.
    static let walkSpan = 8_000
    static let probeSpan = 1_000
    /// How many of a filter value's newest records the column walk reads (index entries, about
    /// 0.5 ms): a part of the tree holding one in a hundred of the value's records fills a page.
    static let columnSpan = 5_000

    /// The columns of a page read without joining the units (the planner then has one table
    /// to plan); the unit's name is looked up for the rows returned only.
    static let pageColumns = """
        records.id, records.unit_id, records.title, records.status, records.record_date, records.opened_on, records.due_date,
        records.closed_on, records.progress, records.data, records.workflow, records.updated_at,
        (SELECT units.name FROM units WHERE units.id = records.unit_id) AS unit_name
        """

    /// One page in id order, found one of three ways, each an index read:
    ///
    /// 1. (Where 2 does not apply.) Walk the (kind, id, unit_id, year, status, f1, f2, f3)
    ///    index from the cursor — or (kind, year, id, …) for one year — checking the filter
    ///    inside the index (a record's row is read only when it matches):
    ///    first `probeSpan` ids, then — when what the probe found says the page will fill
    ///    within `walkSpan` ids — on to there. A filter that matches one record in a hundred
    ///    or more fills the page this way. On PostgreSQL within part of the tree, the ids come
    ///    first, from the index alone, and then their rows.
    /// 2. On PostgreSQL, when the filter holds a filter column's value and a part of the tree:
    ///    walk that value's newest `columnSpan` records (migration 013's index), checking the
    ///    rest inside the index. A town's newest 重大隐患 are some 740 entries there, at any
    ///    number of records, where step 3 reads every one of the town's (10,275 at ten million).
    /// 3. Otherwise the filter matches few records: read their ids through the filter's own
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
        // A statement selecting `pageColumns`, given the count's column while no statement has
        // counted yet; the first that finds a row carries the count. The walks are prepared on
        // PostgreSQL: their plan is an index walk whatever the values (see `PostgresRows.fetch`).
        func fetchPage(prepared: Bool, _ statement: (_ count: SQLQueryString) -> SQLQueryString) async throws -> [RecordRow] {
            let rows = try await fetchCounting(statement(counting.map { SQLQueryString(", (\($0.query)) AS total") } ?? ""),
                                               prepared: prepared, on: db)
            if counting != nil, let total = rows.total {
                counted = total
                counting = nil
            }
            return rows.rows
        }
        // On PostgreSQL within part of the tree, the walk finds the page's ids in the index
        // alone (an index-only scan checking unit, year and status there), then reads their rows.
        let idsFirst = db.dialect == .postgres && !filter.scopeCoversAll
        let walking = idsFirst ? filter.conditions(dialect: db.dialect, walking: true) : conditions
        func walk(_ span: any SQLExpression, limit: Int) async throws -> [RecordRow] {
            if idsFirst {
                return try await fetchPage(prepared: true) { count in """
                    SELECT \(unsafeRaw: pageColumns)\(count) FROM records WHERE records.id IN (
                        SELECT records.id FROM records WHERE \(SQLKit.SQLList(walking + [span], separator: SQLRaw(" AND ")))
                        ORDER BY records.id \(unsafeRaw: dir) LIMIT \(unsafeRaw: String(limit)))
                    ORDER BY records.id \(unsafeRaw: dir)
                    """ }
            }
            return try await fetchPage(prepared: true) { count in """
                SELECT \(unsafeRaw: pageColumns)\(count) FROM records
                WHERE \(SQLKit.SQLList(conditions + [span], separator: SQLRaw(" AND ")))
                ORDER BY records.id \(unsafeRaw: dir) LIMIT \(unsafeRaw: String(limit))
                """ }
        }
        defer { total = counted }
        // The walk starts after the cursor, or at the kind's newest (oldest) record — of the
        // year when one is asked for: it then walks (kind, year, id, …). PostgreSQL found a
        // kind's MAX(id) by walking the primary key back past every newer record of other
        // kinds (40,000 rows, 30–60 ms at a million records): it assumes a kind's records
        // spread evenly over the ids. `= ANY(ARRAY[…])` ordered by kind leaves it only the
        // (kind, id, …) and (kind, year, id, …) indexes, which find the record at once.
        let inYear = filter.year.map { SQLQueryString(" AND \(ident: "year") = \(bind: $0)") } ?? SQLQueryString("")
        // On PostgreSQL the year as a range, and in the order: with `year = …` it took the year
        // as a constant, found (kind, id, …) just as good, and walked back past every newer
        // year's records to the year's newest (4,310 index pages, 30 ms twice a page at 1M).
        let inYearRange = filter.year.map { SQLQueryString(" AND \(ident: "year") >= \(bind: $0) AND \(ident: "year") <= \(bind: $0)") } ?? SQLQueryString("")
        let yearOrder = filter.year == nil ? "" : "\"year\" \(dir), "
        let start: any SQLExpression = after.map { SQLBind($0 + (descending ? 0 : 1)) as any SQLExpression } ?? (db.dialect == .sqlite ? SQLQueryString("""
            (SELECT COALESCE(\(unsafeRaw: descending ? "MAX" : "MIN")(\(ident: "id")), 0) \(unsafeRaw: descending ? "+ 1" : "")
            FROM \(ident: "records") WHERE \(ident: "kind") = \(bind: filter.kind.id)\(inYear))
            """) : SQLQueryString("""
            (COALESCE((SELECT \(ident: "id") FROM \(ident: "records") WHERE \(ident: "kind") = ANY(ARRAY[\(bind: filter.kind.id)])\(inYearRange)
            ORDER BY \(ident: "kind") \(unsafeRaw: dir), \(unsafeRaw: yearOrder)\(ident: "id") \(unsafeRaw: dir) LIMIT 1), 0) \(unsafeRaw: descending ? "+ 1" : ""))
            """))
        // Ids in [start - to, start - from) going down, [start + from, start + to) going up.
        func span(_ from: Int, _ to: Int) -> any SQLExpression {
            descending
                ? SQLQueryString("\(id) < \(start) - \(unsafeRaw: String(from)) AND \(id) >= \(start) - \(unsafeRaw: String(to))")
                : SQLQueryString("\(id) >= \(start) + \(unsafeRaw: String(from)) AND \(id) < \(start) + \(unsafeRaw: String(to))")
        }
        // PostgreSQL, a filter column's value in a part of the tree: the value's records in id
        // order (migration 013's index), the part's among the first `columnSpan` of them. It
        // goes first: where it does not fill the page, the part holds under one in a hundred of
        // the value's records, and the walk of the newest ids would not fill it either.
        if db.dialect == .postgres, !filter.scopeCoversAll, let (column, value) = filter.columnEquality {
            let past = after.map { descending ? SQLQueryString(" AND \(ident: "id") < \(bind: $0)") : SQLQueryString(" AND \(ident: "id") > \(bind: $0)") }
            let rows = try await fetchPage(prepared: true) { count in """
                SELECT \(unsafeRaw: pageColumns)\(count) FROM records WHERE records.id IN (
                    SELECT records.id FROM (
                        SELECT \(ident: "id"), \(ident: "kind"), \(ident: "unit_id"), \(ident: "year"), \(ident: "status"), \(ident: "f1"), \(ident: "f2"), \(ident: "f3")
                        FROM \(ident: "records") WHERE \(ident: "kind") = \(bind: filter.kind.id) AND \(ident: column) = \(bind: value)\(past ?? "")
                        ORDER BY \(ident: "id") \(unsafeRaw: dir) LIMIT \(unsafeRaw: String(columnSpan))) AS records
                    WHERE \(SQLKit.SQLList(walking, separator: SQLRaw(" AND ")))
                    ORDER BY records.id \(unsafeRaw: dir) LIMIT \(unsafeRaw: String(limit)))
                ORDER BY records.id \(unsafeRaw: dir)
                """ }
            if rows.count == limit { return rows }
        } else {
            var found = try await walk(span(0, probeSpan), limit: limit)
            if found.count == limit { return found }
            if found.count * walkSpan / probeSpan >= limit {
                found += try await walk(span(probeSpan, walkSpan), limit: limit - found.count)
                if found.count == limit { return found }
            }
        }
        var seek = conditions
        if let after { seek.append(descending ? SQLQueryString("\(id) < \(bind: after)") : SQLQueryString("\(id) > \(bind: after)")) }
        // The ids first (from the filter's index, sorted), then their rows, in one statement.
        // Planned on every call: which index finds a value's records best depends on the value.
        return try await fetchPage(prepared: false) { count in """
            SELECT \(unsafeRaw: pageColumns)\(count) FROM records WHERE records.id IN (
                SELECT records.id FROM records WHERE \(SQLKit.SQLList(seek, separator: SQLRaw(" AND ")))
                ORDER BY records.id + 0 \(unsafeRaw: dir) LIMIT \(unsafeRaw: String(limit)))
            ORDER BY records.id \(unsafeRaw: dir)
            """ }
    }

    /// `fetch`, also reading the `total` column of the first row when there is one.
    private static func fetchCounting(_ query: any SQLExpression, prepared: Bool,
                                      on db: any Database) async throws -> (rows: [RecordRow], total: Int?) {
        if let sqlite = db as? any SQLiteDatabase {
            let (sql, binds) = db.sql.serialize(query)
            let encoder = SQLiteDataEncoder()
            let rows = try await sqlite.query(sql, try binds.map { try encoder.encode($0) })
            return (try rows.map(RecordRow.init), rows.first?.column("total")?.integer)
        }
        if let rows = try await PostgresRows.fetch(query, prepared: prepared, on: db) { return try decode(rows) }
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
