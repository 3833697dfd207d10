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
