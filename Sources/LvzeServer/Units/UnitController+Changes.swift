import Fluent
import LvzeCore
import SQLKit
import Vapor

/// Moving a subtree, deleting a unit, and dated flags (软弱涣散 and the like).
extension UnitController {
    // MARK: - Move

    struct MoveContent: Encodable {
        var unit: UnitSummary
        var descendants: Int
        var targetCode: String
        var form: FormState
    }

    func movePage(req: Request) async throws -> Response {
        let p = try req.require(Self.writers)
        let unit = try await scopedUnit(req.parameters.get("id", as: Int.self), p, req)
        let count = try await OrgUnit.query(on: req.db).within(unit.unitPath).count() - 1
        return try await req.render("units/move", title: "移动单位",
                                    MoveContent(unit: summary(unit), descendants: count, targetCode: "", form: FormState()),
                                    section: SiteURL.system(.party).path)
    }

    struct MoveForm: Content { var target: String? }

    func move(req: Request) async throws -> Response {
        let p = try req.require(Self.writers)
        let unit = try await scopedUnit(req.parameters.get("id", as: Int.self), p, req)
        let form = try req.content.decode(MoveForm.self)
        let targetCode = (form.target ?? "").trimmingCharacters(in: .whitespaces)
        do {
            let target = try await UnitMover(db: req.db).checkTarget(code: targetCode, for: unit, scope: p.scope)
            let before = unit.snapshot
            let moved = try await req.db.transaction { tx in
                let n = try await UnitMover(db: tx).move(unit, under: target)
                try await req.audit(.move, "unit", String(unit.id!),
                                    "将「\(unit.name)」及其\(n - 1)个下级单位移至「\(target.name)」之下",
                                    before: before, after: unit.snapshot, on: tx)
                return n
            }
            return req.redirect(to: SiteURL.unit(unit.id!).path, flash: "已移动\(moved)个单位")
        } catch let failure as ValidationFailure {
            let count = try await OrgUnit.query(on: req.db).within(unit.unitPath).count() - 1
            return try await req.render("units/move", title: "移动单位",
                                        MoveContent(unit: summary(unit), descendants: count, targetCode: targetCode,
                                                    form: FormState(failure)),
                                        status: .unprocessableEntity, section: SiteURL.system(.party).path)
        }
    }

    // MARK: - Delete

    func delete(req: Request) async throws -> Response {
        let p = try req.require(Self.writers)
        let unit = try await scopedUnit(req.parameters.get("id", as: Int.self), p, req)
        if unit.id == p.unit.id || unit.$parent.id == nil {
            return req.redirect(to: SiteURL.unit(unit.id!).path, flash: "!不能删除本账号所属单位或根单位")
        }
        let readable = req.lvze.catalogue.catalogue.kinds.filter { p.hasAny(Array($0.readers)) }.map(\.id)
        if let blocker = try await unit.deletionBlocker(on: req.db, readable: readable) {
            return req.redirect(to: SiteURL.unit(unit.id!).path, flash: "!" + blocker)
        }
        let parentID = unit.$parent.id!
        try await req.db.transaction { tx in
            try await unit.delete(on: tx)
            try await req.audit(.delete, "unit", String(unit.id!), "删除单位「\(unit.name)」（\(unit.code)）",
                                before: unit.snapshot, on: tx)
        }
        return req.redirect(to: SiteURL.unit(parentID).path, flash: "已删除单位「\(unit.name)」")
    }

    // MARK: - Flags

    struct FlagForm: Content {
        var flag: String?
        var date: String?
        var reason: String?
    }

    func setFlag(req: Request) async throws -> Response {
        let p = try req.require(.clerk)
        let unit = try await scopedUnit(req.parameters.get("id", as: Int.self), p, req)
        let form = try req.content.decode(FlagForm.self)
        var errors: [FieldError] = []
        let kind = UnitFlagKind(rawValue: form.flag ?? "")
        if kind == nil { errors.append(.init("flag", "标记", "请选择")) }
        let date = try parseDate(form.date, "date", "认定日期", &errors)
        if date == nil, errors.allSatisfy({ $0.field != "date" }) { errors.append(.init("date", "认定日期", "不能为空")) }
        if let date, date > LocalDate(req.now) { errors.append(.init("date", "认定日期", "不能晚于今天")) }
        if let kind, try await UnitFlag.query(on: req.db).filter(\.$unit.$id == unit.id!)
            .filter(\.$flag == kind.rawValue).filter(\.$clearedOn == nil).count() > 0 {
            errors.append(.init("flag", "标记", "「\(unit.name)」已有未解除的「\(kind.label)」标记"))
        }
        if !errors.isEmpty { return try await renderShow(req, form: FormState(ValidationFailure(errors)), status: .unprocessableEntity) }
        let flag = UnitFlag()
        flag.$unit.id = unit.id!
        flag.flag = kind!.rawValue
        flag.setOn = date!.iso
        flag.setReason = (form.reason ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        flag.clearedNote = ""
        try await req.db.transaction { tx in
            try await flag.create(on: tx)
            try await req.audit(.flagSet, "unit", String(unit.id!), "认定「\(unit.name)」为\(kind!.label)（\(date!.iso)）", on: tx)
        }
        return req.redirect(to: SiteURL.unit(unit.id!).path, flash: "已标记为\(kind!.label)")
    }

    func clearFlag(req: Request) async throws -> Response {
        let p = try req.require(.clerk)
        let unit = try await scopedUnit(req.parameters.get("id", as: Int.self), p, req)
        guard let flagID = req.parameters.get("flagID", as: Int.self),
              let flag = try await UnitFlag.find(flagID, on: req.db), flag.$unit.id == unit.id else {
            throw Abort(.notFound)
        }
        let form = try req.content.decode(FlagForm.self)
        var errors: [FieldError] = []
        let date = try parseDate(form.date, "date", "\(flag.kind.clearedLabel)日期", &errors)
        if date == nil, errors.isEmpty { errors.append(.init("date", "\(flag.kind.clearedLabel)日期", "不能为空")) }
        if let date, date.iso < flag.setOn { errors.append(.init("date", "\(flag.kind.clearedLabel)日期", "不能早于认定日期\(flag.setOn)")) }
        if let date, date > LocalDate(req.now) { errors.append(.init("date", "\(flag.kind.clearedLabel)日期", "不能晚于今天")) }
        if flag.clearedOn != nil { errors.append(.init("date", "标记", "该标记已于\(flag.clearedOn!)解除")) }
        if !errors.isEmpty { return try await renderShow(req, form: FormState(ValidationFailure(errors)), status: .unprocessableEntity) }
        flag.clearedOn = date!.iso
        flag.clearedNote = (form.reason ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        try await req.db.transaction { tx in
            try await flag.update(on: tx)
            try await req.audit(.flagCleared, "unit", String(unit.id!),
                                "「\(unit.name)」\(flag.kind.label)标记\(flag.kind.clearedLabel)（\(date!.iso)）", on: tx)
        }
        return req.redirect(to: SiteURL.unit(unit.id!).path, flash: "已记录\(flag.kind.clearedLabel)")
    }
}

