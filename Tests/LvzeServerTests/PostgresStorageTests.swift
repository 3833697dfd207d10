import Fluent
import Foundation
import LvzeCore
@testable import LvzeServer
import SQLKit
import XCTest
import XCTVapor

/// What Lvze keeps on PostgreSQL for speed at scale: `doc`, the jsonb copy of a record's fields
/// that lists, filters and metrics read (`M009_RecordDocument`), kept through every kind of
/// write and made for the records an existing database holds; and its sessions' settings.
final class PostgresStorageTests: XCTestCase {
    func doc(_ app: Application, _ id: Int, _ field: String) async throws -> String? {
        let row = try await app.db.sql.raw("SELECT doc ->> \(bind: field) AS v FROM records WHERE id = \(bind: id)").first()
        return try row?.decode(column: "v", as: String?.self)
    }

    func testPostgreSQLKeepsTheDocumentThroughEveryWriteAndFillsItForExistingRecords() async throws {
        guard testDatabaseURL != nil else { throw XCTSkip("PostgreSQL only: SQLite reads the JSON text itself") }
        try await withFixture { app, f in
            let kind = try XCTUnwrap(app.lvze.catalogue["hazard"])
            let clerk = try await recordService(app, "clerkA")
            let today = LocalDate(Date())
            let raw = ["found_on": today.adding(days: -3).iso, "description": "配电箱未接地", "level": "一般隐患",
                       "deadline": today.adding(days: 30).iso, "source": "督导"]
            let (record, unit) = try await clerk.create(kind, unitRef: f.villageA.code, raw: raw)
            let id = try XCTUnwrap(record.id)
            let description = try await doc(app, id, "description")
            XCTAssertEqual(description, "配电箱未接地")

            // An edit through the record service (a Fluent save) and a workflow step.
            var edited = raw
            edited["description"] = "配电箱未接地，已断电"
            _ = try await clerk.update(kind, record, unit: unit, unitRef: nil, raw: edited)
            let afterEdit = try await doc(app, id, "description")
            XCTAssertEqual(afterEdit, "配电箱未接地，已断电")
            try await clerk.step(kind, record, unit: unit, command: WorkflowCommand(action: "start"))
            try await clerk.step(kind, record, unit: unit, command: WorkflowCommand(action: "progress", percent: "40"))
            let same = try await app.db.sql.raw("SELECT count(*) AS n FROM records WHERE doc IS DISTINCT FROM data::jsonb").first()
            XCTAssertEqual(try same?.decode(column: "n", as: Int.self), 0)

            // What the list's filter and the metrics read: the field through `doc`.
            let filtered = try await app.db.sql.raw("""
                SELECT count(*) AS n FROM records WHERE \(unsafeRaw: jsonText("source", .postgres)) = '督导'
                """).first()
            XCTAssertEqual(try filtered?.decode(column: "n", as: Int.self), 1)

            // A database from before migration 009: the column is made for the records it holds.
            try await M009_RecordDocument().revert(on: app.db)
            try await M009_RecordDocument().prepare(on: app.db)
            let again = try await doc(app, id, "description")
            XCTAssertEqual(again, "配电箱未接地，已断电")
            // Nobody can write the copy: PostgreSQL refuses it.
            do {
                try await app.db.sql.raw("UPDATE records SET doc = '{}'::jsonb WHERE id = \(bind: id)").run()
                XCTFail("a generated column was written")
            } catch {}
        }
    }

    /// Migration 011 puts the id in the filter indexes, and an existing database gets them in
    /// place; a page of a filter column is then read from the index alone.
    func testTheFilterIndexesCarryTheIDAndAPageThroughThemReadsNoTable() async throws {
        guard testDatabaseURL != nil else { throw XCTSkip("PostgreSQL only: SQLite keeps the rowid in every index") }
        try await withFixture { app, _ in
            func definitions() async throws -> [String: String] {
                let rows = try await app.db.sql.raw("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'records'").all()
                return Dictionary(uniqueKeysWithValues: try rows.map {
                    (try $0.decode(column: "indexname", as: String.self), try $0.decode(column: "indexdef", as: String.self))
                })
            }
            try await M011_FilterIndexesWithID().revert(on: app.db)
            let before = try await definitions()
            XCTAssertTrue(try XCTUnwrap(before["records_kind_f2_idx"]).hasSuffix("(kind, f2, unit_id) WHERE (f2 IS NOT NULL)"))
            try await M011_FilterIndexesWithID().prepare(on: app.db)
            let after = try await definitions()
            XCTAssertTrue(try XCTUnwrap(after["records_kind_f2_idx"]).hasSuffix("(kind, f2, unit_id, id) WHERE (f2 IS NOT NULL)"))
            XCTAssertTrue(try XCTUnwrap(after["records_unit_kind_year_idx"]).hasSuffix("(unit_id, kind, year, id)"))
            let options = try await app.db.sql.raw("SELECT array_to_string(reloptions, ',') AS o FROM pg_class WHERE relname = 'records'").first()
            XCTAssertEqual(try options?.decode(column: "o", as: String?.self),
                           "autovacuum_vacuum_scale_factor=0.02,autovacuum_vacuum_insert_scale_factor=0.02,autovacuum_analyze_scale_factor=0.02")

            try await app.db.sql.raw("VACUUM ANALYZE records").run()
            // A fixture's few records would be read whole; the settings ask for the index's way.
            let plan = try await app.db.transaction { db in
                try await db.sql.raw("SET LOCAL enable_seqscan = off").run()
                try await db.sql.raw("SET LOCAL enable_bitmapscan = off").run()
                return try await db.sql.raw("""
                    EXPLAIN SELECT id FROM records WHERE kind = 'hazard' AND f2 = '重大隐患' AND unit_id = 1 ORDER BY id DESC
                    """).all().map { try $0.decode(column: "QUERY PLAN", as: String.self) }.joined(separator: "\n")
            }
            XCTAssertTrue(plan.hasPrefix("Index Only Scan") && plan.contains("using records_kind_f2_idx"), plan)
        }
    }

