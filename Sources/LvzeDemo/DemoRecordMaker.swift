import LvzeServer
import SQLKit
import FluentSQL
import Foundation
import LvzeCore

/// Makes the demo records of one ledger kind and year: a value for every field that the
/// catalogue's checks accept, consistent within the record (a closed hazard has its
/// acceptance date, a village field names a village of the record's town), and, for the
/// first records of a kind, the combinations the report's figures filter on (ledger-map.md).
/// Kinds it has no wording for (custom ledgers) get values from their field types alone.
struct DemoRecordMaker {
    /// One line of a workflow record's history after its creation.
    struct Step {
        let at: Date
        let action: String
        let changes: String
        let note: String
        let reviewer: Bool
    }

    struct Made {
        var unitID: Int
        var values: [String: FieldValue]
        var date: LocalDate
        var status: String
        var openedOn: String
        var closedOn: String?
        var workflow: String
        var createdAt: Date
        var steps: [Step]
    }

    struct Workflow {
        var state: RectificationState
        var progress: Int
        var deadline: LocalDate
        var closedOn: LocalDate?
        var requestedOn: LocalDate?
        var extensions: Int
        var steps: [Step]
    }

    let kind: LedgerKind
    let year: Int
    let count: Int
    let world: DemoWorld
    let now: Date
    let today: LocalDate
    /// 1 January of the year and its last day so far (31 December, or today).
    let first: LocalDate
    let last: LocalDate
    var rng: DemoDistrict.Random
    let variants: [[String: String]]
    let registerOfYear: [DemoWorld.Enterprise]
    let incomeVillages: [DemoWorld.Unit]

    // The record being made.
    var index = 0
    var v: [String: FieldValue] = [:]
    var date: LocalDate
    var variant: [String: String] = [:]
    var ent: DemoWorld.Enterprise?
    var placeTown: DemoWorld.Unit?
    var placeVillage: DemoWorld.Unit?
    var placeDepartment: DemoWorld.Unit?
    var wf: Workflow?

    init(kind: LedgerKind, year: Int, count: Int, world: DemoWorld, now: Date, seed: UInt64) {
        self.kind = kind
        self.year = year
        self.count = count
        self.world = world
        self.now = now
        today = world.today
        first = LocalDate(year: year, month: 1, day: 1)!
        last = min(LocalDate(year: year, month: 12, day: 31)!, world.today)
        rng = DemoDistrict.Random(state: seed)
        date = first
        variants = Self.variants(kind: kind.id, year: year, world: world)
        registerOfYear = world.enterprises.filter { $0.registeredYear == year }
        let poorIDs = Set(world.poorVillages.map(\.id))
        let others = world.villages.filter { !poorIDs.contains($0.id) }
        incomeVillages = world.poorVillages + (world.scale.isLarge ? others : others.enumerated().filter { $0.offset % 11 == 3 }.map(\.element))
    }

    /// FNV-1a, so a kind's records do not depend on the order of the catalogue or the process.
    static func stableHash(_ text: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in text.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return h
    }

    // MARK: - How many

    static let smallCounts: [String: Int] = [
        "rectification": 40, "meeting": 20, "responsibility_item": 16, "fulfilment": 20, "circular": 10,
        "training_class": 8, "teaching_site": 5, "party_course": 10, "commando_team": 6, "deployment": 10, "honour": 10,
        "secretary_project": 6, "village_reform": 8, "joint_vetting": 5, "venue_upgrade": 8, "centre_household": 15,
        "responsibility_zone": 750, "hightech_certification": 6, "rd_centre": 5, "talent_award": 8, "talent_application": 6,
        "tech_mayor_group": 2, "patent_assist": 10, "rd_platform": 5,
        "problem_lead": 20, "discipline_action": 20, "discipline_case": 12, "conduct_problem": 10, "accountability": 8,
        "fault_tolerance": 4, "clearance": 5, "revisit": 8, "livelihood_result": 10, "inclusive_loan": 12, "inspection_revisit": 6,
        "media_placement": 15, "ideology_position": 10, "event_filing": 8, "online_opinion": 15, "network_risk_assessment": 4,
        "publication_inspection": 12, "publication_case": 4,
        "enforcement_inspection": 30, "hazard": 50, "suspension_order": 4, "risk_point": 15, "area_assignment": 6,
        "campaign_outcome": 10,
    ]
    /// The large scale: about 1,000,000 records in all, most of them in the busiest ledgers.
    static let largeCounts: [String: Int] = [
        "hazard": 190_000, "enforcement_inspection": 100_000, "fulfilment": 60_000, "rectification": 40_000, "meeting": 25_000,
        "risk_point": 20_000, "responsibility_item": 15_000, "responsibility_zone": 12_000, "online_opinion": 10_000,
        "centre_household": 5_000, "publication_inspection": 5_000, "media_placement": 3_000, "circular": 2_000,
        "problem_lead": 2_000, "discipline_action": 1_500, "tech_mayor_group": 4, "area_assignment": 30,
    ]

