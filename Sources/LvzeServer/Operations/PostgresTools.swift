import Foundation

/// `pg_dump` and `pg_restore` from PostgreSQL's own client tools (Debian: postgresql-client),
/// run with the password in the environment, never on a command line others can list.
enum PostgresTools {
    struct Connection {
        /// postgresql://user@host:port/db?… without the password.
        var url: String
        var password: String?
    }

    static func connection(_ databaseURL: String) throws -> Connection {
        guard var parts = URLComponents(string: databaseURL), parts.host != nil else {
            throw CLIError("DATABASE_URL 不是有效的 PostgreSQL 地址")
        }
        let password = parts.password?.removingPercentEncoding ?? parts.password
        parts.password = nil
        if parts.scheme == "postgres" { parts.scheme = "postgresql" }
        // libpq knows sslmode, not the driver's other settings.
        parts.queryItems = parts.queryItems?.filter { $0.name == "sslmode" }
        if parts.queryItems?.isEmpty == true { parts.queryItems = nil }
        return Connection(url: parts.string ?? databaseURL, password: password)
    }

    /// `snapshot`: one exported by a transaction the caller holds open (`pg_export_snapshot()`).
    static func dump(url databaseURL: String, snapshot: String, to file: URL) async throws {
        let c = try connection(databaseURL)
        try await run("pg_dump", ["--format=custom", "--no-owner", "--no-privileges", "--snapshot=\(snapshot)", "--file=\(file.path)",
                                  "--dbname=\(c.url)"], password: c.password)
    }

    static func restore(url databaseURL: String, from file: URL) async throws {
        let c = try connection(databaseURL)
        try await run("pg_restore", ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", "--dbname=\(c.url)", file.path],
                      password: c.password)
    }

    static func find(_ tool: String) -> String? {
        var folders = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
        // Debian keeps each version's tools here; the newest reads every older server's data.
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? [])
            .compactMap(Int.init).sorted(by: >).map { "/usr/lib/postgresql/\($0)/bin" }
        folders = versions + folders
        return folders.map { $0 + "/" + tool }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Waits on its own thread: a dump of a large database takes minutes, and the server's
    /// scheduled backup must not hold one of the few threads that answer requests.
    private static func run(_ tool: String, _ arguments: [String], password: String?) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try runBlocking(tool, arguments, password: password) })
            }
        }
    }

    private static func runBlocking(_ tool: String, _ arguments: [String], password: String?) throws {
        guard let path = find(tool) else {
            throw CLIError("找不到 \(tool)：PostgreSQL 的备份和恢复使用其客户端工具，请安装 postgresql-client（版本不低于数据库服务器）")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        if let password { environment["PGPASSWORD"] = password }
        process.environment = environment
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // Read before waiting: a full pipe would block the tool.
        let output = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let text = String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw CLIError("\(tool) 失败（退出码 \(process.terminationStatus)）：\(text.prefix(2_000))")
        }
    }
}
