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

    private struct Workflow {
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
    private var rng: DemoDistrict.Random
    private let variants: [[String: String]]
    private let registerOfYear: [DemoWorld.Enterprise]
    private let incomeVillages: [DemoWorld.Unit]

    // The record being made.
    private var index = 0
    private var v: [String: FieldValue] = [:]
    private var date: LocalDate
    private var variant: [String: String] = [:]
    private var ent: DemoWorld.Enterprise?
    private var placeTown: DemoWorld.Unit?
    private var placeVillage: DemoWorld.Unit?
    private var placeDepartment: DemoWorld.Unit?
    private var wf: Workflow?

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
        incomeVillages = world.poorVillages + (world.scale == .large ? others : others.enumerated().filter { $0.offset % 11 == 3 }.map(\.element))
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
        let large = world.scale == .large
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
        case .tenThousand, .hundredThousand:
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
            for f in kind.fields where types.contains(f.type) && v[f.id] == nil {
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

    private static let workflowJSON: [String] = (0...2).map { n in
        var data = WorkflowData()
        data.extensions = n
        return data.encoded()
    }

    /// An instant on `day` at about `hour` o'clock China time, never after now.
    private mutating func time(_ day: LocalDate, _ hour: Int) -> Date {
        let seconds = day.dayNumber * 86_400 + (hour - 8) * 3_600 + rng.int(0...3_599)
        return min(Date(timeIntervalSince1970: TimeInterval(seconds)), now)
    }

    private mutating func day(in fraction: ClosedRange<Double>) -> LocalDate {
        let span = first.days(until: last)
        let lo = Int(Double(span) * fraction.lowerBound), hi = Int(Double(span) * fraction.upperBound)
        return first.adding(days: rng.int(lo...max(lo, hi)))
    }

    private var round: DemoWorld.Round? {
        guard let r = variant["_round"].flatMap(Int.init), let rounds = world.rounds[year], r < rounds.count else { return nil }
        return rounds[r]
    }

    private mutating func mainDate() -> LocalDate {
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

    // MARK: - Helpers

    private func s(_ id: String) -> String {
        if case .text(let t)? = v[id] { return t }
        return ""
    }
    private func int(_ id: String) -> Int? {
        if case .integer(let i)? = v[id] { return i }
        return nil
    }
    private func dateValue(_ id: String) -> LocalDate? {
        if case .date(let d)? = v[id] { return d }
        return nil
    }
    private func decimalValue(_ id: String) -> Double? {
        v[id]?.decimalValue.map { NSDecimalNumber(decimal: $0).doubleValue }
    }

    private mutating func name() -> String { String(rng.pick(DemoDistrict.surnames)) + rng.pick(DemoDistrict.givenNames) }
    private mutating func names(_ n: Int) -> String {
        var out: [String] = []
        while out.count < max(1, n) {
            let x = name()
            if !out.contains(x) { out.append(x) }
        }
        return out.joined(separator: "、")
    }
    private mutating func pick(_ items: [String]) -> String { rng.pick(items) }
    private mutating func weighted(_ items: [(String, Int)]) -> String {
        var x = rng.int(0...(items.reduce(0) { $0 + $1.1 } - 1))
        for (item, w) in items {
            if x < w { return item }
            x -= w
        }
        return items[0].0
    }
    private mutating func phone() -> String { "13\(rng.int(100_000_000...999_999_999))" }

    private mutating func town() -> DemoWorld.Unit {
        if let placeTown { return placeTown }
        let t = world.towns.isEmpty ? world.root : rng.pick(world.towns)
        placeTown = t
        return t
    }
    private mutating func village() -> DemoWorld.Unit {
        if let placeVillage { return placeVillage }
        let t = town()
        let list = world.villagesByTown[t.id] ?? world.villages
        let vil = list.isEmpty ? t : rng.pick(list)
        placeVillage = vil
        return vil
    }
    private mutating func useEnterprise(_ e: DemoWorld.Enterprise) {
        ent = e
        if placeTown == nil { placeTown = world.byID[e.townID] }
    }
    private mutating func enterprise() -> DemoWorld.Enterprise {
        if let ent { return ent }
        var e = rng.pick(world.enterprises)
        if kind.system == .party {
            // Talent and innovation records name companies, not shops.
            for _ in 0..<12 where !e.name.hasSuffix("公司") { e = rng.pick(world.enterprises) }
        }
        if let placeTown, !rng.chance(0.2), kind.system != .party {
            // Prefer an enterprise of the record's own town.
            for _ in 0..<8 where e.townID != placeTown.id { e = rng.pick(world.enterprises) }
        }
        useEnterprise(e)
        return e
    }
    private func shortName(_ e: DemoWorld.Enterprise) -> String {
        var n = e.name
        for suffix in ["股份有限公司", "有限责任公司", "有限公司"] where n.hasSuffix(suffix) { n = String(n.dropLast(suffix.count)); break }
        return n
    }
    private mutating func department() -> DemoWorld.Unit {
        if let placeDepartment { return placeDepartment }
        let d = world.departments.isEmpty ? world.root : rng.pick(world.departments)
        placeDepartment = d
        return d
    }
    private mutating func post() -> String {
        switch rng.int(0...2) {
        case 0: return "\(town().name)\(pick(DemoText.townPosts))"
        case 1: return "\(village().name)\(pick(DemoText.villagePosts))"
        default: return "\(department().name)\(pick(["副主任", "科长", "副科长", "干部", "股长"]))"
        }
    }
    private mutating func text(_ template: String) -> String {
        var out = template
        if out.contains("{town}") { out = out.replacingOccurrences(of: "{town}", with: town().name) }
        if out.contains("{village}") { out = out.replacingOccurrences(of: "{village}", with: "\(town().name)\(village().name)") }
        if out.contains("{enterprise}") { out = out.replacingOccurrences(of: "{enterprise}", with: enterprise().name) }
        if out.contains("{dept}") { out = out.replacingOccurrences(of: "{dept}", with: department().name) }
        if out.contains("{name}") { out = out.replacingOccurrences(of: "{name}", with: name()) }
        if out.contains("{river}") { out = out.replacingOccurrences(of: "{river}", with: pick(DemoText.rivers)) }
        if out.contains("{system}") {
            let sys = s("system")
            out = out.replacingOccurrences(of: "{system}", with: sys.isEmpty ? "全面从严治党" : sys)
        }
        return out
    }
    private mutating func sentences(_ system: LedgerSystem, _ n: Int = 2) -> String {
        let list = DemoText.sentences[system.rawValue] ?? DemoText.sentences["common"]!
        var out: [String] = []
        for _ in 0..<n {
            let x = pick(list)
            if !out.contains(x) { out.append(x) }
        }
        return out.joined(separator: "；") + "。"
    }
    /// A decimal between `lo` and `hi` with `places` decimals.
    private mutating func number(_ lo: Double, _ hi: Double, _ places: Int = 2) -> FieldValue {
        let scale = pow(10.0, Double(places))
        let units = rng.int(Int((lo * scale).rounded())...max(Int((lo * scale).rounded()), Int((hi * scale).rounded())))
        return .decimal(Decimal(sign: .plus, exponent: -places, significand: Decimal(units)))
    }
    private mutating func after(_ d: LocalDate, _ days: ClosedRange<Int>) -> FieldValue? {
        let x = d.adding(days: rng.int(days))
        return x <= today ? .date(x) : nil
    }
    private func docNo(_ prefix: String) -> String { "\(prefix)〔\(year)〕\(index + 1)号" }

    // MARK: - Generic values, from the field's type

    private static let endingDates: Set<String> = ["closed_on", "dissolved_on", "disbanded_on", "repealed_on", "ended_on", "end_on"]
    private static let personTexts: Set<String> = [
        "leader", "lecturer", "secretary", "inspector", "principal", "safety_manager", "chair", "visitor", "acceptor", "guide",
        "manager", "householder", "speaker", "approver", "assisted_by", "member", "honoree", "borrower", "party_name",
        "reported_person", "target_name", "responsible_person", "person_name",
    ]
    private static let organiserTexts: Set<String> = [
        "organiser", "issuer", "decided_by", "handled_by", "awarding_body", "sent_by", "host", "operator", "lead_department",
        "department", "participants", "departments",
    ]

    private mutating func generic(_ f: FieldSpec, force: Bool) -> FieldValue? {
        if f.type == .attachments { return nil }
        if !f.required, !force {
            if f.type == .date, Self.endingDates.contains(f.id) {
                if !rng.chance(0.08) { return nil }
            } else if !rng.chance(0.85) {
                return nil
            }
        }
        func bound(_ d: Decimal?) -> Double? { d.map { NSDecimalNumber(decimal: $0).doubleValue } }
        switch f.type {
        case .text: return .text(genericText(f))
        case .creditCode: return .text(enterprise().code)
        case .longText: return .text(genericLongText(f))
        case .enumeration: return f.values.isEmpty ? nil : .text(pick(f.values))
        case .boolean: return .boolean(rng.chance(0.5))
        case .integer:
            if f.id == "year" { return .integer(year) }
            var range: ClosedRange<Int> = 1...20
            let id = f.id
            if ["people", "members", "trainees", "attendees", "audience", "surveyed"].contains(where: id.contains) { range = 5...80 }
            else if id.contains("households") { range = 5...30 }
            else if id.contains("count") { range = 1...12 }
            else if id.contains("days") { range = 1...7 }
            else if id.contains("capacity") { range = 30...200 }
            else if id.contains("months") { range = 12...36 }
            let lo = max(range.lowerBound, bound(f.min).map { Int($0.rounded(.up)) } ?? Int.min)
            let hi = min(range.upperBound, bound(f.max).map { Int($0.rounded(.down)) } ?? Int.max)
            if lo > hi { return .integer(bound(f.min).map { Int($0.rounded(.up)) } ?? 0) }
            return .integer(rng.int(lo...hi))
        case .decimal, .money:
            var lo = 1.0, hi = 100.0
            if f.type == .money { (lo, hi) = f.moneyScale == .tenThousandYuan ? (1, 300) : (1_000, 200_000) }
            if f.id.contains("satisfaction") || f.id.contains("rate") { (lo, hi) = (85, 99.5) }
            else if f.id.contains("area") { (lo, hi) = (50, 3_000) }
            if let m = bound(f.min) { lo = max(lo, m) }
            if let m = bound(f.max) { hi = min(hi, m) }
            if lo > hi { lo = hi }
            return number(lo, hi, min(f.decimals, f.type == .money && f.moneyScale == .yuan ? 0 : 2))
        case .date:
            if f.id == kind.dateField { return .date(date) }
            if let x = after(date, 1...60) { return x }
            return force ? .date(min(date.adding(days: 1), today)) : nil
        case .unit: return .reference(unit(kinds: f.unitKinds))
        case .person: return world.persons.isEmpty ? nil : .reference(world.persons[rng.int(0...(world.persons.count - 1))].id)
        case .attachments: return nil
        }
    }

    /// A unit for a unit field: of the allowed kinds, near the record's town where possible.
    private mutating func unit(kinds: [UnitKind]) -> Int {
        if kinds.isEmpty { return rng.chance(0.5) ? town().id : department().id }
        if kinds.contains(.village) { return village().id }
        if kinds.contains(.town) { return town().id }
        if kinds.contains(where: \.isPartyOrganisation) {
            let t = town()
            let near = world.partyOrgs.filter { kinds.contains($0.kind) && $0.code.hasPrefix(t.code) }
            let all = near.isEmpty ? world.partyOrgs.filter { kinds.contains($0.kind) } : near
            if !all.isEmpty { return rng.pick(all).id }
        }
        if kinds.contains(.enterprise) {
            if let id = enterprise().unitID { return id }
            if !world.enterpriseUnits.isEmpty { return rng.pick(world.enterpriseUnits).id }
        }
        if kinds.contains(.department), !world.departments.isEmpty { return department().id }
        let all = world.all.filter { kinds.contains($0.kind) }
        return all.isEmpty ? world.root.id : rng.pick(all).id
    }

    private var kindStem: String {
        var n = kind.name
        if n.hasSuffix("台账") { n = String(n.dropLast(2)) }
        return n
    }

    private mutating func genericText(_ f: FieldSpec) -> String {
        let id = f.id
        if Self.personTexts.contains(id) || id.hasSuffix("_person") || id.hasSuffix("person_name") { return name() }
        if id == kind.titleField { return "\(town().name)\(kindStem)事项（\(year)-\(index + 1)）" }
        if id.contains("inspectors") || id == "names" || id == "persons" { return names(2) }
        if id.contains("position") || id.hasSuffix("_post") { return post() }
        if id.contains("credit_code") || id.hasSuffix("enterprise_code") { return enterprise().code }
        if id.contains("enterprise") || ["business_name", "applicant", "employer"].contains(id) { return enterprise().name }
        if id.hasSuffix("_no") { return docNo("示") }
        if id.contains("phone") { return phone() }
        if id.contains("address") || id.contains("location") || id == "venue" { return "\(town().name)\(village().name)" }
        if id == "link" { return "https://www.example.cn/demo/\(year)/\(index + 1)" }
        if Self.organiserTexts.contains(id) { return department().name }
        return "\(f.label)：\(pick(DemoText.sentences["common"]!))"
    }

    private mutating func genericLongText(_ f: FieldSpec) -> String {
        if f.id == kind.titleField { return "\(town().name)\(kindStem)：\(sentences(kind.system, 1))" }
        if Self.personTexts.contains(f.id) || f.id == "persons" || f.id == "names" { return names(rng.int(1...3)) }
        return sentences(kind.system, rng.int(1...3))
    }
}

// MARK: - Workflow

extension DemoRecordMaker {
    private enum Outcome {
        case pending
        case progress
        case requested(LocalDate)
        case closed(LocalDate, requested: LocalDate?)
    }

    /// The state, deadline, progress and history of a workflow record: last year's items
    /// mostly closed, this year's in every state, some overdue, some behind their
    /// time-proportional progress, a few extended; `_state` in a variant fixes the outcome.
    private mutating func planWorkflow() {
        let f = date
        let lastYear = f.year < today.year
        let yearEnd = LocalDate(year: f.year, month: 12, day: 31)!
        let source = s("source")
        let env = source.hasSuffix("生态环境保护督察")
        var period: Int
        if kind.id == "hazard" { period = s("level") == "重大隐患" ? rng.int(60...150) : rng.int(7...60) }
        else if env { period = rng.int(240...540) }
        else { period = rng.int(30...180) }
        var deadline = f.adding(days: period)
        var state = variant["_state"] ?? "auto"
        var outcome = Outcome.progress
        var forcedProgress: Int?

        func closeDay(_ rng: inout DemoDistrict.Random) -> LocalDate {
            f.adding(days: rng.int(max(1, period * 3 / 10)...max(2, period * 115 / 100)))
        }

        if let round, let k = variant["_k"].flatMap(Int.init) {
            deadline = round.deadline
            let cutoff = min(yearEnd, today)
            let elapsed = RectificationSchedule(created: round.feedback, deadline: round.deadline).expectedProgress(on: cutoff)
            let closedCount = min(round.items, Int((Double(round.items) * min(1.0, Double(elapsed) / 100 + 0.2)).rounded(.up)))
            if k < closedCount {
                let latest = max(f, min(cutoff, round.deadline))
                let earliest = min(latest, f.adding(days: 10))
                outcome = .closed(earliest.adding(days: rng.int(0...earliest.days(until: latest))), requested: nil)
                state = "-"
            } else {
                state = lastYear ? "closed_next_year" : (deadline > today ? "open" : "requested")
            }
        }
        if state == "closed_next_year" || state == "requested_at_year_end", !lastYear { state = "closed" }
        if state == "auto" {
            // Supervision items are closed within their year (整改率100%); environmental
            // inspection items run to long deadlines and are rectified on plan (按计划), never overdue.
            if lastYear, ["国务院督导", "省督导", "市督导"].contains(source) { state = "closed_in_year" }
            if env {
                deadline = max(deadline, yearEnd.adding(days: rng.int(60...300)), today.adding(days: rng.int(30...200)))
                period = f.days(until: deadline)
            }
        }
        switch state {
        case "-": break
        case "closed_in_year":
            let latest = max(f, min(yearEnd, today, max(deadline, f.adding(days: 5))))
            let earliest = min(latest, f.adding(days: 5))
            outcome = .closed(earliest.adding(days: rng.int(0...earliest.days(until: latest))), requested: nil)
        case "closed_next_year":
            if deadline <= yearEnd { deadline = yearEnd.adding(days: rng.int(20...120)) }
            let room = max(1, min(90, yearEnd.days(until: today)))
            outcome = .closed(min(today, yearEnd.adding(days: rng.int(1...room))), requested: nil)
        case "requested_at_year_end":
            if deadline <= yearEnd { deadline = yearEnd.adding(days: rng.int(30...120)) }
            let requested = max(f, yearEnd.adding(days: -rng.int(0...15)))
            outcome = .closed(min(today, yearEnd.adding(days: rng.int(5...25))), requested: requested)
        case "closed": outcome = .closed(min(today, closeDay(&rng)), requested: nil)
        case "requested": outcome = .requested(max(f, today.adding(days: -rng.int(0...10))))
        case "open":
            deadline = max(deadline, today.adding(days: rng.int(20...150)))
            let expected = RectificationSchedule(created: f, deadline: deadline).expectedProgress(on: today)
            forcedProgress = min(95, max(5, expected + rng.int(0...15)))
        case "behind":
            deadline = max(today.adding(days: rng.int(15...60)), f.adding(days: 30))
            let expected = RectificationSchedule(created: f, deadline: deadline).expectedProgress(on: today)
            forcedProgress = max(0, expected - rng.int(20...40))
        case "overdue":
            if deadline >= today { deadline = max(f, today.adding(days: -rng.int(1...30))) }
            forcedProgress = rng.int(4...16) * 5
        case "pending": outcome = .pending
        default:
            let x = rng.int(0...99)
            if lastYear {
                if x < 90 { outcome = .closed(min(today, closeDay(&rng)), requested: nil) }
                else if x < 93 { outcome = .requested(max(f, today.adding(days: -rng.int(0...20)))) }
            } else if f.days(until: today) < 7 {
                if x < 40 { outcome = .pending }
            } else if x < 50 {
                let c = closeDay(&rng)
                if c <= today { outcome = .closed(c, requested: nil) }
            } else if x < 58 {
                outcome = .requested(f.adding(days: rng.int(f.days(until: today) / 2...f.days(until: today))))
            } else if x >= 96 {
                outcome = .pending
            }
        }

        // The history: started, progress, extension, closure request, approval, in date order.
        var lines: [(LocalDate, String, String, String, Bool)] = []
        var progress = 0
        var requestedOn: LocalDate?
        var closedOn: LocalDate?
        var stateNow = RectificationState.pending
        var end = today
        switch outcome {
        case .pending: break
        case .progress:
            let expected = RectificationSchedule(created: f, deadline: deadline).expectedProgress(on: today)
            progress = forcedProgress ?? min(95, max(5, (expected + rng.int(-35...20)) / 5 * 5))
            stateNow = .inProgress
        case .requested(let r):
            progress = 100
            requestedOn = r
            end = r
            stateNow = .closureRequested
        case .closed(let c, let r):
            progress = 100
            closedOn = c
            requestedOn = min(c, r ?? max(f, c.adding(days: -rng.int(1...6))))
            end = requestedOn!
            stateNow = .closed
        }
        var extensions = 0
        if stateNow != .pending {
            let started = min(f.adding(days: rng.int(0...3)), end)
            lines.append((started, RectificationEventKind.started.rawValue, #"{"status":["待整改","整改中"]}"#, "", false))
            var reported = 0
            if started < end, rng.chance(0.6) || stateNow == .inProgress {
                let mid = started.adding(days: max(0, started.days(until: end)) / 2)
                reported = stateNow == .inProgress ? progress : rng.int(6...16) * 5
                if reported > 0 {
                    lines.append((mid, RectificationEventKind.progressRecorded.rawValue, #"{"progress":["0","\#(reported)"]}"#,
                                  "完成阶段性整改任务", false))
                }
            }
            if variant["_ext"] != nil || rng.chance(0.07) {
                var old = deadline.adding(days: -rng.int(30...90))
                if old >= end { old = end.adding(days: -rng.int(1...10)) }
                if old > f.adding(days: 5) {
                    let asked = max(started, old.adding(days: -rng.int(3...15)))
                    let granted = min(old, asked.adding(days: rng.int(1...3)))
                    if asked <= granted, granted <= end {
                        extensions = variant["_ext"] == nil && rng.chance(0.2) ? 2 : 1
                        lines.append((asked, RectificationEventKind.extensionRequested.rawValue, "{}", "涉及资金筹措和工程施工，申请延长整改时限", false))
                        lines.append((granted, RectificationEventKind.extensionApproved.rawValue,
                                      #"{"deadline":["\#(old.iso)","\#(deadline.iso)"]}"#, "同意延期", true))
                    }
                }
            }
            if let r = requestedOn {
                if reported < 100 {
                    lines.append((r, RectificationEventKind.progressRecorded.rawValue, #"{"progress":["\#(reported)","100"]}"#, "整改完成", false))
                }
                lines.append((r, RectificationEventKind.closureRequested.rawValue, #"{"status":["整改中","申请销号"]}"#,
                              "已按整改措施完成整改，申请销号", false))
            }
            if let c = closedOn {
                lines.append((c, RectificationEventKind.closureApproved.rawValue, #"{"status":["申请销号","已销号"]}"#,
                              "经核查整改到位，同意销号", true))
            }
        }
        var steps: [Step] = []
        var previous: LocalDate?
        var sameDay = 0
        for line in lines.enumerated().sorted(by: { ($0.element.0, $0.offset) < ($1.element.0, $1.offset) }).map(\.element) {
            sameDay = line.0 == previous ? sameDay + 1 : 0
            previous = line.0
            steps.append(Step(at: time(line.0, 10 + min(sameDay, 12)), action: line.1, changes: line.2, note: line.3, reviewer: line.4))
        }
        v["deadline"] = .date(deadline)
        v["progress"] = .integer(progress)
        wf = Workflow(state: stateNow, progress: progress, deadline: deadline, closedOn: closedOn, requestedOn: requestedOn,
                      extensions: extensions, steps: steps)
    }
}

// MARK: - Kind by kind

extension DemoRecordMaker {
    /// The value of a field where the kind needs one that fits the figures or the rest of the
    /// record: `nil` leaves the field to `generic`, `.some(nil)` leaves it empty.
    private mutating func special(_ f: FieldSpec) -> FieldValue?? {
        let none: FieldValue?? = .some(nil)
        func t(_ text: String) -> FieldValue?? { .some(.text(text)) }
        func n(_ i: Int) -> FieldValue?? { .some(.integer(i)) }
        func d(_ x: LocalDate?) -> FieldValue?? { .some(x.map { .date($0) }) }
        let lastYear = year < today.year
        switch (kind.id, f.id) {

        // 综合
        case ("rectification", "source"):
            var sources: [(String, Int)] = [("巡察", 20), ("检查发现", 20), ("督导", 8), ("群众反映", 12), ("上级点评", 4), ("自我查摆", 10),
                                            ("督察", 6), ("巡视", 3), ("其他", 5), ("省生态环境保护督察", 2), ("中央生态环境保护督察", 1)]
            if world.scale == .large { sources += [("国务院督导", 1), ("省督导", 2), ("市督导", 3)] }
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

        // 基层党建
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

        // 党风廉政建设
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

        // 意识形态
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

        // 安全生产
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

        // Shared by several kinds.
        case (_, "responsible_person"): return t(name())
        case (_, "phone"): return t(phone())
        default: return nil
        }
    }

    // MARK: - The record's own unit

    /// The unit a record belongs to (责任单位): one that fits the kind and the record.
    private mutating func ownUnit() -> Int {
        // A record about a village belongs to it.
        for f in kind.fields where f.type == .unit && f.unitKinds == [.village] {
            if case .reference(let id)? = v[f.id] { return id }
        }
        switch kind.id {
        case "rectification":
            switch s("subject") {
            case "区委常委班子", "区委": return world.committee.id
            case "部门":
                switch s("source") {
                case "国务院督导", "省督导", "市督导", "督导", "检查发现": return world.department("YJJ").id
                case "中央生态环境保护督察", "省生态环境保护督察": return world.department("ZFB").id
                default: return department().id
                }
            case "村社区": return village().id
            case "企业": return enterprise().unitID ?? town().id
            default: return town().id
            }
        case "meeting":
            switch s("body") {
            case "常委会", "中心组学习": return world.committee.id
            case "党组会": return department().id
            default: return rng.chance(0.7) ? town().id : department().id
            }
        case "responsibility_item", "fulfilment":
            let x = rng.int(0...9)
            return x < 4 ? world.committee.id : (x < 6 ? department().id : town().id)
        case "circular":
            switch s("topic") {
            case "作风", "四风", "党风廉政": return world.department("JW").id
            case "安全生产": return world.department("YJJ").id
            case "意识形态": return world.department("XCB").id
            case "基层党建": return world.department("ZZB").id
            default: return world.department("BGS").id
            }
        case "honour", "joint_vetting", "training_class", "party_course", "hightech_certification", "rd_centre", "talent_award",
             "talent_application", "tech_mayor_group", "patent_assist", "rd_platform", "secretary_project":
            return rng.chance(0.4) ? world.department("ZZB").id : town().id
        case "teaching_site", "centre_household", "responsibility_zone": return village().id
        case "commando_team": return town().id
        case "inspection_round", "area_assignment": return world.committee.id
        case "inspection_revisit", "livelihood_result": return world.department("JW").id
        case "ideology_position":
            switch s("tier") {
            case "所": return town().id
            case "站", "点": return village().id
            default: return world.department("XCB").id
            }
        case "media_placement", "online_opinion", "network_risk_assessment", "event_filing":
            return rng.chance(0.5) ? world.department("XCB").id : town().id
        case "enterprise", "risk_point", "hazard": return enterprise().unitID ?? (rng.chance(0.5) ? village().id : town().id)
        case "enforcement_inspection": return rng.chance(0.5) ? world.department("YJJ").id : town().id
        case "suspension_order": return world.department("YJJ").id
        case "accident": return town().id
        case "campaign_outcome": return s("campaign") == DemoText.textileCampaign || rng.chance(0.4) ? world.department("YJJ").id : town().id
        default: break
        }
        if kind.sensitive { return rng.chance(0.75) ? world.department("JW").id : town().id }
        switch kind.system {
        case .party: return rng.chance(0.3) ? world.department("ZZB").id : (rng.chance(0.5) ? village().id : town().id)
        case .integrity: return rng.chance(0.5) ? world.department("JW").id : town().id
        case .ideology: return rng.chance(0.5) ? world.department("XCB").id : town().id
        case .safety: return rng.chance(0.3) ? world.department("YJJ").id : (enterprise().unitID ?? town().id)
        case .common: return rng.chance(0.3) ? world.department("BGS").id : town().id
        }
    }
}
