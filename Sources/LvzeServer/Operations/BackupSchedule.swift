import Foundation
import NIOConcurrencyHelpers
import Vapor

/// The daily backup the server makes by itself (`LVZE_BACKUP_DIR`, `LVZE_BACKUP_TIME` HH:MM
/// local time, default 02:30; `LVZE_BACKUP_KEEP`, default 7): one file a day, the oldest
/// beyond the number kept removed. Only files of its own naming are ever removed.
public struct BackupSchedule: Sendable, Equatable {
    public var folder: String
    public var keep: Int
    public var hour: Int
    public var minute: Int

    static let prefix = "lvze-backup-"
    static let suffix = ".zip"

    public init(folder: String, keep: Int = 7, hour: Int = 2, minute: Int = 30) {
        self.folder = folder
        self.keep = keep
        self.hour = hour
        self.minute = minute
    }

    /// nil when `LVZE_BACKUP_DIR` is not set; every mistake named.
    public static func from(environment env: [String: String]) throws -> BackupSchedule? {
        guard let folder = env["LVZE_BACKUP_DIR"], !folder.isEmpty else {
            if env["LVZE_BACKUP_KEEP"] != nil || env["LVZE_BACKUP_TIME"] != nil {
                throw StartupError("设置了 LVZE_BACKUP_KEEP 或 LVZE_BACKUP_TIME，但没有设置备份目录 LVZE_BACKUP_DIR")
            }
            return nil
        }
        var schedule = BackupSchedule(folder: folder)
        if let raw = env["LVZE_BACKUP_KEEP"], !raw.isEmpty {
            guard let n = Int(raw), (1...3_650).contains(n) else {
                throw StartupError("LVZE_BACKUP_KEEP 须为1到3650之间的整数（保留的备份份数），现为「\(raw)」")
            }
            schedule.keep = n
        }
        if let raw = env["LVZE_BACKUP_TIME"], !raw.isEmpty {
            let parts = raw.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, let h = Int(parts[0]), let m = Int(parts[1]), (0...23).contains(h), (0...59).contains(m) else {
                throw StartupError("LVZE_BACKUP_TIME 须为每天备份的时刻，形如 02:30，现为「\(raw)」")
            }
            schedule.hour = h
            schedule.minute = m
        }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw StartupError("备份目录 \(folder)（LVZE_BACKUP_DIR）不存在，请先创建并授予运行 Lvze 的账号写权限")
        }
        return schedule
    }

    private static func calendar() -> Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .current
        return calendar
    }

    /// lvze-backup-20251231-0230.zip: sorts by time as text.
    func fileName(at date: Date) -> String {
        let c = Self.calendar().dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return Self.prefix + String(format: "%04d%02d%02d-%02d%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!) + Self.suffix
    }

    private func dayPrefix(_ date: Date) -> String { String(fileName(at: date).prefix(Self.prefix.count + 8)) }

    /// Due once the day's time has come and no backup of that day is in the folder.
    func isDue(now: Date, existing: [String]) -> Bool {
        let c = Self.calendar().dateComponents([.hour, .minute], from: now)
        guard (c.hour!, c.minute!) >= (hour, minute) else { return false }
        let today = dayPrefix(now)
        return !existing.contains { $0.hasPrefix(today) && $0.hasSuffix(Self.suffix) }
    }

    /// Backups of this schedule's naming beyond the newest `keep`, oldest first.
    func surplus(_ existing: [String]) -> [String] {
        let ours = existing.filter { $0.hasPrefix(Self.prefix) && $0.hasSuffix(Self.suffix) }.sorted()
        return Array(ours.dropLast(keep))
    }

    func existing() -> [String] { (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] }
}

/// A day's failed attempts, so a lasting problem is tried three times a day, not every ten minutes.
final class BackupAttempts: Sendable {
    private let box = NIOLockedValueBox<(day: String, failures: Int)>(("", 0))
    func mayTry(day: String) -> Bool { box.withLockedValue { $0.day != day || $0.failures < 3 } }
    func failed(day: String) {
        box.withLockedValue { $0 = (day, $0.day == day ? $0.failures + 1 : 1) }
    }
}

extension Application {
    /// Makes the day's backup when due, then removes the surplus; nil when not due.
    func runBackupIfDue(_ schedule: BackupSchedule, attempts: BackupAttempts) async throws -> Backup.Made? {
        let now = lvze.clock.now()
        let day = String(schedule.fileName(at: now).prefix(BackupSchedule.prefix.count + 8))
        guard schedule.isDue(now: now, existing: schedule.existing()), attempts.mayTry(day: day) else { return nil }
        let target = URL(fileURLWithPath: schedule.folder).appendingPathComponent(schedule.fileName(at: now))
        do {
            let made = try await Backup.make(self, to: target)
            var removed: [String] = []
            for name in schedule.surplus(schedule.existing()) {
                if (try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: schedule.folder).appendingPathComponent(name).path)) != nil {
                    removed.append(name)
                }
            }
            try await lvze.audit.append(.backup, actor: .system(), objectType: "backup", objectID: target.lastPathComponent,
                                        summary: "定时" + Backup.summary(made) + "，SHA-256 \(made.sha256)"
                                            + (removed.isEmpty ? "" : "；按保留\(schedule.keep)份删除旧备份\(removed.count)个"),
                                        at: lvze.clock.now(), on: db)
            return made
        } catch {
            attempts.failed(day: day)
            try? await lvze.audit.append(.backup, actor: .system(), objectType: "backup", objectID: target.lastPathComponent,
                                         summary: "定时备份失败：\(error)", at: lvze.clock.now(), on: db)
            throw error
        }
    }
}
