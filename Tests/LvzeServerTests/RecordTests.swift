import Fluent
import LvzeCore
@testable import LvzeServer
import XCTest
import XCTVapor

/// A tiny valid PDF: content sniffing accepts it as evidence.
let samplePDF = Data("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n".utf8)

final class RecordTests: XCTestCase {
    func testBuiltInCatalogueLoads() async throws {
        try await withFixture { app, _ in
            let catalogue = app.lvze.catalogue.catalogue
            for id in ["rectification", "hazard", "meeting", "training_class", "problem_lead", "media_placement"] {
                XCTAssertNotNil(catalogue[id], id)
            }
            let rect = catalogue["rectification"]!
            XCTAssertTrue(rect.workflow)
            for id in ["source", "measures", "responsible_person", "deadline", "progress", "evidence"] {
                XCTAssertNotNil(rect.field(id), id)
            }
            XCTAssertEqual(catalogue["problem_lead"]?.readers, [.discipline])
        }
    }

    func testCreateChecksEveryFieldAndKeepsHistory() async throws {
        try await withFixture { app, f in
            let clerk = try await Browser.signedIn(app, "clerk")
            try await clerk.get("/ledgers/rectification/new")
            let bad = try await clerk.postMultipart("/ledgers/rectification", [
                "unit": "NOPE", "f_found_on": "2025-13-01", "f_source": "传闻", "f_deadline": "", "f_progress": "120"])
            XCTAssertEqual(bad.status, .unprocessableEntity)
            let body = bad.body.string
            for message in ["«责任单位»：「NOPE」不存在", "«发现日期»：「2025-13-01」不是有效日期", "«问题来源»：「传闻」不是可选值",
                            "«问题描述»：不能为空", "«整改时限»：不能为空", "«整改进展（%）»：不能大于100"] {
                XCTAssertTrue(body.contains(message), message)
            }
            let v1 = try await LedgerRecord.query(on: app.db).count()
            XCTAssertEqual(v1, 0)
            let ok = try await clerk.postMultipart("/ledgers/rectification", [
                "unit": "TA-V1", "f_found_on": "2025年3月5日", "f_source": "巡察", "f_description": "村务公开不及时",
                "f_deadline": "2025-06-30", "f_measures": "建立公开台账", "f_progress": "0"])
            XCTAssertEqual(ok.status, .seeOther, ok.body.string)
            let record = try await LedgerRecord.query(on: app.db).first()!
            XCTAssertEqual(record.title, "村务公开不及时")
            XCTAssertEqual(record.recordDate, "2025-03-05")
            XCTAssertEqual(record.year, 2025)
            XCTAssertEqual(record.status, "pending")
            XCTAssertEqual(record.dueDate, "2025-06-30")
            XCTAssertEqual(record.$unit.id, f.villageA.id)
            // Edit, then the history names the field, before and after.
            try await clerk.get("/ledgers/rectification/\(record.id!)/edit")
            let edited = try await clerk.postMultipart("/ledgers/rectification/\(record.id!)", [
                "unit": "TA-V1", "f_found_on": "2025-03-05", "f_source": "巡察", "f_description": "村务公开不及时、不规范",
                "f_deadline": "2025-06-30"])
            XCTAssertEqual(edited.status, .seeOther)
            let page = try await clerk.get("/ledgers/rectification/\(record.id!)")
            XCTAssertTrue(page.body.string.contains("问题描述：村务公开不及时→村务公开不及时、不规范"))
            XCTAssertTrue(page.body.string.contains("序时进度"))
            let actions = try await auditActions(app)
            XCTAssertEqual(actions.filter { $0 == "create" || $0 == "update" }.count, 2)
        }
    }

    private func makeRectification(_ app: Application, _ browser: Browser, unit: String, description: String,
                                   deadline: String = "2099-12-31", source: String = "巡察") async throws -> LedgerRecord {
        try await browser.get("/ledgers/rectification/new")
        let res = try await browser.postMultipart("/ledgers/rectification", [
            "unit": unit, "f_found_on": "2025-01-10", "f_source": source, "f_description": description, "f_deadline": deadline])
        XCTAssertEqual(res.status, .seeOther, res.body.string)
        return try await LedgerRecord.query(on: app.db).filter(\.$title == description).first()!
    }