    static func count(kind: LedgerKind, year: Int, world: DemoWorld) -> Int {
        let large = world.scale.isLarge
        switch kind.id {
        case "enterprise": return world.enterprises.filter { $0.registeredYear == year }.count
        case "village_income":
            let poor = world.poorVillages.count
            return large ? world.villages.count : poor + (world.villages.count - poor + 7) / 11
        case "inspection_round": return large ? 6 : 4
        case "accident": return (year < world.today.year - 1 ? 9 : year < world.today.year ? 7 : 5) * (large ? 4 : 1)
        default: break
        }
        let small = smallCounts[kind.id] ?? 8
        switch world.scale {
        case .small: return small
        case .large: return largeCounts[kind.id] ?? small * 20
        case .tenThousand, .hundredThousand, .tenMillion:
            return max(small, Int((Double(largeCounts[kind.id] ?? small * 20) * world.scale.fraction).rounded()))
        }
    }

    // MARK: - What the figures need

    /// Values the first records of a kind take, so every figure of ledger-map.md has data in
    /// both years. Keys starting with `_` steer the maker (workflow state, round, deaths).
    static func variants(kind: String, year: Int, world: DemoWorld) -> [[String: String]] {
        let lastYear = year < world.today.year
        func times(_ n: Int, _ v: [String: String]) -> [[String: String]] { Array(repeating: v, count: n) }
        switch kind {
        case "rectification":
            var list: [[String: String]] = []
            // The standing committee's own findings: all closed within the year (清零销号).
            let closedState = lastYear ? "closed_in_year" : "closed"
            list += times(2, ["source": "上级点评", "subject": "区委常委班子", "_state": closedState])
            list += times(2, ["source": "自我查摆", "subject": "区委常委班子", "_state": closedState])
            list.append(["source": "自我查摆", "subject": "区委常委班子", "_state": lastYear ? "closed_in_year" : "open"])
            // Environmental inspection feedback in every state at the year's end.
            let env = lastYear ? ["closed_in_year", "closed_next_year", "requested_at_year_end", "closed_in_year", "open", "closed_next_year"]
                               : ["closed", "requested", "open", "closed", "open", "pending"]
            for (i, state) in env.enumerated() {
                list.append(["source": i < 3 ? "中央生态环境保护督察" : "省生态环境保护督察", "_state": state])
            }
            // 国务院/省/市督导 items: all closed in the previous year (整改率100%), most this year.
            let supervision = lastYear ? Array(repeating: "closed_in_year", count: 6) : ["closed", "closed", "closed", "open", "closed", "requested"]
            for (i, state) in supervision.enumerated() {
                list.append(["source": ["国务院督导", "省督导", "市督导"][i / 2], "_state": state])
            }
            // Items of the 提级巡察 rounds, closed ahead of their time-proportional progress.
            for (r, round) in (world.rounds[year] ?? []).enumerated() where round.items > 0 {
                for k in 0..<round.items { list.append(["source": "提级巡察", "_round": String(r), "_k": String(k)]) }
            }
            list += [["_state": "overdue"], ["_state": "behind"], ["_ext": "1", "_state": lastYear ? "closed_in_year" : "open"]]
            return list
        case "hazard":
            return lastYear
                ? [["_state": "overdue"], ["_state": "overdue"], ["level": "重大隐患", "_state": "closed_in_year"], ["_ext": "1", "_state": "closed_in_year"],
                   ["_state": "closed_next_year"]]
                : [["level": "重大隐患", "_state": "open"], ["level": "重大隐患", "_state": "closed"], ["_state": "overdue"], ["_state": "behind"],
                   ["_state": "pending"], ["_state": "requested"], ["_ext": "1", "_state": "open"], ["_state": "closed"]]
        case "meeting":
            return times(2, ["body": "常委会", "kind": "专题研究", "topic_system": "党风廉政建设"])
                + times(2, ["body": "常委会", "kind": "专题研究", "topic_system": "安全生产"])
                + [["body": "常委会", "kind": "专题学习", "topic_system": "巡视巡察"],
                   ["body": "中心组学习", "kind": "专题学习", "topic_system": "安全生产"],
                   ["body": "中心组学习", "kind": "专题学习", "topic_system": "意识形态"]]
        case "responsibility_item":
            return times(3, ["system": "基层党建", "tags": "主题教育"])
                + [["system": "党风廉政建设"], ["system": "意识形态"], ["system": "安全生产"]]
        case "fulfilment":
            return times(2, ["subject": "领导班子", "system": "党风廉政建设"]) + times(3, ["subject": "班子成员", "system": "党风廉政建设"])
        case "circular":
            return [["type": "专题", "topic": "作风"], ["type": "专题", "topic": "四风"], ["type": "专题", "topic": "安全生产"],
                    ["type": "典型案例", "topic": "四风"], ["type": "综合", "topic": "作风"]]
        case "honour":
            return [["level": "国家", "honour_title": "全国先进工作者", "honoree_type": "个人"], ["level": "省", "honoree_type": "个人"],
                    ["level": "省", "honoree_type": "集体"], ["level": "市", "honoree_type": "个人"], ["level": "市", "honoree_type": "集体"]]
        case "secretary_project":
            return [["level": "区委书记"], ["level": "基层党（工）委"], ["level": "基层党（工）委"]]
        case "joint_vetting": return [["purpose": "退役军人选拔"], ["purpose": "村干部招录"]]
        case "hightech_certification": return times(2, ["certification": "首次认定"])
        case "rd_centre": return times(2, ["level": "市"]) + [["level": "省"]]
        case "talent_award":
            return times(2, ["programme": "双创人才", "level": "省"]) + times(2, ["programme": "三带", "level": "省"])
        case "talent_application": return times(2, ["urgent": "是"])
        case "discipline_action":
            return [["form": "第一种形态"], ["form": "第二种形态"], ["form": "第三种形态"], ["form": "第四种形态"],
                    ["form": "第二种形态", "measure": "党内警告", "problem_type": "整改不力"]]
        case "discipline_case":
            return times(2, ["category": "群众身边腐败和作风问题"]) + times(2, ["category": "四风"])
        case "conduct_problem": return ["不作为", "慢作为", "乱作为", "假作为"].map { ["type": $0] }
        case "accountability": return [["target_type": "党组织"], ["target_type": "个人"]]
        case "livelihood_result": return ["问题楼盘", "农房改善", "城区幼儿园", "制度"].map { ["category": $0] }
        case "problem_lead": return ["谈话函询", "初步核实", "暂存待查", "予以了结"].map { ["disposal": $0, "_early": "1"] }
        case "inspection_round":
            return (world.rounds[year] ?? []).enumerated().map { ["name": $1.name, "type": $1.type, "_round": String($0)] }
        case "media_placement": return ["中央", "省", "市"].map { ["level": $0] }
        case "ideology_position":
            return times(2, ["category": "新时代文明实践阵地", "tier": "所", "_upgrade": "1"])
                + times(2, ["category": "新时代文明实践阵地", "tier": "站", "_upgrade": "1"])
                + times(2, ["category": "新时代文明实践阵地", "tier": "点"])
        case "publication_inspection":
            return times(2, ["business_type": "出版物经营单位"]) + times(2, ["business_type": "印刷企业"])
        case "publication_case": return times(2, ["case_type": "行政案件", "_closed": "1", "_early": "1"])
        case "campaign_outcome":
            return times(3, ["campaign": DemoText.textileCampaign]) + times(3, ["campaign": DemoText.demoCityCampaign])
        case "accident":
            // Fewer accidents year on year, none 较大 or above (deaths stay under 3).
            return lastYear ? [["_deaths": "1"], ["_deaths": "2"], ["_deaths": "2"], ["_deaths": "1"]] : [["_deaths": "1"]]
        case "enforcement_inspection":
            return [["outcome": "责令停产整顿"], ["outcome": "立案处罚"], ["campaign": DemoText.textileCampaign]]
        case "online_opinion": return [["_early": "1"], ["_early": "1"]]
        default: return []
        }
    }

