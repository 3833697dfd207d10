import LvzeServer
import SQLKit
import FluentSQL
import Foundation
import LvzeCore

// MARK: - Kind by kind

extension DemoRecordMaker {
    /// The value of a field where the kind needs one that fits the figures or the rest of the
    /// record: `nil` leaves the field to `generic`, `.some(nil)` leaves it empty. Each system's
    /// kinds have their own file; fields that many kinds share come last.
    mutating func special(_ f: FieldSpec) -> FieldValue?? {
        if let v = specialGeneral(f) { return v }
        if let v = specialParty(f) { return v }
        if let v = specialIntegrity(f) { return v }
        if let v = specialIdeology(f) { return v }
        if let v = specialSafety(f) { return v }
        switch f.id {
        case "responsible_person": return t(name())
        case "phone": return t(phone())
        default: return nil
        }
    }

    // The words of the kind-by-kind files.
    var none: FieldValue?? { .some(nil) }
    func t(_ text: String) -> FieldValue?? { .some(.text(text)) }
    func n(_ i: Int) -> FieldValue?? { .some(.integer(i)) }
    func d(_ x: LocalDate?) -> FieldValue?? { .some(x.map { .date($0) }) }
    var lastYear: Bool { year < today.year }


    // MARK: - The record's own unit

    /// The unit a record belongs to (责任单位): one that fits the kind and the record.
    mutating func ownUnit() -> Int {
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
