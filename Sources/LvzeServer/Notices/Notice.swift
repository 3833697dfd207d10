import Fluent
import Foundation
import LvzeCore
import SQLKit
import Vapor

/// One message in a user's message centre (消息): a reminder of the warning ladder, a 催办,
/// a decision on the user's request.
package final class Notice: Model, @unchecked Sendable {
    package static let schema = "notices"

    @ID(custom: .id, generatedBy: .database) package var id: Int?
    @Field(key: "user_id") package var userID: Int
    @OptionalField(key: "record_id") package var recordID: Int?
    /// `Notice.Kind`'s raw value.
    @Field(key: "kind") package var kind: String
    @Field(key: "title") package var title: String
    @Field(key: "body") package var body: String
    @Field(key: "href") package var href: String
    /// Who sent it: a user's name, or 系统 for the reminder pass.
    @Field(key: "sender") package var sender: String
    @Field(key: "created_at") package var createdAt: Date
    @OptionalField(key: "read_at") package var readAt: Date?
    /// Two notices with the same key for one user are one: a reminder step is sent once.
    @OptionalField(key: "dedupe") package var dedupe: String?

    package init() {}

    package enum Kind: String, Sendable, CaseIterable {
        case reminder, escalation, urge, decision, assessment

        package var label: String {
            switch self {
            case .reminder: return "预警提醒"
            case .escalation: return "逾期督办"
            case .urge: return "催办"
            case .decision: return "审批结果"
            case .assessment: return "考核通知"
            }
        }
    }
}

/// A notice to be sent, before it has recipients.
package struct NoticeDraft: Sendable {
    package var kind: Notice.Kind
    package var recordID: Int?
    package var title: String
    package var body: String
    package var href: String
    package var sender: String
    /// With the recipient, what makes a repeat of this notice a no-op (nil: always sent).
    package var dedupe: String?
}

package enum Notices {
    /// Sends a notice to each user once; returns how many were new (a repeat of a deduplicated
    /// notice is skipped by the database, so two reminder passes at once send it once).
    @discardableResult
    package static func send(_ draft: NoticeDraft, to userIDs: [Int], at now: Date, on db: any Database) async throws -> Int {
        var sent = 0
        for user in Set(userIDs).sorted() {
            let rows = try await db.sql.raw("""
                INSERT INTO notices (user_id, record_id, kind, title, body, href, sender, created_at, dedupe)
                VALUES (\(bind: user), \(bind: draft.recordID), \(bind: draft.kind.rawValue), \(bind: String(draft.title.prefix(200))),
                        \(bind: String(draft.body.prefix(2000))), \(bind: draft.href), \(bind: draft.sender), \(bind: now), \(bind: draft.dedupe))
                ON CONFLICT DO NOTHING RETURNING id
                """).all()
            sent += rows.count
        }
        return sent
    }

    /// Read on every page (the header's count): plain SQL, as Fluent's query builder reflected
    /// over the model's fields on each call.
    package static func unreadCount(_ userID: Int, on db: any Database) async throws -> Int {
        let row = try await db.sql.raw("SELECT count(*) AS n FROM notices WHERE user_id = \(bind: userID) AND read_at IS NULL").first()
        return try row?.decode(column: "n", as: Int.self) ?? 0
    }
}

extension Request {
    private struct UnreadKey: StorageKey { typealias Value = Int }

    /// The signed-in user's unread messages, counted once a request: the header shows it on
    /// every page and the home page's 待办 again. Kept a few seconds between pages while nothing
    /// is written (`RecentValues`; reading a message is a write). On the primary: reading one is
    /// the user's own write.
    func unreadNotices() async throws -> Int {
        guard let p = principal else { return 0 }
        if let n = storage[UnreadKey.self] { return n }
        let db = self.db
        let n = try await lvze.unreadCounts.value(String(p.userID), in: lvze, now: now) {
            try await Notices.unreadCount(p.userID, on: db)
        }
        storage[UnreadKey.self] = n
        return n
    }
}
