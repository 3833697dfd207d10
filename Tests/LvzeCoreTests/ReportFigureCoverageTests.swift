import Foundation
import LvzeCore
import XCTest

/// Every figure of the annual report (shared reference `report-figures.md`) must be computable
/// from the shipped catalogue: the table below names, for each metric id, the ledger kind and
/// the fields (with types and the enum values its filter uses) the computation reads.
/// `docs/ledger-map.md` says in words how each figure is filtered and aggregated.
final class ReportFigureCoverageTests: XCTestCase {
    /// A field a metric reads: its type, the enum values its filter needs, the unit kinds a
    /// unit reference must accept, the money scale a sum is reported in.
    struct Need {
        var id: String
        var type: FieldType
        var values: [String] = []
        var unitKinds: [UnitKind] = []
        var scale: MoneyScale? = nil
    }

    /// One ledger a metric reads; `workflow` when the metric uses the rectification state
    /// (已销号, 申请销号, 序时进度).
    struct Use {
        var kind: String
        var fields: [Need]
        var workflow = false
    }

    enum Source {
        case ledgers([Use])
        /// Computed from units, people, positions and dated flags, not from a ledger.
        case organisationRecords(String)
        /// A text setting of the report template, not a metric.
        case templateSetting
    }

    static func f(_ id: String, _ type: FieldType, _ values: String..., units: [UnitKind] = [], scale: MoneyScale? = nil) -> Need {
        Need(id: id, type: type, values: values, unitKinds: units, scale: scale)
    }

    static func ledger(_ kind: String, workflow: Bool = false, _ fields: Need...) -> Source {
        .ledgers([Use(kind: kind, fields: fields, workflow: workflow)])
    }

    static let partySanctions = ["党内警告", "党内严重警告", "撤销党内职务", "留党察看", "开除党籍"]
    static let envSources = ["中央生态环境保护督察", "省生态环境保护督察"]

