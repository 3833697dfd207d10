import Foundation
import LvzeCore
import XCTest

final class ReportTemplateTests: XCTestCase {
    // MARK: Definitions

    static func metric(_ id: String, _ aggregate: MetricAggregate = .count, unit: String = "个", decimals: Int = 0,
                       divisor: Decimal = 1) -> MetricDefinition {
        MetricDefinition(id: id, label: id, unit: unit, system: .common, kind: "test", aggregate: aggregate,
                         divisor: divisor, decimals: decimals)
    }

    static func names(_ id: String) -> MetricDefinition { metric(id, .names(field: "honoree"), unit: "") }

    static func claim(_ id: String, _ words: String, metric: String, _ comparison: ClaimDefinition.Comparison = .equal,
                      _ threshold: Decimal = 0, failure: String) -> ClaimDefinition {
        ClaimDefinition(id: id, words: words, metric: metric, comparison: comparison, threshold: threshold, failure: failure)
    }

    static func dictionary<T>(_ items: [T], id: (T) -> String) -> [String: T] {
        Dictionary(uniqueKeysWithValues: items.map { (id($0), $0) })
    }

    /// A small catalogue for the language tests.
    static let metrics = dictionary([
        metric("safety.hazards.found", unit: "条"),
        metric("safety.hazards.rectified", unit: "条"),
        metric("safety.accidents.count", unit: "起"),
        metric("safety.accidents.yoy_decline", .yearOnYear(of: "safety.accidents.count"), unit: "%", decimals: 1),
        metric("safety.accidents.major_or_above", unit: "起"),
        metric("safety.supervision.rectification_rate", .share(numerator: "a", denominator: "b"), unit: "%", decimals: 1),
        metric("party.village_secretaries.avg_age", .mean(field: "age"), unit: "岁", decimals: 1),
        metric("party.responsibility_zones.count", unit: "万", divisor: 10000),
        metric("party.rectification.review_and_self", unit: "项"),
        metric("party.rectification.review_and_self.open", unit: "项"),
        names("party.honors.names"),
    ], id: \.id)

    static let claims = dictionary([
        claim("party.rectification.review_and_self.cleared", "清零销号", metric: "party.rectification.review_and_self.open",
              failure: "有{value}项问题未销号"),
        claim("safety.accidents.no_major", "未发生较大及以上生产安全事故", metric: "safety.accidents.major_or_above",
              failure: "发生较大及以上生产安全事故{value}起"),
        claim("safety.supervision.all_rectified", "整改率达100%", metric: "safety.supervision.rectification_rate",
              .atLeast, 100, failure: "整改率为{value}%"),
    ], id: \.id)

    static let builtins: Set<String> = ["report.year", "unit.name"]

    func parse(_ text: String) -> ReportTemplate {
        ReportTemplate.parse(text, metrics: Self.metrics, claims: Self.claims, builtinSettings: Self.builtins)
    }

    func render(_ template: ReportTemplate, _ values: [String: MetricValue], settings: [String: String] = ["report.year": "2024"]) -> ReportDocument {
        template.render(values: values, metrics: Self.metrics, claims: Self.claims, settings: settings)
    }

    /// The runs of the first paragraph.
    func paragraph(_ document: ReportDocument, _ index: Int = 0) -> [DocumentRun] {
        let paragraphs = document.blocks.compactMap { block -> [DocumentRun]? in
            if case .paragraph(let runs) = block { return runs }
            return nil
        }
        guard index < paragraphs.count else { XCTFail("no paragraph \(index)"); return [] }
        return paragraphs[index]
    }

    func messages(_ template: ReportTemplate) -> [String] { template.problems.map(\.description) }

    // MARK: Parse and render

