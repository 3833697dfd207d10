import Crypto
import Fluent
import FluentSQLiteDriver
import Foundation
import SQLiteNIO
import SQLKit
import Vapor
import ZIPFoundation

/// What a backup file holds, listed in it as `manifest.json`: each member with its size and
/// SHA-256, so a restore refuses a damaged or altered file before it writes anything.
struct BackupManifest: Codable, Sendable {
    static let formatName = "lvze-backup"
    static let currentVersion = 1

    struct Member: Codable, Sendable {
        var path: String
        var size: Int
        var sha256: String
    }

    var format: String
    var version: Int
    /// ISO 8601, UTC.
    var createdAt: String
    /// `sqlite` or `postgresql`: a backup restores into the same kind of database.
    var database: String
    /// As the copy holds them (on PostgreSQL, as counted beside the dump).
    var records: Int
    var auditEntries: Int
    var auditHeadSeq: Int
    var attachments: Int
    var members: [Member]
}

/// `lvze backup`: a consistent copy of the database taken while the server runs and writes
/// (SQLite's `VACUUM INTO`, one read snapshot; `pg_dump`, one repeatable-read snapshot), with
/// the evidence files and the audit key, in one ZIP file.
enum Backup {
    static let sqliteMember = "lvze.sqlite"
    static let postgresMember = "lvze.pgdump"
    static let keyMember = "audit.key"
    static let attachmentsFolder = "attachments"

    struct Made: Sendable {
        var file: URL
        var size: Int
        var sha256: String
        var manifest: BackupManifest
        var seconds: Double
    }

