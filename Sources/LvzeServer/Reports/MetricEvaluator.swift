import Fluent
import Foundation
import LvzeCore
import SQLKit

/// Computes metrics for a unit's subtree and a year as SQL aggregates over the records.
struct MetricEvaluator {
    let db: any Database
    let kinds: Catalogue
    let metrics: MetricCatalogue
    let scope: UnitPath
    let year: Int
    var settings: [String: String] = [:]
    /// When set, every statement run is written down with its values inlined (`--print-sql`).
    var log: SQLLog? = nil

    /// The query behind a record-based metric, or nil for organisation and derived metrics.
    func query(_ metric: MetricDefinition, year: Int? = nil) -> MetricQuery? {
        guard let kindID = metric.kind, let kind = kinds[kindID] else { return nil }
        var s = settings
        s["report.year"] = String(year ?? self.year)
        return MetricQuery(metric: metric, kind: kind, scope: scope, year: year ?? self.year, settings: s, dialect: db.dialect)
    }

    /// Every metric in `ids` and what they depend on, evaluated once each.
    func evaluate(_ ids: [String]) async throws -> [String: MetricValue] {
        var values: [String: MetricValue] = [:]
        var kept: [String: Bool] = [:]
        for id in metrics.closure(of: ids) {
            guard let metric = metrics[id] else { continue }
            values[id] = try await value(metric, known: values, kept: &kept)
        }
        return values
    }

    private func value(_ metric: MetricDefinition, known: [String: MetricValue], kept: inout [String: Bool]) async throws -> MetricValue {
        switch metric.aggregate {
        case .share(let n, let d):
            guard let num = known[n]?.number, let den = known[d]?.number else { return .missing("缺少计算比例所需的数据") }
            guard den != 0 else { return .missing("「\(metrics[d]?.label ?? d)」为0，无法计算比例") }
            return .number(num * 100 / den)
        case .yearOnYear(let of):
            guard let base = metrics[of] else { return .missing("同比的指标不存在") }
            guard let now = known[of]?.number else { return .missing("本年度没有数据") }
            let before = try await value(base, year: year - 1)
            guard let previous = before.number else { return .missing("上年没有数据") }
            guard previous != 0 else { return .missing("上年为0，无法计算同比") }
            return .number((previous - now) * 100 / previous)
        case .organisation(let o):
            return try await OrganisationMetrics(db: db, scope: scope, year: year).value(o)
        default:
            let v = try await value(metric, year: year)
            // A count or sum of 0 from a ledger the scope never kept is "no data", not 0.
            if v.number == 0, let kindID = metric.kind {
                if kept[kindID] == nil { kept[kindID] = try await ledgerKept(kindID) }
                if kept[kindID] == false {
                    return .missing("「\(kinds[kindID]?.name ?? kindID)」在本单位范围内没有任何记录")
                }
            }
            return v
        }
    }

    /// A record-based metric for one year.
    func value(_ metric: MetricDefinition, year: Int) async throws -> MetricValue {
        guard let q = query(metric, year: year) else { return .missing("指标所用的台账不存在") }
        if let problem = q.unresolved { return .missing(problem) }
        let where_ = SQLList(q.conditions(), separator: SQLRaw(" AND "))
        let from = SQLRaw("FROM records JOIN units ON units.id = records.unit_id WHERE ")
        func scalar(_ select: String) async throws -> Double? {
            let row = try await rows("SELECT CAST(\(unsafeRaw: select) AS DOUBLE PRECISION) AS v \(from)\(where_)").first
            return try row?.decode(column: "v", as: Double?.self)
        }
        if let select = scalarSelect(metric, q) {
            let v = try await scalar(select)
            switch metric.aggregate {
            case .count, .distinct, .distinctEnterprise, .sum: return .number(decimal(v ?? 0))
            default: return v.map { .number(decimal($0)) } ?? .missing("本年度没有符合条件的记录")
            }
        }
        switch metric.aggregate {
        case .names(let field):
            let t = "trim(\(jsonText(field, db.dialect)))"
            let found = try await rows("""
                SELECT \(unsafeRaw: t) AS n, min(records.record_date) AS d \(from)\(where_) AND \(unsafeRaw: t) <> '' \
                GROUP BY \(unsafeRaw: t) ORDER BY d, n LIMIT 200
                """)
            let names = try found.map { try $0.decode(column: "n", as: String.self) }
            return names.isEmpty ? .missing("本年度没有符合条件的记录") : .names(names)
        case .distinctPeople(let namesField, let fallback):
            let fb = fallback.map { q.number($0) } ?? "0"
            let cases = try await rows("""
                SELECT \(unsafeRaw: jsonText(namesField, db.dialect)) AS n, CAST(\(unsafeRaw: fb) AS DOUBLE PRECISION) AS c \(from)\(where_)
                """)
            var people: Set<String> = []
            var unnamed = 0
            for row in cases {
                let names = DistinctPeople.split(try row.decode(column: "n", as: String?.self) ?? "")
                if names.isEmpty { unnamed += Int(try row.decode(column: "c", as: Double?.self) ?? 0) } else { people.formUnion(names) }
            }
            return .number(Decimal(people.count + unnamed))
        case .roundsBehindSchedule:
            return .number(Decimal(try await RoundsBehind(evaluator: self, metric: metric, query: q).rounds().filter(\.behind).count))
        default:
            return .missing("")
        }
    }