    func testRoundTripWithValues() {
        let template = parse("""
        %title {{district.name}}{{report.year}}年度报告
        %set district.name = 示范区
        一、安全生产
        共查出隐患{{safety.hazards.found}}条、整改{{ safety.hazards.rectified }}条，{{claim:safety.accidents.no_major}}。
        （一）责任区
        划分{{party.responsibility_zones.count}}万余个党员责任区，书记平均年龄{{party.village_secretaries.avg_age}}岁。
        """)
        XCTAssertEqual(template.problems, [])
        XCTAssertEqual(template.settings, ["district.name": "示范区"])
        XCTAssertEqual(template.metricIDs, ["safety.hazards.found", "safety.hazards.rectified", "safety.accidents.major_or_above",
                                            "party.responsibility_zones.count", "party.village_secretaries.avg_age"])
        XCTAssertEqual(template.claimIDs, ["safety.accidents.no_major"])
        XCTAssertEqual(template.placeholders.map(\.kind), [.setting, .setting, .metric, .metric, .claim, .metric, .metric])
        XCTAssertEqual(template.placeholders[3], TemplatePlaceholder(line: 4, raw: "{{ safety.hazards.rectified }}", kind: .metric,
                                                                     id: "safety.hazards.rectified"))
        let document = render(template, [
            "safety.hazards.found": .number(120), "safety.hazards.rectified": .number(118),
            "safety.accidents.major_or_above": .number(0), "party.responsibility_zones.count": .number(23456),
            "party.village_secretaries.avg_age": .number(Decimal(string: "42.36")!),
        ])
        XCTAssertEqual(document.titleText, "示范区2024年度报告")
        XCTAssertEqual(document.title, [DocumentRun("示范区2024年度报告")], "settings merge into one plain run")
        XCTAssertEqual(document.blocks, [
            .heading(level: 1, runs: [DocumentRun("一、安全生产")]),
            .paragraph([
                DocumentRun("共查出隐患"), DocumentRun("120", role: .figure(metric: "safety.hazards.found")),
                DocumentRun("条、整改"), DocumentRun("118", role: .figure(metric: "safety.hazards.rectified")),
                DocumentRun("条，"), DocumentRun("未发生较大及以上生产安全事故", role: .claim(id: "safety.accidents.no_major", problem: nil)),
                DocumentRun("。"),
            ]),
            .heading(level: 2, runs: [DocumentRun("（一）责任区")]),
            .paragraph([
                DocumentRun("划分"), DocumentRun("2", role: .figure(metric: "party.responsibility_zones.count")),
                DocumentRun("万余个党员责任区，书记平均年龄"), DocumentRun("42.4", role: .figure(metric: "party.village_secretaries.avg_age")),
                DocumentRun("岁。"),
            ]),
        ])
    }

    func testMissingOrAbsentValueRendersNoDataMarker() {
        let template = parse("%title 报告\n隐患{{safety.hazards.found}}条、整改{{safety.hazards.rectified}}条。")
        XCTAssertEqual(template.problems, [])
        let runs = paragraph(render(template, ["safety.hazards.found": .missing("台账未录入")]))
        XCTAssertEqual(runs, [
            DocumentRun("隐患"), DocumentRun("【无数据】", role: .missing(metric: "safety.hazards.found", reason: "台账未录入")),
            DocumentRun("条、整改"), DocumentRun("【无数据】", role: .missing(metric: "safety.hazards.rectified", reason: "未计算")),
            DocumentRun("条。"),
        ])
        XCTAssertTrue(runs[1].needsAttention)
        XCTAssertFalse(runs.contains { $0.text.contains("0") || $0.text.contains("*") })
    }

