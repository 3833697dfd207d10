import Fluent
import Foundation
import LvzeCore
import SQLKit
import Vapor

/// The database's own refusal to change the audit trail: triggers that abort any UPDATE or
/// DELETE of an entry or a checkpoint. Someone with the database file can drop them; every
/// start puts back what is missing and says so in the trail itself.
enum AuditGuard {
    enum Table: String, CaseIterable {
        case entries = "audit_entries", checkpoints = "audit_checkpoints"
    }

    /// The trigger names each table needs, per database.
    static func triggers(_ table: Table, _ dialect: Dialect) -> [String] {
        switch dialect {
        case .sqlite: return ["\(table.rawValue)_no_update", "\(table.rawValue)_no_delete"]
        case .postgres: return ["\(table.rawValue)_no_update"]
        }
    }

    static func create(_ table: Table, on db: any Database, only names: Set<String>? = nil) async throws {
        let t = table.rawValue
        switch db.dialect {
        case .sqlite:
            for (name, verb) in [("\(t)_no_update", "UPDATE"), ("\(t)_no_delete", "DELETE")] where names?.contains(name) ?? true {
                try await db.sql.raw("""
                    CREATE TRIGGER \(unsafeRaw: name) BEFORE \(unsafeRaw: verb) ON \(unsafeRaw: t)
                    BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END
                    """).run()
            }
        case .postgres:
            try await db.sql.raw("""
                CREATE OR REPLACE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'audit entries are append-only'; END $$
                """).run()
            try await db.sql.raw("""
                CREATE TRIGGER \(unsafeRaw: t)_no_update BEFORE UPDATE OR DELETE ON \(unsafeRaw: t)
                FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only()
                """).run()
        }
    }

    /// Missing triggers put back; returns their names (empty when all were there).
    static func restore(on db: any Database) async throws -> [String] {
        var present: Set<String> = []
        switch db.dialect {
        case .sqlite:
            let rows = try await db.sql.raw("SELECT name FROM sqlite_master WHERE type = 'trigger'").all()
            for row in rows { present.insert(try row.decode(column: "name", as: String.self)) }
        case .postgres:
            let rows = try await db.sql.raw("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal").all()
            for row in rows { present.insert(try row.decode(column: "tgname", as: String.self)) }
        }
        var restored: [String] = []
        for table in Table.allCases {
            let missing = Set(triggers(table, db.dialect)).subtracting(present)
            guard !missing.isEmpty else { continue }
            try await create(table, on: db, only: missing)
            restored += missing.sorted()
        }
        return restored
    }
}

/// Where the audit key lives and how it is made: 32 random bytes, hex, in a file only the
/// server's user can read. Tests on an in-memory database get a fresh key of their own.
enum AuditKeyFile {
    struct Loaded {
        var seal: AuditSeal
        var path: String?
        var created: Bool
    }

    static func load(_ configuration: LvzeConfiguration, logger: Logger) throws -> Loaded {
        let path: String
        if let given = configuration.auditKeyFile, !given.isEmpty {
            path = given
        } else if configuration.dataDirectory == ":memory:" {
            return Loaded(seal: try AuditSeal(secret: AuditSeal.newSecret()), path: nil, created: true)
        } else {
            path = URL(fileURLWithPath: configuration.dataDirectory, isDirectory: true).appendingPathComponent("audit.key").path
        }
        let fm = FileManager.default
        if fm.fileExists(atPath: path) {
            let text: String
            do {
                text = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            } catch {
                throw StartupError("无法读取审计密钥文件 \(path)：\(error.localizedDescription)")
            }
            guard let secret = Data(hexString: text), secret.count >= 32 else {
                throw StartupError("审计密钥文件 \(path) 的内容不是有效的密钥（应为64位十六进制字符）；请从备份恢复原文件")
            }
            if let mode = (try? fm.attributesOfItem(atPath: path))?[.posixPermissions] as? Int, mode & 0o077 != 0 {
                try? fm.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
                logger.warning("审计密钥文件的权限过宽，已改为仅所有者可读写（600）", metadata: ["path": .string(path)])
            }
            return Loaded(seal: try AuditSeal(secret: secret), path: path, created: false)
        }
        let secret = AuditSeal.newSecret()
        let dir = (path as NSString).deletingLastPathComponent
        try? fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        // Created with owner-only permissions from the start, never readable by others.
        guard fm.createFile(atPath: path, contents: Data((hexString(secret) + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw StartupError("无法创建审计密钥文件 \(path)；请检查数据目录的权限，或用 LVZE_AUDIT_KEY_FILE 指定位置")
        }
        return Loaded(seal: try AuditSeal(secret: secret), path: path, created: true)
    }

    private static func hexString(_ data: Data) -> String { data.map { String(format: "%02x", $0) }.joined() }
}
