import Fluent
import Foundation
import LvzeCore
@testable import LvzeServer
import XCTest
import XCTVapor

/// The auditor's page and export: filters by day (China time), user and action, keyset paging,
/// the export read back row by row, and refusals of bad filters.
final class AuditPageTests: XCTestCase {
    /// Appends `count` entries as `username` at `date`.
    func append(_ app: Application, _ count: Int, as username: String, action: AuditAction = .update, at date: Date,
                summary: (Int) -> String = { "批量条目\($0)" }) async throws {
        let actor = AuditActor(userID: nil, username: username, unitID: nil, address: "10.1.2.3")
        for i in 0..<count {
            try await app.lvze.audit.append(action, actor: actor, objectType: "test", objectID: String(i), summary: summary(i),
                                            at: date, on: app.db)
        }
    }

    /// The data rows of an exported CSV, each split into its fields (no field here holds a comma).
    func csvRows(_ body: String) -> [[String]] {
        body.components(separatedBy: "\r\n").dropFirst().filter { !$0.isEmpty }.map { $0.components(separatedBy: ",") }
    }

    func iso(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    func testDaysAreChinaDaysAndBothEndsAreIncluded() async throws {
        try await withFixture { app, _ in
            // 2025-03-01 23:30 in Beijing is 15:30 UTC; 2025-03-02 00:30 in Beijing is 16:30 UTC on the 1st.
            try await append(app, 1, as: "early", at: iso("2025-02-28T15:59:00Z"))   // 2月28日 23:59
            try await append(app, 1, as: "first", at: iso("2025-02-28T16:00:00Z"))   // 3月1日 00:00
            try await append(app, 1, as: "late", at: iso("2025-03-01T15:30:00Z"))    // 3月1日 23:30
            try await append(app, 1, as: "next", at: iso("2025-03-01T16:30:00Z"))    // 3月2日 00:30
            let aud = try await Browser.signedIn(app, "aud")
            let cases: [(query: String, users: [String])] = [
                ("from=2025-03-01&to=2025-03-01", ["late", "first"]),
                ("from=2025-03-02", ["next"]),
                ("to=2025-02-28", ["early"]),
                ("from=2025%E5%B9%B43%E6%9C%881%E6%97%A5&to=2025/3/2", ["next", "late", "first"]),
            ]
            for c in cases {
                let res = try await aud.get("/audit/export?" + c.query)
                XCTAssertEqual(res.status, .ok, c.query)
                let users = csvRows(res.body.string).map { $0[2] }.filter { ["early", "first", "late", "next"].contains($0) }
                XCTAssertEqual(users, c.users, c.query)
            }
        }
    }

    func testFiltersByUserActionAndTextAndTheExportIsAuditedWithThem() async throws {
        try await withFixture { app, _ in
            let day = iso("2025-06-01T02:00:00Z")
            try await append(app, 3, as: "wang", at: day)
            try await append(app, 2, as: "li", action: .delete, at: day, summary: { "删除旧条目\($0)" })
            let aud = try await Browser.signedIn(app, "aud")
            let cases: [(query: String, rows: Int, check: ([String]) -> Bool)] = [
                ("user=wang", 3, { $0[2] == "wang" }),
                ("user=li&action=delete", 2, { $0[2] == "li" && $0[4] == AuditAction.label(of: "delete") }),
                ("user=wang&action=delete", 0, { _ in false }),
                ("text=%E6%97%A7%E6%9D%A1%E7%9B%AE1", 1, { $0[6] == "删除旧条目1" }),
                ("user=nobody", 0, { _ in false }),
            ]
            for c in cases {
                let page = try await aud.get("/audit?" + c.query)
                XCTAssertTrue(page.body.string.contains("符合条件\(c.rows)条"), c.query)
                let res = try await aud.get("/audit/export?" + c.query)
                let rows = csvRows(res.body.string)
                XCTAssertEqual(rows.count, c.rows, c.query)
                XCTAssertTrue(rows.allSatisfy(c.check), c.query)
                XCTAssertTrue(rows.allSatisfy { $0.count == 10 && $0[9].count == 64 }, "\(c.query): ten fields, the hash last")
            }
            let exports = try await AuditEntry.query(on: app.db).filter(\.$action == "export").sort(\.$seq).all().map(\.summary)
            XCTAssertEqual(exports, ["导出审计日志3条（user=wang）", "导出审计日志2条（user=li&action=delete）", "导出审计日志0条（user=wang&action=delete）",
                                     "导出审计日志1条（text=旧条目1）", "导出审计日志0条（user=nobody）"])
        }
    }

    func testTheListPagesByAHundredNewestFirstKeepingItsFilter() async throws {
        try await withFixture { app, _ in
            try await append(app, 130, as: "bulk", at: iso("2025-06-01T02:00:00Z"))
            let aud = try await Browser.signedIn(app, "aud")
            let first = try await aud.get("/audit?user=bulk")
            let firstRows = auditSeqs(first.body.string)
            XCTAssertEqual(firstRows.count, 100)
            XCTAssertEqual(firstRows, firstRows.sorted(by: >), "newest first")
            let next = try XCTUnwrap(first.body.string.slice(after: "<p class=\"pager\"><a href=\"", before: "\""))
            XCTAssertEqual(next, "?user=bulk&amp;before=\(firstRows.last!)")
            let second = try await aud.get("/audit" + next.replacingOccurrences(of: "&amp;", with: "&"))
            let secondRows = auditSeqs(second.body.string)
            XCTAssertEqual(secondRows.count, 30)
            XCTAssertTrue(secondRows.allSatisfy { $0 < firstRows.last! })
            XCTAssertNil(second.body.string.slice(after: "<p class=\"pager\"><a href=\"", before: "\""), "no page after the last")
            XCTAssertEqual(Set(firstRows + secondRows).count, 130, "every entry once")
        }
    }

    func testBadDatesAreNamedAndTheExportRefused() async throws {
        try await withFixture { app, _ in
            let aud = try await Browser.signedIn(app, "aud")
            let cases: [(query: String, errors: [String])] = [
                ("from=2025-02-30", ["«起始日期»：「2025-02-30」不是有效日期"]),
                ("to=yesterday", ["«截止日期»：「yesterday」不是有效日期"]),
                ("from=x&to=y", ["«起始日期»：「x」不是有效日期", "«截止日期»：「y」不是有效日期"]),
            ]
            for c in cases {
                let page = try await aud.get("/audit?" + c.query)
                XCTAssertEqual(page.status, .ok, c.query)
                XCTAssertEqual(formErrors(in: page.body.string), c.errors, c.query)
                XCTAssertTrue(page.body.string.contains("符合条件0条"), "\(c.query): nothing listed under a bad filter")
                let export = try await aud.get("/audit/export?" + c.query)
                XCTAssertEqual(export.status, .badRequest, c.query)
                XCTAssertEqual(export.body.string.slice(after: "</h1>\n  <p>", before: "</p>"), c.errors.joined(separator: "；"), c.query)
            }
            let exports = try await AuditEntry.query(on: app.db).filter(\.$action == "export").count()
            XCTAssertEqual(exports, 0, "a refused export is not an export")
        }
    }

    func testCheckpointsAreSignedDownloadedAndAudited() async throws {
        try await withFixture { app, _ in
            let aud = try await Browser.signedIn(app, "aud")
            try await aud.get("/audit")
            let res = try await aud.post("/audit/checkpoint", [:])
            XCTAssertEqual(res.status, .ok)
            XCTAssertEqual(res.headers.contentType?.subType, "json")
            XCTAssertTrue(res.headers.first(name: .contentDisposition)?.contains("filename=\"audit-checkpoint.json\"") == true)
            let json = try JSONSerialization.jsonObject(with: Data(res.body.readableBytesView)) as? [String: Any]
            let point = try XCTUnwrap(json)
            let seq = try XCTUnwrap(point["seq"] as? Int)
            let signed = try await AuditEntry.query(on: app.db).filter(\.$seq == seq).first()
            XCTAssertEqual(signed?.hash, point["hash"] as? String, "the checkpoint names the entry it was taken at")
            let entry = try await AuditEntry.query(on: app.db).filter(\.$action == "export").first()
            XCTAssertEqual(entry?.summary, "导出审计日志检查点（第\(seq)条）")
            // The downloaded file verifies the trail.
            try await aud.get("/audit")
            let checked = try await aud.postMultipart("/audit/verify", [:], files: [("checkpoint", "cp.json", Data(res.body.readableBytesView))])
            XCTAssertEqual(checked.status, .ok)
            XCTAssertTrue(checked.body.string.contains("flash-ok"), checked.body.string)
            let broken = try await aud.postMultipart("/audit/verify", [:], files: [("checkpoint", "cp.json", Data("{\"seq\": 1}".utf8))])
            XCTAssertTrue(broken.body.string.contains("校验未进行：检查点文件「cp.json」不是本系统导出的检查点（应为含 seq、hash、at、publicKey、signature 的 JSON）"),
                          broken.body.string)
        }
    }

    /// The sequence numbers of the rows of an audit page.
    func auditSeqs(_ page: String) -> [Int] {
        guard let body = page.slice(after: "<tbody>", before: "</tbody>") else { return [] }
        return body.components(separatedBy: "<tr><td>").dropFirst().compactMap { Int($0.prefix { $0 != "<" }) }
    }
}