    func testClaimSupportedUnsupportedAndWithoutData() {
        let template = parse("%title 报告\n实现{{claim:party.rectification.review_and_self.cleared}}，{{claim:safety.supervision.all_rectified}}。")
        XCTAssertEqual(template.problems, [])
        XCTAssertEqual(template.metricIDs, ["party.rectification.review_and_self.open", "safety.supervision.rectification_rate"])

        let bad = paragraph(render(template, ["party.rectification.review_and_self.open": .number(3),
                                              "safety.supervision.rectification_rate": .number(Decimal(string: "87.46")!)]))
        XCTAssertEqual(bad[1], DocumentRun("清零销号", role: .claim(id: "party.rectification.review_and_self.cleared",
                                                               problem: "有3项问题未销号")))
        XCTAssertEqual(bad[3], DocumentRun("整改率达100%", role: .claim(id: "safety.supervision.all_rectified", problem: "整改率为87.5%")))
        XCTAssertTrue(bad[1].needsAttention)

        let good = paragraph(render(template, ["party.rectification.review_and_self.open": .number(0),
                                               "safety.supervision.rectification_rate": .number(100)]))
        XCTAssertEqual(good[1].role, .claim(id: "party.rectification.review_and_self.cleared", problem: nil))
        XCTAssertEqual(good[3].role, .claim(id: "safety.supervision.all_rectified", problem: nil))
        XCTAssertFalse(good.contains(where: \.needsAttention))

        // The shown (rounded) value decides: 99.96 shows as 100.0.
        let rounded = paragraph(render(template, ["safety.supervision.rectification_rate": .number(Decimal(string: "99.96")!)]))
        XCTAssertEqual(rounded[3].role, .claim(id: "safety.supervision.all_rectified", problem: nil))

        let none = paragraph(render(template, ["safety.supervision.rectification_rate": .missing("无记录")]))
        XCTAssertEqual(none[1].role, .claim(id: "party.rectification.review_and_self.cleared", problem: "无数据"))
        XCTAssertEqual(none[3].role, .claim(id: "safety.supervision.all_rectified", problem: "无数据"))
    }

    func testChangeFilter() {
        let template = parse("%title 报告\n同比{{safety.accidents.yoy_decline|change}}。")
        XCTAssertEqual(template.problems, [])
        XCTAssertEqual(template.placeholders.first?.filter, .change)
        func shown(_ d: String) -> DocumentRun {
            paragraph(render(template, ["safety.accidents.yoy_decline": .number(Decimal(string: d)!)]))[1]
        }
        XCTAssertEqual(shown("12.5"), DocumentRun("下降12.5%", role: .figure(metric: "safety.accidents.yoy_decline")))
        XCTAssertEqual(shown("-8").text, "上升8.0%")
        XCTAssertEqual(shown("0").text, "持平")
        XCTAssertEqual(shown("0.04").text, "持平")
        XCTAssertEqual(paragraph(render(template, [:]))[1].text, "【无数据】")
    }

    func testNamesLimit() {
        let five: MetricValue = .names(["张甲", "李乙", "王丙", "赵丁", "钱戊"])
        let limited = parse("%title 报告\n涌现出{{party.honors.names|names:2}}等。")
        XCTAssertEqual(limited.problems, [])
        XCTAssertEqual(paragraph(render(limited, ["party.honors.names": five]))[1],
                       DocumentRun("张甲、李乙", role: .figure(metric: "party.honors.names")))

        let byDefault = parse("%title 报告\n%names 3\n涌现出{{party.honors.names}}等。")
        XCTAssertEqual(byDefault.nameLimit, 3)
        XCTAssertEqual(paragraph(render(byDefault, ["party.honors.names": five]))[1].text, "张甲、李乙、王丙")

        let all = parse("%title 报告\n涌现出{{party.honors.names}}等。")
        XCTAssertEqual(all.nameLimit, 10)
        XCTAssertEqual(paragraph(render(all, ["party.honors.names": five]))[1].text, "张甲、李乙、王丙、赵丁、钱戊")
        XCTAssertEqual(paragraph(render(all, ["party.honors.names": .names([])]))[1].role,
                       .missing(metric: "party.honors.names", reason: "没有符合条件的记录"))
    }

    // MARK: Problems

