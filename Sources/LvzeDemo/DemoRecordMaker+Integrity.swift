import LvzeServer
import SQLKit
import FluentSQL
import Foundation
import LvzeCore

extension DemoRecordMaker {
    /// 党风廉政建设：the kinds' fields that need values fitting the figures or the record.
    mutating func specialIntegrity(_ f: FieldSpec) -> FieldValue?? {
        switch (kind.id, f.id) {
        case ("problem_lead", "lead_no"): return t(docNo("示纪线"))
        case ("problem_lead", "summary"), ("clearance", "report_summary"): return t(text(pick(DemoText.leads)))
        case ("problem_lead", "disposal"):
            return !lastYear && date.days(until: today) < 20 ? none : t(pick(f.values))
        case ("problem_lead", "disposed_on"):
            guard !s("disposal").isEmpty else { return none }
            return d(min(today, date.adding(days: rng.int(5...45))))
        case ("problem_lead", "result"):
            let results = ["谈话函询": "经谈话函询，反映问题基本不属实，予以采信了结", "初步核实": "经初步核实，反映问题部分属实，已转立案审查",
                           "暂存待查": "反映问题线索较为笼统，暂存待查", "予以了结": "反映问题失实，予以了结"]
            return t(results[s("disposal")] ?? "正在办理")
        case ("discipline_action", "measure"):
            switch s("form") {
            case "第一种形态": return t(pick(["谈话提醒", "批评教育", "责令检查", "诫勉"]))
            case "第二种形态": return t(pick(["党内警告", "党内严重警告", "组织调整"]))
            case "第三种形态": return t(pick(["撤销党内职务", "留党察看", "开除党籍", "重大职务调整"]))
            default: return t(pick(["开除党籍", "移送司法机关"]))
            }
        case ("discipline_action", "government_sanction"):
            switch s("form") {
            case "第二种形态": return rng.chance(0.3) ? t(pick(["警告", "记过", "记大过"])) : none
            case "第三种形态": return rng.chance(0.5) ? t(pick(["降级", "撤职"])) : none
            case "第四种形态": return t("开除")
            default: return none
            }
        case ("discipline_action", "problem_type"):
            return t(weighted([("违反廉洁纪律", 4), ("违反工作纪律", 4), ("四风", 3), ("违反群众纪律", 2), ("违反组织纪律", 2),
                               ("整改不力", 1), ("不作为慢作为乱作为假作为", 2), ("职务违法", 1), ("其他", 1)]))
        case ("discipline_action", "problem"):
            let key = s("problem_type") == "四风" ? "四风" : "default"
            return t(pick(DemoText.problems[key]!))
        case ("discipline_action", "case_no"), ("discipline_case", "case_no"): return t(docNo("示纪审"))
        case ("discipline_action", "decided_by"), ("discipline_case", "handled_by"): return t("中共示范区纪律检查委员会、示范区监察委员会")
        case ("discipline_case", "wind_type"): return s("category") == "四风" ? t(pick(f.values)) : none
        case ("discipline_case", "livelihood_area"): return s("category") == "群众身边腐败和作风问题" ? t(pick(f.values)) : none
        case ("discipline_case", "summary"):
            let list = DemoText.problems[s("category")] ?? DemoText.problems["default"]!
            return t("\(town().name)\(village().name)有关人员\(pick(list))问题")
        case ("discipline_case", "persons_count"): return n(rng.int(1...3))
        case ("discipline_case", "persons"): return t(names(int("persons_count") ?? 1))
        case ("discipline_case", "sanctions"):
            let people = int("persons_count") ?? 1
            return n(s("category") == "群众身边腐败和作风问题" ? rng.int(1...people) : rng.int(0...people))
        case ("discipline_case", "closed_on"): return rng.chance(0.7) ? .some(after(date, 30...120)) : none
        case ("conduct_problem", "problem"): return t(pick(DemoText.conduct[s("type")] ?? DemoText.conduct["不作为"]!))
        case ("conduct_problem", "handling"): return t(pick(["批评教育", "诫勉谈话", "责令作出书面检查", "通报批评"]))
        case ("conduct_problem", "red_yellow"): return rng.chance(0.3) ? t("黄牌预警") : (rng.chance(0.1) ? t("红旗激励") : none)
        case ("accountability", "target_org"):
            guard s("target_type") == "党组织" else { return none }
            return .some(.reference(unit(kinds: [.partyCommittee, .generalBranch, .branch])))
        case ("accountability", "target_name"):
            if case .reference(let id)? = v["target_org"], let u = world.byID[id] { return t(u.name) }
            return t(name())
        case ("accountability", "position"): return s("target_type") == "个人" ? t(post()) : none
        case ("accountability", "measure"):
            return t(s("target_type") == "党组织" ? pick(["检查", "通报", "改组"]) : pick(["诫勉", "组织调整", "组织处理", "纪律处分", "通报"]))
        case ("accountability", "reason"):
            return t(pick(["落实全面从严治党主体责任不力", "安全生产监管责任落实不到位", "巡察反馈问题整改不力", "意识形态工作责任制落实不到位"]) + "，造成不良影响")
        case ("accountability", "decided_by"): return t(s("target_type") == "党组织" ? "中共示范区委员会" : "中共示范区纪律检查委员会")
        case ("accountability", "document_no"): return t(docNo("示纪问"))
        case ("fault_tolerance", "matter"):
            return t(pick(["重点项目建设中因政策界限不明确造成程序瑕疵", "招商引资先行先试中出现失误", "征迁工作中为推进进度简化部分程序",
                           "应急处置中未严格履行审批程序"]))
        case ("fault_tolerance", "persons_count"): return n(rng.int(1...3))
        case ("fault_tolerance", "persons"): return t(names(int("persons_count") ?? 1))
        case ("fault_tolerance", "basis"): return t("出于推动发展的公心，未谋取私利，及时纠正并挽回损失，符合容错情形")
        case ("fault_tolerance", "correction"): return t("督促完善制度和程序，限期整改到位")
        case ("clearance", "audience"): return t("\(town().name)党政班子成员及中层干部")
        case ("revisit", "sanction"): return t(pick(["党内警告处分", "党内严重警告处分", "政务记过处分", "诫勉"]))
        case ("revisit", "sanctioned_on"): return d(date.adding(days: -rng.int(150...500)))
        case ("revisit", "findings"): return t(pick(["思想认识到位，工作积极主动", "能正确对待处分，工作表现良好", "放下包袱，主动担当，群众评价较好"]))
        case ("livelihood_result", "campaign"): return t("群众身边不正之风和腐败问题集中整治")
        case ("livelihood_result", "area"):
            return t(["问题楼盘": "住房", "农房改善": "农村", "城区幼儿园": "教育"][s("category")] ?? pick(f.values))
        case ("livelihood_result", "item"):
            switch s("category") {
            case "问题楼盘": return t("\(town().name)\(pick(["锦绣", "阳光", "滨河", "翠苑", "华府"]))\(pick(["小区", "花园", "家园"]))办证难问题")
            case "农房改善": return t("\(village().name)农房改善集中居住项目")
            case "城区幼儿园": return t("示范区\(pick(["实验", "第二", "阳光", "育才", "博雅"]))幼儿园\(pick(["收费", "安全管理", "办园条件"]))专项治理")
            case "制度": return t("《\(pick(["农村集体“三资”管理办法", "惠民资金发放监督办法", "小微权力清单", "住房保障资格审核办法"]))》")
            default: return t("\(town().name)民生实事项目")
            }
        case ("livelihood_result", "progress_state"): return t(rng.chance(0.8) ? "已完成" : "推进中")
        case ("livelihood_result", "lead_department"): return t(pick(["区住建局", "区农业农村局", "区教育局", "区民政局", "区纪委监委"]))
        case ("inclusive_loan", "borrower"):
            switch s("borrower_type") {
            case "新型农业经营主体": return t("\(village().name)\(pick(["稻虾", "果蔬", "中药材", "食用菌"]))专业合作社")
            case "村集体经济组织": return t("\(village().name)股份经济合作社")
            case "企业": return t(enterprise().name)
            default: return t(name())
            }
        case ("inclusive_loan", "bank"): return t(pick(DemoText.banks))
        case ("inclusive_loan", "amount"): return .some(number(5, 50))
        case ("inclusive_loan", "term_months"): return n(pick(["12", "24", "36"]) == "12" ? 12 : rng.int(2...3) * 12)
        case ("inclusive_loan", "project"): return t(pick(["特色种植", "稻虾共养", "光伏发电", "农产品加工", "乡村民宿"]))
        case ("inclusive_loan", "returns"): return .some(number((decimalValue("amount") ?? 10) * 0.05, (decimalValue("amount") ?? 10) * 0.15))
        case ("inclusive_loan", "households"): return n(rng.int(1...20))
        case ("inclusive_loan", "gain_per_household"): return .some(number(0.2, 0.8))
        case ("village_income", "village"): return .some(.reference(village().id))
        case ("village_income", "year"): return n(year)
        case ("village_income", "income"):
            let poor = world.poorVillages.contains { $0.id == village().id }
            return .some(poor ? number(lastYear ? 20 : 22, lastYear ? 45 : 55) : number(50, 300))
        case ("village_income", "operating_income"):
            return .some(number((decimalValue("income") ?? 50) * 0.4, (decimalValue("income") ?? 50) * 0.9))
        case ("village_income", "income_sources"):
            return t(pick(["资产租赁", "光伏发电收益", "土地流转服务"]) + "、" + pick(["强村公司经营", "物业服务", "农业社会化服务"]))
        case ("inspection_round", "name"): return t("\(year)年区委\(pick(["专项巡察", "机动巡察"]))（第\(index - 3)组）")
        case ("inspection_round", "type"): return t(pick(["专项巡察", "机动巡察", "回头看"]))
        case ("inspection_round", "organiser"): return t(s("type") == "提级巡察" ? "中共东江市委巡察工作领导小组" : "中共示范区委巡察工作领导小组")
        case ("inspection_round", "inspected"):
            return t(s("type") == "提级巡察" ? "示范区\(department().name)、\(town().name)等单位党组织" : "\(town().name)党委及所辖村（社区）党组织")
        case ("inspection_round", "feedback_on"): return d(round?.feedback ?? after(date, 30...60).flatMap { if case .date(let x) = $0 { return x }; return nil })
        case ("inspection_round", "deadline"): return d(round?.deadline ?? date.adding(days: 180))
        case ("inspection_round", "problems_count"): return n(round.map { $0.items > 0 ? $0.items : rng.int(10...30) } ?? rng.int(10...30))
        case ("inspection_revisit", "visited_unit"): return .some(.reference(rng.chance(0.6) ? town().id : department().id))
        case ("inspection_revisit", "round"):
            let names = (world.rounds[year - 1] ?? []).filter { $0.type == "巡察" }.map(\.name)
            return names.isEmpty ? none : t(pick(names))
        case ("inspection_revisit", "topic"):
            if case .reference(let id)? = v["visited_unit"], let u = world.byID[id] { return t("对\(u.name)巡察反馈问题整改情况开展回访督查") }
            return t("巡察反馈问题整改回访督查")
        case ("inspection_revisit", "problems_total"): return n(rng.int(8...25))
        case ("inspection_revisit", "problems_rectified"): return n(max(0, (int("problems_total") ?? 10) - rng.int(0...3)))
        case ("inspection_revisit", "surveyed"): return n(rng.int(30...120))
        case ("inspection_revisit", "satisfaction"): return .some(number(90, 99.5, 1))
        case ("inspection_revisit", "findings"): return t("个别问题整改不够彻底，已督促限期整改到位")
        default: return nil
        }
    }
}
