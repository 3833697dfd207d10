import Fluent
import LvzeCore
import Vapor

/// A node of the organisation tree (单位/组织).
package final class OrgUnit: Model, @unchecked Sendable {
    package static let schema = "units"

    @ID(custom: .id, generatedBy: .database) package var id: Int?
    @Field(key: "code") package var code: String
    @Field(key: "name") package var name: String
    @Field(key: "kind") package var kind: String
    @OptionalParent(key: "parent_id") package var parent: OrgUnit?
    @Field(key: "path") package var path: String
    @Field(key: "depth") package var depth: Int
    @OptionalField(key: "founded_on") package var foundedOn: String?
    @OptionalField(key: "dissolved_on") package var dissolvedOn: String?
    @Field(key: "sort_order") package var sortOrder: Int
    @Field(key: "note") package var note: String
    @Timestamp(key: "created_at", on: .create) package var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) package var updatedAt: Date?

    package init() {}

    package var unitKind: UnitKind { UnitKind(rawValue: kind) ?? .other }
    package var unitPath: UnitPath { UnitPath(path) }
    package var isDissolved: Bool { dissolvedOn != nil }
}

/// A dated flag on a unit (后进, 软弱涣散, 低收入村, 经济薄弱村): set on one day, cleared on another.
package final class UnitFlag: Model, @unchecked Sendable {
    package static let schema = "unit_flags"

    @ID(custom: .id, generatedBy: .database) package var id: Int?
    @Parent(key: "unit_id") package var unit: OrgUnit
    @Field(key: "flag") package var flag: String
    @Field(key: "set_on") package var setOn: String
    @Field(key: "set_reason") package var setReason: String
    @OptionalField(key: "cleared_on") package var clearedOn: String?
    @Field(key: "cleared_note") package var clearedNote: String
    @Timestamp(key: "created_at", on: .create) package var createdAt: Date?

    package init() {}

    package var kind: UnitFlagKind { UnitFlagKind(rawValue: flag) ?? .weak }
}

extension QueryBuilder where Model == OrgUnit {
    /// Units inside `path`'s subtree (the unit itself included): one indexed range.
    package func within(_ path: UnitPath) -> Self {
        self.filter(\.$path >= path.value).filter(\.$path < path.subtreeUpperBound)
    }
}

extension OrgUnit {
    /// "东城街道 · 杨庙社区": a unit named with its parent, since village names repeat across towns.
    package static func qualifiedNames(_ units: [OrgUnit], on db: any Database) async throws -> [Int: String] {
        let parentIDs = Array(Set(units.compactMap { $0.$parent.id }))
        var parents: [Int: String] = [:]
        for chunk in stride(from: 0, to: parentIDs.count, by: 500).map({ Array(parentIDs[$0..<min($0 + 500, parentIDs.count)]) }) {
            for p in try await OrgUnit.query(on: db).filter(\.$id ~~ chunk).all() { parents[p.id!] = p.name }
        }
        var out: [Int: String] = [:]
        for u in units {
            let kind = u.unitKind
            let qualify = kind == .village || kind.isPartyOrganisation || kind == .enterprise
            out[u.id!] = qualify ? (u.$parent.id.flatMap { parents[$0] }.map { "\($0) · \(u.name)" } ?? u.name) : u.name
        }
        return out
    }
}
