import Fluent
import LvzeCore
import Vapor

/// A node of the organisation tree (单位/组织).
final class OrgUnit: Model, @unchecked Sendable {
    static let schema = "units"

    @ID(custom: .id, generatedBy: .database) var id: Int?
    @Field(key: "code") var code: String
    @Field(key: "name") var name: String
    @Field(key: "kind") var kind: String
    @OptionalParent(key: "parent_id") var parent: OrgUnit?
    @Field(key: "path") var path: String
    @Field(key: "depth") var depth: Int
    @OptionalField(key: "founded_on") var foundedOn: String?
    @OptionalField(key: "dissolved_on") var dissolvedOn: String?
    @Field(key: "sort_order") var sortOrder: Int
    @Field(key: "note") var note: String
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}

    var unitKind: UnitKind { UnitKind(rawValue: kind) ?? .other }
    var unitPath: UnitPath { UnitPath(path) }
    var isDissolved: Bool { dissolvedOn != nil }
}

/// A dated flag on a unit (后进, 软弱涣散, 低收入村, 经济薄弱村): set on one day, cleared on another.
final class UnitFlag: Model, @unchecked Sendable {
    static let schema = "unit_flags"

    @ID(custom: .id, generatedBy: .database) var id: Int?
    @Parent(key: "unit_id") var unit: OrgUnit
    @Field(key: "flag") var flag: String
    @Field(key: "set_on") var setOn: String
    @Field(key: "set_reason") var setReason: String
    @OptionalField(key: "cleared_on") var clearedOn: String?
    @Field(key: "cleared_note") var clearedNote: String
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}

    var kind: UnitFlagKind { UnitFlagKind(rawValue: flag) ?? .weak }
}

extension QueryBuilder where Model == OrgUnit {
    /// Units inside `path`'s subtree (the unit itself included): one indexed range.
    func within(_ path: UnitPath) -> Self {
        self.filter(\.$path >= path.value).filter(\.$path < path.subtreeUpperBound)
    }
}

extension OrgUnit {
    /// "东城街道 · 杨庙社区": a unit named with its parent, since village names repeat across towns.
    static func qualifiedNames(_ units: [OrgUnit], on db: any Database) async throws -> [Int: String] {
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
