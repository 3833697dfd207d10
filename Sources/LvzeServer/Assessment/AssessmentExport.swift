import Foundation
import LvzeCore
import LvzeOffice

/// An assessment's results as files: JSON for other systems, a long XLSX table (one row per
/// unit and scored line) for the office's own sums, and a Word 通报 in the official format.
enum AssessmentExport {
    enum Format: String, CaseIterable, Sendable {
        case json, xlsx, docx

        var contentType: String {
            switch self {
            case .json: return "application/json"
            case .xlsx: return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            case .docx: return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
        }
    }

    /// What every export says about one assessment.
    struct Source: Sendable {
        var assessment: AssessmentSummary
        var rules: AssessmentRules
        var results: AssessmentResults
        /// True when the results were kept at 公示; false for a live computation.
        var fixed: Bool
    }

    struct AssessmentSummary: Sendable, Codable {
        var id: Int
        var year: Int
        var system: String
        var assessed: String
        var title: String
        var assessingUnit: String
        var state: String
        var sha256: String?
    }

    static func file(_ s: Source, format: Format) throws -> Data {
        switch format {
        case .json: return json(s)
        case .xlsx: return try xlsx(s)
        case .docx: return try DocxWriter.data(document(s))
        }
    }

    static func fileName(_ s: Source, format: Format) -> String {
        "\(s.assessment.title)\(s.fixed ? "" : "（未公示）").\(format.rawValue)"
    }

    // MARK: JSON

    struct JSONLine: Codable {
        var id: String
        var name: String
        var points: String
        var score: String?
        var method: String
        var metric: String?
        var value: String?
        var note: String
        var records: [Int]?
    }

    struct JSONUnit: Codable {
        var code: String
        var name: String
        var rank: Int
        var total: String
        var base: String
        var bonus: String
        var penalty: String
        var grade: String
        var gradeNote: String
        var lines: [JSONLine]
    }

    struct JSONFile: Codable {
        var assessment: AssessmentSummary
        var fixed: Bool
        var computedAt: String
        var units: [JSONUnit]
    }

    static func json(_ s: Source) -> Data {
        let units = s.results.rows.map { r in
            JSONUnit(code: r.code, name: r.name, rank: r.rank, total: plain(r.sheet.total), base: plain(r.sheet.base),
                     bonus: plain(r.sheet.bonus), penalty: plain(r.sheet.penalty), grade: r.grade.rawValue, gradeNote: r.gradeNote,
                     lines: (r.sheet.lines + r.sheet.adjustments + r.sheet.vetoes).map { l in
                         JSONLine(id: l.id, name: l.name, points: plain(l.points), score: l.score.map(plain), method: l.method.rawValue,
                                  metric: l.metric, value: l.value?.number.map(plain), note: l.note,
                                  records: l.metric.flatMap { r.recordIDs[$0] })
                     })
        }
        let file = JSONFile(assessment: s.assessment, fixed: s.fixed, computedAt: ISOTime.local(s.results.computedAt), units: units)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(file)) ?? Data("{}".utf8)
    }

    // MARK: XLSX

    static let columns = [
        ExportColumn("单位代码"), ExportColumn("单位", width: 18), ExportColumn("名次", kind: .integer), ExportColumn("总分", kind: .decimal(places: 2)),
        ExportColumn("等次"), ExportColumn("指标编号", width: 24), ExportColumn("指标", width: 28), ExportColumn("分值", kind: .decimal(places: 2)),
        ExportColumn("得分", kind: .decimal(places: 2)), ExportColumn("计分方式"), ExportColumn("说明", width: 48),
    ]

    static func xlsx(_ s: Source) throws -> Data {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lvze-assessment-\(UUID().uuidString).xlsx")
        defer { try? FileManager.default.removeItem(at: url) }
        let writer = try XLSXWriter(url: url, sheetName: "考核得分", columns: columns)
        for r in s.results.rows {
            for l in r.sheet.lines + r.sheet.adjustments + r.sheet.vetoes {
                let score: ExportValue
                if l.method == .veto {
                    score = .empty
                } else {
                    score = l.score.map { .decimal(NSDecimalNumber(decimal: $0).doubleValue) } ?? .empty
                }
                let kind = l.method == .veto ? (l.score == 1 ? "一票否决（触发）" : "一票否决（未触发）")
                    : l.method == .bonus ? (s.rules.adjustments.first { $0.id == l.id }?.direction.label ?? l.method.label) : l.method.label
                try writer.append([.text(r.code), .text(r.name), .integer(r.rank), .decimal(NSDecimalNumber(decimal: r.sheet.total).doubleValue),
                                   .text(r.grade.rawValue), .text(l.id), .text(l.name),
                                   l.method == .veto ? .empty : .decimal(NSDecimalNumber(decimal: l.points).doubleValue),
                                   score, .text(kind), .text(l.note)])
            }
        }
        try writer.finish()
        return try Data(contentsOf: url)
    }

