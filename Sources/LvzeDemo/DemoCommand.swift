import ConsoleKit
import Fluent
import Foundation
import LvzeCore
import LvzeServer
import SQLKit
import Vapor

/// The demo district for the `lvze` executable: `lvze demo` and `serve --demo`.
public struct DemoLoader: DemoDistrictLoader {
    public init() {}

    public var command: any AsyncCommand { DemoCommand() }

    public func loadIfEmpty(_ app: Application) async throws -> Bool {
        guard let load = try await loadDemoIfEmpty(app) else { return false }
        printDemoSummary(load, console: app.console)
        return true
    }
}

/// `lvze demo [--scale small|10k|100k|large|10m] [--seed N]`: loads the demo district and its records
/// into an empty database.
struct DemoCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "scale", help: "数据规模：small（默认，每类台账每年几条到几十条，数秒载入）、10k、100k、large（约100万条记录和约2000家企业，用于性能测试）或 10m（约1000万条，用于PostgreSQL规模测试）")
        var scale: String?
        @Option(name: "seed", help: "随机种子（默认 1）；同一种子生成相同的数据") var seed: Int?
        init() {}
    }
    var help: String { "向空数据库载入示范区演示数据（单位、人员、账号和当年、上年的各类台账记录）" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let raw = (signature.scale ?? "small").trimmingCharacters(in: .whitespaces)
        guard let scale = DemoRecords.Scale(rawValue: raw.lowercased()) else {
            throw CLIError("--scale：「\(raw)」不是可选的规模，可选 small（小规模，默认）、10k（约1万条）、100k（约10万条）、large（约100万条记录）或 10m（约1000万条记录）")
        }
        let started = Date()
        let bar = scale != .small ? DemoProgress() : nil
        var progress: (@Sendable (Int, Int) -> Void)?
        if let bar { progress = { done, total in bar.update(done, total: total) } }
        let load = try await loadDemoIfEmpty(context.application, seed: UInt64(bitPattern: Int64(signature.seed ?? 1)), scale: scale,
                                             progress: progress)
        bar?.finish()
        guard let load else {
            throw CLIError("数据库中已有单位，演示数据只能载入空数据库（可设置 LVZE_DATA 指向新的数据目录）")
        }
        printDemoSummary(load, console: context.console)
        context.console.print("用时\(String(format: "%.1f", Date().timeIntervalSince(started)))秒")
        try await LvzeMain.announceAdmin(context.application)
    }
}

/// The progress line of `lvze demo --scale large`, drawn once the total is known.
final class DemoProgress: @unchecked Sendable {
    private let lock = NSLock()
    private var line: ProgressLine?
    private var last = (done: 0, total: 0)

    func update(_ done: Int, total: Int) {
        lock.lock()
        if line == nil { line = ProgressLine(label: "写入台账记录", total: total) }
        let line = self.line!
        last = (done, total)
        lock.unlock()
        line.update(done)
    }

    /// Draws the final count (the line itself redraws at most ten times a second) and ends it.
    func finish() {
        let (line, last) = lock.withLock { (self.line, self.last) }
        guard let line else { return }
        if last.total > 0 {
            let bar = String(repeating: "#", count: 30 * min(last.done, last.total) / last.total)
            FileHandle.standardError.write(Data("\r写入台账记录 [\(bar.padding(toLength: 30, withPad: "-", startingAt: 0))] \(last.done)/\(last.total)".utf8))
        }
        line.finish()
    }
}

/// What a demo load made: the district and its records.
struct DemoLoad {
    var district: DemoDistrict.Summary
    var records: DemoRecords.Summary
}

/// Builds the demo district and its records when the database has no units yet; nil otherwise.
func loadDemoIfEmpty(_ app: Application, seed: UInt64 = 1, scale: DemoRecords.Scale = .small,
                     progress: (@Sendable (Int, Int) -> Void)? = nil) async throws -> DemoLoad? {
    guard try await OrgUnit.query(on: app.db).count() == 0 else { return nil }
    let cost = app.lvze.configuration.bcryptCost
    let summary = try await app.db.transaction { tx in
        try await DemoDistrict(db: tx, seed: seed).build(today: LocalDate(app.lvze.clock.now()), bcryptCost: cost,
                                                           threadPool: app.threadPool)
    }
    var builder = DemoRecords(db: app.db, catalogue: app.lvze.catalogue.catalogue, seed: seed, scale: scale, now: app.lvze.clock.now())
    if let progress { builder.progress = progress }
    var records = try await builder.build()
    // PostgreSQL plans from statistics autovacuum gathers only later: a million records
    // loaded in a minute would otherwise be planned as the empty tables they were.
    if app.db.dialect == .postgres, scale != .small {
        try await app.db.sql.raw("ANALYZE").run()
    }
    // Last year's assessment of the towns on every system, self-assessed, reviewed, published and
    // frozen; the scale demos are for measuring and keep to records.
    let assessments = scale != .small ? DemoAssessments.Made() : try await DemoAssessments.make(
        app, assessingCode: "DEMO", year: LocalDate(app.lvze.clock.now()).year - 1, assessor: "kaohe")
    // The towns' study meetings and the items the 述职评议's comments became: records like any other.
    for (kind, added) in assessments.records.merging(["rectification": assessments.rectificationItems], uniquingKeysWith: +) {
        guard let i = records.perKind.firstIndex(where: { $0.id == kind }) else { continue }
        records.perKind[i].count += added
        records.events += added
    }
    if app.lvze.settings.string("site.district_name").isEmpty {
        try await app.lvze.settings.set(["site.district_name": "中共示范区委员会"], on: app.db)
    }
    try await app.lvze.audit.append(.create, actor: .system("demo"), objectType: "demo", objectID: "DEMO",
                                    summary: "载入示范区演示数据（\(scale.label)）：\(summary.units + records.unitsAdded)个单位、"
                                        + "\(summary.people + records.peopleAdded)名人员、\(summary.accounts.count)个账号、\(records.total)条台账记录、"
                                        + "\(assessments.assessments)个年度考核",
                                    at: app.lvze.clock.now(), on: app.db)
    return DemoLoad(district: summary, records: records)
}

func printDemoSummary(_ load: DemoLoad, console: any Console) {
    let summary = load.district, records = load.records
    console.print("已载入示范区（代码 DEMO）：\(summary.units + records.unitsAdded)个单位和组织、\(summary.people + records.peopleAdded)名人员，"
                  + "\(records.perKind.count)类台账共\(records.total)条记录（当年和上年，名称均为虚构）：")
    for (system, count) in records.perSystem where count > 0 {
        console.print("  \(system.label)：\(count)条")
    }
    console.print("演示账号（密码均为 \(DemoDistrict.password)）：")
    for (username, role, unit) in summary.accounts {
        console.print("  \(username.padding(toLength: 12, withPad: " ", startingAt: 0)) \(role)  \(unit)")
    }
}