    /// The aggregate of a metric that is one SQL expression over its records.
    func scalarSelect(_ metric: MetricDefinition, _ q: MetricQuery) -> String? {
        switch metric.aggregate {
        case .count: return "count(*)"
        case .distinct(let field): return "count(DISTINCT NULLIF(trim(\(jsonText(field, db.dialect))), ''))"
        case .distinctEnterprise(let code, let name): return "count(DISTINCT \(enterpriseKey(code: code, name: name)))"
        case .sum(let fields): return "sum(" + fields.map { "COALESCE(\(q.number($0)), 0)" }.joined(separator: " + ") + ")"
        case .mean(let f): return "avg(\(q.number(f)))"
        case .min(let f): return "min(\(q.number(f)))"
        case .max(let f): return "max(\(q.number(f)))"
        case .weightedMean(let f, let w):
            return "sum(\(q.number(f)) * \(q.number(w))) / NULLIF(sum(CASE WHEN \(q.number(f)) IS NOT NULL THEN \(q.number(w)) END), 0)"
        default: return nil
        }
    }

    /// Runs one statement, writing it down first when a log is kept.
    func rows(_ query: SQLQueryString) async throws -> [any SQLRow] {
        if let log { log.append(inlined(query)) }
        return try await db.sql.raw(query).all()
    }

    /// A statement with its values written in, as the `sqlite3` tool would run it.
    func inlined(_ expr: SQLQueryString) -> String {
        var serializer = SQLSerializer(database: db.sql)
        expr.serialize(to: &serializer)
        // Placeholders are `?N` (SQLite) or `$N` (PostgreSQL); `$.` in JSON paths is not one.
        var out = ""
        let sql = Array(serializer.sql)
        var i = 0
        while i < sql.count {
            if sql[i] == "?" || sql[i] == "$", i + 1 < sql.count, sql[i + 1].isASCII, sql[i + 1].isNumber {
                var j = i + 1
                while j < sql.count, sql[j].isASCII, sql[j].isNumber { j += 1 }
                let n = Int(String(sql[(i + 1)..<j]))!
                out += n - 1 < serializer.binds.count ? Self.literal(serializer.binds[n - 1], db.dialect) : "NULL"
                i = j
            } else {
                out.append(sql[i])
                i += 1
            }
        }
        return out + ";"
    }

    static func literal(_ value: any Encodable & Sendable, _ dialect: Dialect) -> String {
        switch value {
        case let s as String: return "'" + s.replacingOccurrences(of: "'", with: "''") + "'"
        case let i as Int: return String(i)
        case let d as Double: return String(d)
        // SQLite keeps times as seconds since 1970; PostgreSQL as timestamptz.
        case let date as Date:
            return dialect == .postgres ? "to_timestamp(\(date.timeIntervalSince1970))" : String(date.timeIntervalSince1970)
        default: return "NULL"
        }
    }

