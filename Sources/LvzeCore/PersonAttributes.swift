/// Closed vocabularies for people (人员). Stored as the Chinese word itself: these are the
/// words of the ledgers and of Excel imports, and they never change meaning.
public enum Gender: String, CaseIterable, Codable, Sendable {
    case male = "男"
    case female = "女"
}

/// Education, ordered from lowest to highest so "大专及以上" is a comparison.
public enum Education: String, CaseIterable, Codable, Sendable, Comparable {
    case juniorOrBelow = "初中及以下"
    case highSchool = "高中（中专）"
    case college = "大专"
    case bachelor = "本科"
    case postgraduate = "研究生"

    public var rank: Int { Education.allCases.firstIndex(of: self)! }
    public static func < (a: Education, b: Education) -> Bool { a.rank < b.rank }
    public var isCollegeOrAbove: Bool { self >= .college }
}

public enum PoliticalStatus: String, CaseIterable, Codable, Sendable {
    case member = "中共党员"
    case probationary = "中共预备党员"
    case league = "共青团员"
    case democratic = "民主党派"
    case masses = "群众"
}

/// Where a village cadre came from; the report counts some origins separately.
public enum PersonOrigin: String, CaseIterable, Codable, Sendable {
    case local = "本村（社区）人员"
    case veteran = "退役军人"
    case townHired = "镇聘村官"
    case collegeGraduate = "大学生村官"
    case returnee = "返乡创业人员"
    case appointed = "上级选派"
    case other = "其他"
}

/// The post a position is, so "village party secretaries on 31 December" is a query.
public enum Post: String, CaseIterable, Codable, Sendable {
    case secretary
    case deputySecretary = "deputy_secretary"
    case committeeMember = "committee_member"
    case director
    case deputyDirector = "deputy_director"
    case member
    case other

    public var label: String {
        switch self {
        case .secretary: return "党组织书记"
        case .deputySecretary: return "党组织副书记"
        case .committeeMember: return "党组织委员"
        case .director: return "主任（负责人）"
        case .deputyDirector: return "副主任"
        case .member: return "委员（成员）"
        case .other: return "其他"
        }
    }
}