    // metric id → where it comes from, in the order of report-figures.md.
    static let figures: [(id: String, source: Source)] = [
        // 一、基层党建
        ("party.measures.theme_education", ledger("responsibility_item",
            f("year", .integer), f("system", .enumeration, "基层党建"), f("tags", .text), f("item", .longText), f("repealed_on", .date))),
        ("party.teaching_sites.count", ledger("teaching_site", f("established_on", .date), f("closed_on", .date))),
        ("party.courses.collected", ledger("party_course", f("collected_on", .date), f("course_title", .text))),
        ("party.training_classes.count", ledger("training_class", f("start_on", .date), f("name", .text))),
        ("party.rectification.review_and_self", ledger("rectification", workflow: true,
            f("found_on", .date), f("source", .enumeration, "上级点评", "自我查摆"), f("subject", .enumeration, "区委常委班子"))),
        // Units of kind temporary_party founded in Y.
        ("party.temp_orgs.created", .organisationRecords("units of kind 临时党组织 by founded date")),
        ("party.commando_teams.count", ledger("commando_team", f("formed_on", .date), f("name", .text))),
        ("party.deployments.people", ledger("deployment",
            f("started_on", .date), f("people", .integer), f("destination", .unit, units: [.village]))),
        ("party.honors.names", ledger("honour",
            f("awarded_on", .date), f("honoree", .text), f("level", .enumeration, "国家", "省", "市"))),
        ("party.secretary_projects.grassroots", ledger("secretary_project",
            f("approved_on", .date), f("level", .enumeration, "基层党（工）委"))),
        ("party.secretary_projects.standards", ledger("secretary_project",
            f("approved_on", .date), f("level", .enumeration, "区委书记"), f("standards_count", .integer))),
        ("party.village_reform.villages", ledger("village_reform",
            f("started_on", .date), f("village", .unit, units: [.village]))),
        ("party.village_reform.funds", ledger("village_reform",
            f("started_on", .date), f("funds", .money, scale: .tenThousandYuan))),
        ("district.name.system_label", .templateSetting),
        // Village cadres are people with positions; their origin is a person attribute.
        ("party.cadres.veterans_selected", .organisationRecords("positions started in Y, person origin 退役军人")),
        ("party.cadres.town_hired", .organisationRecords("positions started in Y, person origin 镇聘村官")),
        ("party.vetting.people", ledger("joint_vetting", f("vetted_on", .date), f("people_vetted", .integer))),
        ("party.vetting.flagged", ledger("joint_vetting", f("vetted_on", .date), f("people_flagged", .integer))),
        // Village secretaries are positions held on 31 Dec; age and education are person attributes.
        ("party.village_secretaries.avg_age", .organisationRecords("secretary positions held on 31 Dec, birth dates")),
        ("party.village_secretaries.college_share", .organisationRecords("secretary positions held on 31 Dec, education")),
        // 后进 and 软弱涣散 are dated unit flags; transformed = cleared in Y.
        ("party.backward_orgs.transformed", .organisationRecords("unit flag 后进 cleared in Y")),
        ("party.weak_orgs.transformed", .organisationRecords("unit flag 软弱涣散 cleared in Y")),
        ("party.venues.upgraded", ledger("venue_upgrade",
            f("upgraded_on", .date), f("village", .unit, units: [.village]))),
        ("party.center_households.count", ledger("centre_household",
            f("established_on", .date), f("dissolved_on", .date), f("householder", .text))),
        ("party.responsibility_zones.count", ledger("responsibility_zone",
            f("established_on", .date), f("dissolved_on", .date), f("zone", .text))),
        ("party.talent.hightech_new", ledger("hightech_certification",
            f("certified_on", .date), f("certification", .enumeration, "首次认定"), f("enterprise_name", .text))),
        ("party.talent.rd_centers", ledger("rd_centre",
            f("approved_on", .date), f("centre_type", .enumeration, "工程技术研究中心", "企业技术中心"), f("level", .enumeration, "市"))),
        ("party.talent.shuangchuang", ledger("talent_award",
            f("selected_on", .date), f("programme", .enumeration, "双创人才"), f("person_name", .text))),
        ("party.talent.sandai", ledger("talent_award",
            f("selected_on", .date), f("programme", .enumeration, "三带"), f("person_name", .text))),
        ("party.honors.national_model", ledger("honour",
            f("awarded_on", .date), f("honour_title", .text), f("honoree", .text))),
        ("party.talent.applications", ledger("talent_application", f("applied_on", .date), f("project", .text))),
        ("party.talent.urgent_people", ledger("talent_application",
            f("applied_on", .date), f("urgent", .boolean), f("people", .integer))),
        ("party.talent.tech_mayor_groups", ledger("tech_mayor_group", f("formed_on", .date), f("batch", .text))),
        ("party.talent.patents", ledger("patent_assist", f("applied_on", .date), f("patent_name", .text))),
        ("party.talent.rd_platforms", ledger("rd_platform", f("established_on", .date), f("name", .text))),

        // 二、党风廉政建设
        ("integrity.poverty.villages", .organisationRecords("unit flags 低收入村 / 经济薄弱村 in force on 31 Dec")),
        ("integrity.poverty.min_income", ledger("village_income",
            f("village", .unit, units: [.village]), f("year", .integer), f("income", .money, scale: .tenThousandYuan))),
        ("integrity.loans.amount", ledger("inclusive_loan",
            f("issued_on", .date), f("amount", .money, scale: .tenThousandYuan))),
        ("integrity.loans.returns", ledger("inclusive_loan",
            f("issued_on", .date), f("returns", .money, scale: .tenThousandYuan))),
        ("integrity.loans.household_gain", ledger("inclusive_loan",
            f("issued_on", .date), f("households", .integer), f("gain_per_household", .money, scale: .tenThousandYuan))),
        ("integrity.meetings.standing_committee", ledger("meeting",
            f("held_on", .date), f("body", .enumeration, "常委会"), f("kind", .enumeration, "专题研究"),
            f("topic_system", .enumeration, "党风廉政建设"))),
        ("integrity.fulfilment.collective", ledger("fulfilment",
            f("done_on", .date), f("subject", .enumeration, "领导班子"), f("system", .enumeration, "党风廉政建设"))),
        ("integrity.fulfilment.members", ledger("fulfilment",
            f("done_on", .date), f("subject", .enumeration, "班子成员"), f("member", .text), f("system", .enumeration, "党风廉政建设"))),
        ("integrity.circulars.thematic", ledger("circular", f("issued_on", .date), f("type", .enumeration, "专题"))),
        ("integrity.accountability.orgs", ledger("accountability",
            f("decided_on", .date), f("target_type", .enumeration, "党组织"), f("target_name", .text))),
        ("integrity.accountability.people", ledger("accountability",
            f("decided_on", .date), f("target_type", .enumeration, "个人"), f("target_name", .text))),
        ("integrity.clues.disposed", ledger("problem_lead",
            f("disposed_on", .date), f("disposal", .enumeration, "谈话函询", "初步核实", "暂存待查", "予以了结"))),
        ("integrity.four_forms.total", ledger("discipline_action",
            f("decided_on", .date), f("form", .enumeration, "第一种形态", "第二种形态", "第三种形态", "第四种形态"))),
        ("integrity.four_forms.form1", ledger("discipline_action", f("decided_on", .date), f("form", .enumeration, "第一种形态"))),
        ("integrity.four_forms.form2", ledger("discipline_action", f("decided_on", .date), f("form", .enumeration, "第二种形态"))),
        ("integrity.four_forms.form3", ledger("discipline_action", f("decided_on", .date), f("form", .enumeration, "第三种形态"))),
        ("integrity.four_forms.form4", ledger("discipline_action", f("decided_on", .date), f("form", .enumeration, "第四种形态"))),
        ("integrity.livelihood.housing", ledger("livelihood_result",
            f("achieved_on", .date), f("category", .enumeration, "问题楼盘"))),
        ("integrity.livelihood.rural_housing", ledger("livelihood_result",
            f("achieved_on", .date), f("category", .enumeration, "农房改善"))),
        ("integrity.livelihood.kindergartens", ledger("livelihood_result",
            f("achieved_on", .date), f("category", .enumeration, "城区幼儿园"))),
        ("integrity.livelihood.rules", ledger("livelihood_result",
            f("achieved_on", .date), f("category", .enumeration, "制度"))),
        ("integrity.cases.grassroots", ledger("discipline_case",
            f("filed_on", .date), f("category", .enumeration, "群众身边腐败和作风问题"))),
        ("integrity.cases.grassroots_sanctions", ledger("discipline_case",
            f("filed_on", .date), f("category", .enumeration, "群众身边腐败和作风问题"), f("sanctions", .integer))),
        ("integrity.conduct.inaction", ledger("conduct_problem",
            f("found_on", .date), f("type", .enumeration, "不作为", "慢作为", "乱作为", "假作为"), f("person_name", .text))),
        ("integrity.circulars.conduct", ledger("circular", f("issued_on", .date), f("topic", .enumeration, "作风"))),
        ("integrity.four_winds.cases", ledger("discipline_case", f("filed_on", .date), f("category", .enumeration, "四风"))),
        ("integrity.four_winds.people", ledger("discipline_case",
            f("filed_on", .date), f("category", .enumeration, "四风"), f("persons", .longText), f("persons_count", .integer))),
        ("integrity.circulars.four_winds", ledger("circular", f("issued_on", .date), f("topic", .enumeration, "四风"))),
        ("integrity.fault_tolerance.cases", ledger("fault_tolerance", f("decided_on", .date), f("matter", .text))),
        ("integrity.fault_tolerance.people", ledger("fault_tolerance", f("decided_on", .date), f("persons_count", .integer))),
        ("integrity.clearances.people", ledger("clearance", f("cleared_on", .date), f("person_name", .text))),
        ("integrity.revisits.people", ledger("revisit", f("visited_on", .date), f("person_name", .text))),
        ("integrity.env_inspection.total", ledger("rectification", workflow: true,
            f("found_on", .date), f("source", .enumeration, envSources[0], envSources[1]))),
        ("integrity.env_inspection.closed", ledger("rectification", workflow: true,
            f("source", .enumeration, envSources[0], envSources[1]))),
        ("integrity.env_inspection.pending_closure", ledger("rectification", workflow: true,
            f("source", .enumeration, envSources[0], envSources[1]))),
        ("integrity.env_inspection.in_progress", ledger("rectification", workflow: true,
            f("source", .enumeration, envSources[0], envSources[1]), f("deadline", .date), f("found_on", .date))),
        ("integrity.rectification.sanctions", .ledgers([Use(kind: "discipline_action", fields: [
            f("decided_on", .date), Need(id: "measure", type: .enumeration, values: partySanctions),
            f("problem_type", .enumeration, "整改不力"), f("person_name", .text)])])),
        ("integrity.meetings.inspection_study", ledger("meeting",
            f("held_on", .date), f("body", .enumeration, "常委会"), f("kind", .enumeration, "专题学习"),
            f("topic_system", .enumeration, "巡视巡察"))),
        // The rounds, and the rectification items fed back by each round (matched by name).
        ("integrity.inspections.elevated_rounds", .ledgers([
            Use(kind: "inspection_round", fields: [f("started_on", .date), f("type", .enumeration, "提级巡察"), f("name", .text),
                                                   f("feedback_on", .date), f("deadline", .date)]),
            Use(kind: "rectification", fields: [f("source", .enumeration, "提级巡察"), f("batch", .text)], workflow: true),
        ])),
        ("integrity.inspection_revisits.units", ledger("inspection_revisit",
            f("visited_on", .date), f("visited_unit", .unit))),
        ("integrity.inspection_revisits.min_satisfaction", ledger("inspection_revisit",
            f("visited_on", .date), f("satisfaction", .decimal))),

        // 三、意识形态
        ("ideology.media.placements", ledger("media_placement",
            f("published_on", .date), f("level", .enumeration, "中央", "省", "市"))),
        ("ideology.practice.stations_upgraded", ledger("ideology_position",
            f("category", .enumeration, "新时代文明实践阵地"), f("tier", .enumeration, "所"), f("upgraded_on", .date))),
        ("ideology.practice.posts_upgraded", ledger("ideology_position",
            f("category", .enumeration, "新时代文明实践阵地"), f("tier", .enumeration, "站"), f("upgraded_on", .date))),
        ("ideology.practice.points_new", ledger("ideology_position",
            f("category", .enumeration, "新时代文明实践阵地"), f("tier", .enumeration, "点"), f("established_on", .date))),
        ("ideology.publications.inspections", ledger("publication_inspection",
            f("inspected_on", .date), f("business_type", .enumeration, "出版物经营单位", "印刷企业"), f("business_name", .text))),
        ("ideology.publications.cases_closed", ledger("publication_case",
            f("case_type", .enumeration, "行政案件"), f("closed_on", .date))),
        ("ideology.online.handled", ledger("online_opinion",
            f("closed_on", .date), f("received_on", .date))),

        // 四、安全生产
        ("safety.accidents.count", ledger("accident", f("occurred_on", .date))),
        ("safety.accidents.deaths", ledger("accident", f("occurred_on", .date), f("deaths", .integer))),
        ("safety.accidents.yoy_decline", ledger("accident", f("occurred_on", .date))),
        ("safety.accidents.deaths_yoy_decline", ledger("accident", f("occurred_on", .date), f("deaths", .integer))),
        ("safety.accidents.major_or_above", ledger("accident",
            f("occurred_on", .date), f("deaths", .integer), f("serious_injuries", .integer),
            f("direct_loss", .money, scale: .yuan))),
        ("safety.meetings.standing_committee", ledger("meeting",
            f("held_on", .date), f("body", .enumeration, "常委会"), f("kind", .enumeration, "专题研究"),
            f("topic_system", .enumeration, "安全生产"))),
        ("safety.meetings.central_group", ledger("meeting",
            f("held_on", .date), f("body", .enumeration, "中心组学习"), f("kind", .enumeration, "专题学习"),
            f("topic_system", .enumeration, "安全生产"))),
        ("safety.inspections.enterprises", ledger("enforcement_inspection",
            f("inspected_on", .date), f("enterprise_code", .creditCode), f("enterprise_name", .text))),
        ("safety.hazards.found", ledger("hazard", workflow: true, f("found_on", .date))),
        ("safety.hazards.rectified", ledger("hazard", workflow: true, f("found_on", .date))),
        ("safety.orders.suspended_enterprises", ledger("suspension_order",
            f("ordered_on", .date), f("enterprise_code", .creditCode), f("enterprise_name", .text))),
        ("safety.supervision.items", ledger("rectification", workflow: true,
            f("source", .enumeration, "国务院督导", "省督导", "市督导"))),
        ("safety.supervision.rectification_rate", ledger("rectification", workflow: true,
            f("source", .enumeration, "国务院督导", "省督导", "市督导"))),
        ("safety.campaigns.investment", ledger("campaign_outcome",
            f("campaign", .text), f("recorded_on", .date), f("investment", .money, scale: .tenThousandYuan))),
        ("safety.campaigns.demolished_area", ledger("campaign_outcome", f("campaign", .text), f("demolished_area", .decimal))),
        ("safety.campaigns.fire_equipment", ledger("campaign_outcome",
            f("campaign", .text), f("hydrants", .integer), f("sprinklers", .integer))),
        ("safety.campaigns.facilities", ledger("campaign_outcome", f("campaign", .text), f("facilities_improved", .integer))),
        ("safety.demo_city.investment", ledger("campaign_outcome",
            f("campaign", .text), f("recorded_on", .date), f("investment", .money, scale: .tenThousandYuan))),
    ]

