import Fluent
import Foundation
import LvzeCore

/// A 述职评议 session: named secretaries report to the unit above on a responsibility system,
/// and its evaluators rate each and write 点评意见.
final class ReviewSession: Model, @unchecked Sendable {
    static let schema = "review_sessions"

    @ID(custom: .id, generatedBy: .database) var id: Int?
    /// The unit that holds the session (the district).
    @Parent(key: "unit_id") var unit: OrgUnit
    @Field(key: "year") var year: Int
    /// `LedgerSystem`'s raw value.
    @Field(key: "system") var system: String
    @Field(key: "title") var title: String
    /// YYYY-MM-DD.
    @Field(key: "held_on") var heldOn: String
    /// `open` while evaluators rate; `closed` after.
    @Field(key: "state") var state: String
    @Field(key: "created_by") var createdBy: Int
    @Field(key: "created_at") var createdAt: Date

    init() {}

    var isOpen: Bool { state == "open" }
    var ledgerSystem: LedgerSystem { LedgerSystem(rawValue: system) ?? .party }
}

/// One secretary who reports, for their unit.
final class ReviewSpeaker: Model, @unchecked Sendable {
    static let schema = "review_speakers"

    @ID(custom: .id, generatedBy: .database) var id: Int?
    @Field(key: "session_id") var sessionID: Int
    @Field(key: "unit_id") var unitID: Int
    @Field(key: "name") var name: String
    @Field(key: "position") var position: String
    @Field(key: "sort_order") var sortOrder: Int

    init() {}
}

/// One evaluator's rating of one speaker, with the 点评意见 and the rectification record the
/// comment became (nil until then).
final class ReviewRating: Model, @unchecked Sendable {
    static let schema = "review_ratings"

    @ID(custom: .id, generatedBy: .database) var id: Int?
    @Field(key: "speaker_id") var speakerID: Int
    @Field(key: "evaluator_id") var evaluatorID: Int
    @Field(key: "evaluator_name") var evaluatorName: String
    /// `AssessmentGrade`'s raw value (好/较好/一般/差).
    @Field(key: "rating") var rating: String
    @Field(key: "comment") var comment: String
    @Field(key: "rated_at") var ratedAt: Date
    @OptionalField(key: "record_id") var recordID: Int?

    init() {}
}
