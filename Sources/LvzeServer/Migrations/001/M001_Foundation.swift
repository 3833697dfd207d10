import Fluent
import SQLKit

/// The foundation: units, flags, people, positions, accounts, sessions, API tokens,
/// settings and the audit trail. Never edit once landed; add a new numbered migration.
struct M001_Foundation: AsyncMigration {
    var name: String { "001_foundation" }

    func prepare(on db: any Database) async throws {
        // Byte order for the materialised path, so its range condition means the same on
        // PostgreSQL (whose default collation may ignore '/') as on SQLite.
        let pathType: DatabaseSchema.DataType = db.dialect == .postgres
            ? .custom(SQLRaw("TEXT COLLATE \"C\"")) : .string

        try await db.schema("units")
            .field(.id, .int, .identifier(auto: true))
            .field("code", .string, .required)
            .field("name", .string, .required)
            .field("kind", .string, .required)
            .field("parent_id", .int, .references("units", .id, onDelete: .restrict))
            .field("path", pathType, .required)
            .field("depth", .int, .required)
            .field("founded_on", .string)
            .field("dissolved_on", .string)
            .field("sort_order", .int, .required, .sql(.default(0)))
            .field("note", .string, .required, .sql(.default("")))
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "code")
            .unique(on: "path")
            .create()
        try await db.sql.create(index: "units_parent_idx").on("units").column("parent_id").run()
        try await db.sql.create(index: "units_kind_path_idx").on("units").column("kind").column("path").run()

        try await db.schema("unit_flags")
            .field(.id, .int, .identifier(auto: true))
            .field("unit_id", .int, .required, .references("units", .id, onDelete: .restrict))
            .field("flag", .string, .required)
            .field("set_on", .string, .required)
            .field("set_reason", .string, .required, .sql(.default("")))
            .field("cleared_on", .string)
            .field("cleared_note", .string, .required, .sql(.default("")))
            .field("created_at", .datetime)
            .create()
        try await db.sql.create(index: "unit_flags_unit_idx").on("unit_flags").column("unit_id").run()
        try await db.sql.create(index: "unit_flags_flag_cleared_idx").on("unit_flags").column("flag").column("cleared_on").run()

        try await db.schema("persons")
            .field(.id, .int, .identifier(auto: true))
            .field("unit_id", .int, .required, .references("units", .id, onDelete: .restrict))
            .field("name", .string, .required)
            .field("gender", .string, .required)
            .field("birth_date", .string)
            .field("education", .string)
            .field("political_status", .string)
            .field("origin", .string)
            .field("phone", .string, .required, .sql(.default("")))
            .field("note", .string, .required, .sql(.default("")))
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .create()
        try await db.sql.create(index: "persons_unit_idx").on("persons").column("unit_id").run()
        try await db.sql.create(index: "persons_name_idx").on("persons").column("name").run()

        try await db.schema("positions")
            .field(.id, .int, .identifier(auto: true))
            .field("person_id", .int, .required, .references("persons", .id, onDelete: .cascade))
            .field("unit_id", .int, .required, .references("units", .id, onDelete: .restrict))
            .field("post", .string, .required)
            .field("title", .string, .required)
            .field("start_on", .string, .required)
            .field("end_on", .string)
            .field("created_at", .datetime)
            .create()
        try await db.sql.create(index: "positions_person_idx").on("positions").column("person_id").run()
        try await db.sql.create(index: "positions_post_idx").on("positions").column("post").column("start_on").run()
        try await db.sql.create(index: "positions_unit_idx").on("positions").column("unit_id").run()

        try await db.schema("users")
            .field(.id, .int, .identifier(auto: true))
            .field("username", .string, .required)
            .field("display_name", .string, .required)
            .field("unit_id", .int, .required, .references("units", .id, onDelete: .restrict))
            .field("roles", .string, .required, .sql(.default("")))
            .field("password_hash", .string, .required)
            .field("password_changed_at", .datetime, .required)
            .field("must_change_password", .bool, .required)
            .field("failed_count", .int, .required, .sql(.default(0)))
            .field("locked_until", .datetime)
            .field("disabled", .bool, .required)
            .field("last_login_at", .datetime)
            .field("created_at", .datetime)
            .unique(on: "username")
            .create()

        try await db.schema("sessions")
            .field(.id, .string, .identifier(auto: false))
            .field("user_id", .int, .required, .references("users", .id, onDelete: .cascade))
            .field("csrf_token", .string, .required)
            .field("created_at", .datetime, .required)
            .field("last_seen_at", .datetime, .required)
            .field("address", .string, .required)
            .create()
        try await db.sql.create(index: "sessions_user_idx").on("sessions").column("user_id").run()

        try await db.schema("api_tokens")
            .field(.id, .int, .identifier(auto: true))
            .field("user_id", .int, .required, .references("users", .id, onDelete: .cascade))
            .field("name", .string, .required)
            .field("token_hash", .string, .required)
            .field("prefix", .string, .required)
            .field("created_at", .datetime, .required)
            .field("last_used_at", .datetime)
            .field("expires_at", .datetime)
            .field("revoked_at", .datetime)
            .unique(on: "token_hash")
            .create()

        try await db.schema("settings")
            .field("key", .string, .identifier(auto: false))
            .field("value", .string, .required)
            .field("updated_at", .datetime)
            .create()

        try await db.schema("audit_entries")
            .field(.id, .int, .identifier(auto: true))
            .field("seq", .int, .required)
            .field("at", .string, .required)
            .field("user_id", .int)
            .field("username", .string, .required)
            .field("unit_id", .int)
            .field("address", .string, .required)
            .field("action", .string, .required)
            .field("object_type", .string, .required)
            .field("object_id", .string, .required)
            .field("summary", .string, .required)
            .field("before", .string)
            .field("after", .string)
            .field("prev_hash", .string, .required)
            .field("hash", .string, .required)
            .unique(on: "seq")
            .create()
        try await db.sql.create(index: "audit_entries_at_idx").on("audit_entries").column("at").run()
        try await db.sql.create(index: "audit_entries_action_idx").on("audit_entries").column("action").run()
        try await db.sql.create(index: "audit_entries_user_idx").on("audit_entries").column("username").run()

        try await db.schema("audit_head")
            .field(.id, .int, .identifier(auto: false))
            .field("seq", .int, .required)
            .field("hash", .string, .required)
            .create()
        try await db.sql.raw("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, \(unsafeRaw: "'" + String(repeating: "0", count: 64) + "'"))").run()

        // The application never updates or deletes an audit entry; the database refuses to
        // as well, so a slip in code cannot either. (Someone with the database file can still
        // drop the trigger: that is what `lvze audit verify` catches.)
        switch db.dialect {
        case .sqlite:
            try await db.sql.raw("""
                CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
                BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END
                """).run()
            try await db.sql.raw("""
                CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
                BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END
                """).run()
        case .postgres:
            try await db.sql.raw("""
                CREATE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'audit entries are append-only'; END $$
                """).run()
            try await db.sql.raw("""
                CREATE TRIGGER audit_entries_no_update BEFORE UPDATE OR DELETE ON audit_entries
                FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only()
                """).run()
        }
    }

    func revert(on db: any Database) async throws {
        if db.dialect == .postgres {
            try await db.sql.raw("DROP FUNCTION IF EXISTS audit_entries_append_only() CASCADE").run()
        }
        for table in ["audit_head", "audit_entries", "settings", "api_tokens", "sessions", "users",
                      "positions", "persons", "unit_flags", "units"] {
            try await db.schema(table).delete()
        }
    }
}
