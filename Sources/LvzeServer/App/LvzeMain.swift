import ConsoleKit
import Fluent
import Foundation
import LvzeCore
import Vapor

/// The demo district, which lives in its own target (`LvzeDemo`) and is handed to the
/// executable's `run`: the server itself knows nothing of it.
public protocol DemoDistrictLoader: Sendable {
    /// `lvze demo`.
    var command: any AsyncCommand { get }
    /// Loads the demo district into an empty database and prints what it made; false when the
    /// database already has units (`serve --demo` then leaves it alone).
    func loadIfEmpty(_ app: Application) async throws -> Bool
}

/// The `lvze` executable: reads the environment, configures the app, runs the command.
public enum LvzeMain {
    public static func run(demo loader: (any DemoDistrictLoader)? = nil) async -> Int32 {
        var arguments = CommandLine.arguments
        // `serve --demo` is ours; Vapor's serve command gets the rest (--hostname, --port).
        var demo = false
        if arguments.count > 1, arguments[1] == "serve", let i = arguments.firstIndex(of: "--demo") {
            demo = true
            arguments.remove(at: i)
        }
        if arguments.count == 1 { arguments.append("serve") }
        let env = ProcessInfo.processInfo.environment
        // HTTPS and the daily backup are the server's alone: other commands ignore their settings.
        var tls: TLSFiles?
        var backup: BackupSchedule?
        if arguments[1] == "serve" {
            do {
                tls = try ServerTLS.take(from: &arguments, environment: env)
                backup = try BackupSchedule.from(environment: env)
            } catch {
                FileHandle.standardError.write(Data("启动失败：\(error)\n".utf8))
                return 2
            }
        }
        var bcryptCost = 12
        if let raw = env["LVZE_BCRYPT_COST"], !raw.isEmpty {
            guard let n = Int(raw), (4...16).contains(n) else {
                FileHandle.standardError.write(Data("错误：环境变量 LVZE_BCRYPT_COST 须为4到16之间的整数\n".utf8))
                return 2
            }
            bcryptCost = n
        }
        var connections = LvzeConfiguration.defaultConnectionsPerLoop
        if let raw = env["LVZE_DB_CONNECTIONS"], !raw.isEmpty {
            guard let n = Int(raw), (1...64).contains(n) else {
                FileHandle.standardError.write(Data("错误：环境变量 LVZE_DB_CONNECTIONS（每个线程的PostgreSQL连接数）须为1到64之间的整数\n".utf8))
                return 2
            }
            connections = n
        }
        // Settings are checked before anything is read or written: a bad one must not stop the
        // server only after it has loaded the demo district or created the admin account.
        let adminPassword = env["LVZE_ADMIN_PASSWORD"]
        if let adminPassword, !adminPassword.isEmpty {
            let problems = PasswordPolicy.standard.problems(password: adminPassword, username: "admin")
            guard problems.isEmpty else {
                FileHandle.standardError.write(Data("启动失败：环境变量 LVZE_ADMIN_PASSWORD 不符合密码策略：\(problems.joined(separator: "；"))\n".utf8))
                return 2
            }
        }
        let configuration = LvzeConfiguration(
            dataDirectory: env["LVZE_DATA"].flatMap { $0.isEmpty ? nil : $0 } ?? "./data",
            bcryptCost: bcryptCost, databaseURL: env["DATABASE_URL"], demo: demo,
            adminPassword: adminPassword, auditKeyFile: env["LVZE_AUDIT_KEY_FILE"], tls: tls,
            backup: backup, connectionsPerLoop: connections,
            databaseReadURLs: (env["DATABASE_READ_URL"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })

        var vaporEnv: Environment
        do {
            vaporEnv = try Environment.detect(arguments: arguments)
        } catch {
            FileHandle.standardError.write(Data("错误：命令行参数有误：\(error)\n".utf8))
            return 2
        }
        let app: Application
        do {
            app = try await Application.make(vaporEnv)
        } catch {
            FileHandle.standardError.write(Data("错误：无法启动：\(error)\n".utf8))
            return 1
        }
        var status: Int32 = 0
        var configured = false
        let isServe = arguments.count > 1 && arguments[1] == "serve"
        // Help touches no database: no data folder, no file, no admin account.
        let wantsHelp = arguments.dropFirst().contains { $0 == "--help" || $0 == "-h" }
        if !isServe, ProcessInfo.processInfo.environment["LOG_LEVEL"] == nil {
            // Command-line tools speak through their own Chinese messages, not the server log.
            app.logger.logLevel = .error
        }
        do {
            app.asyncCommands.use(UserCommands(), as: "user")
            app.asyncCommands.use(AuditCommands(), as: "audit")
            if let loader { app.asyncCommands.use(loader.command, as: "demo") }
            app.asyncCommands.use(ImportCommand(), as: "import")
            app.asyncCommands.use(ExportCommand(), as: "export")
            app.asyncCommands.use(ReportCommand(), as: "report")
            app.asyncCommands.use(AssessmentCommand(), as: "assessment")
            app.asyncCommands.use(RemindCommand(), as: "remind")
            app.asyncCommands.use(BackupCommand(), as: "backup")
            app.asyncCommands.use(RestoreCommand(configuration: configuration), as: "restore")
            // A restore writes into an empty folder: nothing may be opened or created there first.
            if wantsHelp || arguments.count > 1 && arguments[1] == "restore" {
                _ = app.fluent.migrationLogLevel  // registers Fluent's `migrate` command for its help
                try await app.execute()
                try? await app.asyncShutdown()
                return 0
            }
            // A backup of a folder with no database would be a backup of a new, empty one.
            if arguments.count > 1, arguments[1] == "backup", (configuration.databaseURL ?? "").isEmpty,
               !FileManager.default.fileExists(atPath: URL(fileURLWithPath: configuration.dataDirectory).appendingPathComponent("lvze.sqlite").path) {
                throw CLIError("数据目录 \(configuration.dataDirectory) 中没有 Lvze 的数据库（lvze.sqlite）；请用 LVZE_DATA 指定要备份的数据目录")
            }
            try await configure(app, configuration)
            configured = true
            if isServe, demo, let loader { _ = try await loader.loadIfEmpty(app) }
            // Only the server makes the first admin account; `lvze demo` makes it after filling
            // the empty database, so `lvze migrate` followed by `lvze demo` works.
            if isServe {
                try await announceAdmin(app)
            }
            // The audit head is checkpointed every hour the server runs (and at every start).
            let checkpoints: Task<Void, Never>? = isServe ? Task { [app] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(3_600))
                    if Task.isCancelled { break }
                    do {
                        try await app.lvze.audit.checkpoint(on: app.db, at: app.lvze.clock.now())
                    } catch {
                        app.logger.error("审计日志检查点签发失败", metadata: ["error": .string(String(reflecting: error))])
                    }
                }
            } : nil
            defer { checkpoints?.cancel() }
            // The warning ladder's pass, once a day: checked a minute after start, then every ten.
            let reminders: Task<Void, Never>? = isServe ? Task { [app] in
                var wait: Duration = .seconds(60)
                while !Task.isCancelled {
                    try? await Task.sleep(for: wait)
                    wait = .seconds(600)
                    if Task.isCancelled { break }
                    do {
                        if let report = try await app.runRemindersIfDue() {
                            app.logger.notice("整改预警提醒：\(report.summary)，发出消息\(report.notices)条")
                        }
                    } catch {
                        app.logger.error("整改预警提醒失败", metadata: ["error": .string(String(reflecting: error))])
                    }
                }
            } : nil
            defer { reminders?.cancel() }
            // The daily backup, when LVZE_BACKUP_DIR is set: checked every ten minutes.
            let backups: Task<Void, Never>? = isServe ? configuration.backup.map { schedule in
                Task { [app] in
                    let attempts = BackupAttempts()
                    var wait: Duration = .seconds(90)
                    while !Task.isCancelled {
                        try? await Task.sleep(for: wait)
                        wait = .seconds(600)
                        if Task.isCancelled { break }
                        do {
                            if let made = try await app.runBackupIfDue(schedule, attempts: attempts) {
                                app.logger.notice("定时备份完成：\(made.file.path)，SHA-256 \(made.sha256)")
                            }
                        } catch {
                            app.logger.error("定时备份失败", metadata: ["error": .string("\(error)")])
                        }
                    }
                }
            } : nil
            defer { backups?.cancel() }
            if isServe {
                let address = serveAddress(vaporEnv.arguments)
                app.console.print("履责 Lvze 已启动：在浏览器中打开 \(tls == nil ? "http" : "https")://\(address)/ 登录"
                                  + (demo ? "（演示账号见上；已有数据时不再重复载入）" : ""))
            }
            try await app.execute()
        } catch let error as CLIError {
            FileHandle.standardError.write(Data("错误：\(error.description)\n".utf8))
            status = 1
        } catch let error as StartupError {
            FileHandle.standardError.write(Data("启动失败：\(error.description)\n".utf8))
            status = 1
        } catch let error as CommandError {
            FileHandle.standardError.write(Data("命令行参数有误：\(describe(error))\n运行 lvze --help 查看用法\n".utf8))
            status = 2
        } catch {
            FileHandle.standardError.write(Data("错误：\(error)\n".utf8))
            status = 1
        }
        // A stop waits for requests and imports in flight before the databases close. If they
        // do not finish in time the process exits without closing them (SQLite's log and
        // PostgreSQL keep what was committed), never with a request using a closed database.
        if isServe, configured {
            let drained = await app.lvze.inFlight.drain(imports: app.lvze.imports, timeout: 60, logger: app.logger)
            if !drained {
                app.logger.error("停止时仍有\(app.lvze.inFlight.current)个请求未完成，已放弃等待")
                return status
            }
        }
        try? await app.asyncShutdown()
        if isServe { app.logger.notice("履责 Lvze 已停止") }
        return status
    }

    package static func announceAdmin(_ app: Application) async throws {
        guard let admin = try await Bootstrap.ensureAdmin(app) else { return }
        if admin.generated {
            app.console.print("已创建系统管理员账号 admin，初始密码：\(admin.password)")
            app.console.print("（此密码只显示这一次，首次登录后须修改；也可在首次启动前设置 LVZE_ADMIN_PASSWORD 指定）")
        } else {
            app.console.print("已创建系统管理员账号 admin，密码为 LVZE_ADMIN_PASSWORD 所设")
        }
    }

    private static func serveAddress(_ args: [String]) -> String {
        var host = "127.0.0.1", port = "8080"
        for (i, a) in args.enumerated() where i + 1 < args.count {
            if a == "--hostname" || a == "-H" { host = args[i + 1] }
            if a == "--port" || a == "-p" { port = args[i + 1] }
            if a == "--bind" || a == "-b" { return args[i + 1] }
        }
        return "\(host):\(port)"
    }

    private static func describe(_ error: CommandError) -> String {
        switch error {
        case .missingCommand: return "缺少子命令"
        case .unknownCommand(let name, _): return "没有「\(name)」这个命令"
        case .missingRequiredArgument(let name): return "缺少参数 \(name)"
        case .invalidArgumentType(let name, _): return "参数 \(name) 的类型不对"
        case .invalidOptionType(let name, _): return "选项 --\(name) 的值不对"
        case .unknownInput(let input): return "无法识别的参数 \(input)"
        @unknown default: return "\(error)"
        }
    }
}
