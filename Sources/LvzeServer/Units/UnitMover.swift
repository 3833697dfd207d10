import Fluent
import FluentSQL
import Foundation
import LvzeCore
import SQLKit
import Vapor

/// A unit inside the principal's scope, or 404: out-of-scope units are not acknowledged.
func scopedUnit(_ id: Int?, _ p: Principal, _ req: Request) async throws -> OrgUnit {
    guard let id, let unit = try await OrgUnit.find(id, on: req.db), p.covers(unit) else {
        throw Abort(.notFound, reason: "单位不存在或不在您的权限范围内")
    }
    return unit
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}

/// Moves a subtree: one UPDATE rewrites every path under it.
struct UnitMover {
    let db: any Database

    func checkTarget(code: String, for unit: OrgUnit, scope: UnitPath) async throws -> OrgUnit {
        guard !code.isEmpty else { throw ValidationFailure([.init("target", "新的上级单位", "不能为空")]) }
        guard let target = try await OrgUnit.query(on: db).filter(\.$code == code).first(), scope.contains(target.unitPath) else {
            throw ValidationFailure([.init("target", "新的上级单位", "代码「\(code)」不存在或不在您的管理范围内")])
        }
        if unit.unitPath.contains(target.unitPath) {
            throw ValidationFailure([.init("target", "新的上级单位", "不能移到本单位或其下级单位之下")])
        }
        if unit.$parent.id == target.id {
            throw ValidationFailure([.init("target", "新的上级单位", "「\(target.name)」已经是它的上级单位")])
        }
        if target.isDissolved {
            throw ValidationFailure([.init("target", "新的上级单位", "「\(target.name)」已撤销")])
        }
        return target
    }

    /// Returns how many units moved (the unit and its descendants).
    func move(_ unit: OrgUnit, under target: OrgUnit) async throws -> Int {
        let old = unit.unitPath
        let new = target.unitPath.child(id: unit.id!)
        let delta = target.depth + 1 - unit.depth
        let count = try await OrgUnit.query(on: db).within(old).count()
        try await db.sql.raw("""
            UPDATE units SET path = \(bind: new.value) || substr(path, CAST(\(bind: old.value.count + 1) AS INTEGER)),
                depth = depth + \(bind: delta)
            WHERE path >= \(bind: old.value) AND path < \(bind: old.subtreeUpperBound)
            """).run()
        unit.$parent.id = target.id
        unit.path = new.value
        unit.depth += delta
        try await unit.update(on: db)
        return count
    }
}
