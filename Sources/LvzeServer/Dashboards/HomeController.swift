import Fluent
import LvzeCore
import SQLKit
import Vapor

/// The home page: what waits for this user, by role.
struct HomeController {
    func boot(routes: any RoutesBuilder) {
        routes.get(.home, use: home)
    }

    struct Item: Encodable {
        var title: String
        var detail: String
        var href: String
        var urgent: Bool
    }

    struct Figure: Encodable {
        var label: String
        var value: String
        var href: String
    }

    struct HomeContent: Encodable {
        var greeting: String
        var today: String
        /// 待办, by kind of work.
        var groups: [Inbox.Group]
        /// 已办: the user's own recent steps.
        var done: [Inbox.Entry]
        var figures: [Figure]
        var passwordExpiresIn: String?
    }

    func home(req: Request) async throws -> Response {
        let p = try req.requirePrincipal()
        let now = req.now
        let today = LocalDate(now)
        var items: [Item] = []
        var figures: [Figure] = []
        let db = req.reader
        let inbox = Inbox(db: db, catalogue: req.lvze.catalogue.catalogue, settings: req.lvze.settings, today: today)
        var groups: [Inbox.Group] = []
        if let messages = try await inbox.messages(p, unread: try await req.unreadNotices()) { groups.append(messages) }
        var done: [Inbox.Entry] = []
        if p.isBusinessUser {
            groups += try await inbox.handler(p)
            if let review = try await inbox.reviewer(p) { groups.append(review) }
            if p.has(.leader), let lead = inbox.leader(p, lines: try await SupervisionController.lines(req, p)) { groups.append(lead) }
            groups += try await inbox.followUps(p)
            let book = AssessmentBook(db: db, kinds: req.lvze.catalogue.catalogue, metrics: req.lvze.catalogue.metrics)
            if let assessment = try await AssessmentInbox(book: book, today: today).group(p) { groups.append(assessment) }
            done = try await inbox.done(p)
        }

        if p.isBusinessUser {
            let units = try await OrgUnit.query(on: db).within(p.scope).count()
            let people = try await Person.query(on: db).join(OrgUnit.self, on: \Person.$unit.$id == \OrgUnit.$id)
                .filter(OrgUnit.self, \.$path >= p.scope.value).filter(OrgUnit.self, \.$path < p.scope.subtreeUpperBound).count()
            figures.append(Figure(label: "管辖单位和组织", value: "\(units)", href: SiteURL.units.path))
            figures.append(Figure(label: "人员", value: "\(people)", href: SiteURL.people.path))
            let open = try await FlagQueries.open(in: p.scope, kinds: [.backward, .weak], on: db, today: today)
            figures.append(Figure(label: "待转化的后进、软弱涣散组织", value: "\(open.count)", href: SiteURL.supervision.path))
            for row in open.prefix(8) {
                items.append(Item(title: "\(row.unitName)：\(row.flag)，尚未转化",
                                  detail: "自\(row.setOn)认定，已\(row.days)天", href: SiteURL.unit(row.unitID).path,
                                  urgent: row.days > 365))
            }
        }
        if p.has(.secadmin) {
            let locked = try await User.query(on: db).filter(\.$lockedUntil > now).all()
            for u in locked {
                items.append(Item(title: "账号「\(u.username)」连续登录失败，已暂停从失败的地址登录", detail: "至\(ISOTime.local(u.lockedUntil))自动恢复，也可手动解锁",
                                  href: SiteURL.securityUser(u.id!).path, urgent: true))
            }
            let unassigned = try await User.query(on: db).filter(\.$rolesText == "").filter(\.$disabled == false).all()
            for u in unassigned {
                items.append(Item(title: "账号「\(u.username)」尚未分配角色", detail: "\(u.displayName)，登录后看不到任何业务数据",
                                  href: SiteURL.securityUser(u.id!).path, urgent: false))
            }
        }
        if p.has(.auditor) {
            let since = ISOTime.string(now.addingTimeInterval(-86_400))
            let failures = try await AuditEntry.query(on: db).filter(\.$at >= since).filter(\.$action == AuditAction.loginFailed.rawValue).count()
            let lockouts = try await AuditEntry.query(on: db).filter(\.$at >= since).filter(\.$action == AuditAction.accountLocked.rawValue).count()
            let total = try await AuditEntry.query(on: db).count()
            figures.append(Figure(label: "24小时内登录失败", value: "\(failures)", href: SiteURL.audit.path + "?action=login_failed"))
            figures.append(Figure(label: "24小时内账号锁定", value: "\(lockouts)", href: SiteURL.audit.path + "?action=account_locked"))
            figures.append(Figure(label: "审计日志总条数", value: "\(total)", href: SiteURL.audit.path))
            if lockouts > 0 {
                items.append(Item(title: "24小时内有\(lockouts)个账号因连续登录失败被锁定", detail: "请核查是否存在口令猜测",
                                  href: SiteURL.audit.path + "?action=account_locked", urgent: true))
            }
        }
        if p.has(.sysadmin) {
            let units = try await OrgUnit.query(on: db).within(p.scope).count()
            let users = try await User.query(on: db).join(OrgUnit.self, on: \User.$unit.$id == \OrgUnit.$id)
                .filter(OrgUnit.self, \.$path >= p.scope.value).filter(OrgUnit.self, \.$path < p.scope.subtreeUpperBound).count()
            figures.append(Figure(label: "单位和组织", value: "\(units)", href: SiteURL.units.path))
            figures.append(Figure(label: "账号", value: "\(users)", href: SiteURL.adminUsers.path))
        }

        var expires: String?
        let days = req.lvze.settings.passwordPolicy.expiryDays
        if days > 0 {
            let left = days - Int(now.timeIntervalSince(p.user.passwordChangedAt) / 86_400)
            if left <= 14 { expires = "您的密码将在\(max(left, 0))天后过期，请及时修改" }
        }
        // What else asks for attention: organisations under rectification, accounts, security.
        if !items.isEmpty {
            let title = p.isBusinessUser ? "整顿中的后进、软弱涣散组织" : "账号和安全"
            groups.append(Inbox.Group(title: title, count: "\(items.count)项", entries: items.map {
                Inbox.Entry(title: $0.title, detail: $0.detail, href: $0.href, urgent: $0.urgent)
            }, more: nil))
        }
        return try await req.render("home", title: "首页", HomeContent(
            greeting: "\(p.user.displayName)，您好", today: today.chinese, groups: groups, done: done, figures: figures,
            passwordExpiresIn: expires), section: "/")
    }
}

