import Fluent
import Foundation
import LvzeCore
import LvzeOffice
@testable import LvzeServer
import XCTest

/// Every form, upload and import as browsers send them: over a real socket, the head first and
/// the body after it in many small writes or chunked. The in-process client hands a body over
/// whole, and the suite passed while browsers' saves and uploads were refused.
final class StreamedBodyTests: XCTestCase {
    /// A rectification form of about 3 KB, as a clerk fills it in.
    private func rectificationForm(_ description: String, unit: String = "TA-V1") -> [(String, String)] {
        [("unit", unit), ("f_found_on", "2025-03-05"), ("f_source", "巡察"), ("f_description", description),
         ("f_deadline", "2099-06-30"), ("f_measures", String(repeating: "建立台账，逐条整改，按月通报。", count: 70)), ("f_progress", "0")]
    }

    func testLoginFormInSmallWritesAndChunked() async throws {
        try await withRunningFixture { _, _, port, _ in
            for delivery in [Delivery.pieces(16), .chunked(16)] {
                let user = SocketBrowser(port: port, delivery: delivery)
                try await user.get("/login")
                let res = try await user.post("/login", [("username", "clerk"), ("password", Fixture.password), ("next", "/")])
                XCTAssertEqual(res.status, 303, "\(delivery): \(res.text)")
                XCTAssertNotNil(user.cookies[Cookies.session], "\(delivery)")
            }
        }
    }

    func testCreateEditWorkflowAndEvidenceStreamed() async throws {
        try await withRunningFixture { app, _, port, _ in
            let clerk = SocketBrowser(port: port, delivery: .chunked(512))
            try await clerk.login("clerk2")  // clerk and reviewer at district level
            try await clerk.get("/ledgers/rectification/new")
            let form = rectificationForm("流式提交的问题")
            let body = form.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
            XCTAssertGreaterThan(body.utf8.count, 3_000)
            let created = try await clerk.postMultipart("/ledgers/rectification", form)
            XCTAssertEqual(created.status, 303, created.text)
            let record = try await LedgerRecord.query(on: app.db).filter(\.$title == "流式提交的问题").first()
            let id = try XCTUnwrap(record?.id)
            let path = "/ledgers/rectification/\(id)"

            clerk.delivery = .pieces(700)
            try await clerk.get(path + "/edit")
            var edited = form
            edited[3] = ("f_description", "流式提交的问题（已修改）")
            let saved = try await clerk.postMultipart(path, edited)
            XCTAssertEqual(saved.status, 303, saved.text)
            let title = try await LedgerRecord.find(id, on: app.db)?.title
            XCTAssertEqual(title, "流式提交的问题（已修改）")

            try await clerk.get(path)
            let started = try await clerk.post(path + "/workflow", [("action", "start")])
            XCTAssertEqual(started.status, 303, started.text)
            // A 1 MB photo as evidence, in 4 KB writes.
            clerk.delivery = .pieces(4_096)
            try await clerk.get(path)
            let photo = samplePhoto(size: 1_048_576)
            let uploaded = try await clerk.postMultipart(path + "/attachments", [("field", "evidence")],
                                                         files: [("files[]", "现场照片.jpg", "image/jpeg", photo)])
            XCTAssertEqual(uploaded.status, 303, uploaded.text)
            let stored = try await Attachment.query(on: app.db).filter(\.$recordID == id).all()
            XCTAssertEqual(stored.map(\.size), [photo.count])
            try await clerk.get(path)
            let requested = try await clerk.post(path + "/workflow", [("action", "request_closure"), ("description", "已建立台账并整改到位")])
            XCTAssertEqual(requested.status, 303, requested.text)

            let reviewer = SocketBrowser(port: port, delivery: .chunked(8))
            try await reviewer.login("reviewer")
            try await reviewer.get(path)
            let back = try await reviewer.post(path + "/workflow", [("action", "send_back"), ("reason", "佐证材料不清晰，请补充整改前后对比")])
            XCTAssertEqual(back.status, 303, back.text)
            try await clerk.get(path)
            let again = try await clerk.post(path + "/workflow", [("action", "request_closure"), ("description", "已补充对比照片")])
            XCTAssertEqual(again.status, 303, again.text)
            try await reviewer.get(path)
            let approved = try await reviewer.post(path + "/workflow", [("action", "approve_closure"), ("note", "同意销号")])
            XCTAssertEqual(approved.status, 303, approved.text)
            let status = try await LedgerRecord.find(id, on: app.db)?.status
            XCTAssertEqual(status, "closed")
        }
    }

