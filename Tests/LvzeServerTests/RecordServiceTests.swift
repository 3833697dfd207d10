import Fluent
import Foundation
import LvzeCore
@testable import LvzeServer
import SQLKit
import XCTest
import XCTVapor

/// `RecordService` without a request: the rules every path (page, API, import, command line)
/// shares are checked here once, on the service itself.
final class RecordServiceTests: XCTestCase {
    /// The service acting as a fixture user, as a handler would build it.
    static let hazard: [String: String] = [
        "found_on": "2026-01-05", "description": "消防通道堵塞", "level": "一般隐患", "deadline": "2026-12-31", "source": "检查发现",
    ]

    func testCreateWritesRecordHistoryAndAuditAsOneChange() async throws {
        try await withFixture { app, f in
            // setup
            let kind = try XCTUnwrap(app.lvze.catalogue["hazard"])
            let clerk = try await recordService(app, "clerk")
            let auditBefore = try await AuditEntry.query(on: app.db).count()
            // act
            let (record, unit) = try await clerk.create(kind, unitRef: f.villageA.code, raw: Self.hazard)
            // check
            XCTAssertEqual(unit.id, f.villageA.id)
            XCTAssertEqual(record.state, .pending)
            XCTAssertEqual(record.openedOn, "2026-01-05", "the period starts at the finding, not at entry")
            let events = try await RecordEvent.query(on: app.db).filter(\.$recordID == record.id!).all()
            XCTAssertEqual(events.map(\.action), ["create"])
            XCTAssertEqual(events.first?.username, "clerk")
            let auditAfter = try await AuditEntry.query(on: app.db).count()
            XCTAssertEqual(auditAfter, auditBefore + 1)
        }
    }

    func testTheRulesOfChangingARecord() async throws {
        try await withFixture { app, f in
            let kind = try XCTUnwrap(app.lvze.catalogue["hazard"])
            let clerk = try await recordService(app, "clerk")
            let (record, unit) = try await clerk.create(kind, unitRef: f.villageA.code, raw: Self.hazard.merging(["progress": "0"]) { a, _ in a })

            // Progress is typed while the item is pending; once work starts it moves only through the workflow.
            try await clerk.update(kind, record, unit: unit, unitRef: nil, raw: ["progress": "20"])
            XCTAssertEqual(record.progress, 20)
            try await clerk.step(kind, record, unit: unit, command: WorkflowCommand(action: "start"))
            XCTAssertEqual(record.state, .inProgress)
            let ignored = try await clerk.update(kind, record, unit: unit, unitRef: nil, raw: ["progress": "90"])
            XCTAssertFalse(ignored.changed, "an edit does not move progress once work has started")
            XCTAssertEqual(record.progress, 20)
            try await clerk.step(kind, record, unit: unit, command: WorkflowCommand(action: "progress", percent: "60"))
            XCTAssertEqual(record.progress, 60)

            // A major hazard's close-out waits for its declared plan.
            try await clerk.update(kind, record, unit: unit, unitRef: nil, raw: ["level": "重大隐患"])
            do {
                try await clerk.step(kind, record, unit: unit, command: WorkflowCommand(action: "request_closure", description: "已整改"))
                XCTFail("a major hazard without its plan asked for close-out")
            } catch let failure as ValidationFailure {
                XCTAssertTrue(failure.message.contains("整改方案五到位"), failure.message)
            }

            // A reviewer's step asked for by a clerk is refused by the state machine; a clerk's by a reviewer by the service.
            let reviewer = try await recordService(app, "reviewer")
            do {
                try await reviewer.step(kind, record, unit: unit, command: WorkflowCommand(action: "progress", percent: "70"))
                XCTFail("a reviewer recorded progress")
            } catch let failure as ValidationFailure {
                XCTAssertTrue(failure.message.contains("须由"), failure.message)
            }

            // A closed item is kept: the service refuses to delete it, whoever asks.
            record.status = RectificationState.closed.rawValue
            try await record.update(on: app.db)
            do {
                try await clerk.delete(kind, record)
                XCTFail("a closed item was deleted")
            } catch let refused as Abort {
                XCTAssertEqual(refused.status, .conflict)
                XCTAssertEqual(refused.reason, "已销号的问题不能删除，销号记录须留存备查")
            }
            let stillThere = try await LedgerRecord.find(record.id!, on: app.db)
            XCTAssertNotNil(stillThere)
        }
    }

