import Fluent
import SQLKit

/// Report templates belong to the unit that made them: edited within that unit's scope, used
/// by anyone below it. Templates from before are given to the top unit, where the district's
/// own staff made them.
struct M005_TemplateOwner: AsyncMigration {
    var name: String { "005_template_owner" }

    func prepare(on db: any Database) async throws {
        try await db.sql.raw("ALTER TABLE report_templates ADD COLUMN unit_id INTEGER REFERENCES units(id)").run()
        try await db.sql.raw("""
            UPDATE report_templates SET unit_id = (SELECT MIN(id) FROM units WHERE parent_id IS NULL)
            """).run()
    }

    func revert(on db: any Database) async throws {
        try await db.sql.raw("ALTER TABLE report_templates DROP COLUMN unit_id").run()
    }
}