    // MARK: - One record

    mutating func make(index: Int) -> Made {
        self.index = index
        v = [:]
        ent = nil
        placeTown = nil
        placeVillage = nil
        placeDepartment = nil
        wf = nil
        variant = index < variants.count ? variants[index] : [:]
        if kind.id == "enterprise", index < registerOfYear.count { useEnterprise(registerOfYear[index]) }
        if kind.id == "village_income", !incomeVillages.isEmpty {
            let village = incomeVillages[index % incomeVillages.count]
            placeVillage = village
            placeTown = village.parentID.flatMap { world.byID[$0] }
        }
        date = mainDate()
        if let f = kind.dateField, kind.field(f)?.type == .date { v[f] = .date(date) }
        for key in variant.keys.sorted() where !key.hasPrefix("_") {
            if let f = kind.field(key), case .success(let value?) = f.parse(variant[key]!) { v[key] = value }
        }
        if kind.fields.contains(where: { ["enterprise_name", "enterprise_code", "credit_code"].contains($0.id) }) { _ = enterprise() }
        let passes: [[FieldType]] = [[.enumeration, .boolean], [.integer, .decimal, .money], [.unit, .person], [.date], [.text, .longText]]
        for (n, types) in passes.enumerated() {
            if n == 3, kind.workflow { planWorkflow() }
            // The 备注 every kind gets (`LedgerKind.noteSpec`) stays empty: the demo's data stays as it was.
            for f in kind.fields where types.contains(f.type) && v[f.id] == nil && f != LedgerKind.noteSpec {
                if let s = special(f) {
                    if let value = s { v[f.id] = value }
                } else if let value = generic(f, force: false) {
                    v[f.id] = value
                }
            }
        }
        for f in kind.fields where f.required && f.type != .attachments && v[f.id] == nil {
            v[f.id] = generic(f, force: true)
        }
        let unitID = ownUnit()
        var status = "", closedOn: String?, workflow = "{}"
        var steps: [Step] = []
        if let wf {
            status = wf.state.rawValue
            closedOn = wf.closedOn?.iso
            steps = wf.steps
            var data = WorkflowData()
            data.extensions = wf.extensions
            if wf.state == .closureRequested, let r = wf.requestedOn {
                data.closure = .init(requester: world.clerkUser.id, at: time(r, 16), description: "已按整改措施完成整改，申请销号", evidence: 0)
            }
            workflow = data.closure == nil ? Self.workflowJSON[min(wf.extensions, 2)] : data.encoded()
        }
        return Made(unitID: unitID, values: v, date: date, status: status, openedOn: date.iso, closedOn: closedOn,
                    workflow: workflow, createdAt: time(date, 9), steps: steps)
    }

