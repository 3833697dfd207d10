import Fluent
import Foundation

/// A report template kept in the database, edited on the template page.
final class ReportTemplateRow: Model, @unchecked Sendable {
    static let schema = "report_templates"

    @ID(custom: .id, generatedBy: .database) var id: Int?
    @Field(key: "name") var name: String
    @Field(key: "body") var body: String
    /// The unit that owns it: its scope edits it, everyone below may use it.
    @OptionalField(key: "unit_id") var unitID: Int?
    @Field(key: "updated_by") var updatedBy: String
    @Field(key: "updated_at") var updatedAt: Date

    init() {}
}

/// An issued report: what it said and which records stood behind each figure, frozen.
final class ReportSnapshot: Model, @unchecked Sendable {
    static let schema = "report_snapshots"

    @ID(custom: .id, generatedBy: .database) var id: Int?
    @Parent(key: "unit_id") var unit: OrgUnit
    @Field(key: "year") var year: Int
    @Field(key: "title") var title: String
    @Field(key: "template_name") var templateName: String
    @Field(key: "template_body") var templateBody: String
    /// JSON object: setting key → value.
    @Field(key: "settings") var settings: String
    /// JSON object: metric id → MetricValue.
    @Field(key: "metric_values") var metricValues: String
    /// JSON object: metric id → record ids behind it.
    @Field(key: "record_ids") var recordIDs: String
    @Field(key: "sha256") var sha256: String
    @Field(key: "issued_by") var issuedBy: Int
    @Field(key: "issued_by_name") var issuedByName: String
    @Field(key: "issued_at") var issuedAt: Date

    init() {}
}
