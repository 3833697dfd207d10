import ConsoleKit
import Fluent
import Foundation
import LvzeCore
import Vapor

/// A command-line failure: printed in Chinese on standard error, exit status 1.
public struct CLIError: Error, CustomStringConvertible {
    public let description: String
    public init(_ message: String) { description = message }
}

/// `lvze user create NAME --role ROLE[,ROLE] --unit CODE [--name 姓名] [--password-stdin]`
struct UserCommands: AsyncCommandGroup {
    var commands: [String: any AnyAsyncCommand] = ["create": UserCreateCommand()]
    var help: String { "账号管理（user create）" }
}

struct UserCreateCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "username", help: "用户名") var username: String
        @Option(name: "role", help: "角色，多个用逗号分隔：sysadmin, secadmin, auditor, leader, clerk, reviewer, assessor, discipline")
        var role: String?
        @Option(name: "unit", help: "所属单位代码，如 DEMO") var unit: String?
        @Option(name: "name", help: "姓名（默认同用户名）") var displayName: String?
        @Flag(name: "password-stdin", help: "从标准输入读取密码（一行）") var passwordStdin: Bool
        init() {}
    }

    var help: String { "新建账号" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        var roles: Set<Role> = []
        var problems: [String] = []
        let roleText = signature.role ?? ""
        if roleText.isEmpty { problems.append("--role：必须指定角色（sysadmin, secadmin, auditor, leader, clerk, reviewer, assessor, discipline）") }
        for raw in roleText.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !raw.isEmpty {
            if let r = Role(rawValue: raw) { roles.insert(r) }
            else { problems.append("--role：「\(raw)」不是角色，可选 sysadmin, secadmin, auditor, leader, clerk, reviewer, assessor, discipline") }
        }
        if (signature.unit ?? "").isEmpty { problems.append("--unit：必须指定所属单位代码") }
        guard problems.isEmpty else { throw CLIError(problems.joined(separator: "\n")) }
        let input = NewUserInput(username: signature.username, displayName: signature.displayName, unitCode: signature.unit, adminRole: nil)
        let checked: NewUserInput.Checked
        do {
            checked = try await input.check(scope: nil, roles: roles, on: app.db)
        } catch let failure as ValidationFailure {
            throw CLIError(failure.errors.map(\.description).joined(separator: "\n"))
        }
        let grantedRoles = roles
        var password: String
        var mustChange = false
        if signature.passwordStdin {
            guard let line = readLine(strippingNewline: true), !line.isEmpty else {
                throw CLIError("--password-stdin：标准输入中没有读到密码")
            }
            password = line
            let issues = app.lvze.settings.passwordPolicy.problems(password: password, username: checked.username)
            guard issues.isEmpty else { throw CLIError("密码不符合策略：" + issues.joined(separator: "；")) }
        } else {
            password = Secrets.password()
            mustChange = true
        }
        let cost = app.lvze.configuration.bcryptCost
        let pw = password
        let hash = try await app.threadPool.runIfActive { try Bcrypt.hash(pw, cost: cost) }
        let user = User.make(checked, passwordHash: hash, mustChange: mustChange, now: app.lvze.clock.now())
        try await app.db.transaction { tx in
            try await user.create(on: tx)
            try await app.lvze.audit.append(.create, actor: .system("cli"), objectType: "user", objectID: String(user.id!),
                                            summary: "命令行新建账号「\(user.username)」", after: user.snapshot,
                                            at: app.lvze.clock.now(), on: tx)
            try await app.lvze.audit.append(.rolesChanged, actor: .system("cli"), objectType: "user", objectID: String(user.id!),
                                            summary: "「\(user.username)」设为\(grantedRoles.sorted().map(\.label).joined(separator: "、"))",
                                            before: [String](), after: grantedRoles.sorted().map(\.rawValue),
                                            at: app.lvze.clock.now(), on: tx)
        }
        context.console.print("已创建账号 \(user.username)（\(roles.sorted().map(\.label).joined(separator: "、"))，\(checked.unit.name)）")
        if mustChange { context.console.print("初始密码：\(password)（仅显示这一次，首次登录须修改）") }
    }
}

/// `lvze audit verify [--checkpoint FILE]…`: walks the hash chain, checks every MAC and
/// checkpoint; exits non-zero listing every break. `lvze audit checkpoint`: signs the head and
/// prints the checkpoint as JSON, for the auditor to keep elsewhere.
struct AuditCommands: AsyncCommandGroup {
    var commands: [String: any AnyAsyncCommand] = ["verify": AuditVerifyCommand(), "checkpoint": AuditCheckpointCommand()]
    var help: String { "审计日志（audit verify 校验，audit checkpoint 导出检查点）" }
}

struct AuditVerifyCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "checkpoint", help: "另行保存的检查点文件（audit checkpoint 或审计页面导出的 JSON），校验此前的日志未被改写")
        var checkpoint: String?
        init() {}
    }
    var help: String { "校验审计日志：哈希链、密钥签名和检查点，列出每一处问题" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        var extra: [AuditCheckpoint] = []
        if let path = signature.checkpoint {
            extra = try AuditCheckpointFile.read(path)
        }
        let result = try await app.lvze.audit.verify(on: app.db, checkpoints: extra)
        if !result.breaks.isEmpty {
            let lines = result.breaks.map { "  \($0.description)" }.joined(separator: "\n")
            throw CLIError("审计日志校验未通过，共\(result.breakCount)处问题（完好\(result.count)条）：\n\(lines)")
        }
        try await app.lvze.audit.append(.auditVerified, actor: .system("cli"), objectType: "audit", objectID: "",
                                        summary: "命令行校验审计日志：\(result.summary)", at: app.lvze.clock.now(), on: app.db)
        context.console.print("审计日志完整：\(result.count)条，哈希链和密钥签名校验通过" + (result.checkpoints > 0 ? "，与\(result.checkpoints)个检查点相符" : ""))
    }
}

struct AuditCheckpointCommand: AsyncCommand {
    struct Signature: CommandSignature { init() {} }
    var help: String { "为当前链头签发检查点，以 JSON 打印到标准输出（请另行保存，供日后 audit verify --checkpoint 校验）" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        guard let point = try await app.lvze.audit.checkpoint(on: app.db, at: app.lvze.clock.now()) else {
            throw CLIError("审计日志还是空的，没有可签发的检查点")
        }
        context.console.print(try AuditCheckpointFile.json(point))
    }
}

/// A checkpoint as the auditor keeps it: one JSON object, or a list of them.
enum AuditCheckpointFile {
    static func json(_ point: AuditCheckpoint) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return String(decoding: try encoder.encode(point), as: UTF8.self)
    }

    static func parse(_ data: Data, name: String) throws -> [AuditCheckpoint] {
        if let one = try? JSONDecoder().decode(AuditCheckpoint.self, from: data) { return [one] }
        if let many = try? JSONDecoder().decode([AuditCheckpoint].self, from: data) { return many }
        throw CLIError("检查点文件「\(name)」不是本系统导出的检查点（应为含 seq、hash、at、publicKey、signature 的 JSON）")
    }

    static func read(_ path: String) throws -> [AuditCheckpoint] {
        guard let data = FileManager.default.contents(atPath: path) else { throw CLIError("--checkpoint：无法读取文件 \(path)") }
        return try parse(data, name: path)
    }
}