    // MARK: Word

    /// The 通报 of the results: what was assessed and how, the ranking, the 等次, the vetoes
    /// and penalties, and each unit's score by 一级指标.
    static func document(_ s: Source) -> ReportDocument {
        let a = s.assessment
        let rows = s.results.rows
        var blocks: [DocumentBlock] = []
        func p(_ text: String) { blocks.append(.paragraph([DocumentRun(text)])) }
        let countText = "\(rows.count)个\(AssessedUnits(rawValue: a.assessed)?.label ?? "单位")"
        p("根据《\(s.rules.title)》，\(a.assessingUnit)对\(countText)\(a.year)年度\(LedgerSystem(rawValue: a.system)?.label ?? "")责任制落实情况进行了考核。"
          + "按台账计分的指标由履责系统从各单位及其下级单位的台账记录计算，每项得分均可追溯到所依据的记录；"
          + "自评指标由被考核单位自评并提供佐证材料，经考核组评审定分。"
          + (s.fixed ? "" : "本文件生成时结果尚未公示，得分为实时计算，仅供核对。"))
        blocks.append(.heading(level: 1, runs: [DocumentRun("一、考核结果")]))
        var table = [["名次", "单位", "基本分", "加分", "扣分", "总分", "等次"]]
        for r in rows {
            table.append([String(r.rank), r.name, plain(r.sheet.base), plain(r.sheet.bonus), plain(r.sheet.penalty), plain(r.sheet.total), r.grade.rawValue])
        }
        blocks.append(.table(table))
        let byGrade = Dictionary(grouping: rows, by: \.grade)
        let distribution = AssessmentGrade.allCases.map { g -> String in
            let names = (byGrade[g] ?? []).map(\.name)
            return "「\(g.rawValue)」等次\(names.count)个" + (names.isEmpty ? "" : "（\(names.joined(separator: "、"))）")
        }
        p("等次分布：" + distribution.joined(separator: "；") + "。")
        blocks.append(.heading(level: 1, runs: [DocumentRun("二、一票否决和扣分情况")]))
        var notes: [String] = []
        for r in rows {
            for v in r.sheet.vetoes where v.score == 1 { notes.append("\(r.name)\(v.name)，\(v.note)") }
            for adj in r.sheet.adjustments where (adj.score ?? 0) > 0 {
                let direction = s.rules.adjustments.first { $0.id == adj.id }?.direction
                if direction == .penalty { notes.append("\(r.name)「\(adj.name)」扣\(plain(adj.score ?? 0))分（\(adj.note)）") }
            }
        }
        p(notes.isEmpty ? "没有单位触发一票否决或扣分事项。" : notes.joined(separator: "；") + "。")
        let bonuses = rows.flatMap { r in
            r.sheet.adjustments.filter { adj in (adj.score ?? 0) > 0 && s.rules.adjustments.first { $0.id == adj.id }?.direction == .bonus }
                .map { "\(r.name)「\($0.name)」加\(plain($0.score ?? 0))分（\($0.note)）" }
        }
        if !bonuses.isEmpty { p("加分情况：" + bonuses.joined(separator: "；") + "。") }
        blocks.append(.heading(level: 1, runs: [DocumentRun("三、各单位分项得分")]))
        var detail = [["单位"] + s.rules.indicators.map { "\($0.name)（\(plain($0.points))）" } + ["总分"]]
        for r in rows {
            let score = Dictionary(uniqueKeysWithValues: r.sheet.lines.map { ($0.id, $0.score ?? 0) })
            detail.append([r.name] + s.rules.indicators.map { top in plain(top.leaves.reduce(Decimal(0)) { $0 + (score[$1.id] ?? 0) }) }
                          + [plain(r.sheet.total)])
        }
        blocks.append(.table(detail))
        if let hash = a.sha256 { p("本结果公示时已固定，校验值（SHA-256）：\(hash)。") }
        return ReportDocument(title: [DocumentRun("关于\(a.title)结果的通报")], blocks: blocks)
    }

    static func plain(_ d: Decimal) -> String { AssessmentScorer.number(d) }
}

extension AssessmentExport {
    /// The export of an assessment as it stands: the kept results once published, live before.
    static func source(_ a: Assessment, assessing: OrgUnit, rules: AssessmentRules, book: AssessmentBook, at now: Date) async throws -> Source {
        let kept = AssessmentBook.decode(a.results)
        let results: AssessmentResults
        if let kept { results = kept } else { results = try await book.compute(a, rules: rules, recordIDs: true, at: now) }
        return Source(assessment: AssessmentSummary(id: a.id!, year: a.year, system: a.system, assessed: a.assessed, title: a.title,
                                                    assessingUnit: assessing.name, state: a.stage.label, sha256: a.sha256),
                      rules: rules, results: results, fixed: kept != nil)
    }
}