    static let workflowJSON: [String] = (0...2).map { n in
        var data = WorkflowData()
        data.extensions = n
        return data.encoded()
    }

    /// An instant on `day` at about `hour` o'clock China time, never after now.
    mutating func time(_ day: LocalDate, _ hour: Int) -> Date {
        let seconds = day.dayNumber * 86_400 + (hour - 8) * 3_600 + rng.int(0...3_599)
        return min(Date(timeIntervalSince1970: TimeInterval(seconds)), now)
    }

    mutating func day(in fraction: ClosedRange<Double>) -> LocalDate {
        let span = first.days(until: last)
        let lo = Int(Double(span) * fraction.lowerBound), hi = Int(Double(span) * fraction.upperBound)
        return first.adding(days: rng.int(lo...max(lo, hi)))
    }

    var round: DemoWorld.Round? {
        guard let r = variant["_round"].flatMap(Int.init), let rounds = world.rounds[year], r < rounds.count else { return nil }
        return rounds[r]
    }

    mutating func mainDate() -> LocalDate {
        if let round { return kind.id == "inspection_round" ? round.started : round.feedback }
        switch kind.id {
        case "responsibility_item": return day(in: 0.0...0.2)
        case "village_income":
            if year < today.year || today.month == 1 { return last }
            return LocalDate(year: today.year, month: today.month, day: 1)!.adding(days: -1)
        default:
            let early = ["behind", "overdue", "closed_in_year", "closed_next_year", "requested_at_year_end"]
            if early.contains(variant["_state"] ?? "") || variant["_early"] != nil || variant["_upgrade"] != nil {
                return day(in: 0.0...0.45)
            }
            return day(in: 0.0...1.0)
        }
    }
}
