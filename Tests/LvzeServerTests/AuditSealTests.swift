import Fluent
import LvzeCore
@testable import LvzeServer
import SQLKit
import XCTest
import XCTVapor

/// What someone holding the database file (and, for checkpoints, even the key) can do to the
/// trail, and how verification catches each: the probes of issue 11, kept as tests.
final class AuditSealTests: XCTestCase {
    private func activity(_ app: Application) async throws {
        let browser = try await Browser.signedIn(app, "clerk")
        try await browser.get("/units/new")
        for i in 1...4 {
            _ = try await browser.post("/units", ["parentCode": "DIST", "code": "S\(i)", "name": "部门\(i)", "kind": "department"])
        }
    }

    private func dropGuards(_ app: Application) async throws {
        for table in AuditGuard.Table.allCases {
            for name in AuditGuard.triggers(table, app.db.dialect) {
                switch app.db.dialect {
                case .sqlite: try await app.db.sql.raw("DROP TRIGGER \(unsafeRaw: name)").run()
                case .postgres: try await app.db.sql.raw("DROP TRIGGER \(unsafeRaw: name) ON \(unsafeRaw: table.rawValue)").run()
                }
            }
        }
    }

    /// Rewrites entries from `seq` on as a forger would: new content, every hash after it
    /// recomputed and the head moved along. With `seal`, the MACs too (a key holder).
    private func rewrite(_ app: Application, from seq: Int, seal: AuditSeal? = nil,
                         change: (AuditEntry) -> Void) async throws {
        let entries = try await AuditEntry.query(on: app.db).sort(\.$seq).all()
        var prev = entries.first { $0.seq == seq - 1 }?.hash ?? AuditChain.genesis
        for e in entries where e.seq >= seq {
            if e.seq == seq { change(e) }
            e.prevHash = prev
            e.hash = e.content.computedHash
            if let seal { e.mac = seal.mac(entryHash: e.hash) }
            try await app.db.sql.raw("""
                UPDATE audit_entries SET seq = \(bind: e.seq), summary = \(bind: e.summary), prev_hash = \(bind: e.prevHash),
                hash = \(bind: e.hash), mac = \(bind: e.mac) WHERE id = \(bind: e.id!)
                """).run()
            prev = e.hash
        }
        let last = entries.last!.seq
        let headMAC = seal?.mac(headSeq: last, hash: prev)
        try await app.db.sql.raw("UPDATE audit_head SET seq = \(bind: last), hash = \(bind: prev), mac = COALESCE(\(bind: headMAC), mac) WHERE id = 1").run()
    }

    func testRehashedRewriteIsCaughtByTheKey() async throws {
        try await withFixture { app, _ in
            try await activity(app)
            try await dropGuards(app)
            try await rewrite(app, from: 3) { $0.summary = "改写过的摘要" }
            let result = try await app.lvze.audit.verify(on: app.db)
            XCTAssertEqual(result.problem?.seq, 3, result.summary)
            XCTAssertTrue(result.problem?.reason.contains("密钥签名不符") ?? false, result.summary)
            // Every entry after the rewrite is listed, and the head.
            let total = try await AuditEntry.query(on: app.db).count()
            XCTAssertGreaterThanOrEqual(result.breakCount, total - 2, result.summary)
        }
    }

    func testDeletedTailWithTheHeadMovedBackIsCaught() async throws {
        try await withFixture { app, _ in
            try await activity(app)
            try await dropGuards(app)
            let entries = try await AuditEntry.query(on: app.db).sort(\.$seq).all()
            let keep = entries[entries.count - 3]
            try await app.db.sql.raw("DELETE FROM audit_entries WHERE seq > \(bind: keep.seq)").run()
            try await app.db.sql.raw("UPDATE audit_head SET seq = \(bind: keep.seq), hash = \(bind: keep.hash) WHERE id = 1").run()
            let result = try await app.lvze.audit.verify(on: app.db)
            XCTAssertTrue(result.breaks.contains { $0.reason.contains("链头") }, result.summary)
        }
    }

