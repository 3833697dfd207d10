import Fluent
import LvzeCore
@testable import LvzeServer
import XCTest
import XCTVapor

func sendJSON(_ app: Application, _ method: HTTPMethod, _ path: String, token: String, body: Any) async throws -> XCTHTTPResponse {
    var headers = HTTPHeaders()
    headers.replaceOrAdd(name: .authorization, value: "Bearer \(token)")
    headers.contentType = .json
    let data = try JSONSerialization.data(withJSONObject: body)
    return try await app.testable().performTest(request: XCTHTTPRequest(method: method, url: .init(path: path), headers: headers,
                                                                        body: ByteBuffer(data: data)))
}

func jsonObject(_ res: XCTHTTPResponse) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(buffer: res.body))) as? [String: Any] ?? [:]
}

final class RecordAPITests: XCTestCase {
    func testCreateListPatchAndWorkflowThroughTheAPI() async throws {
        try await withFixture { app, _ in
            let clerk = try await apiToken(app, "clerk2")
            let bad = try await sendJSON(app, .POST, "/api/v1/records/hazard", token: clerk, body: [
                "unit": "TA", "fields": ["found_on": "2025-02-30", "level": "特大", "colour": "red", "funds": true]])
            XCTAssertEqual(bad.status, .unprocessableEntity)
            let errors = (jsonObject(bad)["error"] as? [String: Any])?["errors"] as? [String] ?? []
            XCTAssertTrue(errors.contains { $0.contains("«colour»：不是「隐患排查治理台账」的字段") }, "\(errors)")
            let created = try await sendJSON(app, .POST, "/api/v1/records/hazard", token: clerk, body: [
                "unit": "TA-V1", "fields": ["found_on": "1999-12-01", "description": "消防通道堵塞", "level": "一般隐患",
                                           "source": "检查发现", "deadline": "2000-01-31", "funds": 0.8]])
            XCTAssertEqual(created.status, .created, created.body.string)
            let record = jsonObject(created)
            guard let id = record["id"] as? Int else { return XCTFail("no id") }
            XCTAssertEqual(record["status"] as? String, "pending")
            XCTAssertEqual((record["fields"] as? [String: Any])?["funds"] as? Double, 0.8)
            XCTAssertEqual((record["unit"] as? [String: Any])?["code"] as? String, "TA-V1")
            // Overdue since 2000: it is on the supervision list and in its export.
            let browser = try await Browser.signedIn(app, "leader")
            let supervision = try await browser.get("/supervision")
            XCTAssertTrue(supervision.body.string.contains("消防通道堵塞"))
            XCTAssertTrue(supervision.body.string.contains("甲一村"))
            let export = try await browser.get("/supervision/export")
            XCTAssertTrue(export.body.string.contains("消防通道堵塞"))
            // Patch with the current version; a stale version is a conflict.
            let patched = try await sendJSON(app, .PATCH, "/api/v1/records/hazard/\(id)", token: clerk, body: [
                "version": 1, "fields": ["location": "三号仓库"]])
            XCTAssertEqual(patched.status, .ok, patched.body.string)
            let stale = try await sendJSON(app, .PATCH, "/api/v1/records/hazard/\(id)", token: clerk, body: [
                "version": 1, "fields": ["location": "四号仓库"]])
            XCTAssertEqual(stale.status, .conflict)
            let list = try await send(app, .GET, "/api/v1/records/hazard?f_level=%E4%B8%80%E8%88%AC%E9%9A%90%E6%82%A3", token: clerk)
            XCTAssertEqual((jsonObject(list)["items"] as? [Any])?.count, 1)
            // Workflow through the API: start, then progress.
            let started = try await sendJSON(app, .POST, "/api/v1/records/hazard/\(id)/workflow", token: clerk, body: ["action": "start"])
            XCTAssertEqual(jsonObject(started)["status"] as? String, "in_progress")
            let progress = try await sendJSON(app, .POST, "/api/v1/records/hazard/\(id)/workflow", token: clerk,
                                              body: ["action": "progress", "percent": 60])
            XCTAssertEqual(jsonObject(progress)["progress"] as? Int, 60)
            let refused = try await sendJSON(app, .POST, "/api/v1/records/hazard/\(id)/workflow", token: clerk,
                                             body: ["action": "request_closure", "description": "已清理"])
            XCTAssertEqual(refused.status, .unprocessableEntity)
            XCTAssertTrue(refused.body.string.contains("佐证材料"))
            // A leader reads but cannot write.
            let leader = try await apiToken(app, "leader")
            let denied = try await sendJSON(app, .POST, "/api/v1/records/hazard", token: leader, body: ["unit": "TA", "fields": [:]])
            XCTAssertEqual(denied.status, .forbidden)
            let deleted = try await send(app, .DELETE, "/api/v1/records/hazard/\(id)", token: clerk)
            XCTAssertEqual(deleted.status, .noContent)
        }
    }

    func testOpenAPIDocumentDescribesEachKind() async throws {
        try await withFixture { app, _ in
            let token = try await apiToken(app, "clerk")
            let res = try await send(app, .GET, "/api/openapi.json", token: token)
            XCTAssertEqual(res.status, .ok)
            let doc = jsonObject(res)
            XCTAssertEqual(doc["openapi"] as? String, "3.1.0")
            let paths = doc["paths"] as? [String: Any] ?? [:]
            XCTAssertNotNil(paths["/api/v1/records/hazard"])
            XCTAssertNotNil(paths["/api/v1/records/hazard/{id}/workflow"])
            XCTAssertNil(paths["/api/v1/records/problem_lead"], "a discipline ledger is not described to a clerk")
            let schemas = (doc["components"] as? [String: Any])?["schemas"] as? [String: Any] ?? [:]
            let input = schemas["HazardInput"] as? [String: Any]
            let fields = (input?["properties"] as? [String: Any])?["fields"] as? [String: Any]
            let level = (fields?["properties"] as? [String: Any])?["level"] as? [String: Any]
            XCTAssertEqual(level?["enum"] as? [String], ["一般隐患", "重大隐患"])
            XCTAssertTrue((fields?["required"] as? [String])?.contains("description") ?? false)
            let jijian = try await apiToken(app, "jijian")
            let forDiscipline = jsonObject(try await send(app, .GET, "/api/openapi.json", token: jijian))
            XCTAssertNotNil((forDiscipline["paths"] as? [String: Any])?["/api/v1/records/problem_lead"])
        }
    }
}
