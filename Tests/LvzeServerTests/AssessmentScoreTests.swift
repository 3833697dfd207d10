import Foundation
import LvzeCore
@testable import LvzeServer
import XCTest
import XCTVapor

/// The shipped 考评细则 scored for each town from its own records, on SQLite and (with
/// DATABASE_URL) PostgreSQL: each records-based score follows from the unit's metric values.
final class AssessmentScoreTests: XCTestCase {
    func testTheShippedRulesLoadAgainstTheMetricCatalogue() async throws {
        try await withFixture { app, _ in
            let rules = try AssessmentDefaults.load(metrics: app.lvze.catalogue.metrics)
            XCTAssertEqual(Set(rules.map(\.system)), [.party, .integrity, .ideology, .safety])
            XCTAssertTrue(rules.allSatisfy { $0.totalPoints == 100 })
            XCTAssertEqual(rules.filter { $0.assessed == .departments }.map(\.system), [.integrity])
            XCTAssertEqual(rules.first { $0.system == .safety }?.vetoes.map(\.metric), ["safety.accidents.major_or_above"])
        }
    }

    func testEachTownIsScoredFromItsOwnRecords() async throws {
        try await withFixture { app, f in
            let clerk = try await apiToken(app, "clerk")
            // 甲镇: one accident (1 death) and two enterprises inspected; 乙镇's village a 较大 accident.
            try await MetricTests.create(app, clerk, "accident", "TA", ["occurred_on": "2025-03-01", "name": "事故甲", "deaths": 1,
                                                                        "serious_injuries": 0, "direct_loss": 100_000])
            try await MetricTests.create(app, clerk, "accident", "TB-V1", ["occurred_on": "2025-05-01", "name": "事故乙", "deaths": 3,
                                                                           "serious_injuries": 0, "direct_loss": 100_000])
            for name in ["甲厂", "丙厂"] {
                try await MetricTests.create(app, clerk, "enforcement_inspection", "TA", ["enterprise_name": name, "inspected_on": "2025-06-01"])
            }
            for i in 1...3 {
                try await MetricTests.create(app, clerk, "hazard", "TA-V1", ["source": "检查发现", "found_on": "2025-0\(i)-10",
                                                                             "description": "隐患\(i)", "level": "一般隐患", "deadline": "2025-12-01"])
            }
            let rules = try XCTUnwrap(AssessmentDefaults.load(metrics: app.lvze.catalogue.metrics).first { $0.system == .safety })
            func sheet(_ unit: OrgUnit) async throws -> AssessmentSheet {
                let values = try await MetricEvaluator(db: app.db, kinds: app.lvze.catalogue.catalogue, metrics: app.lvze.catalogue.metrics,
                                                       scope: unit.unitPath, year: rules.year).evaluate(rules.metricIDs)
                return AssessmentScorer.score(rules, values: values,
                                              reviews: ["lead.list": AssessmentReview(score: 14, reason: "责任书齐全，清单未细化到岗位")])
            }
            let a = try await sheet(f.townA)
            let score = Dictionary(uniqueKeysWithValues: a.lines.map { ($0.id, $0.score) })
            XCTAssertEqual(score["hazard.found"], 3, "3 hazards in its village: the lowest tier")
            XCTAssertEqual(score["enforcement.inspections"], 6, "2 enterprises")
            XCTAssertEqual(score["hazard.supervised"], 30, "no supervised items: full marks, as the rules say")
            XCTAssertEqual(score["lead.list"], 14)
            XCTAssertEqual(score["lead.study"], 0, "no 专题研究 meeting in its ledger")
            XCTAssertEqual(a.penalty, 2, "one accident, 2 points")
            XCTAssertNil(a.cap)
            XCTAssertEqual(a.total, 3 + 6 + 30 + 14 - 2)
            XCTAssertEqual(Set(a.pending), ["enforcement.campaigns"])

            let b = try await sheet(f.townB)
            XCTAssertEqual(b.cap, .poor, "the 较大 accident in its village decides the rating")
            XCTAssertEqual(b.lines.first { $0.id == "hazard.found" }?.score, 0, "no hazard ledger: no data, no points")
            XCTAssertTrue(b.lines.first { $0.id == "hazard.found" }?.note.contains("无数据") == true)
            let placed = AssessmentRanking.place(totals: [b.total + 50, a.total], caps: [b.cap, a.cap], grading: rules.grading)
            XCTAssertEqual(placed.first?.index, 0)
            XCTAssertEqual(placed.first?.grade, .poor)
        }
    }
}