    static let files: [(file: String, system: LedgerSystem)] = [
        ("common.yaml", .common), ("party.yaml", .party), ("integrity.yaml", .integrity),
        ("ideology.yaml", .ideology), ("safety.yaml", .safety),
    ]

    /// The discipline ledgers: only 纪检 reads and writes them, and every read is audited.
    static let disciplineKinds = ["problem_lead", "discipline_action", "discipline_case", "conduct_problem",
                                  "accountability", "fault_tolerance", "clearance", "revisit"]

    /// The shipped catalogue files, found from this file (symbolic links resolved, so a scratch
    /// package that links this directory finds the checkout's files).
    static func catalogueDirectory() -> URL {
        URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
            .deletingLastPathComponent()  // LvzeCoreTests
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()  // package root
            .appendingPathComponent("Sources/LvzeServer/Resources/Catalogue")
    }

    func loadFiles() throws -> [(file: String, system: LedgerSystem, kinds: [LedgerKind])] {
        let dir = Self.catalogueDirectory()
        return try Self.files.map { entry in
            let text = try String(contentsOf: dir.appendingPathComponent(entry.file), encoding: .utf8)
            return (entry.file, entry.system, try CatalogueLoader.load(yaml: text, file: entry.file))
        }
    }

    func loadCatalogue() throws -> Catalogue {
        let all = try loadFiles().flatMap(\.kinds)
        var seen: Set<String> = []
        for kind in all { XCTAssertTrue(seen.insert(kind.id).inserted, "台账编号「\(kind.id)」在多个文件中重复") }
        return Catalogue(all)
    }

