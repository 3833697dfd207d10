import Fluent
import Foundation
import LvzeCore
import SQLKit

/// Every assessed unit's score sheet, rank and 等次, with the records behind each computed
/// line: computed live while the assessment is open, kept whole once it is published.
struct AssessmentResults: Codable, Sendable, Equatable {
    struct Row: Codable, Sendable, Equatable {
        var unitID: Int
        var code: String
        var name: String
        var sheet: AssessmentSheet
        var rank: Int
        var grade: AssessmentGrade
        /// Why the grade is below its band (一票否决, 名额已满), or "".
        var gradeNote: String
        /// Metric id → the ids of the records it counted, for every record-based metric the
        /// rules read (kept when published; empty in a live view).
        var recordIDs: [String: [Int]]
    }

    /// In rank order.
    var rows: [Row]
    var computedAt: Date

    /// Lines still waiting for the group's score, over every unit.
    var pending: [(unit: String, line: String)] {
        rows.flatMap { row in
            row.sheet.pending.map { id in (row.name, (row.sheet.lines + row.sheet.adjustments).first { $0.id == id }?.name ?? id) }
        }
    }
}

/// Reads and scores an assessment: its rules, the units it assesses, their entries, and
/// the sheets the scorer makes from each unit's own metric values (the report's engine,
/// scoped to the unit's subtree).
struct AssessmentBook {
    let db: any Database
    let kinds: Catalogue
    let metrics: MetricCatalogue

    /// The assessment's own 考评细则, checked against today's metric catalogue.
    func rules(_ a: Assessment) throws -> AssessmentRules {
        try AssessmentRulesLoader.load(yaml: a.rules, file: "考评细则", metrics: metrics)
    }

    /// The assessed units: the assessing unit's children of the assessed kind that still
    /// existed when the year began, in the tree's order.
    func units(_ a: Assessment) async throws -> [OrgUnit] {
        let start = "\(a.year)-01-01"
        return try await OrgUnit.query(on: db).filter(\.$parent.$id == a.$unit.id).filter(\.$kind == a.assessed)
            .sort(\.$sortOrder).sort(\.$code).all()
            .filter { ($0.dissolvedOn ?? "9999") >= start }
    }

    /// The entries of the assessment: unit id → indicator id → entry.
    func entries(_ a: Assessment, unitID: Int? = nil) async throws -> [Int: [String: AssessmentEntry]] {
        var q = AssessmentEntry.query(on: db).filter(\.$assessmentID == a.id!)
        if let unitID { q = q.filter(\.$unitID == unitID) }
        var out: [Int: [String: AssessmentEntry]] = [:]
        for e in try await q.all() { out[e.unitID, default: [:]][e.indicatorID] = e }
        return out
    }

    /// A unit's sheet now, from its records and the group's reviews.
    func sheet(_ a: Assessment, rules: AssessmentRules, unit: OrgUnit,
               entries: [String: AssessmentEntry]) async throws -> (AssessmentSheet, MetricEvaluator) {
        let evaluator = MetricEvaluator(db: db, kinds: kinds, metrics: metrics, scope: unit.unitPath, year: a.year)
        let values = try await evaluator.evaluate(rules.metricIDs)
        return (AssessmentScorer.score(rules, values: values, reviews: entries.compactMapValues(\.review)), evaluator)
    }

    /// Every unit scored now and ranked; with `recordIDs`, the records behind each metric kept too.
    func compute(_ a: Assessment, rules: AssessmentRules, recordIDs: Bool, at now: Date) async throws -> AssessmentResults {
        let units = try await units(a)
        let entries = try await entries(a)
        let recordMetrics = metrics.closure(of: rules.metricIDs).compactMap { metrics[$0] }
        var scored: [(unit: OrgUnit, sheet: AssessmentSheet, ids: [String: [Int]])] = []
        for unit in units {
            let (sheet, evaluator) = try await sheet(a, rules: rules, unit: unit, entries: entries[unit.id!] ?? [:])
            let ids = recordIDs ? try await ReportSnapshots.recordIDs(recordMetrics, evaluator: evaluator) : [:]
            scored.append((unit, sheet, ids))
        }
        let placed = AssessmentRanking.place(totals: scored.map(\.sheet.total), caps: scored.map(\.sheet.cap), grading: rules.grading)
        return AssessmentResults(rows: placed.map { p in
            let s = scored[p.index]
            return .init(unitID: s.unit.id!, code: s.unit.code, name: s.unit.name, sheet: s.sheet, rank: p.rank, grade: p.grade,
                         gradeNote: p.note, recordIDs: s.ids)
        }, computedAt: now)
    }

    static func encode(_ results: AssessmentResults) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .millisecondsSince1970
        return String(decoding: (try? encoder.encode(results)) ?? Data("{}".utf8), as: UTF8.self)
    }

    static func decode(_ text: String?) -> AssessmentResults? {
        guard let text else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        return try? decoder.decode(AssessmentResults.self, from: Data(text.utf8))
    }

    /// SHA-256 over what the 公示 fixed — who assessed what, by which rules, with which
    /// results — length-prefixed so no two contents hash alike.
    static func hash(_ a: Assessment, unitCode: String) -> String {
        let at = a.publishedAt.map { String(Int64(($0.timeIntervalSince1970 * 1000).rounded())) } ?? ""
        return Secrets.sha256(parts: [unitCode, String(a.year), a.system, a.assessed, a.title, a.rules, a.results ?? "",
                                      a.publishedBy.map(String.init) ?? "", at])
    }
}
