import Fluent
import Foundation
import LvzeCore
import Vapor

/// One record of a ledger kind (台账记录).
final class LedgerRecord: Model, @unchecked Sendable {
    static let schema = "records"

    @ID(custom: .id, generatedBy: .database) var id: Int?
    @Field(key: "kind") var kind: String
    @Parent(key: "unit_id") var unit: OrgUnit
    @Field(key: "title") var title: String
    @Field(key: "record_date") var recordDate: String
    @Field(key: "year") var year: Int
    /// The rectification state's raw value, or empty for kinds without the workflow.
    @Field(key: "status") var status: String
    @Field(key: "opened_on") var openedOn: String
    @OptionalField(key: "due_date") var dueDate: String?
    @OptionalField(key: "closed_on") var closedOn: String?
    @OptionalField(key: "progress") var progress: Int?
    @OptionalField(key: "amount") var amount: Double?
    /// The kind's fields as a JSON object.
    @Field(key: "data") var data: String
    /// Pending close-out and extension requests and the extension count, as JSON.
    @Field(key: "workflow") var workflow: String
    @Field(key: "created_by") var createdBy: Int
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?
    @Field(key: "version") var version: Int
    /// The values of the kind's first enum and yes/no fields (`LedgerKind.filterSlots`), indexed.
    @OptionalField(key: "f1") var f1: String?
    @OptionalField(key: "f2") var f2: String?
    @OptionalField(key: "f3") var f3: String?

    init() {}

    var state: RectificationState? { RectificationState(rawValue: status) }
}

/// One line of a record's history: who changed what, when.
final class RecordEvent: Model, @unchecked Sendable {
    static let schema = "record_events"

    @ID(custom: .id, generatedBy: .database) var id: Int?
    @Field(key: "record_id") var recordID: Int
    @Field(key: "at") var at: Date
    @OptionalField(key: "user_id") var userID: Int?
    @Field(key: "username") var username: String
    @Field(key: "action") var action: String
    /// JSON object: field id → [before, after] as display text.
    @Field(key: "changes") var changes: String
    @Field(key: "note") var note: String

    init() {}
}

/// An evidence file, stored under the data folder by its SHA-256.
final class Attachment: Model, @unchecked Sendable {
    static let schema = "attachments"

    @ID(custom: .id, generatedBy: .database) var id: Int?
    @OptionalField(key: "record_id") var recordID: Int?
    @Field(key: "field_id") var fieldID: String
    @Field(key: "sha256") var sha256: String
    @Field(key: "name") var name: String
    @Field(key: "size") var size: Int
    @Field(key: "mime") var mime: String
    @Field(key: "uploaded_by") var uploadedBy: Int
    @Field(key: "uploaded_at") var uploadedAt: Date

    init() {}
}

/// A ledger kind an administrator added from a page, kept as its JSON definition.
final class CustomKind: Model, @unchecked Sendable {
    static let schema = "custom_kinds"

    @ID(custom: "id", generatedBy: .user) var id: String?
    @Field(key: "definition") var definition: String
    @Field(key: "created_by") var createdBy: Int
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}
}