    func testDeletedMiddleEntryWithRenumberingIsCaught() async throws {
        try await withFixture { app, _ in
            try await activity(app)
            try await dropGuards(app)
            let entries = try await AuditEntry.query(on: app.db).sort(\.$seq).all()
            try await app.db.sql.raw("DELETE FROM audit_entries WHERE seq = 2").run()
            for e in entries where e.seq > 2 {
                try await app.db.sql.raw("UPDATE audit_entries SET seq = \(bind: e.seq - 1) WHERE id = \(bind: e.id!)").run()
            }
            try await rewrite(app, from: 2) { _ in }
            let result = try await app.lvze.audit.verify(on: app.db)
            XCTAssertEqual(result.problem?.seq, 2, result.summary)
        }
    }

    /// Verification goes on past a break: a false alarm early cannot hide tampering later.
    func testEveryBreakIsListed() async throws {
        try await withFixture { app, _ in
            try await activity(app)
            try await dropGuards(app)
            try await app.db.sql.raw("UPDATE audit_entries SET summary = 'x' WHERE seq = 2").run()
            try await app.db.sql.raw("UPDATE audit_entries SET summary = 'y' WHERE seq = 5").run()
            let result = try await app.lvze.audit.verify(on: app.db)
            XCTAssertEqual(result.breaks.map(\.seq), [2, 5], result.summary)
            XCTAssertTrue(result.summary.contains("第2条") && result.summary.contains("第5条"), result.summary)
        }
    }

    /// Even a key holder cannot rewrite history before a checkpoint the auditor exported.
    func testExportedCheckpointCatchesARewriteWithTheKey() async throws {
        try await withFixture { app, _ in
            try await activity(app)
            let auditor = try await Browser.signedIn(app, "aud")
            try await auditor.get("/audit")
            let download = try await auditor.post("/audit/checkpoint", [:])
            XCTAssertEqual(download.status, .ok, download.body.string)
            let exported = try AuditCheckpointFile.parse(Data(download.body.readableBytesView), name: "checkpoint.json")
            XCTAssertEqual(exported.count, 1)
            XCTAssertTrue(exported[0].signatureIsValid)
            try await dropGuards(app)
            try await rewrite(app, from: 2, seal: app.lvze.audit.seal) { $0.summary = "持有密钥的人改写" }
            try await app.db.sql.raw("DELETE FROM audit_checkpoints").run()
            let without = try await app.lvze.audit.verify(on: app.db)
            XCTAssertNil(without.problem, "a key holder's rewrite passes without a checkpoint kept elsewhere")
            let with = try await app.lvze.audit.verify(on: app.db, checkpoints: exported)
            XCTAssertTrue(with.problem?.reason.contains("检查点不符") ?? false, with.summary)
            // The page takes the file too.
            try await auditor.get("/audit")
            let page = try await auditor.postMultipart("/audit/verify", [:], files: [("checkpoint", "checkpoint.json", Data(download.body.readableBytesView))])
            XCTAssertTrue(page.body.string.contains("检查点不符"), page.body.string)
            // A forged checkpoint file is refused by its signature.
            var forged = exported[0]
            forged.hash = String(repeating: "a", count: 64)
            let forgedResult = try await app.lvze.audit.verify(on: app.db, checkpoints: [forged])
            XCTAssertTrue(forgedResult.problem?.reason.contains("签名无效") ?? false)
        }
    }

    /// A start on a file whose triggers were dropped puts them back and says so in the trail.
    func testStartRestoresDroppedTriggers() async throws {
        try await withFixture { app, _ in
            try await activity(app)
            try await dropGuards(app)
            try await sealAuditTrail(app)
            do {
                try await app.db.sql.raw("UPDATE audit_entries SET summary = 'x' WHERE seq = 1").run()
                XCTFail("the trigger must be back")
            } catch {}
            do {
                try await app.db.sql.raw("DELETE FROM audit_checkpoints").run()
                XCTFail("checkpoints are append-only too")
            } catch {}
            let actions = try await auditActions(app)
            XCTAssertTrue(actions.contains("audit_guard_restored"))
            let result = try await app.lvze.audit.verify(on: app.db)
            XCTAssertNil(result.problem, result.summary)
        }
    }
}
