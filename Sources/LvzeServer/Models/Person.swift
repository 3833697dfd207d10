import Fluent
import LvzeCore
import Vapor

/// A person the ledgers speak of (人员): cadres, secretaries, members.
final class Person: Model, @unchecked Sendable {
    static let schema = "persons"

    @ID(custom: .id, generatedBy: .database) var id: Int?
    /// The unit that keeps this person's file; it decides who may see the person.
    @Parent(key: "unit_id") var unit: OrgUnit
    @Field(key: "name") var name: String
    @Field(key: "gender") var gender: String
    @OptionalField(key: "birth_date") var birthDate: String?
    @OptionalField(key: "education") var education: String?
    @OptionalField(key: "political_status") var politicalStatus: String?
    @OptionalField(key: "origin") var origin: String?
    @Field(key: "phone") var phone: String
    @Field(key: "note") var note: String
    @Children(for: \.$person) var positions: [Position]
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}
}

/// A position held (任职): who held which post in which unit, from when to when.
final class Position: Model, @unchecked Sendable {
    static let schema = "positions"

    @ID(custom: .id, generatedBy: .database) var id: Int?
    @Parent(key: "person_id") var person: Person
    @Parent(key: "unit_id") var unit: OrgUnit
    @Field(key: "post") var post: String
    @Field(key: "title") var title: String
    @Field(key: "start_on") var startOn: String
    @OptionalField(key: "end_on") var endOn: String?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}

    var postKind: Post { Post(rawValue: post) ?? .other }

    /// Whether the position was held on `date` (both ends inclusive).
    func held(on date: LocalDate) -> Bool {
        startOn <= date.iso && (endOn.map { $0 >= date.iso } ?? true)
    }
}
