import ConsoleKit
import Fluent
import Foundation
import LvzeCore
@testable import LvzeServer
import XCTest
import XCTVapor

/// The command line's answers to wrong or missing flags: each a Chinese sentence naming the flag,
/// and nothing written when a command is refused.
final class CommandFlagTests: XCTestCase {
    private func run(_ app: Application, _ command: any AnyAsyncCommand, _ args: [String]) async throws {
        var context = CommandContext(console: Terminal(), input: CommandInput(arguments: ["lvze"] + args))
        context.application = app
        try await command.run(using: &context)
    }

    /// The CLIError a command ends with, or nil when it succeeds.
    private func refusal(_ app: Application, _ command: any AnyAsyncCommand, _ args: [String]) async throws -> String? {
        do {
            try await run(app, command, args)
            return nil
        } catch let error as CLIError {
            return error.description
        }
    }

    private func temporaryFile(_ name: String, _ data: Data) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString)-\(name)")
        try data.write(to: url)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url.path
    }

    func testEachWrongFlagOfEveryCommandIsNamed() async throws {
        try await withFixture { app, _ in
            let csv = try temporaryFile("hazards.csv", Data("排查时间,隐患描述,隐患等级,整改时限\n2026-02-01,配电箱未接地,一般隐患,2026-03-01\n".utf8))
            let notUTF8 = try temporaryFile("template.txt", Data([0xB0, 0xB2, 0xC8, 0xAB, 0xFF]))
            let notCheckpoint = try temporaryFile("cp.json", Data("{\"seq\": \"one\"}".utf8))
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString).xlsx").path
            let cases: [(name: String, command: any AnyAsyncCommand, args: [String], expected: String)] = [
                ("import: unknown ledger", ImportCommand(), ["nope", csv, "--unit", "TA"], "没有编号为「nope」的台账，可用："),
                ("import: no unit", ImportCommand(), ["hazard", csv], "--unit：必须指定导入到的单位代码"),
                ("import: unknown unit", ImportCommand(), ["hazard", csv, "--unit", "NOPE"], "--unit：单位代码「NOPE」不存在"),
                ("import: missing file", ImportCommand(), ["hazard", "/nonexistent/台账.csv", "--unit", "TA"],
                 "文件「/nonexistent/台账.csv」不存在或无法读取"),
                ("export: unknown ledger", ExportCommand(), ["nope", "--unit", "TA", "--out", out], "没有编号为「nope」的台账"),
                ("export: no unit", ExportCommand(), ["hazard", "--out", out], "--unit：必须指定单位代码"),
                ("export: unknown unit", ExportCommand(), ["hazard", "--unit", "NOPE", "--out", out], "--unit：单位代码「NOPE」不存在"),
                ("export: no output", ExportCommand(), ["hazard", "--unit", "TA"], "--out：必须指定输出文件"),
                ("export: unknown format", ExportCommand(), ["hazard", "--unit", "TA", "--out", out, "--format", "pdf"], "--format：应为 xlsx 或 csv"),
                ("export: year out of range", ExportCommand(), ["hazard", "--unit", "TA", "--out", out, "--year", "1800"], "--year：「1800」不是年份"),
                ("report: no unit", ReportCommand(), [], "--unit：必须指定报告单位代码"),
                ("report: unknown unit", ReportCommand(), ["--unit", "NOPE"], "--unit：单位代码「NOPE」不存在"),
                ("report: no year", ReportCommand(), ["--unit", "TA"], "--year：必须指定报告年度"),
                ("report: year before 2000", ReportCommand(), ["--unit", "TA", "--year", "1999"], "--year：「1999」不是有效年度"),
                ("report: unknown format", ReportCommand(), ["--unit", "TA", "--year", "2025", "--format", "pdf"],
                 "--format：「pdf」不对，应为 json、html 或 docx"),
                ("report: format from the file name", ReportCommand(), ["--unit", "TA", "--year", "2025", "--out", "/tmp/report.pdf"],
                 "--format：「pdf」不对，应为 json、html 或 docx"),
                ("report: Word without a file", ReportCommand(), ["--unit", "TA", "--year", "2025", "--format", "docx"],
                 "--out：docx 格式须指定输出文件"),
                ("report: missing template", ReportCommand(), ["--unit", "TA", "--year", "2025", "--template", "/nonexistent/模板.txt"],
                 "--template：文件「/nonexistent/模板.txt」不存在或无法读取"),
                ("report: template not UTF-8", ReportCommand(), ["--unit", "TA", "--year", "2025", "--template", notUTF8],
                 "--template：文件「\(notUTF8)」不是 UTF-8 文本"),
                ("assessment: no year", AssessmentCommand(), [], "--year：必须指定考核年度"),
                ("assessment: unknown system", AssessmentCommand(), ["--year", "2025", "--system", "culture"],
                 "--system：「culture」不是责任体系，应为 party、integrity、ideology 或 safety"),
                ("assessment: unknown unit", AssessmentCommand(), ["--year", "2025", "--unit", "NOPE"], "--unit：单位代码「NOPE」不存在"),
                ("assessment: unknown format", AssessmentCommand(), ["--year", "2025", "--out", "/tmp/a.pdf"],
                 "--format：「pdf」不对，应为 json、xlsx 或 docx"),
                ("assessment: none opened", AssessmentCommand(), ["--year", "2025"], "没有2025年度的考核；请先在「考核」页开展考核"),
                ("audit verify: missing checkpoint", AuditVerifyCommand(), ["--checkpoint", "/nonexistent/cp.json"],
                 "--checkpoint：无法读取文件 /nonexistent/cp.json"),
                ("audit verify: not a checkpoint", AuditVerifyCommand(), ["--checkpoint", notCheckpoint],
                 "检查点文件「\(notCheckpoint)」不是本系统导出的检查点（应为含 seq、hash、at、publicKey、signature 的 JSON）"),
                ("user create: no role or unit", UserCreateCommand(), ["wangwu"],
                 "--role：必须指定角色（sysadmin, secadmin, auditor, leader, clerk, reviewer, assessor, discipline）\n--unit：必须指定所属单位代码"),
                ("user create: a bad role among good", UserCreateCommand(), ["wangwu", "--role", "clerk, chief", "--unit", "TA"],
                 "--role：「chief」不是角色，可选 sysadmin, secadmin, auditor, leader, clerk, reviewer, assessor, discipline"),
                ("user create: a taken name", UserCreateCommand(), ["clerkA", "--role", "clerk", "--unit", "TA"], "«用户名»：「clerkA」已存在"),
            ]
            let auditBefore = try await AuditEntry.query(on: app.db).count()
            for c in cases {
                let message = try await refusal(app, c.command, c.args)
                if c.expected.hasSuffix("：") {
                    XCTAssertTrue(message?.hasPrefix(c.expected) == true, "\(c.name): \(message ?? "accepted")")
                } else {
                    XCTAssertEqual(message, c.expected, c.name)
                }
            }
            let records = try await LedgerRecord.query(on: app.db).count()
            XCTAssertEqual(records, 0)
            XCTAssertFalse(FileManager.default.fileExists(atPath: out), "no export was written")
            let users = try await User.query(on: app.db).filter(\.$username == "wangwu").count()
            XCTAssertEqual(users, 0)
            let auditAfter = try await AuditEntry.query(on: app.db).count()
            XCTAssertEqual(auditAfter, auditBefore, "refused commands leave no trace")
        }
    }

    func testAnImportWithAnyProblemListsThemAllAndWritesNothing() async throws {
        try await withFixture { app, _ in
            let bad = try temporaryFile("bad.csv", Data("""
                排查时间,隐患描述,隐患等级,整改时限
                2026-02-01,配电箱未接地,特大,2026-03-01
                2026-02-30,灭火器过期,一般隐患,2026-03-02

                """.utf8))
            let message = try await refusal(app, ImportCommand(), ["hazard", bad, "--unit", "TA"])
            XCTAssertEqual(message, """
                文件有2处错误，未导入任何记录：
                第2行 «隐患等级»：「特大」不是可选值（可选：一般隐患、重大隐患）
                第3行 «排查时间»：「2026-02-30」不是有效日期（可写作2025-03-05、2025/3/5、2025.3.5或2025年3月5日）
                """)
            let noHeader = try temporaryFile("none.csv", Data("甲,乙\n1,2\n".utf8))
            let headerless = try await refusal(app, ImportCommand(), ["hazard", noHeader, "--unit", "TA"])
            XCTAssertTrue(headerless?.hasPrefix("«文件»：在前20行中找不到表头：表头应包含「隐患排查治理台账」的列名") == true, headerless ?? "accepted")
            let records = try await LedgerRecord.query(on: app.db).count()
            XCTAssertEqual(records, 0)
        }
    }

    func testADryRunWritesNothingAndTheRealRunAndExportAreAudited() async throws {
        try await withFixture { app, f in
            let csv = try temporaryFile("hazards.csv", Data("""
                排查时间,隐患描述,隐患等级,整改时限,责任单位
                2025-02-01,配电箱未接地,一般隐患,2025-03-01,TA-V1
                2025-02-02,灭火器过期,一般,2025-03-02,
                合计,,,,

                """.utf8))
            try await run(app, ImportCommand(), ["hazard", csv, "--unit", "TA", "--dry-run"])
            let none = try await LedgerRecord.query(on: app.db).count()
            XCTAssertEqual(none, 0, "a dry run saves nothing")
            try await run(app, ImportCommand(), ["hazard", csv, "--unit", "TA"])
            let records = try await LedgerRecord.query(on: app.db).sort(\.$id).all()
            XCTAssertEqual(records.map { $0.$unit.id }, [f.villageA.id, f.townA.id], "the file's unit column, else --unit")
            XCTAssertEqual(records.map(\.f2), ["一般隐患", "一般隐患"])

            let out = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString).csv")
            addTeardownBlock { try? FileManager.default.removeItem(at: out) }
            try await run(app, ExportCommand(), ["hazard", "--unit", "TA-V1", "--out", out.path])
            let text = try String(contentsOf: out, encoding: .utf8)
            let lines = text.components(separatedBy: .newlines).filter { !$0.isEmpty }
            XCTAssertEqual(lines.count, 2, "a header and the one record of 甲一村: \(lines)")
            XCTAssertTrue(lines.last?.contains("配电箱未接地") == true, lines.last ?? "")
            let summaries = try await AuditEntry.query(on: app.db).filter(\.$username == "cli").sort(\.$seq).all().map(\.summary)
            XCTAssertEqual(summaries, ["从「\(URL(fileURLWithPath: csv).lastPathComponent)」导入「隐患排查治理台账」2条记录", "命令行导出「隐患排查治理台账」1条记录到 \(out.lastPathComponent)"])
        }
    }
}