    /// A 10 MB PDF goes through; a body over the route's limit is a 413 in Chinese, nothing kept.
    func testLargeEvidenceAndTheRouteLimit() async throws {
        try await withRunningFixture { app, _, port, _ in
            let clerk = SocketBrowser(port: port, delivery: .pieces(65_536))
            try await clerk.login("clerk")
            try await clerk.get("/ledgers/rectification/new")
            _ = try await clerk.postMultipart("/ledgers/rectification", rectificationForm("大文件"))
            let first = try await LedgerRecord.query(on: app.db).first()
            let id = try XCTUnwrap(first?.id, "the record was not created")
            try await clerk.get("/ledgers/rectification/\(id)")
            var pdf = Data("%PDF-1.4\n".utf8)
            pdf.append(Data(repeating: 0x20, count: 10 * 1_048_576))
            pdf.append(Data("\n%%EOF\n".utf8))
            let big = try await clerk.postMultipart("/ledgers/rectification/\(id)/attachments", [("field", "evidence")],
                                                    files: [("files[]", "整改报告.pdf", "application/pdf", pdf)])
            XCTAssertEqual(big.status, 303, big.text)
            // The template upload takes at most 2 MB.
            try await clerk.get("/reports/templates")
            let tooBig = try await clerk.postMultipart("/reports/templates/upload", [("name", "过大")],
                                                       files: [("file", "过大.txt", "text/plain", Data(repeating: 0x41, count: 3 * 1_048_576))])
            XCTAssertEqual(tooBig.status, 413)
            XCTAssertTrue(tooBig.text.contains("上传的内容超过了允许的大小"), tooBig.text)
            let templates = try await ReportTemplateRow.query(on: app.db).count()
            XCTAssertEqual(templates, 0)
        }
    }

    func testImportDryRunAndCommitStreamed() async throws {
        try await withRunningFixture { app, _, port, _ in
            let clerk = SocketBrowser(port: port, delivery: .pieces(1_460))
            try await clerk.login("clerkA")
            let (bad, rows) = try rectificationWorkbook(minimumBytes: 128 * 1_024, badRow: 7)
            let (good, _) = try rectificationWorkbook(minimumBytes: 128 * 1_024, badRow: nil, rows: rows)
            XCTAssertGreaterThanOrEqual(good.count, 128 * 1_024)
            try await clerk.get("/ledgers/rectification/import")
            let dry = try await socketImportResult(clerk, try await clerk.postMultipart(
                "/ledgers/rectification/import", [("unit", "TA"), ("mode", "dry")],
                files: [("file", "整改台账.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", bad)]))
            XCTAssertTrue(dry.text.contains("第8行 «发现时间»：「2025-02-30」不是有效日期"), dry.text)
            try await clerk.get("/ledgers/rectification/import")
            let done = try await socketImportResult(clerk, try await clerk.postMultipart(
                "/ledgers/rectification/import", [("unit", "TA"), ("mode", "commit")],
                files: [("file", "整改台账.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", good)]))
            XCTAssertTrue(done.text.contains("已导入\(rows)条记录"), done.text)
            let count = try await LedgerRecord.query(on: app.db).count()
            XCTAssertEqual(count, rows)
        }
    }

    /// A 5 MB workbook through the page, the token only in the form field.
    func testFiveMegabyteImportStreamed() async throws {
        try await withRunningFixture { _, _, port, _ in
            let clerk = SocketBrowser(port: port, delivery: .pieces(16_384))
            try await clerk.login("clerkA")
            let (data, rows) = try rectificationWorkbook(minimumBytes: 5 * 1_048_576, badRow: nil, rows: 3_000, measureLength: 2_400)
            XCTAssertGreaterThanOrEqual(data.count, 5 * 1_048_576)
            try await clerk.get("/ledgers/rectification/import")
            let dry = try await socketImportResult(clerk, try await clerk.postMultipart(
                "/ledgers/rectification/import", [("unit", "TA"), ("mode", "dry")],
                files: [("file", "整改台账.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", data)]))
            XCTAssertEqual(dry.status, 200, String(dry.text.prefix(2_000)))
            XCTAssertTrue(dry.text.contains("可导入\(rows)条"), String(dry.text.prefix(2_000)))
        }
    }

    func testTemplateUploadStreamed() async throws {
        try await withRunningFixture { app, _, port, _ in
            let leader = SocketBrowser(port: port, delivery: .chunked(333))
            try await leader.login("leader")
            try await leader.get("/reports/templates")
            let res = try await leader.postMultipart("/reports/templates/upload", [("name", "流式上传的模板")],
                                                     files: [("file", "模板.txt", "text/plain", Data(ReportTemplate.defaultText.utf8))])
            XCTAssertEqual(res.status, 303, res.text)
            let names = try await ReportTemplateRow.query(on: app.db).all().map(\.name)
            XCTAssertEqual(names, ["流式上传的模板"])
        }
    }

