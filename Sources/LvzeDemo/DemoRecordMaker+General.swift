import LvzeServer
import SQLKit
import FluentSQL
import Foundation
import LvzeCore

extension DemoRecordMaker {
    /// 综合：整改事项、会议、责任清单等不属某一体系的台账：the kinds' fields that need values fitting the figures or the record.
    mutating func specialGeneral(_ f: FieldSpec) -> FieldValue?? {
        switch (kind.id, f.id) {
        case ("rectification", "source"):
            var sources: [(String, Int)] = [("巡察", 20), ("检查发现", 20), ("督导", 8), ("群众反映", 12), ("上级点评", 4), ("自我查摆", 10),
                                            ("督察", 6), ("巡视", 3), ("其他", 5), ("省生态环境保护督察", 2), ("中央生态环境保护督察", 1)]
            if world.scale.isLarge { sources += [("国务院督导", 1), ("省督导", 2), ("市督导", 3)] }
            return t(weighted(sources))
        case ("rectification", "subject"):
            switch s("source") {
            case "上级点评", "自我查摆": return t(pick(["区委", "部门", "镇街"]))
            case "巡视", "巡察", "提级巡察": return t(pick(["部门", "镇街", "村社区"]))
            case "中央生态环境保护督察", "省生态环境保护督察": return t(pick(["镇街", "部门", "企业"]))
            case "国务院督导", "省督导", "市督导", "督导", "督察": return t(pick(["镇街", "企业", "部门"]))
            case "检查发现": return t(pick(["企业", "镇街", "村社区"]))
            default: return t(pick(["村社区", "镇街", "部门"]))
            }
        case ("rectification", "system"):
            switch s("source") {
            case "中央生态环境保护督察", "省生态环境保护督察", "巡视", "巡察", "提级巡察": return t("党风廉政建设")
            case "国务院督导", "省督导", "市督导", "督导", "检查发现": return t("安全生产")
            default: return t(pick(f.values))
            }
        case ("rectification", "batch"):
            switch s("source") {
            case "提级巡察": return t(round?.name ?? "\(year)年市委提级巡察")
            case "巡察": return t(rng.pick((world.rounds[year] ?? []).filter { $0.type == "巡察" }.map(\.name) + ["\(year)年区委巡察"]))
            case "中央生态环境保护督察": return t("第三轮中央生态环境保护督察反馈问题")
            case "省生态环境保护督察": return t("\(year - 1)年省生态环境保护督察反馈问题")
            case "国务院督导": return t("\(year)年国务院安全生产考核巡查交办问题")
            case "省督导": return t("\(year)年省安全生产督导交办问题")
            case "市督导": return t("\(year)年市安全生产明查暗访交办问题")
            case "上级点评": return t("\(year)年度区委常委班子民主生活会上级点评")
            case "自我查摆": return t("\(year)年度区委常委班子民主生活会自我查摆")
            default: return none
            }
        case ("rectification", "description"):
            let group: String
            switch s("source") {
            case "中央生态环境保护督察", "省生态环境保护督察": group = "env"
            case "国务院督导", "省督导", "市督导", "督导", "督察": group = "supervision"
            case "上级点评", "自我查摆": group = s("subject") == "区委常委班子" ? "committee" : "inspection"
            case "巡视", "巡察", "提级巡察": group = "inspection"
            default: group = "other"
            }
            let useDept = s("subject") == "部门" && (group == "other" || group == "inspection")
            return t(text(pick(DemoText.rectification[useDept ? "dept" : group]!)))
        case ("rectification", "note"): return rng.chance(0.15) ? t("列入区委督查室重点督办事项") : none

        case ("meeting", "body"): return t(weighted([("常委会", 3), ("中心组学习", 2), ("党组会", 3), ("专题会议", 3), ("其他", 1)]))
        case ("meeting", "kind"):
            switch s("body") {
            case "中心组学习": return t("专题学习")
            case "常委会": return t(pick(["专题研究", "一般研究", "一般研究"]))
            default: return t(pick(f.values))
            }
        case ("meeting", "topic"):
            let topic = pick(DemoText.meetingTopics[s("topic_system")] ?? DemoText.meetingTopics["其他"]!)
            switch s("body") {
            case "中心组学习": return t("区委理论学习中心组：\(topic)")
            case "党组会": return t("\(department().name)党组会议：\(topic)")
            case "专题会议": return t("\(town().name)专题会议：\(topic)")
            default: return t(topic)
            }
        case ("meeting", "chair"): return t(["常委会", "中心组学习"].contains(s("body")) ? world.secretaryName : name())
        case ("meeting", "attendees"):
            switch s("body") {
            case "常委会": return n(rng.int(9...13))
            case "中心组学习": return n(rng.int(15...28))
            default: return n(rng.int(8...40))
            }
        case ("meeting", "decisions"): return t(sentences(.common, 2))

        case ("responsibility_item", "year"): return n(year)
        case ("responsibility_item", "list_name"): return t("\(year)年度\(s("system"))责任清单")
        case ("responsibility_item", "responsible_person"):
            return t(s("subject_type") == "第一责任人" ? world.secretaryName : rng.pick(world.leaders).name)
        case ("responsibility_item", "position"):
            return t(s("subject_type") == "第一责任人" ? "区委书记" : rng.pick(world.leaders).position)
        case ("responsibility_item", "item"):
            return t(pick(DemoText.measuresBySystem[s("system")] ?? DemoText.measuresBySystem["基层党建"]!))
        case ("responsibility_item", "tags"):
            return s("system") == "基层党建" && rng.chance(0.3) ? t("主题教育") : none
        case ("responsibility_item", "due_on"): return d(LocalDate(year: year, month: 12, day: 31))
        case ("responsibility_item", "repealed_on"): return rng.chance(0.05) ? d(dateValue("issued_on").flatMap { x in after(x, 60...200).flatMap { if case .date(let y) = $0 { return y }; return nil } }) : none

        case ("fulfilment", "member"): return s("subject") == "班子成员" ? t(rng.pick(world.leaders).name) : none
        case ("fulfilment", "member_position"):
            if s("subject") != "班子成员" { return none }
            let member = s("member")
            return t(world.leaders.first { $0.name == member }?.position ?? "区委常委")
        case ("fulfilment", "summary"): return t(text(pick(DemoText.fulfilment)))
        case ("fulfilment", "list_item"): return t(pick(DemoText.measuresBySystem[s("system")] ?? DemoText.measuresBySystem["基层党建"]!))
        case ("fulfilment", "reported_on"): return d(after(date, 1...7).flatMap { if case .date(let x) = $0 { return x }; return nil })

        case ("circular", "doc_no"): return t(docNo(["作风", "四风", "党风廉政"].contains(s("topic")) ? "示纪办通" : "示办通"))
        case ("circular", "title"):
            let subject: [String: String] = ["作风": "作风建设专项整治中发现的问题", "四风": "违反中央八项规定精神典型问题",
                                             "党风廉政": "党风廉政建设责任制落实情况", "整改落实": "巡察反馈问题整改落实情况",
                                             "巡视巡察": "巡察工作开展情况", "安全生产": "安全生产明查暗访发现问题",
                                             "意识形态": "意识形态工作责任制落实情况", "基层党建": "基层党建重点任务推进情况"]
            let typeWord: [String: String] = ["专题": "专题通报", "综合": "通报", "典型案例": "典型案例通报", "工作情况": "情况通报", "其他": "通报"]
            return t("关于\(subject[s("topic")] ?? "有关工作情况")的\(typeWord[s("type")] ?? "通报")（\(year)年第\(index + 1)期）")
        case ("circular", "issuer"):
            switch s("topic") {
            case "作风", "四风", "党风廉政": return t("中共示范区纪律检查委员会")
            case "安全生产": return t("示范区安全生产委员会办公室")
            default: return t("中共示范区委办公室")
            }
        case ("circular", "units_named"):
            let count = rng.int(1...4)
            var list: [String] = []
            for _ in 0..<count {
                let n = rng.chance(0.5) ? rng.pick(world.towns).name : department().name
                if !list.contains(n) { list.append(n) }
            }
            v["units_count"] = .integer(list.count)
            return t(list.joined(separator: "、"))
        case ("circular", "units_count"): return nil
        case ("circular", "persons_count"): return n(rng.int(0...8))
        default: return nil
        }
    }
}
