import LvzeServer
import SQLKit
import FluentSQL
import Foundation
import LvzeCore

extension DemoRecordMaker {
    /// 基层党建：the kinds' fields that need values fitting the figures or the record.
    mutating func specialParty(_ f: FieldSpec) -> FieldValue?? {
        switch (kind.id, f.id) {
        case ("training_class", "name"):
            let theme = pick(["村（社区）党组织书记", "新任科级干部", "年轻干部", "基层纪检监察干部", "安全生产监管干部", "发展对象", "宣传思想文化干部"])
            return t("\(year)年\(theme)培训班（第\(index / 7 + 1)期）")
        case ("training_class", "end_on"): return d(Optional(date.adding(days: (int("days") ?? 1) - 1)).flatMap { $0 <= today ? $0 : nil })
        case ("training_class", "organiser"): return t(pick(["区委组织部", "区委党校", "区纪委监委", "区应急管理局", "区委宣传部"]))
        case ("training_class", "trainees"): return n(rng.int(40...150))
        case ("training_class", "days"): return n(rng.int(2...7))
        case ("teaching_site", "name"):
            let theme = pick(["红色教育", "乡村振兴", "廉政教育", "基层治理", "生态文明"])
            v["theme"] = .text(theme)
            return t("\(village().name)\(theme)现场教学点")
        case ("teaching_site", "address"): return t("\(town().name)\(village().name)")
        case ("teaching_site", "operator"): return t("中共\(village().name)支部委员会")
        case ("party_course", "course_title"):
            return t(pick(["践行初心使命 争做新时代合格党员", "从党的百年奋斗史中汲取前进力量", "以严的基调强化正风肃纪", "筑牢安全发展防线",
                           "党建引领乡村振兴的实践与思考", "新时代基层干部的担当与作为", "守牢意识形态阵地", "弘扬伟大建党精神"]))
        case ("party_course", "award"): return rng.chance(0.6) ? t(pick(["一等奖", "二等奖", "三等奖", "优秀奖"])) : none
        case ("commando_team", "name"):
            let task = pick(["防汛抢险", "重点项目攻坚", "秸秆禁烧", "人居环境整治", "森林防火", "安全隐患排查"])
            v["task"] = .text("\(task)任务")
            return t("\(town().name)\(task)党员突击队")
        case ("commando_team", "members"): return n(rng.int(10...40))
        case ("commando_team", "disbanded_on"): return rng.chance(0.2) ? .some(after(date, 60...200)) : none
        case ("deployment", "task"):
            return t(pick(["防汛抗旱", "人居环境整治", "秸秆禁烧", "基层治理网格化服务", "安全生产隐患排查", "森林防火"]) + "下沉服务")
        case ("deployment", "people"): return n(rng.int(5...60))
        case ("deployment", "names"): return t(names(3) + "等")
        case ("deployment", "ended_on"): return .some(after(date, 7...60))
        case ("honour", "honoree_type"): return t(rng.chance(0.7) ? "个人" : "集体")
        case ("honour", "honoree"):
            return t(s("honoree_type") == "集体" ? (rng.chance(0.5) ? "中共\(village().name)支部委员会" : "中共\(town().name)委员会") : name())
        case ("honour", "honoree_post"): return s("honoree_type") == "集体" ? none : t(post())
        case ("honour", "honour_title"):
            let collective = s("honoree_type") == "集体"
            switch s("level") {
            case "国家": return t(collective ? "全国先进基层党组织" : pick(["全国先进工作者", "全国优秀共产党员", "全国劳动模范"]))
            case "省": return t(collective ? "省先进基层党组织" : pick(["省优秀共产党员", "省劳动模范", "省优秀党务工作者"]))
            case "市": return t(collective ? "市先进基层党组织" : pick(["市优秀共产党员", "市优秀党务工作者", "市五一劳动奖章"]))
            default: return t(collective ? "区先进基层党组织" : pick(["区优秀共产党员", "区优秀党务工作者"]))
            }
        case ("honour", "document_no"):
            return t(docNo(["国家": "国发", "省": "江淮发", "市": "东江发"][s("level")] ?? "示发"))
        case ("honour", "awarding_body"):
            return t(["国家": "党中央、国务院", "省": "省委、省政府", "市": "市委、市政府"][s("level")] ?? "区委、区政府")
        case ("secretary_project", "name"):
            return t(s("level") == "区委书记" ? "“红色领航·集成振兴”区委书记党建项目（\(year)）"
                     : "\(town().name)“\(pick(["党建+网格", "红色物业", "强村富民", "党建联建", "清廉村居"]))”书记党建项目")
        case ("secretary_project", "secretary"): return t(s("level") == "区委书记" ? world.secretaryName : name())
        case ("secretary_project", "standards_count"): return n(s("level") == "区委书记" ? rng.int(8...30) : rng.int(0...6))
        case ("village_reform", "project"):
            return t("\(village().name)\(pick(["土地股份合作改革", "村企联建", "强村公司组建", "集体资产盘活", "农文旅融合发展"]))")
        case ("village_reform", "funds"): return .some(number(30, 600))
        case ("village_reform", "fund_sources"): return t("财政衔接资金、村集体自筹、社会资本")
        case ("joint_vetting", "batch"): return t("\(year)年第\(index + 1)批\(s("purpose").isEmpty ? "村（社区）干部" : s("purpose"))人选联审")
        case ("joint_vetting", "people_vetted"): return n(rng.int(20...150))
        case ("joint_vetting", "people_flagged"): return n(index == 0 ? rng.int(1...5) : rng.int(0...4))
        case ("joint_vetting", "departments"): return t("组织、纪检监察、政法、公安、信访、民政")
        case ("joint_vetting", "circumstances"): return t("受过刑事处罚、涉黑涉恶、严重违纪违法等不宜担任村（社区）干部的情形")
        case ("venue_upgrade", "project"): return t("\(village().name)\(pick(["党群服务中心提档升级", "便民服务大厅改造", "党员活动室标准化建设"]))")
        case ("venue_upgrade", "area_before"): return .some(number(80, 300))
        case ("venue_upgrade", "area_after"): return .some(number((decimalValue("area_before") ?? 150) + 100, (decimalValue("area_before") ?? 150) + 400))
        case ("venue_upgrade", "investment"): return .some(number(10, 80))
        case ("centre_household", "branch"): return t("中共\(village().name)支部委员会")
        case ("centre_household", "households"): return n(rng.int(5...15))
        case ("centre_household", "dissolved_on"), ("responsibility_zone", "dissolved_on"), ("teaching_site", "closed_on"):
            return rng.chance(0.03) ? .some(after(date, 30...200)) : none
        case ("responsibility_zone", "zone"): return t("\(town().name)\(village().name)第\(rng.int(1...12))党员责任区")
        case ("responsibility_zone", "scope"): let k = rng.int(1...10); return t("\(village().name)\(k)组、\(k + 1)组")
        case ("responsibility_zone", "households"): return n(rng.int(10...40))
        case ("hightech_certification", "certificate_no"): return t("GR\(year)99\(String(format: "%06d", rng.int(1...999_999)))")
        case ("hightech_certification", "tech_field"), ("talent_award", "speciality"):
            return t(pick(["先进制造与自动化", "新材料", "电子信息", "生物与新医药", "资源与环境", "新能源与节能"]))
        case ("rd_centre", "name"):
            return t("\(shortName(enterprise()))\(pick(["智能装备", "新材料", "绿色纺织", "精密加工"]))\(s("centre_type"))")
        case ("rd_centre", "document_no"): return t(docNo("东科"))
        case ("talent_application", "project"): return t("\(shortName(enterprise()))\(pick(["智能制造", "功能性面料", "新型建材", "绿色化工"]))创新创业团队项目")
        case ("talent_application", "programme"): return t("市“英才计划”")
        case ("talent_application", "people"): return n(rng.int(1...8))
        case ("tech_mayor_group", "batch"): return t("第\(year - 2010 + index)批科技镇长团")
        case ("tech_mayor_group", "members"): return n(rng.int(5...15))
        case ("tech_mayor_group", "institutions"): return t(pick(DemoText.universities) + "、" + pick(DemoText.universities))
        case ("tech_mayor_group", "towns"):
            return t(world.towns.isEmpty ? "" : (0..<3).map { world.towns[(index * 3 + $0) % world.towns.count].name }.joined(separator: "、"))
        case ("tech_mayor_group", "ended_on"): return none
        case ("patent_assist", "patent_name"):
            return t(pick(["一种高效节能织机送经装置", "一种自动化冲压上料机构", "一种环保型涂料及其制备方法", "一种粉尘收集处理装置",
                           "一种智能仓储管理系统", "一种可降解包装材料", "一种混凝土养护装置"]))
        case ("patent_assist", "application_no"): return t("\(year)1\(String(format: "%07d", rng.int(1...9_999_999))).\(rng.int(0...9))")
        case ("rd_platform", "name"):
            if s("partner").isEmpty { v["partner"] = .text(pick(DemoText.universities)) }
            return t("\(shortName(enterprise()))—\(s("partner"))\(s("platform_type").isEmpty ? "联合研发平台" : s("platform_type"))")
        case ("rd_platform", "partner"): return t(pick(DemoText.universities))
        default: return nil
        }
    }
}
