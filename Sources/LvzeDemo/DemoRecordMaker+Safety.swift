import LvzeServer
import SQLKit
import FluentSQL
import Foundation
import LvzeCore

extension DemoRecordMaker {
    /// 安全生产：the kinds' fields that need values fitting the figures or the record.
    mutating func specialSafety(_ f: FieldSpec) -> FieldValue?? {
        switch (kind.id, f.id) {
        case ("enterprise", "name"), ("hightech_certification", "enterprise_name"), ("rd_centre", "enterprise_name"),
             ("patent_assist", "enterprise_name"), ("rd_platform", "enterprise_name"), ("enforcement_inspection", "enterprise_name"),
             ("hazard", "enterprise_name"), ("suspension_order", "enterprise_name"), ("accident", "enterprise_name"),
             ("risk_point", "enterprise_name"), ("talent_application", "applicant"), ("talent_award", "employer"):
            return t(enterprise().name)
        case (_, "credit_code"), (_, "enterprise_code"): return t(enterprise().code)
        case ("enterprise", "industry"), ("accident", "industry"):
            let industry = enterprise().industry
            return t(f.values.contains(industry) ? industry : "其他")
        case ("enterprise", "scale"): return t(weighted([("规模以上", 3), ("规模以下", 4), ("小微企业", 4), ("个体工商户", 2)]))
        case ("enterprise", "address"): return t("\(town().name)\(pick(["工业园", "振兴路", "创业大道", "纺织园"]))\(rng.int(1...299))号")
        case ("enterprise", "risk_colour"), ("risk_point", "colour"): return t(weighted([("红", 3), ("橙", 10), ("黄", 37), ("蓝", 50)]))
        case ("enterprise", "major_hazard_source"): return .some(.boolean(s("industry") == "危险化学品" && rng.chance(0.3)))
        case ("enterprise", "closed_on"): return rng.chance(0.02) ? .some(after(date, 30...300)) : none
        case ("enforcement_inspection", "campaign"): return rng.chance(0.2) ? t(pick([DemoText.textileCampaign] + DemoText.otherCampaigns)) : none
        case ("enforcement_inspection", "document_no"): return t(docNo("（示）应急检"))
        case ("enforcement_inspection", "hazards_found"): return n(s("outcome") == "未发现问题" ? 0 : rng.int(1...8))
        case ("enforcement_inspection", "outcome"):
            return t(weighted([("未发现问题", 30), ("责令限期整改", 55), ("责令停产整顿", 2), ("立案处罚", 10), ("移送", 1)]))
        case ("enforcement_inspection", "fine"): return s("outcome") == "立案处罚" ? .some(number(10_000, 200_000, 0)) : none
        case ("hazard", "source"):
            return t(weighted([("检查发现", 40), ("自查自纠", 25), ("执法检查", 15), ("督导", 5), ("督察", 3), ("群众举报", 4), ("上级交办", 5), ("其他", 3)]))
        case ("hazard", "level"): return t(rng.chance(0.96) ? "一般隐患" : "重大隐患")
        case ("hazard", "risk_point"): return t("\(s("location").isEmpty ? pick(DemoText.hazardLocations) : s("location"))风险点")
        case ("hazard", "location"), ("risk_point", "location"), ("accident", "location"):
            return t(kind.id == "accident" ? "\(town().name)\(shortName(enterprise()))\(pick(DemoText.hazardLocations))" : pick(DemoText.hazardLocations))
        case ("hazard", "description"):
            let list = DemoText.hazards[enterprise().industry] ?? DemoText.hazards["其他"]!
            return t(rng.chance(0.7) ? pick(list) : pick(DemoText.hazards["其他"]!))
        case ("hazard", "department"): return t(rng.chance(0.5) ? "\(town().name)应急管理办公室" : "区应急管理局")
        case ("hazard", "funds"):
            if s("level") == "重大隐患" { return .some(number(20, 200)) }
            return rng.chance(0.6) ? .some(number(0.1, 5)) : none
        case ("hazard", "review_result"): return wf?.state == .closed ? t("经复查，隐患已整改消除") : none
        case ("hazard", "acceptor"): return wf?.state == .closed ? t(name()) : none
        case ("hazard", "accepted_on"): return d(wf?.closedOn)
        case ("hazard", "emergency_plan"):
            return s("level") == "重大隐患" ? t("制定专项应急预案，设置警戒区域，落实专人值守，配备应急救援器材，整改期间停止相关区域作业") : none
        case ("hazard", "measures"), ("rectification", "measures"): return t(sentences(kind.id == "hazard" ? .safety : .common, 2))
        case ("suspension_order", "document_no"): return t(docNo("（示）应急责改"))
        case ("suspension_order", "reason"):
            let list = DemoText.hazards[enterprise().industry] ?? DemoText.hazards["其他"]!
            return t("存在\(pick(list))等重大事故隐患，依法责令停产整顿")
        case ("suspension_order", "rectify_by"): return d(date.adding(days: rng.int(15...60)))
        case ("suspension_order", "resumed_on"):
            guard let by = dateValue("rectify_by"), by <= today, rng.chance(0.8) else { return none }
            return d(max(date.adding(days: 7), by.adding(days: -rng.int(0...10))))
        case ("suspension_order", "decided_by"): return t("示范区应急管理局")
        case ("accident", "name"):
            return t("\(shortName(enterprise()))“\(date.month)·\(date.day)”\(s("accident_type").isEmpty ? "" : s("accident_type"))事故")
        case ("accident", "accident_type"):
            return t(weighted([("机械伤害", 5), ("物体打击", 4), ("高处坠落", 4), ("车辆伤害", 3), ("触电", 2), ("火灾", 2), ("起重伤害", 2),
                               ("中毒和窒息", 1), ("坍塌", 1), ("其他伤害", 2)]))
        case ("accident", "deaths"):
            if let fixed = variant["_deaths"].flatMap(Int.init) { return n(fixed) }
            return n(rng.chance(0.2) ? 1 : 0)
        case ("accident", "serious_injuries"): return n(rng.int(0...2))
        case ("accident", "minor_injuries"): return n(rng.int(1...4))
        case ("accident", "direct_loss"):
            return .some((int("deaths") ?? 0) > 0 ? number(800_000, 3_000_000, 0) : number(30_000, 600_000, 0))
        case ("accident", "summary"): return t("作业人员违章操作，现场安全管理缺失，导致事故发生。事故发生后，企业立即组织救援并按规定报告。")
        case ("accident", "investigation"): return t(lastYear || date.days(until: today) > 90 ? "已结案" : "调查中")
        case ("risk_point", "name"): return t("\(shortName(enterprise()))\(s("location").isEmpty ? pick(DemoText.hazardLocations) : s("location"))")
        case ("risk_point", "hazard_factors"): return t(pick(["火灾、爆炸", "机械伤害、物体打击", "触电", "中毒和窒息", "高处坠落、坍塌"]))
        case ("risk_point", "control_level"):
            return t(["红": "区级", "橙": "镇街级", "黄": pick(["企业级", "车间级"])][s("colour")] ?? pick(["班组级", "岗位级"]))
        case ("risk_point", "control_measures"): return t(sentences(.safety, 2))
        case ("risk_point", "reviewed_on"): return rng.chance(0.4) ? .some(after(date, 30...200)) : none
        case ("area_assignment", "leader"): return t(world.leaders[index % world.leaders.count].name)
        case ("area_assignment", "leader_position"): return t(world.leaders[index % world.leaders.count].position)
        case ("area_assignment", "body"): return t(world.leaders[index % world.leaders.count].body)
        case ("area_assignment", "area"):
            guard !world.towns.isEmpty else { return nil }
            let t = world.towns[(index + year) % world.towns.count]
            placeTown = t
            return .some(.reference(t.id))
        case ("area_assignment", "key_enterprises"):
            let t = town()
            let list = world.enterprises.filter { $0.townID == t.id }.prefix(3).map(\.name)
            return list.isEmpty ? none : .some(.text(list.joined(separator: "、")))
        case ("area_assignment", "duties"): return t("督促挂钩镇街和重点企业落实安全生产责任，每季度至少开展一次督导检查")
        case ("area_assignment", "ended_on"): return none
        case ("campaign_outcome", "campaign"):
            return t(weighted([(DemoText.textileCampaign, 3), (DemoText.demoCityCampaign, 3)] + DemoText.otherCampaigns.map { ($0, 2) }))
        case ("campaign_outcome", "area"):
            switch s("campaign") {
            case DemoText.textileCampaign: return t("示范纺织产业园")
            case DemoText.demoCityCampaign: return t("全区")
            default: return t(town().name)
            }
        case ("campaign_outcome", "item"):
            switch s("campaign") {
            case DemoText.textileCampaign:
                return t(pick(["拆除园区违章搭建", "园区消防管网改造", "厂房电气线路整治", "“三合一”场所清零", "园区消防通道打通"]))
            case DemoText.demoCityCampaign:
                return t(pick(["智慧安监平台建设", "城市生命线安全工程", "安全宣传教育基地建设", "企业安全生产标准化提升", "应急救援队伍装备提升"]))
            default: return t("\(town().name)\(s("campaign"))阶段性成果")
            }
        case ("campaign_outcome", "investment"):
            switch s("campaign") {
            case DemoText.textileCampaign: return .some(number(30, 300))
            case DemoText.demoCityCampaign: return .some(number(50, 500))
            default: return .some(number(10, 100))
            }
        case ("campaign_outcome", "demolished_area"):
            if s("campaign") == DemoText.textileCampaign { return .some(number(300, 6_000)) }
            return rng.chance(0.3) ? .some(number(100, 2_000)) : none
        case ("campaign_outcome", "hydrants"): return n(s("campaign") == DemoText.textileCampaign ? rng.int(5...60) : rng.int(0...20))
        case ("campaign_outcome", "sprinklers"): return n(s("campaign") == DemoText.textileCampaign ? rng.int(20...200) : rng.int(0...50))
        case ("campaign_outcome", "facilities_improved"): return n(rng.int(3...40))
        case ("campaign_outcome", "places_cleared"): return n(rng.int(0...15))
        default: return nil
        }
    }
}
