import Fluent
import Foundation
import LvzeCore
@testable import LvzeServer
import NIOConcurrencyHelpers
import SQLKit
import Vapor
import XCTest
import ZIPFoundation

/// `lvze backup` while the server writes, and `lvze restore` into an empty place: on SQLite a
/// data folder, on PostgreSQL (with `DATABASE_URL`) a dump made by pg_dump into an empty database.
final class BackupTests: XCTestCase {
    static var databaseURL: String? { testDatabaseURL }

    func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lvze-backup-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        return folder
    }

    /// An app on a data folder (SQLite file) or on the test database, emptied.
    func makeApp(data: URL, databaseURL: String? = BackupTests.databaseURL, empty: Bool = true) async throws -> Application {
        try await makeTestApp(data: data.path, databaseURL: databaseURL, empty: empty)
    }

    /// A second, empty PostgreSQL database beside the test one, for the restore.
    func emptyRestoreDatabase(_ app: Application) async throws -> String? {
        guard let url = Self.databaseURL, var parts = URLComponents(string: url) else { return nil }
        try await app.db.sql.raw("DROP DATABASE IF EXISTS lvze_restore_test").run()
        try await app.db.sql.raw("CREATE DATABASE lvze_restore_test").run()
        parts.path = "/lvze_restore_test"
        return parts.string
    }

    func testBackupDuringSixteenWritersHoldsEveryAcknowledgedRecordAndRestores() async throws {
        let folder = try temporaryFolder()
        let data = folder.appendingPathComponent("data")
        let app = try await makeApp(data: data)
        let backupFile = folder.appendingPathComponent("lvze-backup.zip")
        var acknowledged: [Int] = []
        var evidenceHash = ""
        var restoreURL: String?
        do {
            let f = try await Fixture.make(app)
            let kind = try XCTUnwrap(app.lvze.catalogue["hazard"])
            evidenceHash = try app.lvze.attachments.store(Data("%PDF-1.4 整改照片".utf8), name: "证明.pdf", maxBytes: 1 << 20).sha256
            restoreURL = try await emptyRestoreDatabase(app)

            // 16 writers, each writing records (with history and audit entries) until told to stop.
            let written = NIOLockedValueBox<[Int]>([])
            let stop = NIOLockedValueBox(false)
            let services = try await (0..<16).asyncMap { _ in try await recordService(app, "clerk") }
            let made: Backup.Made = try await withThrowingTaskGroup(of: Void.self) { group in
                for (n, service) in services.enumerated() {
                    group.addTask {
                        var i = 0
                        while !stop.withLockedValue({ $0 }) && i < 400 {
                            let (record, _) = try await service.create(kind, unitRef: f.villageA.code, raw: RecordServiceTests.hazard.merging(
                                ["description": "写入者\(n)第\(i)条"]) { _, new in new })
                            written.withLockedValue { $0.append(record.id!) }
                            i += 1
                        }
                    }
                }
                // The backup starts once the writers are well under way, and they go on writing.
                while written.withLockedValue({ $0.count }) < 64 { try await Task.sleep(for: .milliseconds(20)) }
                acknowledged = written.withLockedValue { $0 }
                let made = try await Backup.make(app, to: backupFile)
                stop.withLockedValue { $0 = true }
                try await group.waitForAll()
                return made
            }
            let total = written.withLockedValue { $0.count }
            XCTAssertGreaterThan(total, acknowledged.count, "writers went on during the backup")
            XCTAssertGreaterThanOrEqual(made.manifest.records, acknowledged.count)
            XCTAssertEqual(made.sha256, try FileDigest.sha256(of: backupFile).hex)
            XCTAssertEqual(made.sha256.count, 64)
            let mode = try FileManager.default.attributesOfItem(atPath: backupFile.path)[.posixPermissions] as? Int
            XCTAssertEqual(mode, 0o600, "the backup holds the audit key: its owner's alone")
            XCTAssertEqual(made.manifest.attachments, 1)
            XCTAssertTrue(made.manifest.members.contains { $0.path == "audit.key" })
        } catch {
            try await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()

        // Restored into an empty folder (and database): every acknowledged record, the evidence, a sound chain.
        let restoredData = folder.appendingPathComponent("restored")
        let done = try await Restore.run(file: backupFile.path,
                                         configuration: LvzeConfiguration(dataDirectory: restoredData.path, databaseURL: restoreURL))
        XCTAssertGreaterThanOrEqual(done.manifest.records, acknowledged.count)
        let keyMode = try FileManager.default.attributesOfItem(atPath: restoredData.appendingPathComponent("audit.key").path)[.posixPermissions] as? Int
        XCTAssertEqual(keyMode, 0o600)
        XCTAssertTrue(FileManager.default.fileExists(atPath: restoredData.appendingPathComponent("attachments/\(evidenceHash.prefix(2))/\(evidenceHash)").path))
        let restored = try await makeApp(data: restoredData, databaseURL: restoreURL, empty: false)
        do {
            let ids = Set(try await LedgerRecord.query(on: restored.db).all(\.$id).compactMap { $0 })
            XCTAssertEqual(Set(acknowledged).subtracting(ids), [], "every record acknowledged before the backup began is in it")
            XCTAssertEqual(ids.count, done.manifest.records)
            let result = try await restored.lvze.audit.verify(on: restored.db, checkpoints: [])
            XCTAssertEqual(result.breaks.map(\.description), [])
            XCTAssertGreaterThanOrEqual(result.count, done.manifest.auditEntries)
        } catch {
            try await restored.asyncShutdown()
            throw error
        }
        try await restored.asyncShutdown()
        if restoreURL != nil {
            let cleanup = try await makeApp(data: folder.appendingPathComponent("cleanup"))
            try? await cleanup.db.sql.raw("DROP DATABASE IF EXISTS lvze_restore_test").run()
            try await cleanup.asyncShutdown()
        }
    }

    /// A damaged file, a folder in use, the wrong database: refused, and nothing written.
    func testRestoreRefusesWhatItMustNotWrite() async throws {
        let folder = try temporaryFolder()
        let data = folder.appendingPathComponent("data")
        let app = try await makeApp(data: data, databaseURL: nil)
        let file = folder.appendingPathComponent("b.zip")
        do {
            _ = try await Fixture.make(app)
            _ = try await Backup.make(app, to: file)
            // A backup never replaces a file.
            do {
                _ = try await Backup.make(app, to: file)
                XCTFail("overwrote a backup")
            } catch let error as CLIError {
                XCTAssertTrue(error.description.contains("已存在"), error.description)
            }
        } catch {
            try await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()

        func refusal(_ path: String, into target: URL, databaseURL: String? = nil) async -> String {
            do {
                _ = try await Restore.run(file: path, configuration: LvzeConfiguration(dataDirectory: target.path, databaseURL: databaseURL))
                return ""
            } catch {
                return "\(error)"
            }
        }
        // The folder in use.
        let message = await refusal(file.path, into: data)
        XCTAssertTrue(message.contains("不是空的"), message)

        // One byte of the database changed inside the ZIP (stored entries keep their CRC): refused by the manifest.
        let tampered = folder.appendingPathComponent("tampered.zip")
        do {
            let source = try Archive(url: file, accessMode: .read)
            let out = try Archive(url: tampered, accessMode: .create)
            for entry in source {
                var bytes = Data()
                _ = try source.extract(entry, skipCRC32: true) { bytes.append($0) }
                if entry.path == Backup.keyMember { bytes[0] = bytes[0] == 0x61 ? 0x62 : 0x61 }
                try out.addEntry(with: entry.path, type: .file, uncompressedSize: Int64(bytes.count), compressionMethod: .none) { p, n in
                    bytes.subdata(in: Int(p)..<Int(p) + n)
                }
            }
        }
        let target = folder.appendingPathComponent("target")
        let damaged = await refusal(tampered.path, into: target)
        XCTAssertTrue(damaged.contains("audit.key 的校验值与清单不符"), damaged)
        XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: target.path)) ?? [], [], "nothing half-restored")

        let notBackup = folder.appendingPathComponent("not.zip")
        try Data("PK\u{3}\u{4} no".utf8).write(to: notBackup)
        let notOurs = await refusal(notBackup.path, into: target)
        XCTAssertTrue(notOurs.contains("不是 Lvze 的备份文件"), notOurs)
        let missing = await refusal(folder.appendingPathComponent("none.zip").path, into: target)
        XCTAssertTrue(missing.contains("找不到备份文件"), missing)
        let wrongKind = await refusal(file.path, into: target, databaseURL: "postgres://u:p@127.0.0.1:5432/x")
        XCTAssertTrue(wrongKind.contains("不能恢复到 PostgreSQL"), wrongKind)
    }

    func testScheduleSettingsAndWhatIsDue() throws {
        let folder = try temporaryFolder()
        XCTAssertNil(try BackupSchedule.from(environment: [:]))
        let schedule = try XCTUnwrap(try BackupSchedule.from(environment: ["LVZE_BACKUP_DIR": folder.path, "LVZE_BACKUP_KEEP": "3",
                                                                           "LVZE_BACKUP_TIME": "01:15"]))
        XCTAssertEqual(schedule, BackupSchedule(folder: folder.path, keep: 3, hour: 1, minute: 15))
        let wrong: [([String: String], String)] = [
            (["LVZE_BACKUP_KEEP": "3"], "没有设置备份目录"),
            (["LVZE_BACKUP_DIR": folder.path, "LVZE_BACKUP_KEEP": "0"], "LVZE_BACKUP_KEEP 须为1到3650"),
            (["LVZE_BACKUP_DIR": folder.path, "LVZE_BACKUP_KEEP": "七"], "现为「七」"),
            (["LVZE_BACKUP_DIR": folder.path, "LVZE_BACKUP_TIME": "25:00"], "形如 02:30"),
            (["LVZE_BACKUP_DIR": folder.path, "LVZE_BACKUP_TIME": "2点"], "形如 02:30"),
            (["LVZE_BACKUP_DIR": folder.appendingPathComponent("none").path], "不存在"),
        ]
        for (env, expected) in wrong {
            XCTAssertThrowsError(try BackupSchedule.from(environment: env), "\(env)") { XCTAssertTrue("\($0)".contains(expected), "\($0)") }
        }

        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .current
        let early = calendar.date(from: DateComponents(year: 2025, month: 12, day: 31, hour: 1, minute: 10))!
        let late = calendar.date(from: DateComponents(year: 2025, month: 12, day: 31, hour: 1, minute: 20))!
        XCTAssertEqual(schedule.fileName(at: late), "lvze-backup-20251231-0120.zip")
        XCTAssertFalse(schedule.isDue(now: early, existing: []), "before the day's time")
        XCTAssertTrue(schedule.isDue(now: late, existing: ["lvze-backup-20251230-0115.zip"]))
        XCTAssertFalse(schedule.isDue(now: late, existing: ["lvze-backup-20251231-0116.zip"]), "once a day")
        let files = ["lvze-backup-20251228-0115.zip", "notes.txt", "lvze-backup-20251231-0115.zip", "lvze-backup-20251229-0115.zip",
                     "lvze-backup-20251230-0115.zip", "other-20200101.zip"]
        XCTAssertEqual(schedule.surplus(files), ["lvze-backup-20251228-0115.zip"], "the oldest beyond three, and only ours")

        let attempts = BackupAttempts()
        for _ in 0..<3 { XCTAssertTrue(attempts.mayTry(day: "d1")); attempts.failed(day: "d1") }
        XCTAssertFalse(attempts.mayTry(day: "d1"), "three failures a day, then the next day")
        XCTAssertTrue(attempts.mayTry(day: "d2"))
    }

    /// The server's own daily run: made when due, audited, the surplus removed.
    func testScheduledBackupRunsWhenDueAndKeepsN() async throws {
        let folder = try temporaryFolder()
        let app = try await makeApp(data: folder.appendingPathComponent("data"), databaseURL: nil)
        do {
            _ = try await Fixture.make(app)
            let schedule = BackupSchedule(folder: folder.path, keep: 2, hour: 0, minute: 0)
            for old in ["lvze-backup-20200101-0000.zip", "lvze-backup-20200102-0000.zip"] {
                try Data().write(to: folder.appendingPathComponent(old))
            }
            let made = try await app.runBackupIfDue(schedule, attempts: BackupAttempts())
            XCTAssertNotNil(made)
            let again = try await app.runBackupIfDue(schedule, attempts: BackupAttempts())
            XCTAssertNil(again, "once a day")
            let left = schedule.existing().filter { $0.hasPrefix("lvze-backup-") }.sorted()
            XCTAssertEqual(left, ["lvze-backup-20200102-0000.zip", made!.file.lastPathComponent])
            let entry = try await AuditEntry.query(on: app.db).filter(\.$action == "backup").first()
            XCTAssertTrue(entry?.summary.contains("删除旧备份1个") ?? false, entry?.summary ?? "no audit entry")
        } catch {
            try await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for element in self { out.append(try await transform(element)) }
        return out
    }
}
