import Fluent
import SQLKit

/// PostgreSQL only: the record's fields as `jsonb` in a stored generated column, `doc`, kept
/// by PostgreSQL from `data` on every write. Reading a field as `data::jsonb ->> 'f'` parsed
/// the whole JSON text of every row a statement touched — at 1,000,000 records most of a
/// report's time (see docs/scale.md). `data` stays the text every write sends and every read
/// decodes, so nothing else changes; SQLite reads its JSON text natively and gets nothing.
///
/// Adding the column rewrites the table once: 29 s at 1,000,000 records, 3.6 min at
/// 10,000,000 (bench/pg-scale.sh, docs/scale.md).
struct M009_RecordDocument: AsyncMigration {
    var name: String { "009_record_document" }

    func prepare(on db: any Database) async throws {
        guard db.dialect == .postgres else { return }
        try await db.sql.raw("ALTER TABLE records ADD COLUMN doc jsonb GENERATED ALWAYS AS (data::jsonb) STORED").run()
        // The rewrite leaves the table without its visibility map or statistics: until a
        // VACUUM, no index-only scan (整改督办's count of open items took 0.65 s instead of
        // 0.06 s at a million records), and autovacuum sees no reason to come. Migrations run
        // outside a transaction, where VACUUM may run.
        try await db.sql.raw("VACUUM ANALYZE records").run()
    }

    func revert(on db: any Database) async throws {
        guard db.dialect == .postgres else { return }
        try await db.sql.raw("ALTER TABLE records DROP COLUMN doc").run()
    }
}
