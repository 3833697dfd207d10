import ConsoleKit
import Foundation
import Vapor

/// `lvze backup --out FILE`: safe while the server runs and writes.
struct BackupCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "out", help: "备份文件的路径（不覆盖已有文件），如 /var/backups/lvze/lvze-20251231.zip")
        var out: String?
        init() {}
    }

    var help: String { "在线备份：数据库、证明材料和审计密钥写入一个文件，并打印其 SHA-256" }

    func run(using context: CommandContext, signature: Signature) async throws {
        guard let out = signature.out, !out.isEmpty else { throw CLIError("--out：须指定备份文件的路径") }
        let app = context.application
        let made = try await Backup.make(app, to: URL(fileURLWithPath: out))
        try await app.lvze.audit.append(.backup, actor: .system("cli"), objectType: "backup", objectID: made.file.lastPathComponent,
                                        summary: Backup.summary(made), at: app.lvze.clock.now(), on: app.db)
        context.console.print(Backup.summary(made))
        context.console.print("SHA-256: \(made.sha256)")
    }
}

/// `lvze restore FILE`: runs before any database is opened (see `LvzeMain`).
struct RestoreCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "file", help: "lvze backup 写出的备份文件") var file: String
        init() {}
    }

    let configuration: LvzeConfiguration
    var help: String { "从备份文件恢复到空的数据目录（LVZE_DATA；PostgreSQL 时还须 DATABASE_URL 指向空数据库）" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let done = try await Restore.run(file: signature.file, configuration: configuration)
        let m = done.manifest
        context.console.print("已恢复\(m.createdAt.prefix(10))的备份到 \(done.dataDirectory)：记录\(m.records)条，审计日志\(m.auditEntries)条，证明材料\(m.attachments)个")
        context.console.print("请运行 lvze audit verify 校验审计日志，再启动服务")
    }
}

extension Backup {
    static func summary(_ made: Made) -> String {
        let m = made.manifest
        let mb = String(format: "%.1f", Double(made.size) / 1_048_576)
        return "已备份到 \(made.file.path)（\(mb) MB，用时\(String(format: "%.1f", made.seconds))秒）：记录\(m.records)条，审计日志\(m.auditEntries)条，证明材料\(m.attachments)个"
    }
}