    func testEveryReportFigureHasItsLedgerAndFields() throws {
        let catalogue = try loadCatalogue()
        for (metric, source) in Self.figures {
            guard case .ledgers(let uses) = source else { continue }  // organisation records, template settings
            for use in uses {
                guard let kind = catalogue[use.kind] else {
                    XCTFail("\(metric): no ledger kind «\(use.kind)»")
                    continue
                }
                if use.workflow { XCTAssertTrue(kind.workflow, "\(metric): «\(use.kind)» must follow the rectification workflow") }
                for need in use.fields {
                    guard let field = kind.field(need.id) else {
                        XCTFail("\(metric): «\(use.kind)» has no field «\(need.id)»")
                        continue
                    }
                    XCTAssertEqual(field.type, need.type, "\(metric): «\(use.kind).\(need.id)» type")
                    let missing = need.values.filter { !field.values.contains($0) }
                    XCTAssertTrue(missing.isEmpty, "\(metric): «\(use.kind).\(need.id)» lacks values \(missing)")
                    if !need.unitKinds.isEmpty {
                        XCTAssertEqual(Set(field.unitKinds), Set(need.unitKinds), "\(metric): «\(use.kind).\(need.id)» unit kinds")
                    }
                    if let scale = need.scale {
                        XCTAssertEqual(field.moneyScale, scale, "\(metric): «\(use.kind).\(need.id)» money scale")
                    }
                }
            }
        }
    }

