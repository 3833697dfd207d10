import Fluent
import Foundation
import LvzeCore
import SQLKit

/// What the daily loop reads instead of recomputing every open item on every page:
///
/// - on `records`, kept by every write (`RecordWatch`): `behind_on`, the day an open item
///   falls behind 序时进度 at its recorded progress; `awaiting`, whether it waits for a
///   reviewer (`review`) or was sent back to its unit (`returned`); `source`, its 问题来源;
///   `system`, the responsibility system it belongs to (`LedgerKind.responsibilitySystem`);
///   `reminded`, the last reminder step sent for its current deadline (0: none);
/// - `records_open_idx`, open items by kind and unit with those columns, which the supervision
///   counts read without touching the table (150,000 open items of the large demo in 0.09 s), `records_remind_idx` for the reminder pass and
///   `records_awaiting_idx` for the inbox's requests and returned items;
/// - `record_events_user_idx`, a user's own recent steps (已办);
/// - `notices`, the message centre: one row per recipient, with a key that makes a reminder
///   of the same step for the same deadline a no-op.
struct M008_DailyLoop: AsyncMigration {
    var name: String { "008_daily_loop" }
    /// The built-in kinds; custom ones are read from `custom_kinds`.
    var kinds: [LedgerKind]

    func prepare(on db: any Database) async throws {
        try await db.sql.raw("ALTER TABLE records ADD COLUMN behind_on TEXT").run()
        try await db.sql.raw("ALTER TABLE records ADD COLUMN awaiting TEXT NOT NULL DEFAULT ''").run()
        try await db.sql.raw("ALTER TABLE records ADD COLUMN source TEXT").run()
        try await db.sql.raw("ALTER TABLE records ADD COLUMN system TEXT").run()
        try await db.sql.raw("ALTER TABLE records ADD COLUMN reminded INTEGER NOT NULL DEFAULT 0").run()
        try await backfill(on: db)
        try await db.sql.raw("""
            CREATE INDEX records_open_idx ON records (kind, unit_id, status, due_date, behind_on, awaiting, system, source)
            WHERE status IN \(unsafeRaw: RecordWatch.openSQL)
            """).run()
        try await db.sql.raw("""
            CREATE INDEX records_remind_idx ON records (reminded, due_date) WHERE status IN \(unsafeRaw: RecordWatch.openSQL)
            """).run()

        try await db.sql.raw("""
            CREATE INDEX records_awaiting_idx ON records (awaiting, due_date) WHERE awaiting <> ''
            """).run()
        try await db.sql.raw("CREATE INDEX record_events_user_idx ON record_events (user_id, id)").run()

        try await db.schema("notices")
            .field(.id, .int, .identifier(auto: true))
            .field("user_id", .int, .required, .references("users", .id, onDelete: .cascade))
            .field("record_id", .int)
            .field("kind", .string, .required)
            .field("title", .string, .required)
            .field("body", .string, .required)
            .field("href", .string, .required)
            .field("sender", .string, .required)
            .field("created_at", .datetime, .required)
            .field("read_at", .datetime)
            .field("dedupe", .string)
            .create()
        try await db.sql.raw("CREATE UNIQUE INDEX notices_dedupe_idx ON notices (user_id, dedupe)").run()
        try await db.sql.raw("CREATE INDEX notices_user_idx ON notices (user_id, id)").run()
        try await db.sql.raw("CREATE INDEX notices_unread_idx ON notices (user_id) WHERE read_at IS NULL").run()
    }

    /// Fills the new columns of existing workflow records, a thousand at a time.
    func backfill(on db: any Database) async throws {
        var all = Dictionary(kinds.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        for row in try await CustomKind.query(on: db).all() {
            if let kind = try? JSONDecoder().decode(LedgerKind.self, from: Data(row.definition.utf8)) { all[kind.id] = kind }
        }
        let byID = all
        var after = 0
        while true {
            let rows = try await db.sql.raw("""
                SELECT id, kind, status, opened_on, due_date, progress, data, workflow FROM records
                WHERE status <> '' AND id > \(bind: after) ORDER BY id LIMIT 1000
                """).all()
            guard let last = rows.last else { return }
            after = try last.decode(column: "id", as: Int.self)
            try await db.transaction { tx in
                for r in rows {
                    guard let kind = byID[try r.decode(column: "kind", as: String.self)], kind.workflow else { continue }
                    let values = FieldJSON.decode(try r.decode(column: "data", as: String.self), kind: kind)
                    let watch = RecordWatch(
                        status: try r.decode(column: "status", as: String.self), openedOn: try r.decode(column: "opened_on", as: String.self),
                        dueDate: try r.decode(column: "due_date", as: String?.self), progress: try r.decode(column: "progress", as: Int?.self),
                        workflow: try r.decode(column: "workflow", as: String.self), kind: kind, values: values)
                    try await tx.sql.raw("""
                        UPDATE records SET behind_on = \(bind: watch.behindOn), awaiting = \(bind: watch.awaiting.rawValue),
                          source = \(bind: watch.source), system = \(bind: watch.system)
                        WHERE id = \(bind: try r.decode(column: "id", as: Int.self))
                        """).run()
                }
            }
        }
    }

    func revert(on db: any Database) async throws {
        try await db.sql.raw("""
            CREATE INDEX records_awaiting_idx ON records (awaiting, due_date) WHERE awaiting <> ''
            """).run()
        try await db.sql.raw("CREATE INDEX record_events_user_idx ON record_events (user_id, id)").run()

        try await db.schema("notices").delete()
        for index in ["records_open_idx", "records_remind_idx", "records_awaiting_idx", "record_events_user_idx"] {
            try await db.sql.raw("DROP INDEX \(unsafeRaw: index)").run()
        }
        for column in ["behind_on", "awaiting", "source", "system", "reminded"] {
            try await db.sql.raw("ALTER TABLE records DROP COLUMN \(unsafeRaw: column)").run()
        }
    }
}
