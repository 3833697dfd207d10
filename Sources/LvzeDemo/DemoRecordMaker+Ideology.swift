import LvzeServer
import SQLKit
import FluentSQL
import Foundation
import LvzeCore

extension DemoRecordMaker {
    /// 意识形态：the kinds' fields that need values fitting the figures or the record.
    mutating func specialIdeology(_ f: FieldSpec) -> FieldValue?? {
        switch (kind.id, f.id) {
        case ("media_placement", "headline"): return t(text(pick(DemoText.headlines)))
        case ("media_placement", "outlet"): return t(pick(DemoText.mediaOutlets[s("level")] ?? DemoText.mediaOutlets["区"]!))
        case ("media_placement", "link"): return t("\(s("outlet")) \(date.month)月\(date.day)日 第\(rng.int(1...8))版")
        case ("ideology_position", "tier"):
            return s("category") == "新时代文明实践阵地" ? t(pick(["所", "站", "站", "点", "点"])) : none
        case ("ideology_position", "name"):
            switch (s("category"), s("tier")) {
            case ("新时代文明实践阵地", "中心"): return t("示范区新时代文明实践中心")
            case ("新时代文明实践阵地", "所"): return t("\(town().name)新时代文明实践所")
            case ("新时代文明实践阵地", "站"): return t("\(town().name)\(village().name)新时代文明实践站")
            case ("新时代文明实践阵地", _): return t("\(village().name)\(pick(["农家书屋", "文化广场", "党员活动室", "老年活动中心"]))新时代文明实践点")
            case ("网络平台", _): return t("“\(town().name)发布”\(pick(["微信公众号", "视频号", "政务微博"]))")
            case ("宣传栏", _): return t("\(village().name)宣传栏")
            case (let category, _): return t("\(town().name)\(category)")
            }
        case ("ideology_position", "upgraded_on"):
            guard ["所", "站"].contains(s("tier")) else { return none }
            if variant["_upgrade"] != nil {
                let latest = last, earliest = min(last, date.adding(days: 20))
                return d(earliest.adding(days: rng.int(0...earliest.days(until: latest))))
            }
            return rng.chance(0.4) ? .some(after(date, 60...300)) : none
        case ("ideology_position", "closed_on"): return rng.chance(0.02) ? .some(after(date, 60...300)) : none
        case ("ideology_position", "host"): return t(s("tier") == "所" ? "\(town().name)党委" : "\(town().name)宣传办")
        case ("event_filing", "event_title"):
            return t(pick(["\(town().name)乡村振兴论坛", "示范大讲堂：\(pick(["数字经济与产业升级", "中华优秀传统文化", "法治政府建设"]))",
                           "\(year)年度经济形势报告会", "红色文化研讨会", "企业家座谈会", "青年干部读书分享会"]))
        case ("event_filing", "filed_on"): return d(date.adding(days: -rng.int(3...15)))
        case ("event_filing", "decision"): return t(rng.chance(0.92) ? "同意举办" : "不同意举办")
        case ("event_filing", "decided_on"):
            // Reviewed a day or two after filing, before the event.
            guard let filed = dateValue("filed_on") else { return none }
            return d(min(date.adding(days: -1), filed.adding(days: rng.int(1...2))))
        case ("event_filing", "approver"): return t(name())
        case ("event_filing", "speaker_post"): return t("\(pick(DemoText.universities))\(pick(["教授", "副教授", "研究员"]))")
        case ("event_filing", "venue"): return t("\(town().name)文化站多功能厅")
        case ("event_filing", "position"): return t(pick(["示范大讲堂", "\(town().name)新时代文明实践所", "区图书馆报告厅"]))
        case ("event_filing", "audience"): return n(rng.int(50...300))
        case ("online_opinion", "title"):
            return t(text(pick(["网民反映{village}道路积水严重", "网民反映{town}某小区物业收费不合理", "网帖反映{enterprise}夜间生产噪声扰民",
                                "网民咨询{town}征收安置补偿政策", "短视频反映{town}集贸市场占道经营", "网民反映{village}垃圾清运不及时"])))
        case ("online_opinion", "platform"): return t(pick(["本地论坛", "微博", "短视频平台", "政务留言板", "微信公众号"]))
        case ("online_opinion", "link"): return t("https://bbs.example.cn/thread-\(year)\(String(format: "%05d", index + 1))")
        case ("online_opinion", "level"): return t(weighted([("一般", 85), ("较大", 13), ("重大", 2)]))
        case ("online_opinion", "assigned_unit"): return .some(.reference(rng.chance(0.6) ? town().id : department().id))
        case ("online_opinion", "assigned_on"): return d(min(today, date.adding(days: rng.int(0...1))))
        case ("online_opinion", "replied_on"):
            return .some(dateValue("assigned_on").flatMap { a in after(a, 1...5) })
        case ("online_opinion", "closed_on"):
            guard let r = dateValue("replied_on") else { return none }
            if variant["_early"] != nil || lastYear { return d(min(today, r.adding(days: rng.int(0...10)))) }
            return .some(after(r, 0...10))
        case ("online_opinion", "handling"): return t("已交办承办单位核实处置，及时回应网民关切，舆情平稳")
        case ("network_risk_assessment", "topic"):
            return t(pick(["\(year)年第\(min(4, date.month / 3 + 1))季度网络意识形态风险研判", "重大项目建设网络舆情风险评估",
                           "征收拆迁工作网络舆情风险评估", "安全生产事故网络舆情风险评估"]))
        case ("network_risk_assessment", "participants"): return t("区委宣传部、区委网信办、公安分局、\(department().name)")
        case ("publication_inspection", "business_name"):
            let brand = String(rng.pick(DemoText.brandSyllables)) + String(rng.pick(DemoText.brandSyllables))
            let suffix = ["出版物经营单位": "书店", "印刷企业": "印务有限公司", "网吧": "网咖", "文化娱乐场所": "歌舞厅"][s("business_type")] ?? "文化传媒有限公司"
            return t("\(town().name.prefix(2))\(brand)\(suffix)")
        case ("publication_inspection", "credit_code"): return t(DemoText.creditCode(50_000 + index * 7 + year % 7))
        case ("publication_inspection", "inspectors"): return t(names(2))
        case ("publication_inspection", "result"): return t(weighted([("未发现问题", 70), ("责令整改", 25), ("立案查处", 5)]))
        case ("publication_inspection", "problems"):
            return s("result") == "未发现问题" ? none : t(pick(["销售无合法出版单位的出版物", "未按规定建立出版物进销货台账", "承印印刷品未按规定登记"]))
        case ("publication_case", "case_name"):
            let brand = String(rng.pick(DemoText.brandSyllables)) + String(rng.pick(DemoText.brandSyllables))
            let party = "\(town().name.prefix(2))\(brand)\(pick(["书店", "印务有限公司", "文化用品店"]))"
            v["party_name"] = .text(party)
            return t("\(party)\(pick(["销售非法出版物", "擅自从事出版物发行业务", "未经许可从事印刷经营活动"]))案")
        case ("publication_case", "fine"): return .some(number(2_000, 30_000, 0))
        case ("publication_case", "penalty"): return t("警告，没收非法出版物，并处罚款")
        case ("publication_case", "closed_on"):
            if variant["_closed"] != nil { return d(min(today, date.adding(days: rng.int(10...60)))) }
            return rng.chance(0.7) ? .some(after(date, 10...90)) : none
        default: return nil
        }
    }
}