    func testUnknownIDWithSuggestionAndLineNumber() {
        let template = parse("""
        # 注释

        %title 报告
        正文
        共查出隐患{{safety.hazard.found}}条，{{claim:safety.accidents.no_majr}}，{{safety.hazards}}，{{totally.unrelated}}。
        {{safety.accidents.no_major}}、{{claim:safety.hazards.found}}
        """)
        XCTAssertEqual(messages(template), [
            "第5行：未知的指标「safety.hazard.found」，是否为「safety.hazards.found」？",
            "第5行：未知的结论「safety.accidents.no_majr」，是否为「safety.accidents.no_major」？",
            "第5行：未知的指标「safety.hazards」，是否为「safety.hazards.found」？",
            "第5行：未知的指标「totally.unrelated」",
            "第6行：「safety.accidents.no_major」是结论，应写作「{{claim:safety.accidents.no_major}}」",
            "第6行：「safety.hazards.found」是指标，不是结论，应写作「{{safety.hazards.found}}」",
        ])
        XCTAssertEqual(template.metricIDs, [])
        // A broken placeholder stays visible in the rendering, marked for attention.
        let runs = paragraph(render(template, [:]), 1)
        XCTAssertEqual(runs[1], DocumentRun("{{safety.hazard.found}}", role: .missing(
            metric: "safety.hazard.found", reason: "未知的指标「safety.hazard.found」，是否为「safety.hazards.found」？")))
    }

    func testMalformedPlaceholders() {
        let template = parse("""
        %title 报告
        隐患{{safety.hazards.found条
        隐患{{}}条
        隐患}}条
        隐患{{safety.hazards.found|foo}}条
        事故{{safety.accidents.count|change}}起
        隐患{{safety.hazards.found|names:3}}条
        名单{{party.honors.names|names:abc}}
        名单{{party.honors.names|names}}
        {{ |change}}
        {{district.name|change}}
        {{claim:safety.accidents.no_major|change}}
        {{party.honors.names|names:2|change}}
        %set district.name = 示范区
        """)
        XCTAssertEqual(messages(template), [
            "第2行：占位符「{{」缺少结尾的「}}」",
            "第3行：空的占位符「{{}}」",
            "第4行：多余的「}}」，前面没有「{{」",
            "第5行：未知的过滤器「|foo」，可用「|change」「|names:人数」",
            "第6行：指标「safety.accidents.count」不是同比指标，不能使用「|change」",
            "第7行：指标「safety.hazards.found」不是名单，不能使用「|names」",
            "第8行：「|names:abc」应写作「|names:人数」，如「|names:3」",
            "第9行：「|names」应写作「|names:人数」，如「|names:3」",
            "第10行：占位符「{{ |change}}」缺少指标名称",
            "第11行：设置「district.name」不能使用过滤器「|change」",
            "第12行：结论「safety.accidents.no_major」不能使用过滤器「|change」",
            "第13行：占位符「{{party.honors.names|names:2|change}}」只能用一个过滤器",
        ])
        XCTAssertEqual(template.placeholders, [])
        // The text around a broken placeholder is kept.
        XCTAssertEqual(paragraph(render(template, [:]), 0), [DocumentRun("隐患{{safety.hazards.found条")])
        XCTAssertEqual(paragraph(render(template, [:]), 2), [DocumentRun("隐患}}条")])
    }

    func testUnclosedBeforeAnotherPlaceholder() {
        let template = parse("%title 报告\n隐患{{safety.hazards.found 与 {{safety.hazards.rectified}}条")
        XCTAssertEqual(messages(template), ["第2行：占位符「{{」缺少结尾的「}}」"])
        XCTAssertEqual(template.metricIDs, ["safety.hazards.rectified"])
    }