    /// The token is still required on every route when the body streams: missing or wrong, the
    /// request is refused and nothing is written.
    func testMissingOrWrongTokenIsRefusedOnEveryRoute() async throws {
        try await withRunningFixture { app, _, port, log in
            let clerk = SocketBrowser(port: port, delivery: .pieces(512))
            try await clerk.login("clerk2")
            try await clerk.get("/ledgers/rectification/new")
            _ = try await clerk.postMultipart("/ledgers/rectification", rectificationForm("已有记录"))
            let first = try await LedgerRecord.query(on: app.db).first()
            let id = try XCTUnwrap(first?.id, "the record was not created")
            let path = "/ledgers/rectification/\(id)"
            let before = try await auditActions(app).count
            let photo = samplePhoto(size: 200_000)
            for token in ["", "wrong-token-0123456789abcdef"] {
                var answers: [RawResponse] = []
                answers.append(try await clerk.postMultipart("/ledgers/rectification", rectificationForm("伪造的记录"), token: token))
                answers.append(try await clerk.postMultipart(path, rectificationForm("伪造的修改"), token: token))
                answers.append(try await clerk.post(path + "/workflow", [("action", "start")], token: token))
                answers.append(try await clerk.post(path + "/delete", [], token: token))
                answers.append(try await clerk.postMultipart(path + "/attachments", [("field", "evidence")],
                                                             files: [("files[]", "a.jpg", "image/jpeg", photo)], token: token))
                answers.append(try await clerk.postMultipart("/ledgers/rectification/import", [("unit", "DIST"), ("mode", "commit")],
                                                             files: [("file", "a.csv", "text/csv", Data("问题来源,问题描述\n巡察,伪造\n".utf8))], token: token))
                answers.append(try await clerk.postMultipart("/reports/templates/upload", [("name", "伪造")],
                                                             files: [("file", "t.txt", "text/plain", Data("%title 伪造\n".utf8))], token: token))
                let stranger = SocketBrowser(port: port, delivery: .pieces(8))
                try await stranger.get("/login")
                answers.append(try await stranger.post("/login", [("username", "clerk"), ("password", Fixture.password)], token: token))
                for (i, answer) in answers.enumerated() {
                    XCTAssertEqual(answer.status, 403, "route \(i), token «\(token)»: \(answer.text.prefix(200))")
                    XCTAssertTrue(answer.text.contains("CSRF校验未通过"), "route \(i)")
                }
            }
            let records = try await LedgerRecord.query(on: app.db).all().map(\.title)
            XCTAssertEqual(records, ["已有记录"])
            let attachments = try await Attachment.query(on: app.db).count()
            XCTAssertEqual(attachments, 0)
            let templates = try await ReportTemplateRow.query(on: app.db).count()
            XCTAssertEqual(templates, 0)
            let after = try await auditActions(app).filter { $0 != "login_failed" }.count
            XCTAssertEqual(after, before, "nothing audited as done")
            // Every refusal is in the log under the reference the page shows, with the request and the user.
            let page = try await clerk.post(path + "/workflow", [("action", "start")], token: "")
            let ref = try XCTUnwrap(referenceNumber(in: page.text), page.text)
            let line = log.all.first { $0.contains(ref) }
            XCTAssertNotNil(line, "reference \(ref) not in the log")
            XCTAssertTrue(line?.contains("POST \(path)/workflow") ?? false, line ?? "")
            XCTAssertTrue(line?.contains("clerk2") ?? false, line ?? "")
            XCTAssertTrue(line?.contains("CSRF") ?? false, line ?? "")
            // Error pages carry the security headers too.
            XCTAssertEqual(page.header("X-Frame-Options"), "DENY")
            XCTAssertEqual(page.header("X-Content-Type-Options"), "nosniff")
            XCTAssertEqual(page.header("Cache-Control"), "no-store")
            XCTAssertNotNil(page.header("Content-Security-Policy"))
            XCTAssertEqual(page.header("Referrer-Policy"), "same-origin")
        }
    }

