import Fluent
import Foundation
import LvzeCore
import Vapor

/// One record of a ledger kind (台账记录).
package final class LedgerRecord: Model, @unchecked Sendable {
    package static let schema = "records"

    @ID(custom: .id, generatedBy: .database) package var id: Int?
    @Field(key: "kind") package var kind: String
    @Parent(key: "unit_id") package var unit: OrgUnit
    @Field(key: "title") package var title: String
    @Field(key: "record_date") package var recordDate: String
    @Field(key: "year") package var year: Int
    /// The rectification state's raw value, or empty for kinds without the workflow.
    @Field(key: "status") package var status: String
    @Field(key: "opened_on") package var openedOn: String
    @OptionalField(key: "due_date") package var dueDate: String?
    @OptionalField(key: "closed_on") package var closedOn: String?
    @OptionalField(key: "progress") package var progress: Int?
    @OptionalField(key: "amount") package var amount: Double?
    /// The kind's fields as a JSON object.
    @Field(key: "data") package var data: String
    /// Pending close-out and extension requests and the extension count, as JSON.
    @Field(key: "workflow") package var workflow: String
    @Field(key: "created_by") package var createdBy: Int
    @Timestamp(key: "created_at", on: .create) package var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) package var updatedAt: Date?
    @Field(key: "version") package var version: Int
    /// The values of the kind's first enum and yes/no fields (`LedgerKind.filterSlots`), indexed.
    @OptionalField(key: "f1") package var f1: String?
    @OptionalField(key: "f2") package var f2: String?
    @OptionalField(key: "f3") package var f3: String?
    // The daily loop's columns (`RecordWatch`).
    @OptionalField(key: "behind_on") package var behindOn: String?
    @Field(key: "awaiting") package var awaiting: String
    @OptionalField(key: "source") package var source: String?
    @OptionalField(key: "system") package var system: String?
    @Field(key: "reminded") package var reminded: Int

    package init() {}

    package var state: RectificationState? { RectificationState(rawValue: status) }
}

/// One line of a record's history: who changed what, when.
package final class RecordEvent: Model, @unchecked Sendable {
    package static let schema = "record_events"

    @ID(custom: .id, generatedBy: .database) package var id: Int?
    @Field(key: "record_id") package var recordID: Int
    @Field(key: "at") package var at: Date
    @OptionalField(key: "user_id") package var userID: Int?
    @Field(key: "username") package var username: String
    @Field(key: "action") package var action: String
    /// JSON object: field id → [before, after] as display text.
    @Field(key: "changes") package var changes: String
    @Field(key: "note") package var note: String

    package init() {}
}

/// An evidence file, stored under the data folder by its SHA-256.
package final class Attachment: Model, @unchecked Sendable {
    package static let schema = "attachments"

    @ID(custom: .id, generatedBy: .database) package var id: Int?
    @OptionalField(key: "record_id") package var recordID: Int?
    @Field(key: "field_id") package var fieldID: String
    @Field(key: "sha256") package var sha256: String
    @Field(key: "name") package var name: String
    @Field(key: "size") package var size: Int
    @Field(key: "mime") package var mime: String
    @Field(key: "uploaded_by") package var uploadedBy: Int
    @Field(key: "uploaded_at") package var uploadedAt: Date

    package init() {}
}

/// A ledger kind an administrator added from a page, kept as its JSON definition.
package final class CustomKind: Model, @unchecked Sendable {
    package static let schema = "custom_kinds"

    @ID(custom: "id", generatedBy: .user) package var id: String?
    @Field(key: "definition") package var definition: String
    @Field(key: "created_by") package var createdBy: Int
    @Timestamp(key: "created_at", on: .create) package var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) package var updatedAt: Date?

    package init() {}
}
