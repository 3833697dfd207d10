import Fluent
import LvzeCore
import Vapor

/// The message centre (消息): the signed-in user's notices, newest first, unread marked.
struct NoticeController {
    static let pageSize = 50

    func boot(routes: any RoutesBuilder) {
        routes.get(.notices, use: list)
        routes.get(.noticeOpen, use: open)
        routes.post(.noticesRead, use: markRead)
    }

    struct Row: Encodable {
        var id: Int
        var kind: String
        var title: String
        var body: String
        var sender: String
        var at: String
        var unread: Bool
        var href: String
    }

    struct Content: Encodable {
        var rows: [Row]
        var unread: Int
        var onlyUnread: Bool
        var next: String?
    }

    func list(req: Request) async throws -> Response {
        let p = try req.requirePrincipal()
        let onlyUnread = (req.query["unread"] as String?) == "1"
        var query = Notice.query(on: req.db).filter(\.$userID == p.userID)
        if onlyUnread { query = query.filter(\.$readAt == nil) }
        if let before: Int = req.query["before"] { query = query.filter(\.$id < before) }
        let notices = try await query.sort(\.$id, .descending).limit(Self.pageSize + 1).all()
        let rows = notices.prefix(Self.pageSize).map { n in
            Row(id: n.id!, kind: Notice.Kind(rawValue: n.kind)?.label ?? n.kind, title: n.title, body: n.body, sender: n.sender,
                at: ISOTime.local(n.createdAt), unread: n.readAt == nil, href: Endpoint.noticeOpen.url(n.id!).path)
        }
        var next: String?
        if notices.count > Self.pageSize, let last = rows.last {
            next = Endpoint.notices.url(query: [("before", String(last.id))] + (onlyUnread ? [("unread", "1")] : [])).path
        }
        return try await req.render("notices", title: "消息", Content(
            rows: Array(rows), unread: try await Notices.unreadCount(p.userID, on: req.db), onlyUnread: onlyUnread, next: next),
                                    section: SiteURL.notices.path)
    }

    /// Marks the notice read and goes where it points: one click from the message to the work.
    func open(req: Request) async throws -> Response {
        let p = try req.requirePrincipal()
        guard let id = req.parameters.get("id", as: Int.self), let notice = try await Notice.find(id, on: req.db), notice.userID == p.userID else {
            throw Abort(.notFound, reason: "消息不存在")
        }
        if notice.readAt == nil {
            notice.readAt = req.now
            try await notice.update(on: req.db)
            req.lvze.noteWrite(user: req.principal?.userID)
        }
        // Only a path of this site: a notice never sends anyone elsewhere.
        let target = notice.href.hasPrefix("/") && !notice.href.hasPrefix("//") ? notice.href : SiteURL.notices.path
        return req.redirect(to: target)
    }

    /// Marks one notice (`id`) or all of the user's notices read.
    func markRead(req: Request) async throws -> Response {
        let p = try req.requirePrincipal()
        var query = Notice.query(on: req.db).filter(\.$userID == p.userID).filter(\.$readAt == nil)
        if let raw = req.formText("id"), !raw.isEmpty {
            guard let id = Int(raw) else { throw Abort(.badRequest, reason: "消息编号「\(raw)」不对") }
            query = query.filter(\.$id == id)
        }
        try await query.set(\.$readAt, to: req.now).update()
        return req.redirect(to: SiteURL.notices.path, flash: "已全部标为已读")
    }
}