    /// Migration 013 keeps each filter column's records in id order, with the unit, year and
    /// status beside; an existing database gets the indexes in place, and the list's column walk
    /// reads one without the table.
    func testEachFilterColumnIsKeptInIDOrderAndTheColumnWalkReadsNoTable() async throws {
        guard testDatabaseURL != nil else { throw XCTSkip("PostgreSQL only: SQLite's indexes already end in the rowid") }
        try await withFixture { app, _ in
            func definition(_ name: String) async throws -> String? {
                try await app.db.sql.raw("SELECT indexdef FROM pg_indexes WHERE indexname = \(bind: name)").first()?
                    .decode(column: "indexdef", as: String.self)
            }
            try await M013_FilterColumnsInIDOrder().revert(on: app.db)
            let before = try await definition("records_kind_f2_id_idx")
            XCTAssertNil(before)
            try await M013_FilterColumnsInIDOrder().prepare(on: app.db)
            let after = try await definition("records_kind_f2_id_idx")
            XCTAssertTrue(try XCTUnwrap(after).hasSuffix("(kind, f2, id) INCLUDE (unit_id, year, status, f1, f3) WHERE (f2 IS NOT NULL)"), after ?? "")
            let f1 = try await definition("records_kind_f1_id_idx"), f3 = try await definition("records_kind_f3_id_idx")
            XCTAssertNotNil(f1)
            XCTAssertNotNil(f3)

            try await app.db.sql.raw("VACUUM ANALYZE records").run()
            let plan = try await app.db.transaction { db in
                try await db.sql.raw("SET LOCAL enable_seqscan = off").run()
                try await db.sql.raw("SET LOCAL enable_bitmapscan = off").run()
                return try await db.sql.raw("""
                    EXPLAIN SELECT id, kind, unit_id, year, status, f1, f2, f3 FROM records
                    WHERE kind = 'hazard' AND f2 = '重大隐患' ORDER BY id DESC LIMIT 5000
                    """).all().map { try $0.decode(column: "QUERY PLAN", as: String.self) }.joined(separator: "\n")
            }
            XCTAssertTrue(plan.contains("Index Only Scan Backward using records_kind_f2_id_idx"), plan)
        }
    }

    func testAListStatementThatRunsTooLongIsStoppedAndLeavesTheConnectionAsItWas() async throws {
        guard testDatabaseURL != nil else { throw XCTSkip("PostgreSQL only: SQLite has no statement timeout") }
        try await withFixture { app, _ in
            do {
                _ = try await RecordRow.timeLimited(on: app.db, milliseconds: 50) { db in
                    try await db.sql.raw("SELECT pg_sleep(2)").run()
                }
                XCTFail("a statement past its limit is stopped")
            } catch let error as RecordRow.TooSlow {
                XCTAssertEqual(error.status, .unprocessableEntity)
                XCTAssertTrue(error.reason.contains("请先选择单位、年度或状态缩小范围"), error.reason)
            }
            // Within the limit the answer comes back, and no connection keeps the limit after.
            let n = try await RecordRow.timeLimited(on: app.db, milliseconds: 5_000) { db in
                try await db.sql.raw("SELECT 41 + 1 AS n").first()?.decode(column: "n", as: Int.self)
            }
            XCTAssertEqual(n, 42)
            for _ in 0..<4 {
                let limit = try await app.db.sql.raw("SHOW statement_timeout").first()?.decode(column: "statement_timeout", as: String.self)
                XCTAssertEqual(limit, "0")
            }
        }
    }

    func testLvzesConnectionsRunWithoutJIT() async throws {
        guard testDatabaseURL != nil else { throw XCTSkip("PostgreSQL only") }
        let app = try await makeTestApp()
        do {
            let row = try await app.db.sql.raw("SELECT current_setting('jit') AS jit").first()
            XCTAssertEqual(try row?.decode(column: "jit", as: String.self), "off")
        } catch {
            try await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }
}
