import Foundation
@testable import LvzeServer
import XCTest

/// The `lvze` binary as an operator runs it: settings checked before anything is written, help
/// that touches no database, `migrate` then `demo`.
final class ProcessTests: XCTestCase {
    struct Run {
        var status: Int32
        var output: String
    }

    /// The binary `swift test` built beside this test bundle.
    func binary() throws -> URL {
        let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [dir, dir.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent("lvze")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(".build/debug/lvze")
    }

    func runForTest(_ arguments: [String], in folder: URL) throws -> Run { try run(arguments, in: folder) }

    private func run(_ arguments: [String], in folder: URL, environment extra: [String: String] = [:]) throws -> Run {
        let process = Process()
        process.executableURL = try binary()
        process.arguments = arguments
        process.currentDirectoryURL = folder
        var env = ProcessInfo.processInfo.environment
        env["DATABASE_URL"] = nil
        env["DATABASE_READ_URL"] = nil
        env["LVZE_DATA"] = folder.appendingPathComponent("data").path
        env["LVZE_BCRYPT_COST"] = "4"
        env["LVZE_ADMIN_PASSWORD"] = nil
        for (k, v) in extra { env[k] = v }
        process.environment = env
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

    private func scratch() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lvze-process-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// `backup` then `restore` then `audit verify`, as an IT office types them; every refusal named.
    func testBackupRestoreAndVerifyFromTheCommandLine() throws {
        let folder = try scratch()
        let empty = try run(["backup", "--out", folder.appendingPathComponent("x.zip").path], in: folder)
        XCTAssertEqual(empty.status, 1, empty.output)
        XCTAssertTrue(empty.output.contains("没有 Lvze 的数据库"), empty.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("data/lvze.sqlite").path), "made a database to back up")

        XCTAssertEqual(try run(["migrate"], in: folder).status, 0)
        let noOut = try run(["backup"], in: folder)
        XCTAssertEqual(noOut.status, 1, noOut.output)
        XCTAssertTrue(noOut.output.contains("--out：须指定备份文件的路径"), noOut.output)
        let file = folder.appendingPathComponent("lvze-backup.zip")
        let made = try run(["backup", "--out", file.path], in: folder)
        XCTAssertEqual(made.status, 0, made.output)
        XCTAssertTrue(made.output.contains("已备份到 \(file.path)"), made.output)
        let printed = made.output.components(separatedBy: "SHA-256: ").last?.prefix(64) ?? ""
        XCTAssertEqual(String(printed), try FileDigest.sha256(of: file).hex)

        let restored = folder.appendingPathComponent("restored")
        let restore = try run(["restore", file.path], in: folder, environment: ["LVZE_DATA": restored.path])
        XCTAssertEqual(restore.status, 0, restore.output)
        XCTAssertTrue(restore.output.contains("请运行 lvze audit verify"), restore.output)
        let verify = try run(["audit", "verify"], in: folder, environment: ["LVZE_DATA": restored.path])
        XCTAssertEqual(verify.status, 0, verify.output)
        XCTAssertTrue(verify.output.contains("审计日志完整"), verify.output)

        let again = try run(["restore", file.path], in: folder, environment: ["LVZE_DATA": restored.path])
        XCTAssertEqual(again.status, 1, again.output)
        XCTAssertTrue(again.output.contains("不是空的"), again.output)
        let helpRestore = try run(["restore", "--help"], in: folder, environment: ["LVZE_DATA": folder.appendingPathComponent("nothing").path])
        XCTAssertEqual(helpRestore.status, 0, helpRestore.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("nothing").path), "restore --help made the folder")
    }

    func testHelpTouchesNoDatabase() throws {
        guard ProcessInfo.processInfo.environment["DATABASE_URL"] == nil else { throw XCTSkip("runs the embedded default only") }
        let folder = try scratch()
        for args in [["--help"], ["demo", "--help"], ["serve", "--help"], ["migrate", "--help"], ["user", "create", "--help"]] {
            let run = try run(args, in: folder)
            XCTAssertEqual(run.status, 0, "\(args): \(run.output)")
            XCTAssertFalse(run.output.isEmpty, "\(args)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("data").path), "\(args) made the data folder")
        }
    }

    func testBadAdminPasswordIsRefusedBeforeTheDemoIsLoaded() throws {
        guard ProcessInfo.processInfo.environment["DATABASE_URL"] == nil else { throw XCTSkip("runs the embedded default only") }
        let folder = try scratch()
        let run = try run(["serve", "--demo", "--port", "0"], in: folder, environment: ["LVZE_ADMIN_PASSWORD": "Admin-Passw0rd!admin"])
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.output.contains("LVZE_ADMIN_PASSWORD"), run.output)
        XCTAssertFalse(run.output.contains("已载入示范区"), run.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("data/lvze.sqlite").path))
    }

    func testABadConnectionCountIsRefusedNamingTheSetting() throws {
        let folder = try scratch()
        for bad in ["0", "65", "八"] {
            let run = try run(["migrate"], in: folder, environment: ["LVZE_DB_CONNECTIONS": bad])
            XCTAssertEqual(run.status, 2, run.output)
            XCTAssertTrue(run.output.contains("LVZE_DB_CONNECTIONS（每个线程的PostgreSQL连接数）须为1到64之间的整数"), run.output)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("data").path))
        XCTAssertEqual(try run(["migrate"], in: folder, environment: ["LVZE_DB_CONNECTIONS": "4"]).status, 0)
    }

    func testMigrateThenDemo() throws {
        guard ProcessInfo.processInfo.environment["DATABASE_URL"] == nil else { throw XCTSkip("runs the embedded default only") }
        let folder = try scratch()
        let migrate = try run(["migrate"], in: folder)
        XCTAssertEqual(migrate.status, 0, migrate.output)
        let demo = try run(["demo"], in: folder)
        XCTAssertEqual(demo.status, 0, demo.output)
        XCTAssertTrue(demo.output.contains("已载入示范区"), demo.output)
        XCTAssertTrue(demo.output.contains("已创建系统管理员账号 admin"), demo.output)
        let verify = try run(["audit", "verify"], in: folder)
        XCTAssertEqual(verify.status, 0, verify.output)
    }
}

