import Fluent
import LvzeCore
@testable import LvzeServer
import SQLKit
import XCTest
import XCTVapor

/// The audit trail is append-only and its hash chain names the first broken entry.
final class AuditTests: XCTestCase {
    /// Fills the trail with a few real entries through the web.
    private func someActivity(_ app: Application) async throws {
        let browser = Browser(app)
        _ = try await browser.login("clerk", "bad")
        try await browser.login("clerk")
        try await browser.get("/units/new")
        _ = try await browser.post("/units", ["parentCode": "DIST", "code": "D1", "name": "一号部门", "kind": "department"])
        _ = try await browser.post("/units", ["parentCode": "DIST", "code": "D2", "name": "二号部门", "kind": "department"])
        _ = try await browser.post("/logout", [:])
    }

    /// What someone with the database file could do: drop the guard, then tamper.
    private func dropGuard(_ app: Application) async throws {
        switch app.db.dialect {
        case .sqlite:
            try await app.db.sql.raw("DROP TRIGGER audit_entries_no_update").run()
            try await app.db.sql.raw("DROP TRIGGER audit_entries_no_delete").run()
        case .postgres:
            try await app.db.sql.raw("DROP TRIGGER audit_entries_no_update ON audit_entries").run()
        }
    }

    func testIntactChainVerifies() async throws {
        try await withFixture { app, _ in
            try await someActivity(app)
            let verification = try await app.lvze.audit.verify(on: app.db); let (count, problem) = (verification.count, verification.problem)
            XCTAssertNil(problem)
            XCTAssertGreaterThanOrEqual(count, 5)
            let entries = try await AuditEntry.query(on: app.db).sort(\.$seq).all()
            XCTAssertEqual(entries.map(\.seq), Array(1...entries.count))
            XCTAssertEqual(entries.first?.prevHash, AuditChain.genesis)
            let create = entries.first { $0.action == "create" }!
            XCTAssertTrue(create.after?.contains("\"code\":\"D1\"") ?? false)
        }
    }

    func testDatabaseRefusesUpdateAndDelete() async throws {
        try await withFixture { app, _ in
            try await someActivity(app)
            do {
                try await app.db.sql.raw("UPDATE audit_entries SET summary = 'x' WHERE seq = 1").run()
                XCTFail("update must be refused")
            } catch {}
            do {
                try await app.db.sql.raw("DELETE FROM audit_entries WHERE seq = 1").run()
                XCTFail("delete must be refused")
            } catch {}
            let value1 = try await app.lvze.audit.verify(on: app.db).problem
            XCTAssertNil(value1)
        }
    }

    func testVerifyFailsAfterAnEntryIsEdited() async throws {
        try await withFixture { app, _ in
            try await someActivity(app)
            try await dropGuard(app)
            try await app.db.sql.raw("UPDATE audit_entries SET username = 'someone' WHERE seq = 3").run()
            let problem = try await app.lvze.audit.verify(on: app.db).problem
            XCTAssertEqual(problem?.seq, 3)
            XCTAssertTrue(problem?.reason.contains("篡改") ?? false)
        }
    }

    func testVerifyFailsAfterAnEntryIsDeleted() async throws {
        try await withFixture { app, _ in
            try await someActivity(app)
            try await dropGuard(app)
            try await app.db.sql.raw("DELETE FROM audit_entries WHERE seq = 2").run()
            let problem = try await app.lvze.audit.verify(on: app.db).problem
            XCTAssertEqual(problem?.seq, 2)
            XCTAssertTrue(problem?.reason.contains("删除") ?? false)
        }
    }

    func testVerifyFailsAfterTheLastEntryIsDeleted() async throws {
        try await withFixture { app, _ in
            try await someActivity(app)
            try await dropGuard(app)
            let last = try await AuditEntry.query(on: app.db).sort(\.$seq, .descending).first()!
            try await app.db.sql.raw("DELETE FROM audit_entries WHERE seq = \(bind: last.seq)").run()
            let problem = try await app.lvze.audit.verify(on: app.db).problem
            XCTAssertEqual(problem?.seq, last.seq)
        }
    }

