import LvzeCore
import XCTest

final class AssessmentTests: XCTestCase {
    let metrics = MetricCatalogue([
        MetricDefinition(id: "safety.unit.meetings", label: "专题研究", unit: "次", system: .safety, kind: "meeting", aggregate: .count),
        MetricDefinition(id: "safety.unit.overdue", label: "逾期隐患", unit: "条", system: .safety, kind: "hazard", aggregate: .count),
        MetricDefinition(id: "safety.unit.closed_share", label: "按期销号率", unit: "%", system: .safety, kind: nil,
                         aggregate: .share(numerator: "safety.unit.overdue", denominator: "safety.unit.meetings")),
        MetricDefinition(id: "safety.accidents.major_or_above", label: "较大事故", unit: "起", system: .safety, kind: "accident",
                         aggregate: .count),
        MetricDefinition(id: "safety.unit.names", label: "名单", unit: "", system: .safety, kind: "meeting", aggregate: .names(field: "t")),
    ])

    let yaml = """
    year: 2025
    system: safety
    title: 2025年度镇（街道）安全生产责任制考核细则
    assessed: town
    grades: {好: 90, 较好: 80, 一般: 60}
    quotas: {好: 30}
    indicators:
      - id: lead
        name: 组织领导
        points: 40
        items:
          - id: lead.study
            name: 专题研究安全生产
            points: 10
            from: safety.unit.meetings
            full_when: ">= 4"
          - id: lead.tiers
            name: 研究次数分档
            points: 10
            from: safety.unit.meetings
            tiers: [{when: ">= 4", score: 10}, {when: ">= 2", score: 6}]
          - id: lead.list
            name: 签订责任书
            points: 20
            review: 上传责任书
            evidence: required
      - id: hazard
        name: 隐患治理
        points: 60
        items:
          - id: hazard.overdue
            name: 隐患按期整改
            points: 30
            from: safety.unit.overdue
            deduct: 0.5
            if_missing: full
          - id: hazard.share
            name: 按期销号率
            points: 30
            from: safety.unit.closed_share
            proportion: 100
    bonus:
      - id: bonus.award
        name: 获评市级以上先进
        per: 1
        max: 3
    penalties:
      - id: penalty.overdue
        name: 逾期隐患扣分
        from: safety.unit.overdue
        per: 0.2
        max: 2
    vetoes:
      - id: veto.major
        name: 发生较大及以上生产安全事故
        from: safety.accidents.major_or_above
        when: "> 0"
    """

    func rules() throws -> AssessmentRules {
        try AssessmentRulesLoader.load(yaml: yaml, file: "safety-2025.yaml", metrics: metrics)
    }

    func testTheRulesReadTheTreeTheFormulasAndTheGrading() throws {
        let r = try rules()
        XCTAssertEqual(r.year, 2025)
        XCTAssertEqual(r.system, .safety)
        XCTAssertEqual(r.assessed, .towns)
        XCTAssertEqual(r.totalPoints, 100)
        XCTAssertEqual(r.leaves.map(\.id), ["lead.study", "lead.tiers", "lead.list", "hazard.overdue", "hazard.share"])
        XCTAssertEqual(r.leaves[0].scoring, .records(AssessmentFormula(metric: "safety.unit.meetings", rule: .fullWhen(.atLeast, 4))))
        XCTAssertEqual(r.leaves[2].scoring, .review(evidenceRequired: true))
        XCTAssertEqual(r.leaves[2].standard, "上传责任书")
        XCTAssertEqual(r.leaves[3].scoring, .records(AssessmentFormula(metric: "safety.unit.overdue", rule: .deduct(per: 0.5), ifMissing: .full)))
        XCTAssertEqual(r.adjustments.map(\.direction), [.bonus, .penalty])
        XCTAssertNil(r.adjustments[0].metric)
        XCTAssertEqual(r.vetoes.first?.grade, .poor)
        XCTAssertEqual(r.grading.quotas, [.good: 30])
        XCTAssertEqual(r.metricIDs, ["safety.unit.meetings", "safety.unit.overdue", "safety.unit.closed_share", "safety.accidents.major_or_above"])
    }

    func testEveryFormulaScoresFromTheValueAndSaysHow() throws {
        let r = try rules()
        let sheet = AssessmentScorer.score(r, values: [
            "safety.unit.meetings": .number(3), "safety.unit.overdue": .number(5), "safety.unit.closed_share": .number(87.5),
            "safety.accidents.major_or_above": .number(0),
        ], reviews: ["lead.list": AssessmentReview(score: 18, reason: "责任书缺2个村"), "bonus.award": AssessmentReview(score: 5, reason: "市级先进")])
        let score = Dictionary(uniqueKeysWithValues: sheet.lines.map { ($0.id, $0.score) })
        XCTAssertEqual(score["lead.study"], 0)            // 3 < 4
        XCTAssertEqual(score["lead.tiers"], 6)            // ≥ 2 tier
        XCTAssertEqual(score["lead.list"], 18)
        XCTAssertEqual(score["hazard.overdue"], 27.5)     // 30 − 5 × 0.5
        XCTAssertEqual(score["hazard.share"], 26.25)      // 30 × 87.5 / 100
        XCTAssertEqual(sheet.base, 77.75)
        XCTAssertEqual(sheet.bonus, 3)                    // 5 asked, capped at max 3
        XCTAssertEqual(sheet.penalty, 1)                  // 5 × 0.2
        XCTAssertEqual(sheet.total, 79.75)
        XCTAssertNil(sheet.cap)
        XCTAssertEqual(sheet.pending, [])
        XCTAssertEqual(sheet.lines[3].note, "实际5，每个扣0.5分，扣2.5分")
        XCTAssertEqual(sheet.lines[0].note, "实际3，未达到「≥4」")
        XCTAssertEqual(sheet.lines[2].method, .review)
        XCTAssertEqual(sheet.lines[0].method, .records)
    }