    /// Distinct enterprises: the credit code when present, else the name.
    func enterpriseKey(code: String, name: String) -> String {
        let c = "trim(COALESCE(\(jsonText(code, db.dialect)), ''))", n = "trim(COALESCE(\(jsonText(name, db.dialect)), ''))"
        return "CASE WHEN \(c) <> '' THEN 'C:' || upper(\(c)) WHEN \(n) <> '' THEN 'N:' || \(n) END"
    }

    /// Whether the scope holds any record of a kind at all.
    func ledgerKept(_ kindID: String) async throws -> Bool {
        let row = try await rows("""
            SELECT 1 AS k FROM records JOIN units ON units.id = records.unit_id WHERE records.kind = \(bind: kindID) \
            AND units.path >= \(bind: scope.value) AND units.path < \(bind: scope.subtreeUpperBound) LIMIT 1
            """).first
        return row != nil
    }

    private func decimal(_ d: Double) -> Decimal {
        MetricFormat.round(Decimal(d), decimals: 6)
    }
}

/// The statements an evaluation ran, in order.
final class SQLLog: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []

    func append(_ line: String) {
        lock.lock(); defer { lock.unlock() }
        lines.append(line)
    }

    var statements: [String] {
        lock.lock(); defer { lock.unlock() }
        return lines
    }
}

/// Names of people in a free-text list (张三、李四，王五).
enum DistinctPeople {
    static func split(_ text: String) -> [String] {
        text.split(whereSeparator: { "、，,;；\n ".contains($0) }).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}

/// Elevated inspection rounds and whether each one's items are closed ahead of the
/// time-proportional progress (序时进度) at the year end.
struct RoundsBehind {
    struct Round {
        var id: Int
        var name: String
        var items: Int
        var closed: Int
        /// Elapsed share of feedback → deadline at 31 December, percent.
        var expected: Int
        var behind: Bool { items > 0 && closed * 100 < expected * items }
    }

    let evaluator: MetricEvaluator
    let metric: MetricDefinition
    let query: MetricQuery

    func rounds() async throws -> [Round] {
        guard case .roundsBehindSchedule(let itemKind, let source, let batch, let nameField, let startField, let deadlineField) = metric.aggregate else { return [] }
        let db = evaluator.db
        let d = db.dialect
        let rows = try await evaluator.rows("""
            SELECT records.id AS id, \(unsafeRaw: jsonText(nameField, d)) AS name, \(unsafeRaw: jsonText(startField, d)) AS start, \
            \(unsafeRaw: jsonText(deadlineField, d)) AS deadline FROM records JOIN units ON units.id = records.unit_id \
            WHERE \(SQLList(query.conditions(), separator: SQLRaw(" AND "))) ORDER BY records.id
            """)
        let yearEnd = LocalDate(year: query.year, month: 12, day: 31)!
        var out: [Round] = []
        for row in rows {
            let name = try row.decode(column: "name", as: String?.self) ?? ""
            let start = (try row.decode(column: "start", as: String?.self)).flatMap(LocalDate.parse)
            let deadline = (try row.decode(column: "deadline", as: String?.self)).flatMap(LocalDate.parse)
            let counts = try await evaluator.rows("""
                SELECT CAST(count(*) AS DOUBLE PRECISION) AS n, \
                CAST(sum(CASE WHEN records.closed_on IS NOT NULL AND records.closed_on <= \(bind: yearEnd.iso) THEN 1 ELSE 0 END) AS DOUBLE PRECISION) AS c \
                FROM records JOIN units ON units.id = records.unit_id WHERE records.kind = \(bind: itemKind) \
                AND units.path >= \(bind: query.scope.value) AND units.path < \(bind: query.scope.subtreeUpperBound) \
                AND \(unsafeRaw: jsonText("source", d)) = \(bind: source) AND \(unsafeRaw: jsonText(batch, d)) = \(bind: name)
                """).first
            let items = Int(try counts?.decode(column: "n", as: Double?.self) ?? 0)
            let closed = Int(try counts?.decode(column: "c", as: Double?.self) ?? 0)
            var expected = 100
            if let start, let deadline {
                expected = RectificationSchedule(created: start, deadline: deadline).expectedProgress(on: yearEnd)
            }
            out.append(Round(id: try row.decode(column: "id", as: Int.self), name: name, items: items, closed: closed, expected: expected))
        }
        return out
    }
}
