import Fluent
import FluentPostgresDriver
import PostgresKit
import Foundation
import LvzeCore
@testable import LvzeServer
import SQLKit
import Vapor
import XCTest

/// Reads on a PostgreSQL streaming replica (`DATABASE_READ_URL`), writes on the primary, and a
/// user's own reads on the primary for a few seconds after they write. CI runs the PostgreSQL
/// suite once more with a replica made by `pg_basebackup -R` (Tests/pg-replica.sh); which server
/// answered is read from the replica's own `pg_stat_activity`.
final class ReplicaTests: XCTestCase {
    /// The routing on its own: any database.
    func testRoutingKeepsAWritersReadsOnThePrimary() {
        let none = ReadRouting(replicas: 0)
        XCTAssertNil(none.replica(user: 1, now: Date(), forCache: false), "no replica: always the primary")

        let routing = ReadRouting(replicas: 2)
        let t = Date(timeIntervalSince1970: 1_000_000)
        let first = routing.replica(user: 1, now: t, forCache: false)
        let second = routing.replica(user: 1, now: t, forCache: false)
        XCTAssertNotNil(first)
        XCTAssertNotEqual(first, second, "replicas take turns")
        routing.wrote(user: 1, at: t)
        XCTAssertNil(routing.replica(user: 1, now: t.addingTimeInterval(4.9), forCache: false), "the writer reads the primary")
        XCTAssertNotNil(routing.replica(user: 2, now: t.addingTimeInterval(1), forCache: false), "others read a replica")
        XCTAssertNil(routing.replica(user: 2, now: t.addingTimeInterval(1), forCache: true), "a shared cache is filled from the primary")
        XCTAssertNil(routing.replica(user: nil, now: t.addingTimeInterval(1), forCache: true))
        XCTAssertNotNil(routing.replica(user: 1, now: t.addingTimeInterval(5.1), forCache: false), "a few seconds later, a replica again")
        XCTAssertNotNil(routing.replica(user: 2, now: t.addingTimeInterval(5.1), forCache: true))
    }

    func testSettingsAreChecked() async throws {
        let app = try await Application.make(.testing)
        var refusal = ""
        do {
            try await configure(app, LvzeConfiguration(dataDirectory: ":memory:", bcryptCost: 4, databaseReadURLs: ["postgres://u:p@h:5432/d"]))
        } catch {
            refusal = "\(error)"
        }
        try await app.asyncShutdown()
        XCTAssertTrue(refusal.contains("只读副本只用于 PostgreSQL"), refusal)
    }

    func testListsReadTheReplicaAndAWriterReadsThePrimary() async throws {
        guard ProcessInfo.processInfo.environment["DATABASE_URL"] != nil, !testReadURLs.isEmpty else {
            throw XCTSkip("needs DATABASE_URL and DATABASE_READ_URL (a streaming replica)")
        }
        try await withRunningFixture { app, _, port, _ in
            let replica = app.db(DatabaseID(string: ReadRouting.databaseIDPrefix + "0"))
            let inRecovery = try await replica.sql.raw("SELECT pg_is_in_recovery() AS r").first()?.decode(column: "r", as: Bool.self)
            XCTAssertEqual(inRecovery, true, "DATABASE_READ_URL is a replica")
            let onPrimary = try await app.db.sql.raw("SELECT pg_is_in_recovery() AS r").first()?.decode(column: "r", as: Bool.self)
            XCTAssertEqual(onPrimary, false)

            // The checks run on a connection of their own: one of the app's pooled connections
            // would show only its own last statement.
            let watcher = try await PostgresConnection.connect(configuration: SQLPostgresConfiguration(url: testReadURLs[0]).coreConfiguration,
                                                               id: 99, logger: Logger(label: "replica-watch"))
            defer { Task { try? await watcher.close() } }
            let watch = watcher.sql()
            /// The replica's clock, and whether any other session on it has started a statement since then.
            func replicaNow() async throws -> Date {
                try await watch.raw("SELECT clock_timestamp() AS t").first()!.decode(column: "t", as: Date.self)
            }
            func replicaReadRecords(since t: Date) async throws -> Bool {
                let n = try await watch.raw("""
                    SELECT count(*) AS n FROM pg_stat_activity
                    WHERE datname = current_database() AND pid <> pg_backend_pid() AND query_start >= \(bind: t)
                    """).first()!.decode(column: "n", as: Int.self)
                return n > 0
            }

            // A leader who has written nothing: the list comes from the replica.
            let leader = SocketBrowser(port: port, delivery: .pieces(4_096))
            try await leader.login("leader")
            app.lvze.clock.advance(by: 6)  // past the login's own write
            var t = try await replicaNow()
            let list = try await leader.get("/ledgers/hazard")
            XCTAssertEqual(list.status, 200, list.text)
            let onReplica = try await replicaReadRecords(since: t)
            XCTAssertTrue(onReplica, "the list was not read on the replica")

            // A clerk saves a record: the save is on the primary, and so is the list they read next.
            let clerk = SocketBrowser(port: port, delivery: .chunked(256))
            try await clerk.login("clerk")
            try await clerk.get("/ledgers/hazard/new")
            let saved = try await clerk.post("/ledgers/hazard", [
                ("unit", "TA-V1"), ("f_found_on", "2025-03-05"), ("f_description", "副本测试：配电箱未接地"), ("f_level", "一般隐患"),
                ("f_deadline", "2099-06-30"), ("f_source", "检查发现"),
            ])
            XCTAssertEqual(saved.status, 303, saved.text)
            let stored = try await LedgerRecord.query(on: app.db).filter(\.$title == "副本测试：配电箱未接地").count()
            XCTAssertEqual(stored, 1)
            t = try await replicaNow()
            let own = try await clerk.get("/ledgers/hazard")
            XCTAssertTrue(own.text.contains("副本测试：配电箱未接地"), "the writer misses their own record")
            let ownOnReplica = try await replicaReadRecords(since: t)
            XCTAssertFalse(ownOnReplica, "the writer's list was read on the replica within seconds of the save")

            // A few seconds later the clerk reads the replica too, and the record is there.
            app.lvze.clock.advance(by: 6)
            t = try await replicaNow()
            let later = try await clerk.get("/ledgers/hazard")
            XCTAssertTrue(later.text.contains("副本测试：配电箱未接地"))
            let laterOnReplica = try await replicaReadRecords(since: t)
            XCTAssertTrue(laterOnReplica, "after the few seconds, the writer's list is read on the replica")

            // The dashboard, a page cached for everyone, is computed on the primary right after a write.
            _ = try await clerk.post("/ledgers/hazard", [
                ("unit", "TA-V1"), ("f_found_on", "2025-03-06"), ("f_description", "副本测试：第二条"), ("f_level", "一般隐患"),
                ("f_deadline", "2099-06-30"), ("f_source", "检查发现"),
            ])
            t = try await replicaNow()
            let board = try await leader.get("/dashboards/safety")
            XCTAssertEqual(board.status, 200)
            let boardOnReplica = try await replicaReadRecords(since: t)
            XCTAssertFalse(boardOnReplica, "a cached page was computed on the replica right after a write")
        }
    }
}
