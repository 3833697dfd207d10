import Fluent
import Foundation
import LvzeCore
@testable import LvzeServer
import XCTest
import XCTVapor

/// The workflow forms as a browser sends them, over a real socket.
final class WorkflowFormTests: XCTestCase {
    func hazard(_ title: String, level: String) -> [String: String] {
        let today = LocalDate(Date())
        return ["found_on": today.adding(days: -20).iso, "description": title, "level": level,
                "deadline": today.adding(days: 20).iso, "source": "检查发现"]
    }

    func testACloseOutRequestBringsItsEvidenceAndARefusalKeepsNothingButTheText() async throws {
        try await withRunningFixture { app, f, port, logs in
            defer { if logs.all.contains(where: { $0.hasPrefix("error") }) { print(logs.all.joined(separator: "\n")) } }
            let kind = try XCTUnwrap(app.lvze.catalogue["hazard"])
            let clerk = try await recordService(app, "clerkA")
            let (minor, _) = try await clerk.create(kind, unitRef: f.villageA.code, raw: hazard("楼道堆放杂物", level: "一般隐患"))
            // A major hazard without its plan (五到位) cannot be closed out.
            let (major, _) = try await clerk.create(kind, unitRef: f.villageA.code, raw: hazard("储罐区防火堤破损", level: "重大隐患"))
            let browser = SocketBrowser(port: port)
            try await browser.login("clerkA")
            let photo = (field: "files[]", filename: "整改后照片.jpg", type: "image/jpeg", data: samplePhoto(size: 300_000))

            // Refused: the typed text comes back, no file is kept, the page says so; the address is the record's.
            try await browser.get("/ledgers/hazard/\(major.id!)")
            let refused = try await browser.postMultipart("/ledgers/hazard/\(major.id!)/workflow",
                                                          [("action", "request_closure"), ("description", "已修复防火堤并验收")], files: [photo])
            XCTAssertEqual(refused.status, 422)
            XCTAssertTrue(refused.text.contains("整改方案五到位"), refused.text)
            XCTAssertTrue(refused.text.contains("value=\"已修复防火堤并验收\""), "what was typed stays")
            XCTAssertTrue(refused.text.contains("刚才选择的文件未保存"), String(refused.text.components(separatedBy: "evidenceCount").first?.suffix(100) ?? ""))
            let kept = try await Attachment.query(on: app.db).filter(\.$recordID == major.id!).count()
            XCTAssertEqual(kept, 0, "a refused request keeps no file")

            // Accepted: the request and its evidence in one step.
            try await browser.get("/ledgers/hazard/\(minor.id!)")
            let ok = try await browser.postMultipart("/ledgers/hazard/\(minor.id!)/workflow",
                                                     [("action", "request_closure"), ("description", "杂物已清理")], files: [photo])
            XCTAssertEqual(ok.status, 303, String(ok.text.components(separatedBy: "role=\"alert\"").dropFirst().first?.prefix(600) ?? ""))
            XCTAssertEqual(ok.header("Location"), "/ledgers/hazard/\(minor.id!)")
            let record = try await LedgerRecord.find(minor.id!, on: app.db)!
            XCTAssertEqual(record.state, .closureRequested)
            XCTAssertEqual(record.awaiting, "review")
            let files = try await Attachment.query(on: app.db).filter(\.$recordID == minor.id!).all()
            XCTAssertEqual(files.map(\.name), ["整改后照片.jpg"])
            XCTAssertEqual(files.first?.fieldID, "evidence")
            let history = try await RecordEvent.query(on: app.db).filter(\.$recordID == minor.id!).sort(\.$id).all().map(\.action)
            XCTAssertEqual(Array(history.suffix(2)), ["attach", "closure_requested"])

            // Files with any other step are refused, named.
            let other = try await browser.postMultipart("/ledgers/hazard/\(major.id!)/workflow",
                                                        [("action", "progress"), ("percent", "50")], files: [photo])
            XCTAssertEqual(other.status, 422)
            XCTAssertTrue(other.text.contains("只有申请销号时可以同时上传文件"))
        }
    }
}
