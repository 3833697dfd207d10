import LvzeServer
import SQLKit
import FluentSQL
import Foundation
import LvzeCore

extension DemoRecordMaker {
    // MARK: - Helpers

    func s(_ id: String) -> String {
        if case .text(let t)? = v[id] { return t }
        return ""
    }
    func int(_ id: String) -> Int? {
        if case .integer(let i)? = v[id] { return i }
        return nil
    }
    func dateValue(_ id: String) -> LocalDate? {
        if case .date(let d)? = v[id] { return d }
        return nil
    }
    func decimalValue(_ id: String) -> Double? {
        v[id]?.decimalValue.map { NSDecimalNumber(decimal: $0).doubleValue }
    }

    mutating func name() -> String { String(rng.pick(DemoDistrict.surnames)) + rng.pick(DemoDistrict.givenNames) }
    mutating func names(_ n: Int) -> String {
        var out: [String] = []
        while out.count < max(1, n) {
            let x = name()
            if !out.contains(x) { out.append(x) }
        }
        return out.joined(separator: "、")
    }
    mutating func pick(_ items: [String]) -> String { rng.pick(items) }
    mutating func weighted(_ items: [(String, Int)]) -> String {
        var x = rng.int(0...(items.reduce(0) { $0 + $1.1 } - 1))
        for (item, w) in items {
            if x < w { return item }
            x -= w
        }
        return items[0].0
    }
    mutating func phone() -> String { "13\(rng.int(100_000_000...999_999_999))" }

    mutating func town() -> DemoWorld.Unit {
        if let placeTown { return placeTown }
        let t = world.towns.isEmpty ? world.root : rng.pick(world.towns)
        placeTown = t
        return t
    }
    mutating func village() -> DemoWorld.Unit {
        if let placeVillage { return placeVillage }
        let t = town()
        let list = world.villagesByTown[t.id] ?? world.villages
        let vil = list.isEmpty ? t : rng.pick(list)
        placeVillage = vil
        return vil
    }
    mutating func useEnterprise(_ e: DemoWorld.Enterprise) {
        ent = e
        if placeTown == nil { placeTown = world.byID[e.townID] }
    }
    mutating func enterprise() -> DemoWorld.Enterprise {
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
    func shortName(_ e: DemoWorld.Enterprise) -> String {
        var n = e.name
        for suffix in ["股份有限公司", "有限责任公司", "有限公司"] where n.hasSuffix(suffix) { n = String(n.dropLast(suffix.count)); break }
        return n
    }
    mutating func department() -> DemoWorld.Unit {
        if let placeDepartment { return placeDepartment }
        let d = world.departments.isEmpty ? world.root : rng.pick(world.departments)
        placeDepartment = d
        return d
    }
    mutating func post() -> String {
        switch rng.int(0...2) {
        case 0: return "\(town().name)\(pick(DemoText.townPosts))"
        case 1: return "\(village().name)\(pick(DemoText.villagePosts))"
        default: return "\(department().name)\(pick(["副主任", "科长", "副科长", "干部", "股长"]))"
        }
    }
    mutating func text(_ template: String) -> String {
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
    mutating func sentences(_ system: LedgerSystem, _ n: Int = 2) -> String {
        let list = DemoText.sentences[system.rawValue] ?? DemoText.sentences["common"]!
        var out: [String] = []
        for _ in 0..<n {
            let x = pick(list)
            if !out.contains(x) { out.append(x) }
        }
        return out.joined(separator: "；") + "。"
    }
    /// A decimal between `lo` and `hi` with `places` decimals.
    mutating func number(_ lo: Double, _ hi: Double, _ places: Int = 2) -> FieldValue {
        let scale = pow(10.0, Double(places))
        let units = rng.int(Int((lo * scale).rounded())...max(Int((lo * scale).rounded()), Int((hi * scale).rounded())))
        return .decimal(Decimal(sign: .plus, exponent: -places, significand: Decimal(units)))
    }
    mutating func after(_ d: LocalDate, _ days: ClosedRange<Int>) -> FieldValue? {
        let x = d.adding(days: rng.int(days))
        return x <= today ? .date(x) : nil
    }
    func docNo(_ prefix: String) -> String { "\(prefix)〔\(year)〕\(index + 1)号" }

    // MARK: - Generic values, from the field's type

    static let endingDates: Set<String> = ["closed_on", "dissolved_on", "disbanded_on", "repealed_on", "ended_on", "end_on"]
    static let personTexts: Set<String> = [
        "leader", "lecturer", "secretary", "inspector", "principal", "safety_manager", "chair", "visitor", "acceptor", "guide",
        "manager", "householder", "speaker", "approver", "assisted_by", "member", "honoree", "borrower", "party_name",
        "reported_person", "target_name", "responsible_person", "person_name",
    ]
    static let organiserTexts: Set<String> = [
        "organiser", "issuer", "decided_by", "handled_by", "awarding_body", "sent_by", "host", "operator", "lead_department",
        "department", "participants", "departments",
    ]

    mutating func generic(_ f: FieldSpec, force: Bool) -> FieldValue? {
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
    mutating func unit(kinds: [UnitKind]) -> Int {
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

    var kindStem: String {
        var n = kind.name
        if n.hasSuffix("台账") { n = String(n.dropLast(2)) }
        return n
    }

    mutating func genericText(_ f: FieldSpec) -> String {
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

    mutating func genericLongText(_ f: FieldSpec) -> String {
        if f.id == kind.titleField { return "\(town().name)\(kindStem)：\(sentences(kind.system, 1))" }
        if Self.personTexts.contains(f.id) || f.id == "persons" || f.id == "names" { return names(rng.int(1...3)) }
        return sentences(kind.system, rng.int(1...3))
    }
}