    func testVerifyFailsAfterTwoEntriesAreSwapped() async throws {
        try await withFixture { app, _ in
            try await someActivity(app)
            try await dropGuard(app)
            // Swap every column of rows 2 and 3 but their ids: the stored order changes.
            let rows = try await AuditEntry.query(on: app.db).filter(\.$seq ~~ [2, 3]).sort(\.$seq).all()
            let (a, b) = (rows[0], rows[1])
            try await app.db.sql.raw("UPDATE audit_entries SET seq = -1 WHERE id = \(bind: a.id!)").run()
            try await app.db.sql.raw("UPDATE audit_entries SET seq = 2, at = \(bind: a.at), action = \(bind: a.action), summary = \(bind: a.summary), prev_hash = \(bind: a.prevHash), hash = \(bind: a.hash), username = \(bind: a.username) WHERE id = \(bind: b.id!)").run()
            try await app.db.sql.raw("UPDATE audit_entries SET seq = 3, at = \(bind: b.at), action = \(bind: b.action), summary = \(bind: b.summary), prev_hash = \(bind: b.prevHash), hash = \(bind: b.hash), username = \(bind: b.username) WHERE id = \(bind: a.id!)").run()
            let problem = try await app.lvze.audit.verify(on: app.db).problem
            XCTAssertNotNil(problem)
            XCTAssertEqual(problem?.seq, 2)
        }
    }

    func testVerifyCommandExitsWithError() async throws {
        try await withFixture { app, _ in
            try await someActivity(app)
            var ok = CommandContext(console: Terminal(), input: CommandInput(arguments: ["lvze", "verify"]))
            ok.application = app
            try await AuditCommands().run(using: &ok)
            try await dropGuard(app)
            try await app.db.sql.raw("UPDATE audit_entries SET summary = 'changed' WHERE seq = 4").run()
            var broken = CommandContext(console: Terminal(), input: CommandInput(arguments: ["lvze", "verify"]))
            broken.application = app
            do {
                try await AuditCommands().run(using: &broken)
                XCTFail("verify must fail")
            } catch let error as CLIError {
                XCTAssertTrue(error.description.contains("第4条"), error.description)
            }
        }
    }

    func testAuditorPageFiltersExportsAndVerifies() async throws {
        try await withFixture { app, _ in
            try await someActivity(app)
            let aud = try await Browser.signedIn(app, "aud")
            let failures = try await aud.get("/audit?action=login_failed")
            XCTAssertEqual(failures.status, .ok)
            XCTAssertTrue(failures.body.string.contains("符合条件1条"))
            let byUser = try await aud.get("/audit?user=clerk")
            XCTAssertTrue(byUser.body.string.contains("新增单位「一号部门」"))
            let badDate = try await aud.get("/audit?from=2025-02-30")
            XCTAssertTrue(badDate.body.string.contains("«起始日期»：「2025-02-30」不是有效日期"))
            let csv = try await aud.get("/audit/export?user=clerk")
            XCTAssertEqual(csv.status, .ok)
            XCTAssertTrue(csv.body.string.hasPrefix("\u{FEFF}序号,时间,用户"))
            XCTAssertTrue(csv.body.string.contains("一号部门"))
            XCTAssertTrue(csv.headers.first(name: .contentDisposition)?.contains("attachment") ?? false)
            try await aud.get("/audit")
            let verified = try await aud.post("/audit/verify", [:])
            XCTAssertTrue(verified.body.string.contains("哈希链和密钥签名校验通过"), verified.body.string)
            let actions = try await auditActions(app)
            XCTAssertTrue(actions.contains("export"))
            XCTAssertTrue(actions.contains("audit_verified"))
        }
    }

    func testCSVFieldsNeutraliseFormulas() {
        XCTAssertEqual(csvField("=SUM(A1)"), "'=SUM(A1)")
        XCTAssertEqual(csvField("@cmd"), "'@cmd")
        XCTAssertEqual(csvField("a,b"), "\"a,b\"")
        XCTAssertEqual(csvField("普通"), "普通")
    }
}