    /// Writes the backup to `out` (replacing nothing: an existing file is refused). The file
    /// appears whole or not at all: it is written beside `out` and renamed.
    static func make(_ app: Application, to out: URL) async throws -> Made {
        let started = Date()
        let fm = FileManager.default
        guard !fm.fileExists(atPath: out.path) else { throw CLIError("--out：文件 \(out.path) 已存在，请换一个文件名（备份不覆盖已有文件）") }
        let folder = out.deletingLastPathComponent()
        guard fm.fileExists(atPath: folder.path) else { throw CLIError("--out：目录 \(folder.path) 不存在") }
        guard let keyPath = app.lvze.auditKey.path else { throw CLIError("内存数据库（LVZE_DATA=:memory:）没有可备份的文件") }
        let staging = folder.appendingPathComponent(".lvze-backup-\(UUID().uuidString)", isDirectory: true)
        do {
            try fm.createDirectory(at: staging, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        } catch {
            throw CLIError("--out：无法在目录 \(folder.path) 中写入（\(error.localizedDescription)）")
        }
        defer { try? fm.removeItem(at: staging) }

        var counts: (records: Int, audit: Int, head: Int)
        let databaseMember: String
        switch app.db.dialect {
        case .sqlite:
            databaseMember = sqliteMember
            let copy = staging.appendingPathComponent(sqliteMember)
            try await app.db.sql.raw("VACUUM INTO \(bind: copy.path)").run()
            counts = try await sqliteCounts(copy)
        case .postgres:
            databaseMember = postgresMember
            guard let url = app.lvze.configuration.databaseURL else { throw CLIError("没有设置 DATABASE_URL") }
            // pg_dump reads the snapshot of a transaction held open here, so the counts in the
            // manifest are those of the dump itself.
            counts = try await app.db.transaction { tx in
                try await tx.sql.raw("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").run()
                let snapshot = try await tx.sql.raw("SELECT pg_export_snapshot() AS s").first()?.decode(column: "s", as: String.self) ?? ""
                let counts = try await liveCounts(tx)
                try await PostgresTools.dump(url: url, snapshot: snapshot, to: staging.appendingPathComponent(postgresMember))
                return counts
            }
        }
        var members: [(path: String, file: URL, compress: Bool)] = [(databaseMember, staging.appendingPathComponent(databaseMember), true)]
        members.append((keyMember, URL(fileURLWithPath: keyPath), false))
        // Evidence files are named by their SHA-256 and never change once written; one the
        // database copy refers to was on disk before its row was committed.
        let attachments = app.lvze.attachments.directory
        var attachmentCount = 0
        if let walker = fm.enumerator(at: attachments, includingPropertiesForKeys: [.isRegularFileKey]) {
            for case let file as URL in walker where (try? file.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true {
                let relative = String(file.path.dropFirst(attachments.path.count)).trimmingCharacters(in: CharacterSet(charactersIn: "/"))
                guard !relative.hasPrefix(".") else { continue }
                members.append((attachmentsFolder + "/" + relative, file, false))
                attachmentCount += 1
            }
        }

        var listed: [BackupManifest.Member] = []
        for member in members {
            let (size, hash) = try FileDigest.sha256(of: member.file)
            listed.append(.init(path: member.path, size: size, sha256: hash))
        }
        let manifest = BackupManifest(format: BackupManifest.formatName, version: BackupManifest.currentVersion,
                                      createdAt: ISO8601DateFormatter().string(from: app.lvze.clock.now()),
                                      database: app.db.dialect == .sqlite ? "sqlite" : "postgresql",
                                      records: counts.records, auditEntries: counts.audit, auditHeadSeq: counts.head,
                                      attachments: attachmentCount, members: listed)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let manifestData = try encoder.encode(manifest)

        let partial = staging.appendingPathComponent("backup.zip")
        do {
            let archive = try Archive(url: partial, accessMode: .create)
            try archive.addEntry(with: "manifest.json", type: .file, uncompressedSize: Int64(manifestData.count),
                                 compressionMethod: .deflate) { position, size in
                manifestData.subdata(in: Int(position)..<Int(position) + size)
            }
            for member in members {
                try archive.addEntry(with: member.path, fileURL: member.file, compressionMethod: member.compress ? .deflate : .none)
            }
        } catch let error as CLIError {
            throw error
        } catch {
            throw CLIError("写入备份文件失败：\(error.localizedDescription)")
        }
        // Readable by its owner only: it holds the audit key and every discipline record.
        try fm.setAttributes([.posixPermissions: 0o600], ofItemAtPath: partial.path)
        try fm.moveItem(at: partial, to: out)
        let (size, hash) = try FileDigest.sha256(of: out)
        return Made(file: out, size: size, sha256: hash, manifest: manifest, seconds: Date().timeIntervalSince(started))
    }

    /// Counts read from the copy itself, so the manifest says what the file holds.
    private static func sqliteCounts(_ file: URL) async throws -> (Int, Int, Int) {
        let connection = try await SQLiteConnection.open(storage: .file(path: file.path))
        do {
            let check = try await connection.query("PRAGMA quick_check").first?.column("quick_check")?.string
            guard check == "ok" else { throw CLIError("数据库副本校验未通过（\(check ?? "无结果")），备份未完成") }
            let records = try await connection.query("SELECT count(*) AS n FROM records").first?.column("n")?.integer ?? 0
            let audit = try await connection.query("SELECT count(*) AS n, COALESCE(max(seq), 0) AS s FROM audit_entries").first
            try await connection.close()
            return (records, audit?.column("n")?.integer ?? 0, audit?.column("s")?.integer ?? 0)
        } catch {
            try? await connection.close()
            throw error
        }
    }

    private static func liveCounts(_ db: any Database) async throws -> (Int, Int, Int) {
        let records = try await db.sql.raw("SELECT count(*) AS n FROM records").first()?.decode(column: "n", as: Int.self) ?? 0
        let audit = try await db.sql.raw("SELECT count(*) AS n, COALESCE(max(seq), 0) AS s FROM audit_entries").first()
        return (records, try audit?.decode(column: "n", as: Int.self) ?? 0, try audit?.decode(column: "s", as: Int.self) ?? 0)
    }
}

/// SHA-256 of a file read in pieces (a database copy can be gigabytes).
enum FileDigest {
    static func sha256(of file: URL) throws -> (size: Int, hex: String) {
        guard let handle = try? FileHandle(forReadingFrom: file) else { throw CLIError("无法读取文件 \(file.path)") }
        defer { try? handle.close() }
        var hasher = SHA256()
        var size = 0
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            hasher.update(data: chunk)
            size += chunk.count
        }
        return (size, hasher.finalize().map { String(format: "%02x", $0) }.joined())
    }
}