    func testTableCoversEveryFigureOfTheReport() {
        let ids = Self.figures.map(\.id)
        XCTAssertEqual(Set(ids).count, ids.count, "metric ids are unique")
        // 94 numbered rows of report-figures.md (row 89 names items and rate; the rate is an extra)
        // plus the figures stated in words or as breakdowns.
        let extras = ["safety.accidents.major_or_above", "safety.accidents.deaths_yoy_decline",
                      "integrity.four_forms.form1", "integrity.four_forms.form2", "integrity.four_forms.form3",
                      "integrity.four_forms.form4", "safety.supervision.rectification_rate"]
        XCTAssertEqual(ids.count, 94 + extras.count)
        for id in extras { XCTAssertTrue(ids.contains(id), id) }
        let organisation = Self.figures.filter { if case .organisationRecords = $0.source { return true } else { return false } }.map(\.id)
        XCTAssertEqual(Set(organisation), ["party.temp_orgs.created", "party.cadres.veterans_selected", "party.cadres.town_hired",
                                           "party.village_secretaries.avg_age", "party.village_secretaries.college_share",
                                           "party.backward_orgs.transformed", "party.weak_orgs.transformed",
                                           "integrity.poverty.villages"])
        let settings = Self.figures.filter { if case .templateSetting = $0.source { return true } else { return false } }.map(\.id)
        XCTAssertEqual(settings, ["district.name.system_label"])
        XCTAssertEqual(Set(ids.compactMap { $0.split(separator: ".").first.map(String.init) }),
                       ["party", "integrity", "ideology", "safety", "district"])
    }

