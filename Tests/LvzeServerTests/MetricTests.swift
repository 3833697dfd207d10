import Fluent
import Foundation
import LvzeCore
@testable import LvzeServer
import SQLKit
import XCTest
import XCTVapor

/// Report figures against hand-counted records, on SQLite and (with DATABASE_URL) PostgreSQL.
final class MetricTests: XCTestCase {
    /// A valid 统一社会信用代码 for a 17-character body.
    static func creditCode(_ body: String) -> String {
        body + String(UnifiedSocialCreditCode.checkCharacter(for: body)!)
    }

    @discardableResult
    static func create(_ app: Application, _ token: String, _ kind: String, _ unit: String, _ fields: [String: Any]) async throws -> Int {
        let res = try await sendJSON(app, .POST, "/api/v1/records/\(kind)", token: token, body: ["unit": unit, "fields": fields])
        XCTAssertEqual(res.status, .created, "\(kind): \(res.body.string)")
        return jsonObject(res)["id"] as? Int ?? 0
    }

    /// Sets a record's history directly: state-at-year-end needs dated steps in the past.
    static func history(_ app: Application, _ id: Int, closedOn: String? = nil, steps: [(String, String)]) async throws {
        if let closedOn {
            try await app.db.sql.raw("UPDATE records SET status = 'closed', closed_on = \(bind: closedOn) WHERE id = \(bind: id)").run()
        }
        for (action, day) in steps {
            let at = ISO8601DateFormatter().date(from: "\(day)T10:00:00+08:00")!
            try await app.db.sql.raw("""
                INSERT INTO record_events (record_id, at, user_id, username, action, changes, note)
                VALUES (\(bind: id), \(bind: at), NULL, 'test', \(bind: action), '{}', '')
                """).run()
        }
    }

    static func evaluate(_ app: Application, _ unit: OrgUnit, _ year: Int, _ ids: [String], settings: [String: String] = [:]) async throws -> [String: String] {
        let metrics = app.lvze.catalogue.metrics
        let values = try await MetricEvaluator(db: app.db, kinds: app.lvze.catalogue.catalogue, metrics: metrics, scope: unit.unitPath,
                                               year: year, settings: settings).evaluate(ids)
        return Dictionary(uniqueKeysWithValues: ids.map { id in
            (id, values[id].flatMap { v -> String? in
                if case .missing = v { return "无数据" }
                return metrics[id]?.display(v)
            } ?? "未计算")
        })
    }

    func testSafetyFiguresAreCountedFromTheRecords() async throws {
        try await withFixture { app, f in
            let clerk = try await apiToken(app, "clerk")
            func accident(_ unit: String, _ day: String, deaths: Int, serious: Int = 0, loss: Int = 100_000) async throws {
                try await Self.create(app, clerk, "accident", unit, ["occurred_on": day, "name": "事故\(day)", "deaths": deaths,
                                                                     "serious_injuries": serious, "direct_loss": loss])
            }
            // 2025: three accidents, one of them 较大 (3 deaths); 4 deaths in all.
            try await accident("TA", "2025-03-01", deaths: 1)
            try await accident("TB-V1", "2025-05-01", deaths: 3)
            try await accident("TA-V1", "2025-07-01", deaths: 0, serious: 2)
            // 2024: four accidents in 甲镇, one death each.
            for d in ["2024-01-05", "2024-02-05", "2024-03-05", "2024-04-05"] { try await accident("TA", d, deaths: 1) }
            // Inspections: one enterprise under two spellings of its code, two by name only.
            let code = Self.creditCode("91320800MA1ABCD12")
            for (unit, fields) in [("TA", ["enterprise_name": "甲厂", "enterprise_code": code]),
                                   ("TB", ["enterprise_name": "甲厂（二分厂）", "enterprise_code": code.lowercased()]),
                                   ("TB", ["enterprise_name": "乙厂"]), ("TB-V1", ["enterprise_name": " 乙厂"]),
                                   ("TA", ["enterprise_name": "丙厂"])] {
                var all: [String: Any] = fields
                all["inspected_on"] = "2025-06-01"
                try await Self.create(app, clerk, "enforcement_inspection", unit, all)
            }
            // Hazards found in 2025: one closed in 2025, one closed after the year, one open.
            var hazards: [Int] = []
            for i in 1...3 {
                hazards.append(try await Self.create(app, clerk, "hazard", "TA", ["source": "检查发现", "found_on": "2025-0\(i)-10",
                                                                                  "description": "隐患\(i)", "level": "一般隐患", "deadline": "2025-12-01"]))
            }
            try await Self.history(app, hazards[0], closedOn: "2025-10-01", steps: [("started", "2025-02-01"), ("closure_requested", "2025-09-20"),
                                                                                   ("closure_approved", "2025-10-01")])
            try await Self.history(app, hazards[1], closedOn: "2026-01-05", steps: [("started", "2025-03-01")])

            let district = try await Self.evaluate(app, f.dist, 2025, [
                "safety.accidents.count", "safety.accidents.deaths", "safety.accidents.yoy_decline", "safety.accidents.deaths_yoy_decline",
                "safety.accidents.major_or_above", "safety.inspections.enterprises", "safety.hazards.found", "safety.hazards.rectified",
                "party.teaching_sites.count", "safety.campaigns.investment"])
            XCTAssertEqual(district["safety.accidents.count"], "3")
            XCTAssertEqual(district["safety.accidents.deaths"], "4")
            XCTAssertEqual(district["safety.accidents.yoy_decline"], "25.0", "(4 − 3) ÷ 4")
            XCTAssertEqual(district["safety.accidents.deaths_yoy_decline"], "0.0")
            XCTAssertEqual(district["safety.accidents.major_or_above"], "1")
            XCTAssertEqual(district["safety.inspections.enterprises"], "3", "one code in two cases, and two names")
            XCTAssertEqual(district["safety.hazards.found"], "3")
            XCTAssertEqual(district["safety.hazards.rectified"], "1", "closed by 31 December only")
            XCTAssertEqual(district["party.teaching_sites.count"], "无数据", "a ledger never kept is no data, not 0")
            XCTAssertEqual(district["safety.campaigns.investment"], "无数据", "the campaign is a template setting")
            // 甲镇 alone: its own and its village's records.
            let town = try await Self.evaluate(app, f.townA, 2025, ["safety.accidents.count", "safety.accidents.yoy_decline", "safety.inspections.enterprises"])
            XCTAssertEqual(town["safety.accidents.count"], "2")
            XCTAssertEqual(town["safety.accidents.yoy_decline"], "50.0")
            XCTAssertEqual(town["safety.inspections.enterprises"], "2")
            // 2026 has no accidents yet; last year had three: a 100% decline, and 0, not "no data".
            let next = try await Self.evaluate(app, f.dist, 2026, ["safety.accidents.count", "safety.accidents.yoy_decline"])
            XCTAssertEqual(next["safety.accidents.count"], "0")
            XCTAssertEqual(next["safety.accidents.yoy_decline"], "100.0")
        }
    }