    func testMissingValuesScoreAsTheRulesSayAndAReviewIsPendingUntilScored() throws {
        let sheet = AssessmentScorer.score(try rules(), values: [
            "safety.unit.meetings": .number(4), "safety.unit.overdue": .missing("「隐患」在本单位范围内没有任何记录"),
            "safety.unit.closed_share": .missing("「专题研究」为0，无法计算比例"), "safety.accidents.major_or_above": .number(1),
        ])
        let line = Dictionary(uniqueKeysWithValues: sheet.lines.map { ($0.id, $0) })
        XCTAssertEqual(line["hazard.overdue"]?.score, 30)     // if_missing: full
        XCTAssertEqual(line["hazard.share"]?.score, 0)        // default: zero
        XCTAssertTrue(line["hazard.share"]?.note.contains("无法计算比例") == true)
        XCTAssertNil(line["lead.list"]?.score)
        XCTAssertEqual(sheet.pending, ["lead.list"])
        XCTAssertEqual(sheet.cap, .poor)
        XCTAssertEqual(sheet.vetoes.first?.score, 1)
        XCTAssertEqual(sheet.penalty, 0)
        XCTAssertEqual(sheet.bonus, 0)                        // no review: no bonus, not pending
    }

    func testRankingSharesRanksOnTiesAppliesVetoesAndQuotas() {
        // 10 units, 好 at most 30 %: three places.
        let totals: [Decimal] = [95, 92, 92, 91, 91, 85, 70, 50, 99, 88]
        var caps = [AssessmentGrade?](repeating: nil, count: 10)
        caps[8] = .poor                                        // 99 but vetoed
        let grading = AssessmentGrading(bands: [(.good, 90), (.fairlyGood, 80), (.average, 60)], quotas: [.good: 30])
        let placed = AssessmentRanking.place(totals: totals, caps: caps, grading: grading)
        XCTAssertEqual(placed.map(\.index), [8, 0, 1, 2, 3, 4, 9, 5, 6, 7])
        XCTAssertEqual(placed.map(\.rank), [1, 2, 3, 3, 5, 5, 7, 8, 9, 10])
        // The vetoed unit is 差; 95 and the two 92s fill the three 好 places; the 91s drop together.
        XCTAssertEqual(placed.map(\.grade), [.poor, .good, .good, .good, .fairlyGood, .fairlyGood, .fairlyGood, .fairlyGood, .average, .poor])
        XCTAssertTrue(placed[0].note.contains("一票否决"))
        XCTAssertTrue(placed[4].note.contains("名额"))
    }

    func testATieAtAQuotaEdgeDropsTogether() {
        let placed = AssessmentRanking.place(totals: [95, 93, 93, 80], caps: [nil, nil, nil, nil],
                                             grading: AssessmentGrading(bands: [(.good, 90), (.fairlyGood, 80)], quotas: [.good: 50]))
        XCTAssertEqual(placed.map(\.grade), [.good, .fairlyGood, .fairlyGood, .fairlyGood])
    }

    func testMistakesNameTheirLine() {
        func problem(_ edit: (String) -> String) -> String {
            do {
                _ = try AssessmentRulesLoader.load(yaml: edit(yaml), file: "safety-2025.yaml", metrics: metrics)
                return "no error"
            } catch { return String(describing: error) }
        }
        XCTAssertEqual(problem { $0.replacingOccurrences(of: "from: safety.unit.meetings\n        full_when", with: "from: safety.unit.meeting\n        full_when") },
                       "「safety-2025.yaml」第15行：指标「safety.unit.meeting」不存在")
        XCTAssertEqual(problem { $0.replacingOccurrences(of: "points: 40", with: "points: 45") },
                       "「safety-2025.yaml」第10行：指标「lead」分值45分，下级指标合计40分，应相等")
        XCTAssertTrue(problem { $0.replacingOccurrences(of: "full_when: \">= 4\"", with: "full_when: \">=4\"") }.contains("第16行"))
        XCTAssertTrue(problem { $0.replacingOccurrences(of: "        review: 上传责任书\n        evidence: required\n", with: "") }.contains("须写明计分方式"))
        XCTAssertTrue(problem { $0.replacingOccurrences(of: "from: safety.unit.closed_share", with: "from: safety.unit.names") }.contains("是名单"))
        XCTAssertTrue(problem { $0.replacingOccurrences(of: "deduct: 0.5", with: "deduct: 0.5\n        proportion: 100") }.contains("有且只有一种"))
        XCTAssertTrue(problem { $0.replacingOccurrences(of: "id: hazard.share", with: "id: hazard.overdue") }.contains("编号「hazard.overdue」重复"))
        XCTAssertTrue(problem { $0.replacingOccurrences(of: "system: safety", with: "system: finance") }.contains("system「finance」不对"))
        XCTAssertTrue(problem { $0.replacingOccurrences(of: "{好: 90, 较好: 80", with: "{好: 70, 较好: 80") }.contains("分数线应高于"))
        XCTAssertTrue(problem { $0 + "\nextra: 1" }.contains("不认识的键「extra」"))
        XCTAssertTrue(problem { $0.replacingOccurrences(of: "score: 6}", with: "score: 16}") }.contains("超过指标分值"))
    }
}