    /// Two edits of one version: the second is refused, not silently written over the first.
    func testTheSecondEditOfOneVersionIsRefused() async throws {
        try await withFixture { app, f in
            let kind = try XCTUnwrap(app.lvze.catalogue["hazard"])
            let clerk = try await recordService(app, "clerk")
            let (record, unit) = try await clerk.create(kind, unitRef: f.villageA.code, raw: Self.hazard)
            let first = try await LedgerRecord.find(record.id!, on: app.db)!
            let second = try await LedgerRecord.find(record.id!, on: app.db)!
            try await clerk.update(kind, first, unit: unit, unitRef: nil, raw: ["description": "第一处修改"])
            do {
                try await clerk.update(kind, second, unit: unit, unitRef: nil, raw: ["description": "第二处修改"])
                XCTFail("a stale version was written")
            } catch let refused as Abort {
                XCTAssertEqual(refused.status, .conflict)
            }
            let stored = try await LedgerRecord.find(record.id!, on: app.db)!
            XCTAssertEqual(stored.title, "第一处修改")
        }
    }

    /// A kind whose attachment field is required asks for a file wherever the record comes from.
    func testRequiredFilesAreAskedForOnEveryPath() async throws {
        try await withFixture { app, f in
            let kind = LedgerKind(id: "signed_minutes", name: "签字会议记录", system: .common,
                                  fields: [FieldSpec(id: "topic", label: "议题", type: .text, required: true),
                                           FieldSpec(id: "scan", label: "签字页", type: .attachments, required: true)],
                                  listColumns: ["topic"], titleField: "topic")
            let clerk = try await recordService(app, "clerk")
            do {
                try await clerk.create(kind, unitRef: f.townA.code, raw: ["topic": "专题会议"])
                XCTFail("saved without its file")
            } catch let failure as ValidationFailure {
                XCTAssertEqual(failure.errors.map(\.field), ["scan"])
                XCTAssertEqual(failure.errors.first?.message, "请上传至少一个文件")
            }
            let count = try await LedgerRecord.query(on: app.db).filter(\.$kind == "signed_minutes").count()
            XCTAssertEqual(count, 0)
        }
    }

    /// The command line writes as itself: history and audit name it, and it creates as no user.
    func testCommandLineImportsThroughTheService() async throws {
        try await withFixture { app, f in
            // setup
            let kind = try XCTUnwrap(app.lvze.catalogue["hazard"])
            let csv = "排查时间,隐患描述,隐患等级,整改时限\n2026-02-01,配电箱未接地,一般隐患,2026-03-01\n2026-02-02,灭火器过期,一般隐患,2026-03-02\n"
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("service-import-\(UUID().uuidString).csv")
            try Data(csv.utf8).write(to: url)
            defer { try? FileManager.default.removeItem(at: url) }
            let importer = LedgerImporter(kind: kind, db: app.db, scope: f.dist.unitPath, defaultUnit: f.townA, readers: app.threadPool)
            // act
            let report = try await importer.run(try LedgerImporter.open(url, name: "hazards.csv"), fileName: "hazards.csv",
                                                writer: app.records(as: .commandLine(scope: f.dist.unitPath)))
            // check
            XCTAssertEqual(report.errors, [])
            XCTAssertEqual(report.committed, 2)
            let records = try await LedgerRecord.query(on: app.db).filter(\.$kind == "hazard").all()
            XCTAssertEqual(Set(records.map(\.createdBy)), [0])
            let events = try await RecordEvent.query(on: app.db).filter(\.$action == "import").all()
            XCTAssertEqual(events.count, 2)
            let audit = try await AuditEntry.query(on: app.db).sort(\.$seq, .descending).first()
            XCTAssertEqual(audit?.username, "cli")
            XCTAssertEqual(audit?.summary, "从「hazards.csv」导入「隐患排查治理台账」2条记录")
        }
    }
}