/// Queries over dated flags shared by the home, system and supervision pages.
enum FlagQueries {
    struct Row: Encodable {
        var unitID: Int
        var unitName: String
        var unitKind: String
        var flag: String
        var setOn: String
        var clearedOn: String
        var note: String
        var days: Int
    }

    /// Flags not yet cleared in the scope, oldest first.
    static func open(in scope: UnitPath, kinds: [UnitFlagKind], on db: any Database, today: LocalDate) async throws -> [Row] {
        let flags = try await UnitFlag.query(on: db).join(OrgUnit.self, on: \UnitFlag.$unit.$id == \OrgUnit.$id)
            .filter(OrgUnit.self, \.$path >= scope.value).filter(OrgUnit.self, \.$path < scope.subtreeUpperBound)
            .filter(\.$flag ~~ kinds.map(\.rawValue)).filter(\.$clearedOn == nil)
            .sort(\.$setOn).limit(2000).all()
        // Each flag's unit decoded once: Fluent decodes a joined model by reflection on every call,
        // and these decodes, twice a flag, were an eighth of the home page's server time (perf).
        let units = try flags.map { try $0.joined(OrgUnit.self) }
        let names = try await OrgUnit.qualifiedNames(units, on: db)
        return zip(flags, units).map { f, unit in
            let days = LocalDate.parse(f.setOn).map { $0.days(until: today) } ?? 0
            return Row(unitID: unit.id!, unitName: names[unit.id!] ?? unit.name, unitKind: unit.unitKind.label, flag: f.kind.label,
                       setOn: f.setOn, clearedOn: "", note: f.setReason, days: days)
        }
    }

    /// Flags cleared within a year, the organisations "transformed" that year.
    static func cleared(in scope: UnitPath, kinds: [UnitFlagKind], year: Int, on db: any Database) async throws -> [Row] {
        let flags = try await UnitFlag.query(on: db).join(OrgUnit.self, on: \UnitFlag.$unit.$id == \OrgUnit.$id)
            .filter(OrgUnit.self, \.$path >= scope.value).filter(OrgUnit.self, \.$path < scope.subtreeUpperBound)
            .filter(\.$flag ~~ kinds.map(\.rawValue))
            .filter(\.$clearedOn >= "\(year)-01-01").filter(\.$clearedOn <= "\(year)-12-31")
            .sort(\.$clearedOn).limit(2000).all()
        let units = try flags.map { try $0.joined(OrgUnit.self) }
        let names = try await OrgUnit.qualifiedNames(units, on: db)
        return zip(flags, units).map { f, unit in
            Row(unitID: unit.id!, unitName: names[unit.id!] ?? unit.name, unitKind: unit.unitKind.label, flag: f.kind.label,
                setOn: f.setOn, clearedOn: f.clearedOn ?? "", note: f.clearedNote, days: 0)
        }
    }
}