    func testHeadingsDetectedAndForced() {
        let template = parse("""
        %title 报告
        一、基层党建
        （二）组织建设
        十二、其他
        (三)半角括号
        一是坚持知行合一。
        一年来，全区工作取得成效。
        %h1 总体情况
        %h2 {{district.name}}的做法
        %p 一、这一段不是标题
        """)
        XCTAssertEqual(template.problems.map(\.description), ["第9行：未知的指标「district.name」"])
        let document = render(template, [:])
        XCTAssertEqual(document.blocks.count, 9)
        func level(_ block: DocumentBlock) -> Int? {
            if case .heading(let level, _) = block { return level }
            return nil
        }
        XCTAssertEqual(document.blocks.map(level), [1, 2, 1, 2, nil, nil, 1, 2, nil])
        XCTAssertEqual(document.blocks[6], .heading(level: 1, runs: [DocumentRun("总体情况")]))
        XCTAssertEqual(document.blocks[8], .paragraph([DocumentRun("一、这一段不是标题")]))
    }

    func testSettingsReportYearRefusedAndCallerWins() {
        let template = parse("""
        %title {{unit.name}}报告
        %set report.year = 2020
        %set unit.name = 模板区
        %set Bad-Key = x
        %set district.name = 示范区
        %set district.name = 另一区
        %set safety.hazards.found = 3
        %set empty.value =
        {{report.year}}年{{district.name}}
        """)
        XCTAssertEqual(messages(template), [
            "第2行：report.year 由系统按报告年度填写，不能设置",
            "第4行：设置名「Bad-Key」不合规：应以小写字母开头，只含小写字母、数字、「_」和「.」",
            "第6行：设置「district.name」重复，第5行已设置",
            "第7行：「safety.hazards.found」是指标，由记录计算，不能设置",
            "第8行：设置「empty.value」缺少值，应写作「%set empty.value = 值」",
        ])
        XCTAssertEqual(template.settings, ["unit.name": "模板区", "district.name": "示范区"])
        XCTAssertEqual(render(template, [:], settings: ["report.year": "2024"]).titleText, "模板区报告")
        let document = render(template, [:], settings: ["report.year": "2024", "unit.name": "城东区"])
        XCTAssertEqual(document.titleText, "城东区报告", "the caller's builtin wins")
        XCTAssertEqual(paragraph(document), [DocumentRun("2024年示范区")])
        // A builtin the caller does not fill is marked, not left blank.
        XCTAssertEqual(paragraph(render(template, [:], settings: [:]))[0],
                       DocumentRun("【无数据】", role: .missing(metric: "report.year", reason: "设置「report.year」未填写")))
    }

    func testTitleMissingOrRepeatedAndUnknownDirective() {
        XCTAssertEqual(messages(parse("正文")), ["模板：缺少标题：请用「%title 标题文字」写明报告标题"])
        XCTAssertEqual(parse("正文").problems, [TemplateProblem(line: 0, message: "缺少标题：请用「%title 标题文字」写明报告标题")])
        XCTAssertEqual(messages(parse("%title 甲\n%标题 乙\n%names 0\n%foo bar\n%title")), [
            "第2行：标题重复，第1行已有「%title」",
            "第3行：「%names」后应为正整数，如「%names 10」",
            "第4行：未知的指令「%foo」，可用「%title」「%set」「%names」「%h1」「%h2」「%p」",
            "第5行：标题重复，第1行已有「%title」",
        ])
        XCTAssertEqual(messages(parse("%title")), ["模板：缺少标题：请用「%title 标题文字」写明报告标题", "第1行：「%title」后缺少标题文字"])
    }

    func testCommentsAndBlankLinesIgnored() {
        let template = parse("# 注释：{{not.a.metric}}\n\n   \n%title 报告\n# 又一条注释\n\n正文一\n\n正文二\n# 结尾")
        XCTAssertEqual(template.problems, [])
        XCTAssertEqual(render(template, [:]).blocks, [.paragraph([DocumentRun("正文一")]), .paragraph([DocumentRun("正文二")])])
    }