    func testDisciplineLedgersAreSensitiveAndForDisciplineOnly() throws {
        let catalogue = try loadCatalogue()
        for id in Self.disciplineKinds {
            guard let kind = catalogue[id] else { XCTFail("no ledger «\(id)»"); continue }
            XCTAssertEqual(kind.system, .integrity, id)
            XCTAssertTrue(kind.sensitive, "\(id) must be sensitive (reads audited)")
            XCTAssertEqual(kind.readers, [.discipline], "\(id) is read by 纪检 only")
            XCTAssertEqual(kind.writers, [.discipline], "\(id) is written by 纪检 only")
        }
        // No other ledger is limited to 纪检 without being on the list, and none is sensitive.
        for kind in catalogue.kinds where !Self.disciplineKinds.contains(kind.id) {
            XCTAssertFalse(kind.sensitive, "\(kind.id) is sensitive but not a discipline ledger")
            XCTAssertNotEqual(kind.readers, [.discipline], kind.id)
        }
    }

    func testFixedKindsAndFieldsStay() throws {
        let catalogue = try loadCatalogue()
        for id in ["rectification", "hazard", "accident", "enforcement_inspection", "meeting", "fulfilment",
                   "training_class", "problem_lead", "media_placement"] {
            XCTAssertNotNil(catalogue[id], id)
        }
        let kept: [String: [String]] = [
            "rectification": ["found_on", "description", "system", "subject", "note", "source", "measures",
                              "responsible_person", "deadline", "progress", "evidence"],
            "meeting": ["held_on", "body", "kind", "topic_system", "topic", "attendees", "minutes"],
            "hazard": ["found_on", "inspector", "location", "description", "level", "department", "funds", "review_result",
                       "acceptor", "accepted_on", "emergency_plan", "source", "deadline"],
            "training_class": ["name", "start_on", "end_on", "organiser", "trainees", "days", "materials"],
            "problem_lead": ["received_on", "summary", "reported_person", "disposal", "disposed_on"],
            "media_placement": ["published_on", "headline", "outlet", "level", "link"],
        ]
        for (kind, fields) in kept {
            for field in fields { XCTAssertNotNil(catalogue[kind]?.field(field), "\(kind).\(field)") }
        }
        XCTAssertTrue(catalogue["rectification"]!.workflow)
        XCTAssertTrue(catalogue["hazard"]!.workflow)
        // The declared 问题来源 keeps every value of the workflow's standard field.
        let source = catalogue["rectification"]!.field("source")!
        XCTAssertEqual(source.label, "问题来源")
        XCTAssertTrue(source.required)
        let standard = LedgerKind.workflowFields.first { $0.id == "source" }!
        XCTAssertTrue(Set(standard.values).isSubset(of: source.values))
        for value in ["中央生态环境保护督察", "省生态环境保护督察", "国务院督导", "省督导", "市督导", "巡视", "巡察", "提级巡察"] {
            XCTAssertTrue(source.values.contains(value), value)
        }
    }