    /// One rule for the session cookie: API writes it authenticates need the token too; calls
    /// with a Bearer token do not.
    func testAPIWritesWithTheSessionCookieNeedTheToken() async throws {
        try await withRunningFixture { app, _, port, _ in
            let clerk = SocketBrowser(port: port, delivery: .pieces(64))
            try await clerk.login("clerk")
            let json = #"{"unit":"TA","fields":{"found_on":"2025-03-05","source":"巡察","description":"接口提交","deadline":"2099-01-01"}}"#
            let plain = try await RawHTTP.exchange(port: port, method: "POST", path: "/api/v1/records/rectification",
                                                   headers: [("Cookie", "\(Cookies.session)=\(try XCTUnwrap(clerk.cookies[Cookies.session], "not signed in"))"), ("Content-Type", "text/plain")],
                                                   body: Data(json.utf8), delivery: .pieces(64))
            XCTAssertEqual(plain.status, 403, plain.text)
            let noToken = try await clerk.sendJSON("POST", "/api/v1/records/rectification", json)
            XCTAssertEqual(noToken.status, 403, noToken.text)
            let form = try await clerk.post("/api/v1/units", [("code", "X1"), ("name", "伪造单位"), ("kind", "town"), ("parent", "DIST")], token: "")
            XCTAssertEqual(form.status, 403, form.text)
            let withToken = try await clerk.sendJSON("POST", "/api/v1/records/rectification", json, headers: [("X-CSRF-Token", clerk.csrf)])
            XCTAssertEqual(withToken.status, 201, withToken.text)
            // A script with a token needs no CSRF token.
            let login = try await RawHTTP.exchange(port: port, method: "POST", path: "/api/v1/login", headers: [("Content-Type", "application/json")],
                                                   body: Data(#"{"username":"clerk","password":"\#(Fixture.password)"}"#.utf8), delivery: .chunked(7))
            XCTAssertEqual(login.status, 200, login.text)
            let token = try XCTUnwrap((try JSONSerialization.jsonObject(with: login.body) as? [String: Any])?["token"] as? String)
            let bearer = try await RawHTTP.exchange(port: port, method: "POST", path: "/api/v1/records/rectification",
                                                    headers: [("Authorization", "Bearer \(token)"), ("Content-Type", "application/json")],
                                                    body: Data(json.utf8), delivery: .chunked(16))
            XCTAssertEqual(bearer.status, 201, bearer.text)
            let count = try await LedgerRecord.query(on: app.db).count()
            XCTAssertEqual(count, 2)
        }
    }
}

/// The 参考编号 an error page or API error shows.
func referenceNumber(in text: String) -> String? {
    guard let range = text.range(of: #"参考编号(</?[a-z]+>|\s|：|:|"|,)*([0-9a-f]{8})"#, options: .regularExpression) else { return nil }
    return String(text[range].suffix(8))
}

/// Follows an import to its job page until the job is done.
func socketImportResult(_ browser: SocketBrowser, _ res: RawResponse) async throws -> RawResponse {
    guard res.status == 303 else { return res }
    for _ in 0..<600 {
        let page = try await browser.get(res.location)
        if page.header("Refresh") == nil { return page }
        try await Task.sleep(nanoseconds: 50_000_000)
    }
    XCTFail("import did not finish")
    return res
}

/// A rectification ledger as users keep it, at least `minimumBytes` long (or `rows` rows), one
/// row with an impossible date when `badRow` is given (a data row number, from 1).
func rectificationWorkbook(minimumBytes: Int, badRow: Int?, rows fixedRows: Int? = nil, measureLength: Int = 0) throws -> (Data, Int) {
    let header = ["问题来源", "具体问题表述", "整改措施", "责任单位", "整改第一责任人", "发现时间", "整改时限", "整改进展"]
    var rows = fixedRows ?? 1_000
    while true {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lvze-test-\(UUID().uuidString).xlsx")
        defer { try? FileManager.default.removeItem(at: url) }
        let writer = try XLSXWriter(url: url, sheetName: "整改台账", columns: header.map { ExportColumn($0) })
        var state: UInt64 = 42
        for i in 1...rows {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let tag = String(state >> 16, radix: 36)
            let found = i == badRow ? "2025-02-30" : "2025-03-05"
            var measures = "整改措施\(tag)"
            if measureLength > 0 {
                // Long, varied text, as real measures are: it keeps the file large once compressed.
                let words = Array("建立台账逐条整改按月通报压实责任限期销号举一反三完善制度加强督导定期复查")
                var chars: [Character] = []
                chars.reserveCapacity(measureLength)
                for _ in 0..<measureLength {
                    state = state &* 6364136223846793005 &+ 1442695040888963407
                    chars.append(words[Int(state >> 33) % words.count])
                }
                measures = String(chars)
            }
            try writer.append([.text("巡察"), .text("第\(i)项问题：台账\(tag)不规范"), .text(measures), .text("甲一村"),
                               .text("张\(tag.prefix(2))"), .text(found), .text("2099-06-30"), .text(String(i % 100))])
        }
        try writer.finish()
        let data = try Data(contentsOf: url)
        if data.count >= minimumBytes || fixedRows != nil { return (data, rows) }
        rows = rows * 2
    }
}