    func testFullWidthSpacesTolerated() {
        let template = parse("""
        \u{FEFF}　％标题　{{district.name}}报告　
        　%set　district.name　＝　示范区　
        %名单　２
        　＃　全角注释
        　　共查出隐患{{　safety.hazards.found　}}条，涌现出{{ party.honors.names ｜ names：3 }}等。　
        　一、标题前有全角空格
        """)
        XCTAssertEqual(template.problems, [])
        XCTAssertEqual(template.settings, ["district.name": "示范区"])
        XCTAssertEqual(template.nameLimit, 2)
        XCTAssertEqual(template.placeholders.last?.filter, .names(3))
        let document = render(template, ["safety.hazards.found": .number(7), "party.honors.names": .names(["甲", "乙", "丙", "丁"])])
        XCTAssertEqual(document.titleText, "示范区报告")
        XCTAssertEqual(paragraph(document).map(\.text), ["共查出隐患", "7", "条，涌现出", "甲、乙、丙", "等。"])
        XCTAssertEqual(document.blocks.last, .heading(level: 1, runs: [DocumentRun("一、标题前有全角空格")]))
    }

    func testWindowsLineEndingsKeepLineNumbers() {
        let template = parse("%title 报告\r\n\r\n{{nope}}\r\n")
        XCTAssertEqual(messages(template), ["第3行：未知的指标「nope」"])
    }

    // MARK: The default template

    /// Every metric id of `report-figures.md` (its table), except `district.name.system_label`,
    /// which is a setting.
    static let figureIDs: [String] = [
        "party.measures.theme_education", "party.teaching_sites.count", "party.courses.collected",
        "party.training_classes.count", "party.rectification.review_and_self", "party.temp_orgs.created",
        "party.commando_teams.count", "party.deployments.people", "party.honors.names",
        "party.secretary_projects.grassroots", "party.secretary_projects.standards", "party.village_reform.villages",
        "party.village_reform.funds", "party.cadres.veterans_selected", "party.cadres.town_hired",
        "party.vetting.people", "party.vetting.flagged", "party.village_secretaries.avg_age",
        "party.village_secretaries.college_share", "party.backward_orgs.transformed", "party.weak_orgs.transformed",
        "party.venues.upgraded", "party.center_households.count", "party.responsibility_zones.count",
        "party.talent.hightech_new", "party.talent.rd_centers", "party.talent.shuangchuang", "party.talent.sandai",
        "party.honors.national_model", "party.talent.applications", "party.talent.urgent_people",
        "party.talent.tech_mayor_groups", "party.talent.patents", "party.talent.rd_platforms",
        "integrity.poverty.villages", "integrity.poverty.min_income", "integrity.loans.amount", "integrity.loans.returns",
        "integrity.loans.household_gain", "integrity.meetings.standing_committee", "integrity.fulfilment.collective",
        "integrity.fulfilment.members", "integrity.circulars.thematic", "integrity.accountability.orgs",
        "integrity.accountability.people", "integrity.clues.disposed", "integrity.four_forms.total",
        "integrity.livelihood.housing", "integrity.livelihood.rural_housing", "integrity.livelihood.kindergartens",
        "integrity.livelihood.rules", "integrity.cases.grassroots", "integrity.cases.grassroots_sanctions",
        "integrity.conduct.inaction", "integrity.circulars.conduct", "integrity.four_winds.cases",
        "integrity.four_winds.people", "integrity.circulars.four_winds", "integrity.fault_tolerance.cases",
        "integrity.fault_tolerance.people", "integrity.clearances.people", "integrity.revisits.people",
        "integrity.env_inspection.total", "integrity.env_inspection.closed", "integrity.env_inspection.pending_closure",
        "integrity.env_inspection.in_progress", "integrity.rectification.sanctions", "integrity.meetings.inspection_study",
        "integrity.inspections.elevated_rounds", "integrity.inspection_revisits.units",
        "integrity.inspection_revisits.min_satisfaction",
        "ideology.media.placements", "ideology.practice.stations_upgraded", "ideology.practice.posts_upgraded",
        "ideology.practice.points_new", "ideology.publications.inspections", "ideology.publications.cases_closed",
        "ideology.online.handled",
        "safety.accidents.count", "safety.accidents.deaths", "safety.accidents.yoy_decline",
        "safety.meetings.standing_committee", "safety.meetings.central_group", "safety.inspections.enterprises",
        "safety.hazards.found", "safety.hazards.rectified", "safety.orders.suspended_enterprises",
        "safety.supervision.items", "safety.supervision.rectification_rate", "safety.campaigns.investment",
        "safety.campaigns.demolished_area", "safety.campaigns.fire_equipment", "safety.campaigns.facilities",
        "safety.demo_city.investment",
    ]