    func testEachKindIsInTheFileOfItsSystemAndFollowsTheConventions() throws {
        for (file, system, kinds) in try loadFiles() {
            XCTAssertFalse(kinds.isEmpty, file)
            for kind in kinds {
                XCTAssertEqual(kind.system, system, "\(kind.id) belongs in the file of its system, not \(file)")
                XCTAssertFalse(kind.description.isEmpty, "\(kind.id) needs a description")
                XCTAssertNotNil(kind.dateField, "\(kind.id) needs the date field that places a record in a year")
                XCTAssertTrue((4...6).contains(kind.listColumns.count), "\(kind.id) lists 4–6 columns, not \(kind.listColumns.count)")
                XCTAssertTrue(kind.builtIn)
                XCTAssertEqual(CatalogueLoader.check(kind), [], kind.id)
                if let amount = kind.amountField, kind.fields.contains(where: { $0.type == .money }) {
                    XCTAssertEqual(kind.field(amount)?.type, .money, "\(kind.id): the amount is the main money field")
                }
                for field in kind.fields {
                    XCTAssertNotNil(field.id.range(of: "^[a-z][a-z0-9_]*$", options: .regularExpression), "\(kind.id).\(field.id)")
                    // 单位/所属单位/责任单位 headers belong to the record's own unit on import.
                    for alias in field.aliases {
                        XCTAssertFalse(["责任单位", "单位", "所属单位", "单位名称", "序号", "编号"].contains(alias), "\(kind.id).\(field.id): \(alias)")
                    }
                    if field.label == "统一社会信用代码" { XCTAssertEqual(field.type, .creditCode, "\(kind.id).\(field.id): its type checks the code") }
                }
            }
        }
    }

    func testEnterprisesAreNamedByCreditCodeAndName() throws {
        let catalogue = try loadCatalogue()
        let register = try XCTUnwrap(catalogue["enterprise"])
        XCTAssertEqual(register.field("credit_code")?.type, .creditCode)
        XCTAssertEqual(register.field("credit_code")?.required, true)
        XCTAssertEqual(register.field("credit_code")?.label, "统一社会信用代码")
        for id in ["enforcement_inspection", "suspension_order", "hazard", "accident", "risk_point"] {
            let kind = try XCTUnwrap(catalogue[id], id)
            XCTAssertEqual(kind.field("enterprise_name")?.type, .text, id)
            XCTAssertEqual(kind.field("enterprise_code")?.type, .creditCode, id)
            XCTAssertEqual(kind.field("enterprise_code")?.label, "统一社会信用代码", id)
        }
        XCTAssertEqual(catalogue["enforcement_inspection"]?.field("enterprise_name")?.required, true)
        XCTAssertEqual(catalogue["suspension_order"]?.field("enterprise_name")?.required, true)
    }

    func testAccidentGradeIsComputedNotTyped() throws {
        let accident = try XCTUnwrap(try loadCatalogue()["accident"])
        for field in accident.fields {
            XCTAssertFalse(field.id.contains("grade") || field.label.contains("等级") || field.label.contains("级别"),
                           "the grade is computed (国务院令第493号), not typed: \(field.id)")
        }
        for id in ["deaths", "serious_injuries", "direct_loss"] {
            XCTAssertEqual(accident.field(id)?.required, true, id)
        }
        XCTAssertEqual(accident.field("deaths")?.min, 0)
        XCTAssertEqual(accident.field("direct_loss")?.moneyScale, .yuan, "AccidentGrade takes the loss in 元")
        XCTAssertEqual(accident.amountField, "direct_loss")
        XCTAssertEqual(AccidentGrade.grade(deaths: 0, seriousInjuries: 0, directLossYuan: 12_000_000), .relativelyMajor)
    }

    func testEnumValuesMatchThePureRules() throws {
        let catalogue = try loadCatalogue()
        XCTAssertEqual(catalogue["discipline_action"]?.field("form")?.values, DisciplineForm.allCases.map(\.label))
        XCTAssertEqual(catalogue["problem_lead"]?.field("disposal")?.values, ProblemLeadDisposal.allCases.map(\.label))
        for kind in ["risk_point", "enterprise"] {
            let id = kind == "risk_point" ? "colour" : "risk_colour"
            let values = try XCTUnwrap(catalogue[kind]?.field(id)?.values, kind)
            XCTAssertEqual(Set(values.compactMap(RiskColour.fromLabel)), Set(RiskColour.allCases), kind)
            XCTAssertEqual(values.count, 4, kind)
        }
        let levels = try XCTUnwrap(catalogue["hazard"]?.field("level")?.values)
        XCTAssertEqual(Set(levels.compactMap(HazardLevel.fromLabel)), Set(HazardLevel.allCases))
    }
}
