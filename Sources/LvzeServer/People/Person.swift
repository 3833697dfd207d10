import Fluent
import LvzeCore
import Vapor

/// A person the ledgers speak of (人员): cadres, secretaries, members.
package final class Person: Model, @unchecked Sendable {
    package static let schema = "persons"

    @ID(custom: .id, generatedBy: .database) package var id: Int?
    /// The unit that keeps this person's file; it decides who may see the person.
    @Parent(key: "unit_id") package var unit: OrgUnit
    @Field(key: "name") package var name: String
    @Field(key: "gender") package var gender: String
    @OptionalField(key: "birth_date") package var birthDate: String?
    @OptionalField(key: "education") package var education: String?
    @OptionalField(key: "political_status") package var politicalStatus: String?
    @OptionalField(key: "origin") package var origin: String?
    @Field(key: "phone") package var phone: String
    @Field(key: "note") package var note: String
    @Children(for: \.$person) package var positions: [Position]
    @Timestamp(key: "created_at", on: .create) package var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) package var updatedAt: Date?

    package init() {}
}

/// A position held (任职): who held which post in which unit, from when to when.
package final class Position: Model, @unchecked Sendable {
    package static let schema = "positions"

    @ID(custom: .id, generatedBy: .database) package var id: Int?
    @Parent(key: "person_id") package var person: Person
    @Parent(key: "unit_id") package var unit: OrgUnit
    @Field(key: "post") package var post: String
    @Field(key: "title") package var title: String
    @Field(key: "start_on") package var startOn: String
    @OptionalField(key: "end_on") package var endOn: String?
    @Timestamp(key: "created_at", on: .create) package var createdAt: Date?

    package init() {}

    package var postKind: Post { Post(rawValue: post) ?? .other }

    /// Whether the position was held on `date` (both ends inclusive).
    package func held(on date: LocalDate) -> Bool {
        startOn <= date.iso && (endOn.map { $0 >= date.iso } ?? true)
    }
}