    /// The metrics that decide the default template's claims and are not in the table.
    static let claimOnlyMetrics = ["party.rectification.review_and_self.open", "integrity.env_inspection.overdue",
                                   "integrity.inspections.rounds_behind", "safety.accidents.major_or_above"]

    static let defaultClaims = dictionary([
        claim("party.rectification.review_and_self.cleared", "清零销号", metric: "party.rectification.review_and_self.open",
              failure: "有{value}项问题未销号"),
        claim("integrity.env_inspection.on_schedule", "按计划", metric: "integrity.env_inspection.overdue",
              failure: "有{value}个问题已超过整改期限"),
        claim("integrity.inspections.ahead_of_schedule", "整改率均超序时进度", metric: "integrity.inspections.rounds_behind",
              failure: "有{value}轮整改率未超序时进度"),
        claim("safety.accidents.no_major", "未发生较大及以上生产安全事故", metric: "safety.accidents.major_or_above",
              failure: "发生较大及以上生产安全事故{value}起"),
        claim("safety.supervision.all_rectified", "整改率达100%", metric: "safety.supervision.rectification_rate",
              .atLeast, 100, failure: "整改率为{value}%"),
    ], id: \.id)

    static let defaultMetrics: [String: MetricDefinition] = dictionary((figureIDs + claimOnlyMetrics).map { id in
        switch id {
        case "party.honors.names", "party.honors.national_model": return names(id)
        case "safety.accidents.yoy_decline": return metric(id, .yearOnYear(of: "safety.accidents.count"), unit: "%", decimals: 1)
        case "safety.supervision.rectification_rate":
            return metric(id, .share(numerator: "safety.supervision.closed", denominator: "safety.supervision.items"), unit: "%", decimals: 1)
        default: return metric(id)
        }
    }, id: \.id)

    func parseDefault() -> ReportTemplate {
        ReportTemplate.parse(ReportTemplate.defaultText, metrics: Self.defaultMetrics, claims: Self.defaultClaims,
                             builtinSettings: Self.builtins)
    }

    func testFigureListMatchesReportFigures() {
        XCTAssertEqual(Self.figureIDs.count, 94, "94 rows, row 89 with two ids, row 14 a setting")
        XCTAssertEqual(Set(Self.figureIDs).count, Self.figureIDs.count)
    }

    func testDefaultTemplateHasNoProblemsAndBindsEveryFigure() {
        let template = parseDefault()
        XCTAssertEqual(messages(template), [])
        let figures = Set(Self.figureIDs)
        // Set equality, asserted as two differences so a failure names the ids.
        let needed = Set(template.metricIDs), expected = figures.union(Self.claimOnlyMetrics)
        XCTAssertEqual(expected.subtracting(needed).sorted(), [], "figures the default template drops")
        XCTAssertEqual(needed.subtracting(expected).sorted(), [], "metrics the default template needs beyond the figures")
        // Every figure but the supervision rate (decided through 整改率达100%) is printed.
        let printed = Set(template.placeholders.filter { $0.kind == .metric }.map(\.id))
        XCTAssertEqual(printed.symmetricDifference(figures.subtracting(["safety.supervision.rectification_rate"])).sorted(), [])
        XCTAssertEqual(printed.count, 93)
        XCTAssertEqual(template.claimIDs, ["party.rectification.review_and_self.cleared", "integrity.env_inspection.on_schedule",
                                           "integrity.inspections.ahead_of_schedule", "safety.accidents.no_major",
                                           "safety.supervision.all_rectified"])
        let settings = Set(template.placeholders.filter { $0.kind == .setting }.map(\.id))
        XCTAssertTrue(settings.isSuperset(of: ["district.name", "report.year", "district.name.system_label", "party.review.by",
                                               "safety.campaign"]))
        XCTAssertEqual(settings.subtracting(template.settings.keys), ["report.year"], "every other setting has a value")
        XCTAssertEqual(template.settings["safety.campaign"], "纺织园安全整治集中攻坚")
        XCTAssertEqual(template.placeholders.first { $0.id == "safety.accidents.yoy_decline" }?.filter, .change)
    }