    func testListFiltersPaginatesAndIsScoped() async throws {
        try await withFixture { app, _ in
            let clerk = try await Browser.signedIn(app, "clerk")
            for i in 1...55 {
                _ = try await makeRectification(app, clerk, unit: i % 2 == 0 ? "TA-V1" : "TB-V1", description: "问题\(i)",
                                                source: i % 5 == 0 ? "督察" : "巡察")
            }
            let first = try await clerk.get("/ledgers/rectification")
            XCTAssertTrue(first.body.string.contains("符合条件55条"))
            XCTAssertTrue(first.body.string.contains(">问题55<"))
            XCTAssertFalse(first.body.string.contains(">问题5<"), "only 50 on the first page")
            guard let range = first.body.string.range(of: "href=\"/ledgers/rectification?"),
                  let end = first.body.string[range.upperBound...].firstIndex(of: "\"") else {
                return XCTFail("no next link")
            }
            let next = String(first.body.string[first.body.string.index(range.upperBound, offsetBy: -1)..<end]).replacingOccurrences(of: "&amp;", with: "&")
            XCTAssertTrue(next.contains("after="), next)
            let second = try await clerk.get("/ledgers/rectification" + next)
            XCTAssertTrue(second.body.string.contains(">问题5<"))
            XCTAssertFalse(second.body.string.contains(">问题55<"))
            let filtered = try await clerk.get("/ledgers/rectification?f_source=%E7%9D%A3%E5%AF%9F")
            XCTAssertTrue(filtered.body.string.contains("符合条件11条"))
            let byUnit = try await clerk.get("/ledgers/rectification?unit=TA")
            XCTAssertTrue(byUnit.body.string.contains("符合条件27条"))
            let bad = try await clerk.get("/ledgers/rectification?year=abc&f_found_on_from=2025-02-30")
            XCTAssertTrue(bad.body.string.contains("«年度»：「abc」不是年份"))
            XCTAssertTrue(bad.body.string.contains("不是有效日期"))
            // Town A's clerk sees town A's records only, and gets 404 for town B's.
            let clerkA = try await Browser.signedIn(app, "clerkA")
            let mine = try await clerkA.get("/ledgers/rectification")
            XCTAssertTrue(mine.body.string.contains("符合条件27条"))
            let other = try await LedgerRecord.query(on: app.db).filter(\.$title == "问题1").first()!
            let denied = try await clerkA.get("/ledgers/rectification/\(other.id!)")
            XCTAssertEqual(denied.status, .notFound)
        }
    }

    func testDisciplineLedgerIsForDisciplineOnlyAndReadsAreAudited() async throws {
        try await withFixture { app, _ in
            let jijian = try await Browser.signedIn(app, "jijian")
            try await jijian.get("/ledgers/problem_lead/new")
            let res = try await jijian.postMultipart("/ledgers/problem_lead", [
                "unit": "TA", "f_received_on": "2025-04-01", "f_summary": "反映某村干部优亲厚友", "f_disposal": "初步核实"])
            XCTAssertEqual(res.status, .seeOther, res.body.string)
            let record = try await LedgerRecord.query(on: app.db).first()!
            for user in ["leader", "clerk", "reviewer"] {
                let other = Browser(app)
                try await other.login(user)
                let list = try await other.get("/ledgers/problem_lead")
                XCTAssertEqual(list.status, .notFound, user)
                let one = try await other.get("/ledgers/problem_lead/\(record.id!)")
                XCTAssertEqual(one.status, .notFound, user)
                let index = try await other.get("/ledgers")
                XCTAssertFalse(index.body.string.contains("问题线索处置台账"), user)
            }
            let before = try await AuditEntry.query(on: app.db).filter(\.$action == "sensitive_read").count()
            let v2 = try await jijian.get("/ledgers/problem_lead/\(record.id!)").status
            XCTAssertEqual(v2, .ok)
            let after = try await AuditEntry.query(on: app.db).filter(\.$action == "sensitive_read").all()
            XCTAssertEqual(after.count, before + 1)
            XCTAssertEqual(after.last?.username, "jijian")
        }
    }

