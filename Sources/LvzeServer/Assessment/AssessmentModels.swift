import Fluent
import Foundation
import LvzeCore

/// A year's assessment (考核) of the towns or departments below `unit` on one responsibility
/// system, with the 考评细则 it is scored by and where it stands.
final class Assessment: Model, @unchecked Sendable {
    static let schema = "assessments"

    @ID(custom: .id, generatedBy: .database) var id: Int?
    /// The unit that assesses (the district); the assessed are its towns or departments.
    @Parent(key: "unit_id") var unit: OrgUnit
    @Field(key: "year") var year: Int
    /// `LedgerSystem`'s raw value.
    @Field(key: "system") var system: String
    /// `AssessedUnits`' raw value.
    @Field(key: "assessed") var assessed: String
    @Field(key: "title") var title: String
    /// The 考评细则 as YAML, the administrator's copy of the shipped file.
    @Field(key: "rules") var rules: String
    /// `AssessmentState`'s raw value.
    @Field(key: "state") var state: String
    /// The last day of self-assessment, YYYY-MM-DD.
    @Field(key: "self_deadline") var selfDeadline: String
    @Field(key: "created_by") var createdBy: Int
    @Field(key: "created_at") var createdAt: Date
    /// `AssessmentResults` as JSON, kept when published: what the 公示 and every later view show.
    @OptionalField(key: "results") var results: String?
    /// SHA-256 of the rules and the results, kept with them.
    @OptionalField(key: "sha256") var sha256: String?
    @OptionalField(key: "published_at") var publishedAt: Date?
    @OptionalField(key: "published_by") var publishedBy: Int?
    @OptionalField(key: "frozen_at") var frozenAt: Date?
    @OptionalField(key: "frozen_by") var frozenBy: Int?

    init() {}

    var stage: AssessmentState { AssessmentState(rawValue: state) ?? .open }
    var ledgerSystem: LedgerSystem { LedgerSystem(rawValue: system) ?? .common }
    var assessedUnits: AssessedUnits { AssessedUnits(rawValue: assessed) ?? .towns }
}

/// Where an assessment stands: units self-assess, the group reviews, the results are
/// published (公示) and then frozen (定档), after which nothing about it changes.
enum AssessmentState: String, CaseIterable, Sendable, Codable {
    case open, review, published, frozen

    var label: String {
        switch self {
        case .open: return "自评中"
        case .review: return "评审中"
        case .published: return "公示中"
        case .frozen: return "已定档"
        }
    }

    /// Scores, reviews and rules may still change.
    var isEditable: Bool { self == .open || self == .review }
}

/// One unit's self-assessment and the group's score on one reviewed indicator (or a 加分/扣分
/// item the group sets). Scores are kept as decimal text, as entered.
final class AssessmentEntry: Model, @unchecked Sendable {
    static let schema = "assessment_entries"

    @ID(custom: .id, generatedBy: .database) var id: Int?
    @Field(key: "assessment_id") var assessmentID: Int
    @Field(key: "unit_id") var unitID: Int
    @Field(key: "indicator_id") var indicatorID: String
    @OptionalField(key: "self_score") var selfScore: String?
    @Field(key: "self_note") var selfNote: String
    @OptionalField(key: "self_by") var selfBy: Int?
    @OptionalField(key: "self_at") var selfAt: Date?
    @OptionalField(key: "review_score") var reviewScore: String?
    @Field(key: "review_reason") var reviewReason: String
    @OptionalField(key: "reviewed_by") var reviewedBy: Int?
    @OptionalField(key: "reviewed_at") var reviewedAt: Date?

    init() {}

    var review: AssessmentReview? {
        guard let text = reviewScore, let score = Decimal(string: text) else { return nil }
        return AssessmentReview(score: score, reason: reviewReason)
    }
}

/// A file a unit gave as evidence of a self-assessed indicator (会议纪要, 责任书…), stored by
/// hash in the attachment store.
final class AssessmentEvidence: Model, @unchecked Sendable {
    static let schema = "assessment_evidence"

    @ID(custom: .id, generatedBy: .database) var id: Int?
    @Field(key: "entry_id") var entryID: Int
    @Field(key: "sha256") var sha256: String
    @Field(key: "name") var name: String
    @Field(key: "size") var size: Int
    @Field(key: "mime") var mime: String
    @Field(key: "uploaded_by") var uploadedBy: Int
    @Field(key: "uploaded_at") var uploadedAt: Date

    init() {}
}