    func testRectificationStatesAreTakenAtTheYearEnd() async throws {
        try await withFixture { app, f in
            let clerk = try await apiToken(app, "clerk")
            func item(_ found: String, _ source: String = "中央生态环境保护督察", deadline: String = "2025-12-31") async throws -> Int {
                try await Self.create(app, clerk, "rectification", "TA", ["found_on": found, "source": source, "description": "问题\(found)",
                                                                          "deadline": deadline])
            }
            let closed = try await item("2025-03-01")
            try await Self.history(app, closed, closedOn: "2025-11-01", steps: [("started", "2025-03-05"), ("closure_requested", "2025-10-20"),
                                                                               ("closure_approved", "2025-11-01")])
            let pending = try await item("2024-05-01", "省生态环境保护督察")
            try await Self.history(app, pending, steps: [("started", "2024-06-01"), ("closure_requested", "2025-12-20")])
            let late = try await item("2025-04-01", deadline: "2025-06-30")
            try await Self.history(app, late, steps: [("started", "2025-05-01")])
            // Sent back before the year end: still being rectified on 31 December.
            let sentBack = try await item("2025-02-01")
            try await Self.history(app, sentBack, steps: [("started", "2025-02-02"), ("closure_requested", "2025-11-01"), ("sent_back", "2025-11-15")])
            let before = try await item("2024-01-01")
            try await Self.history(app, before, closedOn: "2024-12-01", steps: [("closure_approved", "2024-12-01")])
            _ = try await item("2026-01-10", deadline: "2026-06-30")
            _ = try await item("2025-05-05", "巡察")
            let v = try await Self.evaluate(app, f.dist, 2025, [
                "integrity.env_inspection.total", "integrity.env_inspection.closed", "integrity.env_inspection.pending_closure",
                "integrity.env_inspection.in_progress", "integrity.env_inspection.overdue"])
            XCTAssertEqual(v["integrity.env_inspection.total"], "4", "closed before the year and found after it are left out")
            XCTAssertEqual(v["integrity.env_inspection.closed"], "1")
            XCTAssertEqual(v["integrity.env_inspection.pending_closure"], "1")
            XCTAssertEqual(v["integrity.env_inspection.in_progress"], "2")
            XCTAssertEqual(v["integrity.env_inspection.overdue"], "1")
            // The same items a year earlier: only the one found in 2024 and the one closed in 2024.
            let earlier = try await Self.evaluate(app, f.dist, 2024, ["integrity.env_inspection.total", "integrity.env_inspection.closed",
                                                                      "integrity.env_inspection.in_progress"])
            XCTAssertEqual(earlier["integrity.env_inspection.total"], "2")
            XCTAssertEqual(earlier["integrity.env_inspection.closed"], "1")
            XCTAssertEqual(earlier["integrity.env_inspection.in_progress"], "1")
        }
    }
}