    func testDefaultTemplateRendersTheFourSections() {
        let template = parseDefault()
        var values: [String: MetricValue] = [:]
        for id in template.metricIDs { values[id] = .number(5) }
        values["party.honors.names"] = .names(["张甲", "李乙", "王丙", "赵丁"])
        values["party.honors.national_model"] = .names(["钱戊"])
        for id in Self.claimOnlyMetrics { values[id] = .number(0) }
        values["safety.supervision.rectification_rate"] = .number(100)
        values["safety.accidents.yoy_decline"] = .number(Decimal(string: "12.5")!)
        let document = template.render(values: values, metrics: Self.defaultMetrics, claims: Self.defaultClaims,
                                       settings: ["report.year": "2024"])
        XCTAssertEqual(document.titleText,
                       "中共示范区委员会2024年度抓基层党建、落实党风廉政建设主体责任、意识形态工作和安全生产责任制情况报告")
        let headings = document.blocks.compactMap { block -> String? in
            if case .heading(1, let runs) = block { return runs.map(\.text).joined() }
            return nil
        }
        XCTAssertEqual(headings.map { String($0.prefix(2)) }, ["一、", "二、", "三、", "四、"])
        let runs = document.blocks.flatMap { block -> [DocumentRun] in
            switch block {
            case .heading(_, let runs), .paragraph(let runs): return runs
            case .table: return []
            }
        }
        XCTAssertFalse(runs.contains(where: \.needsAttention))
        let text = runs.map(\.text).joined()
        XCTAssertFalse(text.contains("*") || text.contains("{{") || text.contains("}}"))
        XCTAssertTrue(text.contains("同比下降12.5%，未发生较大及以上生产安全事故。"))
        XCTAssertTrue(text.contains("涌现出张甲、李乙、王丙等一批"))
        XCTAssertTrue(text.contains("实现清零销号。"))
        XCTAssertTrue(text.contains("剩余5个问题正在按计划整改中"))
        XCTAssertTrue(text.contains("市委5次提级巡察反馈问题整改率均超序时进度"))
        XCTAssertTrue(text.contains("大专以上学历占比达5%"))
        XCTAssertTrue(text.contains("满意度均达5%以上"))
        XCTAssertTrue(text.contains("的5项问题隐患，逐一制定问题清单、细化整改方案，整改率达100%"))

        // Without values every figure is marked, none shown as 0.
        let empty = template.render(values: [:], metrics: Self.defaultMetrics, claims: Self.defaultClaims, settings: ["report.year": "2024"])
        let emptyRuns = empty.blocks.flatMap { block -> [DocumentRun] in
            if case .paragraph(let runs) = block { return runs }
            return []
        }
        XCTAssertEqual(emptyRuns.filter { if case .missing = $0.role { return true } else { return false } }.count,
                       template.placeholders.filter { $0.kind == .metric }.count)
        XCTAssertEqual(emptyRuns.filter(\.needsAttention).count, template.placeholders.filter { $0.kind != .setting }.count)
    }
}