    func testCloseOutNeedsEvidenceAndAnIndependentReviewerInScope() async throws {
        try await withFixture { app, _ in
            let clerk2 = Browser(app)  // clerk and reviewer at district level
            try await clerk2.login("clerk2")
            let record = try await makeRectification(app, clerk2, unit: "TA-V1", description: "台账不规范")
            let path = "/ledgers/rectification/\(record.id!)"
            try await clerk2.get(path)
            let noEvidence = try await clerk2.post(path + "/workflow", ["action": "request_closure", "description": "已整改"])
            XCTAssertEqual(noEvidence.status, .unprocessableEntity)
            XCTAssertTrue(noEvidence.body.string.contains("销号申请须附至少一份佐证材料"))
            let exe = try await clerk2.postMultipart(path + "/attachments", ["field": "evidence"],
                                                     files: [("files[]", "tool.exe", Data([0x4D, 0x5A, 0x90, 0x00]))])
            XCTAssertEqual(exe.status, .unsupportedMediaType)
            XCTAssertTrue(exe.body.string.contains("类型不允许上传"))
            let pdf = try await clerk2.postMultipart(path + "/attachments", ["field": "evidence"],
                                                     files: [("files[]", "整改报告.pdf", samplePDF)])
            XCTAssertEqual(pdf.status, .seeOther)
            try await clerk2.get(path)
            let requested = try await clerk2.post(path + "/workflow", ["action": "request_closure", "description": "已建立台账"])
            XCTAssertEqual(requested.status, .seeOther)
            let v3 = try await LedgerRecord.find(record.id, on: app.db)?.status
            XCTAssertEqual(v3, "closure_requested")
            // The requester cannot approve their own request.
            let own = try await clerk2.post(path + "/workflow", ["action": "approve_closure"])
            XCTAssertTrue(own.body.string.contains("不能审批自己提交的销号申请"))
            // A reviewer whose scope does not cover the unit cannot either (and does not see it).
            let reviewerB = try await Browser.signedIn(app, "reviewerB")
            let v4 = try await reviewerB.get(path).status
            XCTAssertEqual(v4, .notFound)
            let reviewer = try await Browser.signedIn(app, "reviewer")
            try await reviewer.get(path)
            let approved = try await reviewer.post(path + "/workflow", ["action": "approve_closure", "note": "同意销号"])
            XCTAssertEqual(approved.status, .seeOther)
            let closed = try await LedgerRecord.find(record.id, on: app.db)!
            XCTAssertEqual(closed.status, "closed")
            XCTAssertEqual(closed.progress, 100)
            XCTAssertNotNil(closed.closedOn)
            let page = try await reviewer.get(path)
            XCTAssertTrue(page.body.string.contains("已销号"))
            // Downloads are attachments, never inline, and audited.
            let file = try await Attachment.query(on: app.db).first()!
            let download = try await reviewer.get("/attachments/\(file.id!)")
            XCTAssertEqual(download.status, .ok)
            XCTAssertTrue(download.headers.first(name: .contentDisposition)?.hasPrefix("attachment") ?? false)
            XCTAssertEqual(download.headers.contentType?.subType, "octet-stream")
            let entries = try await AuditEntry.query(on: app.db).filter(\.$objectType == "attachment").count()
            XCTAssertEqual(entries, 1)
        }
    }

    func testExtensionRequestAndApproval() async throws {
        try await withFixture { app, _ in
            let clerk = try await Browser.signedIn(app, "clerk")
            let record = try await makeRectification(app, clerk, unit: "TA-V1", description: "道路安全隐患", deadline: "2099-06-30")
            let path = "/ledgers/rectification/\(record.id!)"
            try await clerk.get(path)
            let early = try await clerk.post(path + "/workflow", ["action": "request_extension", "deadline": "2099-01-01", "reason": "x"])
            XCTAssertEqual(early.status, .unprocessableEntity)
            let ok = try await clerk.post(path + "/workflow", ["action": "request_extension", "deadline": "2099-09-30", "reason": "资金未到位"])
            XCTAssertEqual(ok.status, .seeOther)
            let reviewer = try await Browser.signedIn(app, "reviewer")
            try await reviewer.get(path)
            let approved = try await reviewer.post(path + "/workflow", ["action": "approve_extension"])
            XCTAssertEqual(approved.status, .seeOther)
            let updated = try await LedgerRecord.find(record.id, on: app.db)!
            XCTAssertEqual(updated.dueDate, "2099-09-30")
            XCTAssertEqual(WorkflowData.decode(updated.workflow).extensions, 1)
            let page = try await clerk.get(path)
            XCTAssertTrue(page.body.string.contains("已延期1次"))
        }
    }

    func testMajorHazardCannotCloseWithoutFiveInPlacePlan() async throws {
        try await withFixture { app, _ in
            let clerk = try await Browser.signedIn(app, "clerk2")
            try await clerk.get("/ledgers/hazard/new")
            let created = try await clerk.postMultipart("/ledgers/hazard", [
                "unit": "TA", "f_found_on": "2025-05-01", "f_description": "配电房无防鼠板", "f_level": "重大隐患",
                "f_source": "检查发现", "f_deadline": "2099-06-01", "f_funds": "1.5"],
                files: [("f_evidence[]", "现场照片.jpg", Data([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10]))])
            XCTAssertEqual(created.status, .seeOther, created.body.string)
            let record = try await LedgerRecord.query(on: app.db).filter(\.$kind == "hazard").first()!
            XCTAssertEqual(record.amount, 1.5)
            let path = "/ledgers/hazard/\(record.id!)"
            try await clerk.get(path)
            let refused = try await clerk.post(path + "/workflow", ["action": "request_closure", "description": "已安装"])
            XCTAssertEqual(refused.status, .unprocessableEntity)
            XCTAssertTrue(refused.body.string.contains("五到位"))
            try await clerk.get(path + "/edit")
            _ = try await clerk.postMultipart(path, [
                "unit": "TA", "f_found_on": "2025-05-01", "f_description": "配电房无防鼠板", "f_level": "重大隐患", "f_source": "检查发现",
                "f_deadline": "2099-06-01", "f_funds": "1.5", "f_measures": "安装防鼠板", "f_responsible_person": "王五",
                "f_emergency_plan": "停电检修预案"])
            try await clerk.get(path)
            let accepted = try await clerk.post(path + "/workflow", ["action": "request_closure", "description": "已安装"])
            XCTAssertEqual(accepted.status, .seeOther, accepted.body.string)
        }
    }
}
