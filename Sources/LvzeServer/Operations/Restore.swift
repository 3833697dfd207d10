import Fluent
import FluentPostgresDriver
import Foundation
import Logging
import NIOPosix
import PostgresKit
import ZIPFoundation

/// `lvze restore FILE`: a backup back into an empty data folder (and, on PostgreSQL, an empty
/// database). It runs before the app opens any database, so nothing is created first. Every
/// member is checked against the manifest's SHA-256 before anything is moved into place.
enum Restore {
    struct Done {
        var manifest: BackupManifest
        var dataDirectory: String
    }

    static func run(file: String, configuration: LvzeConfiguration) async throws -> Done {
        let fm = FileManager.default
        let source = URL(fileURLWithPath: file)
        guard fm.fileExists(atPath: source.path) else { throw CLIError("找不到备份文件 \(file)") }
        let archive: Archive
        do {
            archive = try Archive(url: source, accessMode: .read)
        } catch {
            throw CLIError("\(file) 不是 Lvze 的备份文件（无法作为 ZIP 打开）")
        }
        guard let entry = archive["manifest.json"] else { throw CLIError("\(file) 不是 Lvze 的备份文件（缺少 manifest.json）") }
        var manifestData = Data()
        _ = try archive.extract(entry) { manifestData.append($0) }
        guard let manifest = try? JSONDecoder().decode(BackupManifest.self, from: manifestData),
              manifest.format == BackupManifest.formatName else {
            throw CLIError("\(file) 不是 Lvze 的备份文件（manifest.json 无法识别）")
        }
        guard manifest.version <= BackupManifest.currentVersion else {
            throw CLIError("备份文件的格式版本为\(manifest.version)，本程序只认识到\(BackupManifest.currentVersion)；请用更新的 Lvze 恢复")
        }
        let onPostgres = configuration.databaseURL.map { !$0.isEmpty } ?? false
        switch (manifest.database, onPostgres) {
        case ("sqlite", true): throw CLIError("这是内置数据库（SQLite）的备份，不能恢复到 PostgreSQL：请去掉 DATABASE_URL 后恢复")
        case ("postgresql", false): throw CLIError("这是 PostgreSQL 的备份：请设置 DATABASE_URL 指向一个空数据库后恢复")
        default: break
        }

        let data = URL(fileURLWithPath: configuration.dataDirectory, isDirectory: true)
        guard configuration.dataDirectory != ":memory:" else { throw CLIError("LVZE_DATA 须为数据目录，不能是 :memory:") }
        if fm.fileExists(atPath: data.path) {
            let present = (try? fm.contentsOfDirectory(atPath: data.path)) ?? []
            guard present.isEmpty else {
                throw CLIError("数据目录 \(data.path) 不是空的（有\(present.count)个文件或目录，如 \(present.sorted().prefix(3).joined(separator: "、"))）；"
                               + "恢复只写入空目录，以免覆盖现有数据：请换一个空目录（LVZE_DATA）")
            }
        }
        let keyTarget = configuration.auditKeyFile.flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? data.appendingPathComponent("audit.key")
        if fm.fileExists(atPath: keyTarget.path) {
            throw CLIError("审计密钥文件 \(keyTarget.path) 已存在；恢复不覆盖密钥，请移走它或改用空位置（LVZE_AUDIT_KEY_FILE）")
        }
        if onPostgres, let url = configuration.databaseURL { try await requireEmptyDatabase(url) }

        // Unpacked beside the target, checked, then moved: a damaged file leaves nothing behind.
        try fm.createDirectory(at: data, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let staging = data.appendingPathComponent(".restore-\(UUID().uuidString)", isDirectory: true)
        try fm.createDirectory(at: staging, withIntermediateDirectories: false)
        var keyPlaced = false
        do {
            for member in manifest.members {
                guard !member.path.hasPrefix("/"), !member.path.split(separator: "/").contains("..") else {
                    throw CLIError("备份文件中的路径 \(member.path) 不安全，拒绝恢复")
                }
                guard let entry = archive[member.path] else { throw CLIError("备份文件已损坏：缺少 \(member.path)") }
                let target = staging.appendingPathComponent(member.path)
                try fm.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                do {
                    _ = try archive.extract(entry, to: target)
                } catch {
                    throw CLIError("备份文件已损坏：无法解出 \(member.path)（\(error)）")
                }
                let (size, hash) = try FileDigest.sha256(of: target)
                guard size == member.size, hash == member.sha256 else {
                    throw CLIError("备份文件已损坏或被改动：\(member.path) 的校验值与清单不符，未恢复任何内容")
                }
            }
            if onPostgres, let url = configuration.databaseURL {
                try await PostgresTools.restore(url: url, from: staging.appendingPathComponent(Backup.postgresMember))
                try fm.removeItem(at: staging.appendingPathComponent(Backup.postgresMember))
            }
            try fm.createDirectory(at: keyTarget.deletingLastPathComponent(), withIntermediateDirectories: true)
            try fm.moveItem(at: staging.appendingPathComponent(Backup.keyMember), to: keyTarget)
            keyPlaced = true
            try fm.setAttributes([.posixPermissions: 0o600], ofItemAtPath: keyTarget.path)
            for name in try fm.contentsOfDirectory(atPath: staging.path) {
                try fm.moveItem(at: staging.appendingPathComponent(name), to: data.appendingPathComponent(name))
            }
            try fm.removeItem(at: staging)
        } catch {
            // Nothing half-restored: the key goes with the rest.
            try? fm.removeItem(at: staging)
            if keyPlaced { try? fm.removeItem(at: keyTarget) }
            throw error
        }
        return Done(manifest: manifest, dataDirectory: data.path)
    }

    /// The target database must hold no tables: a restore never mixes two districts' data.
    private static func requireEmptyDatabase(_ url: String) async throws {
        let config: SQLPostgresConfiguration
        do {
            config = try SQLPostgresConfiguration(url: url)
        } catch {
            throw CLIError("环境变量 DATABASE_URL 不是有效的 PostgreSQL 地址")
        }
        let connection = try await PostgresConnection.connect(configuration: config.coreConfiguration, id: 1,
                                                              logger: Logger(label: "lvze.restore"))
        do {
            let rows = try await connection.query("SELECT count(*)::int8 FROM pg_tables WHERE schemaname = current_schema()", logger: Logger(label: "lvze.restore"))
            var tables = 0
            for try await (n) in rows.decode(Int.self) { tables = n }
            try await connection.close()
            guard tables == 0 else {
                throw CLIError("DATABASE_URL 所指的数据库不是空的（有\(tables)张表）；恢复只写入空数据库，请新建一个空库后再恢复")
            }
        } catch {
            try? await connection.close()
            throw error
        }
    }
}
