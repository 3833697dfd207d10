import Fluent
import SQLKit

/// 考责: a year's assessment of the units below a unit on one responsibility system, its
/// 考评细则 kept as the YAML the administrator of the year edits (`assessments`); each unit's
/// self-assessment and the group's score per reviewed indicator (`assessment_entries`, one row
/// per assessment, unit and indicator); the evidence files of a self-assessment
/// (`assessment_evidence`, stored like attachments, by hash). Published results are kept
/// whole with their hash in `assessments.results`. 述职评议 sessions, their speakers and the
/// evaluators' ratings and comments (`review_*`), each comment linked to the rectification
/// record it became.
struct M012_Assessments: AsyncMigration {
    var name: String { "012_assessments" }

    func prepare(on db: any Database) async throws {
        try await db.schema("assessments")
            .field(.id, .int, .identifier(auto: true))
            .field("unit_id", .int, .required, .references("units", .id, onDelete: .restrict))
            .field("year", .int, .required)
            .field("system", .string, .required)
            .field("assessed", .string, .required)
            .field("title", .string, .required)
            .field("rules", .string, .required)
            .field("state", .string, .required)
            .field("self_deadline", .string, .required)
            .field("created_by", .int, .required)
            .field("created_at", .datetime, .required)
            .field("results", .string)
            .field("sha256", .string)
            .field("published_at", .datetime)
            .field("published_by", .int)
            .field("frozen_at", .datetime)
            .field("frozen_by", .int)
            .create()
        try await db.sql.raw("CREATE UNIQUE INDEX assessments_key_idx ON assessments (unit_id, year, system, assessed)").run()

        try await db.schema("assessment_entries")
            .field(.id, .int, .identifier(auto: true))
            .field("assessment_id", .int, .required, .references("assessments", .id, onDelete: .cascade))
            .field("unit_id", .int, .required, .references("units", .id, onDelete: .restrict))
            .field("indicator_id", .string, .required)
            .field("self_score", .string)
            .field("self_note", .string, .required, .sql(.default("")))
            .field("self_by", .int)
            .field("self_at", .datetime)
            .field("review_score", .string)
            .field("review_reason", .string, .required, .sql(.default("")))
            .field("reviewed_by", .int)
            .field("reviewed_at", .datetime)
            .create()
        try await db.sql.raw("""
            CREATE UNIQUE INDEX assessment_entries_key_idx ON assessment_entries (assessment_id, unit_id, indicator_id)
            """).run()

        try await db.schema("assessment_evidence")
            .field(.id, .int, .identifier(auto: true))
            .field("entry_id", .int, .required, .references("assessment_entries", .id, onDelete: .restrict))
            .field("sha256", .string, .required)
            .field("name", .string, .required)
            .field("size", .int, .required)
            .field("mime", .string, .required)
            .field("uploaded_by", .int, .required)
            .field("uploaded_at", .datetime, .required)
            .create()
        try await db.sql.raw("CREATE INDEX assessment_evidence_entry_idx ON assessment_evidence (entry_id)").run()

        // 述职评议: a session where named secretaries report, the evaluators' ratings and
        // 点评意见, and the rectification item each comment became.
        try await db.schema("review_sessions")
            .field(.id, .int, .identifier(auto: true))
            .field("unit_id", .int, .required, .references("units", .id, onDelete: .restrict))
            .field("year", .int, .required)
            .field("system", .string, .required)
            .field("title", .string, .required)
            .field("held_on", .string, .required)
            .field("state", .string, .required)
            .field("created_by", .int, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await db.schema("review_speakers")
            .field(.id, .int, .identifier(auto: true))
            .field("session_id", .int, .required, .references("review_sessions", .id, onDelete: .cascade))
            .field("unit_id", .int, .required, .references("units", .id, onDelete: .restrict))
            .field("name", .string, .required)
            .field("position", .string, .required)
            .field("sort_order", .int, .required)
            .create()
        try await db.sql.raw("CREATE INDEX review_speakers_session_idx ON review_speakers (session_id, sort_order)").run()
        try await db.schema("review_ratings")
            .field(.id, .int, .identifier(auto: true))
            .field("speaker_id", .int, .required, .references("review_speakers", .id, onDelete: .cascade))
            .field("evaluator_id", .int, .required)
            .field("evaluator_name", .string, .required)
            .field("rating", .string, .required)
            .field("comment", .string, .required)
            .field("rated_at", .datetime, .required)
            .field("record_id", .int)
            .create()
        try await db.sql.raw("CREATE UNIQUE INDEX review_ratings_key_idx ON review_ratings (speaker_id, evaluator_id)").run()
    }

    func revert(on db: any Database) async throws {
        for table in ["review_ratings", "review_speakers", "review_sessions", "assessment_evidence", "assessment_entries", "assessments"] {
            try await db.schema(table).delete()
        }
    }
}
