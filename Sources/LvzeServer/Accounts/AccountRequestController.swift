import Fluent
import LvzeCore
import Vapor

/// Two-person changes to protected accounts: the system administrator asks (on the account
/// page), the security administrator approves or refuses. For a password reset each of them
/// sees one half of the new password, once; the account's owner needs both.
struct AccountRequestController {
    func boot(routes: any RoutesBuilder) {
        routes.post(.accountRequestApprove, use: approve)
        routes.post(.accountRequestRefuse, use: refuse)
    }

    /// A request as the account pages list it.
    struct Item: Encodable {
        var id: Int
        var action: String
        var detail: String
        var requestedBy: String
        var requestedAt: String
    }

    /// The pending requests about one account, or about every account in the scope.
    static func pending(_ req: Request, _ p: Principal, userID: Int? = nil) async throws -> [Item] {
        var query = AccountRequest.query(on: req.db).filter(\.$status == AccountRequest.Status.pending.rawValue)
        if let userID { query = query.filter(\.$userID == userID) }
        let rows = try await query.sort(\.$id).all()
        var items: [Item] = []
        for row in rows {
            guard let user = try await User.find(row.userID, on: req.db), let unit = try await OrgUnit.find(user.$unit.id, on: req.db),
                  p.covers(unit) else { continue }
            let requester = try await User.find(row.requestedBy, on: req.db)
            var detail = "账号「\(user.username)」（\(user.displayName)）"
            if row.kind == .move, let id = row.unitID, let target = try await OrgUnit.find(id, on: req.db) {
                detail += "调至「\(target.name)」"
            }
            items.append(Item(id: row.id!, action: row.kind?.label ?? row.action, detail: detail,
                              requestedBy: requester?.username ?? "#\(row.requestedBy)", requestedAt: ISOTime.local(row.requestedAt)))
        }
        return items
    }

    /// Files a request from the system administrator; a second identical pending one is not
    /// made. Returns the first half of the new password for a reset.
    static func file(_ action: AccountRequest.Action, for user: User, unitID: Int? = nil, req: Request, principal p: Principal) async throws -> String? {
        // A reset always makes a new request (below, it replaces the older one and its half).
        if action != .reset, try await AccountRequest.query(on: req.db).filter(\.$userID == user.id!)
            .filter(\.$action == action.rawValue).filter(\.$status == AccountRequest.Status.pending.rawValue).first() != nil {
            return nil
        }
        let request = AccountRequest()
        request.userID = user.id!
        request.action = action.rawValue
        request.unitID = unitID
        request.requestedBy = p.userID
        request.requestedAt = req.now
        request.status = AccountRequest.Status.pending.rawValue
        var part: String?
        if action == .reset {
            part = String(Secrets.password().prefix(8))
            request.part = part
        }
        try await req.db.transaction { tx in
            // A new reset replaces an older one still waiting: only the latest half is valid.
            if action == .reset {
                try await AccountRequest.query(on: tx).filter(\.$userID == user.id!).filter(\.$action == action.rawValue)
                    .filter(\.$status == AccountRequest.Status.pending.rawValue)
                    .set(\.$status, to: AccountRequest.Status.refused.rawValue).set(\.$part, to: nil).update()
            }
            try await request.create(on: tx)
            try await req.audit(.update, "user", String(user.id!), "申请\(action.label)：账号「\(user.username)」，待安全管理员审批", on: tx)
        }
        return part
    }

    struct Decided: Encodable {
        var message: String
        var secondHalf: String?
    }

    func approve(req: Request) async throws -> Response {
        let p = try req.require(.secadmin)
        let (request, user) = try await load(req, p)
        guard let action = request.kind else { throw Abort(.notFound, reason: "申请不存在") }
        var secondHalf: String?
        var summary = "批准\(action.label)：账号「\(user.username)」（申请人#\(request.requestedBy)）"
        switch action {
        case .reset:
            guard let first = request.part else { throw Abort(.conflict, reason: "该申请已失效，请系统管理员重新申请") }
            let second = Secrets.password()
            user.passwordHash = try await hashPassword(first + second, cost: req.lvze.configuration.bcryptCost, on: req)
            user.mustChangePassword = true
            user.passwordChangedAt = req.now
            user.lockedUntil = nil
            user.failedCount = 0
            req.lvze.loginThrottle.clear(username: user.username)
            secondHalf = second
        case .disable:
            user.disabled = true
        case .enable:
            user.disabled = false
        case .move:
            guard let id = request.unitID, let unit = try await OrgUnit.find(id, on: req.db), p.covers(unit) else {
                throw Abort(.unprocessableEntity, reason: "目标单位不存在或不在您的管理范围内")
            }
            user.$unit.id = id
            summary += "，调至「\(unit.name)」"
        }
        request.status = AccountRequest.Status.approved.rawValue
        request.part = nil
        request.decidedBy = p.userID
        request.decidedAt = req.now
        let before = user.snapshot
        let said = summary
        try await req.db.transaction { tx in
            try await user.update(on: tx)
            try await request.update(on: tx)
            if action != .enable {
                try await UserSession.query(on: tx).filter(\.$user.$id == user.id!).delete()
                try await APIToken.query(on: tx).filter(\.$user.$id == user.id!).filter(\.$revokedAt == nil)
                    .set(\.$revokedAt, to: req.now).update()
            }
            try await req.audit(action == .reset ? .passwordReset : .update, "user", String(user.id!), said,
                                before: before, after: user.snapshot, on: tx)
        }
        let message = action == .reset
            ? "已批准重置「\(user.username)」的密码。新密码由两段组成：前半段已在系统管理员申请时显示给其本人，后半段如下（只显示这一次）。两段分别交给账号本人，本人登录后须修改密码。"
            : "已批准\(action.label)：账号「\(user.username)」"
        return try await req.render("security/decided", title: "审批结果", Decided(message: message, secondHalf: secondHalf), section: Endpoint.admin.url().path)
    }

    func refuse(req: Request) async throws -> Response {
        let p = try req.require(.secadmin)
        let (request, user) = try await load(req, p)
        request.status = AccountRequest.Status.refused.rawValue
        request.part = nil
        request.decidedBy = p.userID
        request.decidedAt = req.now
        try await req.db.transaction { tx in
            try await request.update(on: tx)
            try await req.audit(.update, "user", String(user.id!), "拒绝\(request.kind?.label ?? request.action)：账号「\(user.username)」", on: tx)
        }
        return req.redirect(to: SiteURL.securityUser(user.id!).path, flash: "已拒绝该申请")
    }

    /// A pending request about an account in the approver's scope, never the approver's own.
    private func load(_ req: Request, _ p: Principal) async throws -> (AccountRequest, User) {
        guard let id = req.parameters.get("id", as: Int.self), let request = try await AccountRequest.find(id, on: req.db) else {
            throw Abort(.notFound, reason: "申请不存在")
        }
        let (user, _) = try await scopedUser(request.userID, p, req)
        guard request.status == AccountRequest.Status.pending.rawValue else {
            throw Abort(.conflict, reason: "该申请已处理过")
        }
        guard request.userID != p.userID else { throw Abort(.forbidden, reason: "不能审批关于本人账号的申请") }
        guard request.requestedBy != p.userID else { throw Abort(.forbidden, reason: "不能审批自己提交的申请") }
        return (request, user)
    }
}