extension ProcessTests {
    /// A sealed trail needs its own key: without it the server refuses to start rather than
    /// make a new key that would make every entry look forged.
    func testMissingAuditKeyStopsStart() throws {
        guard ProcessInfo.processInfo.environment["DATABASE_URL"] == nil else { throw XCTSkip("runs the embedded default only") }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lvze-process-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let demo = try runForTest(["demo"], in: folder)
        XCTAssertEqual(demo.status, 0, demo.output)
        let key = folder.appendingPathComponent("data/audit.key")
        let mode = (try FileManager.default.attributesOfItem(atPath: key.path)[.posixPermissions] as? Int) ?? 0
        XCTAssertEqual(mode & 0o777, 0o600)
        try FileManager.default.removeItem(at: key)
        let verify = try runForTest(["audit", "verify"], in: folder)
        XCTAssertNotEqual(verify.status, 0)
        XCTAssertTrue(verify.output.contains("审计密钥文件缺失"), verify.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: key.path), "no new key may be left behind")
    }
}

extension ProcessTests {
    /// SIGTERM under load: the server stops accepting, answers what it had accepted, and
    /// exits 0 (it used to trap in Fluent's Request.db once the databases had closed).
    func testStopUnderLoadAnswersAndExitsCleanly() async throws {
        guard ProcessInfo.processInfo.environment["DATABASE_URL"] == nil else { throw XCTSkip("runs the embedded default only") }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lvze-process-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let port = Int.random(in: 20_000...60_000)
        let logURL = folder.appendingPathComponent("server.log")
        FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        let process = Process()
        process.executableURL = try binary()
        process.arguments = ["serve", "--demo", "--hostname", "127.0.0.1", "--port", String(port)]
        var env = ProcessInfo.processInfo.environment
        env["DATABASE_URL"] = nil
        env["DATABASE_READ_URL"] = nil
        env["LVZE_DATA"] = folder.appendingPathComponent("data").path
        env["LVZE_BCRYPT_COST"] = "4"
        process.environment = env
        process.standardOutput = log
        process.standardError = log
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        var up = false
        for _ in 0..<600 where !up {
            if let res = try? await RawHTTP.exchange(port: port, method: "GET", path: "/healthz", headers: [], body: Data(), delivery: .pieces(1)),
               res.status == 200 { up = true } else { try await Task.sleep(nanoseconds: 100_000_000) }
        }
        XCTAssertTrue(up, "server did not start")
        let login = try await RawHTTP.exchange(port: port, method: "POST", path: "/api/v1/login", headers: [("Content-Type", "application/json")],
                                               body: Data(#"{"username":"lingdao","password":"Lvze@Demo2026"}"#.utf8), delivery: .pieces(1_000))
        let token = try XCTUnwrap((try JSONSerialization.jsonObject(with: login.body) as? [String: Any])?["token"] as? String, login.text)
        let year = Calendar(identifier: .gregorian).component(.year, from: Date())
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<12 {
                group.addTask {
                    let res = try? await RawHTTP.exchange(port: port, method: "GET", path: "/api/v1/report?year=\(year - i % 2)",
                                                          headers: [("Authorization", "Bearer \(token)")], body: Data(), delivery: .pieces(1))
                    return res?.status ?? 0
                }
            }
            try await Task.sleep(nanoseconds: 300_000_000)
            kill(process.processIdentifier, SIGTERM)
            var all: [Int] = []
            for try await s in group { all.append(s) }
            return all
        }
        for _ in 0..<900 where process.isRunning { try await Task.sleep(nanoseconds: 100_000_000) }
        XCTAssertFalse(process.isRunning, "the server did not stop")
        try log.close()
        let output = (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
        XCTAssertEqual(process.terminationReason, .exit, output.suffix(3_000).description)
        XCTAssertEqual(process.terminationStatus, 0, output.suffix(3_000).description)
        XCTAssertFalse(output.contains("Fatal error"), output.suffix(3_000).description)
        // Everything accepted before the stop was answered.
        XCTAssertTrue(statuses.allSatisfy { $0 == 200 || $0 == 503 || $0 == 0 }, "\(statuses)")
        XCTAssertGreaterThan(statuses.filter { $0 == 200 }.count, 0, "\(statuses)")
        XCTAssertTrue(output.contains("已停止"), output.suffix(2_000).description)
    }
}
