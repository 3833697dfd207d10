import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import Leaf
import LeafKit
import LvzeCore
import NIOCore
import SQLKit
import Vapor

/// Sets up storage, migrations, security middleware, views and routes.
/// `beforeMigrate` lets the test suite start PostgreSQL runs from an empty schema.
public func configure(_ app: Application, _ configuration: LvzeConfiguration,
                      beforeMigrate: (@Sendable (Application) async throws -> Void)? = nil) async throws {
    // A bad certificate or an exposed key stops the start before anything is read or written.
    if let tls = configuration.tls {
        app.http.server.configuration.tlsConfiguration = try ServerTLS.configuration(tls)
    }
    try configureDatabase(app, configuration)
    app.lvze = try LvzeServices(configuration: configuration, logger: app.logger)
    app.lifecycle.use(ServicesLifecycle())
    try await beforeMigrate?(app)
    try await choosePageSize(app)
    // Views, static files and the catalogue ship inside the package's resource bundle, so
    // the binary works from any working directory. A bad catalogue stops start here.
    let resources = Bundle.module.bundleURL.appendingPathComponent("Resources")
    let builtIn = try CatalogueStore.loadBuiltIn(from: resources.appendingPathComponent("Catalogue"))
    app.lvze.catalogue.setMetrics(try CatalogueStore.loadMetrics(from: resources.appendingPathComponent("Catalogue"), kinds: builtIn))
    // The shipped 考评细则 are checked against the metrics they read: a mistake stops start here.
    _ = try AssessmentDefaults.load(metrics: app.lvze.catalogue.metrics)
    app.migrations.add(M001_Foundation())
    app.migrations.add(M002_Records())
    app.migrations.add(M003_RecordFilterColumns())
    app.migrations.add(M003_RecordYearWalk())
    app.migrations.add(M004_Reports())
    app.migrations.add(M005_TemplateOwner())
    app.migrations.add(M006_AuditSeal())
    app.migrations.add(M007_AccountRequests())
    app.migrations.add(M008_DailyLoop(kinds: builtIn))
    app.migrations.add(M009_RecordDocument())
    app.migrations.add(M010_OpenItemsByDeadline())
    app.migrations.add(M011_FilterIndexesWithID())
    app.migrations.add(M012_Assessments())
    app.migrations.add(M013_FilterColumnsInIDOrder())
    try await app.autoMigrate()
    try await sealAuditTrail(app)
    try await tuneDatabase(app)
    try await app.lvze.settings.load(on: app.db)
    try await app.lvze.catalogue.load(builtIn: builtIn, on: app.db)
    try await RecordSlots.sync(app.lvze.catalogue.catalogue.kinds, on: app.db)

    // Leaf's own provider switches its template cache off in Vapor's development environment,
    // which is the one `lvze serve` runs in; this one keeps it (see below).
    app.views.use { app in
        var userInfo = app.leaf.userInfo
        userInfo["application"] = app
        return LeafRenderer(configuration: app.leaf.configuration, tags: app.leaf.tags, cache: app.leaf.cache,
                            sources: app.leaf.sources, eventLoop: app.eventLoopGroup.next(), userInfo: userInfo)
    }
    app.leaf.sources = .singleSource(NIOLeafFiles(
        fileio: app.fileio, limits: [.toSandbox, .requireExtensions],
        sandboxDirectory: resources.path, viewDirectory: resources.appendingPathComponent("Views").path + "/"))
    // Templates ship inside the binary's bundle and change only with a rebuild, so they are
    // parsed once: uncached, every page was read, lexed and parsed again on each request
    // (more work than the page's queries).
    app.leaf.cache.isEnabled = true
    app.leaf.tags["url"] = URLTag()

    app.routes.defaultMaxBodySize = "2mb"
    app.middleware = Middlewares()
    app.middleware.use(InFlightMiddleware())
    // Headers outermost, so error pages carry them too.
    app.middleware.use(SecurityHeadersMiddleware())
    app.middleware.use(ErrorPageMiddleware())
    app.middleware.use(try StaticFiles(directory: resources.appendingPathComponent("Public").path))
    app.middleware.use(SessionMiddleware())
    app.middleware.use(CSRFMiddleware())
    app.middleware.use(ControlCharacterMiddleware())
    app.middleware.use(DataVersionMiddleware())
    try routes(app)
}

func routes(_ app: Application) throws {
    // For load balancers and monitoring: answers without touching the database.
    app.get(.healthz) { _ in "ok" }
    let auth = AuthController()
    try app.register(collection: auth)
    APIController().bootPublic(routes: app)
    let protected = app.grouped(RequireLoginMiddleware())
    auth.bootProtected(routes: protected)
    HomeController().boot(routes: protected)
    UnitController().boot(routes: protected)
    PersonController().boot(routes: protected)
    SystemController().boot(routes: protected)
    SupervisionController().boot(routes: protected)
    NoticeController().boot(routes: protected)
    ReportController().boot(routes: protected)
    AssessmentController().boot(routes: protected)
    ReviewSessionController().boot(routes: protected)
    DashboardController().boot(routes: protected)
    AdminController().boot(routes: protected)
    SecurityController().boot(routes: protected)
    AccountRequestController().boot(routes: protected)
    AuditController().boot(routes: protected)
    RecordController().boot(routes: protected)
    RecordAPIController().boot(routes: protected)
    LedgerAdminController().boot(routes: protected)
    RecordTransferController().boot(routes: protected)
    APIController().bootProtected(routes: protected)
}

/// Settings every PostgreSQL connection of Lvze's starts with.
///
/// `jit = off`: a report's 95 statements each crossed the planner's JIT threshold at a million
/// records and spent more compiling than the compiled code saved (1.70 s with JIT, 1.43 s
/// without, bench/pg-scale.sh; docs/scale.md). Lvze's statements are short aggregates over
/// index ranges, where JIT rarely pays; other users of the server keep its own setting.
enum PostgresSessionSettings {
    static let startup: [(String, String)] = [("jit", "off")]
}

private func configureDatabase(_ app: Application, _ configuration: LvzeConfiguration) throws {
    if let url = configuration.databaseURL, !url.isEmpty {
        do {
            var config = try SQLPostgresConfiguration(url: url)
            config.searchPath = nil
            config.coreConfiguration.options.additionalStartupParameters = PostgresSessionSettings.startup
            app.databases.use(.postgres(configuration: config, maxConnectionsPerEventLoop: configuration.connectionsPerLoop, sqlLogLevel: .debug),
                              as: .psql)
        } catch {
            throw StartupError("环境变量 DATABASE_URL 不是有效的 PostgreSQL 地址（应形如 postgres://用户:密码@主机:5432/库名）")
        }
        // Replicas are registered beside the primary, never as the default: migrations and
        // every write know only the primary.
        for (i, readURL) in configuration.databaseReadURLs.enumerated() {
            guard var config = try? SQLPostgresConfiguration(url: readURL) else {
                throw StartupError("环境变量 DATABASE_READ_URL 的第\(i + 1)个地址不是有效的 PostgreSQL 地址（多个地址用逗号分隔）")
            }
            config.searchPath = nil
            config.coreConfiguration.options.additionalStartupParameters = PostgresSessionSettings.startup
            app.databases.use(.postgres(configuration: config, maxConnectionsPerEventLoop: configuration.connectionsPerLoop, sqlLogLevel: .debug),
                              as: DatabaseID(string: ReadRouting.databaseIDPrefix + String(i)),
                              isDefault: false)
        }
    } else if !configuration.databaseReadURLs.isEmpty {
        throw StartupError("设置了 DATABASE_READ_URL（只读副本），但没有设置 DATABASE_URL：只读副本只用于 PostgreSQL")
    } else if configuration.dataDirectory == ":memory:" {
        app.databases.use(.sqlite(.memory), as: .sqlite)
    } else {
        let dir = URL(fileURLWithPath: configuration.dataDirectory, isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        } catch {
            throw StartupError("无法创建数据目录 \(dir.path)（LVZE_DATA）：\(error.localizedDescription)")
        }
        app.databases.use(.sqlite(.file(dir.appendingPathComponent("lvze.sqlite").path)), as: .sqlite)
    }
}

/// The audit trail at start: a trail already sealed needs its own key (a new key would make
/// every entry look forged); triggers someone dropped are put back and the trail says so; the
/// head is checkpointed.
func sealAuditTrail(_ app: Application) async throws {
    let key = app.lvze.auditKey
    if key.created, key.path != nil,
       try await AuditEntry.query(on: app.db).filter(\.$mac != nil).count() > 0 {
        if let path = key.path { try? FileManager.default.removeItem(atPath: path) }
        throw StartupError("审计密钥文件缺失：数据库中的审计日志已用密钥签名，换用新密钥会使全部日志无法校验。"
                           + "请从备份恢复 audit.key 到数据目录（或用 LVZE_AUDIT_KEY_FILE 指定其位置）后再启动")
    }
    let restored = try await AuditGuard.restore(on: app.db)
    if !restored.isEmpty {
        app.logger.critical("审计日志的防篡改触发器缺失，已恢复", metadata: ["triggers": .string(restored.joined(separator: ","))])
        try await app.lvze.audit.append(.auditGuardRestored, actor: .system(), objectType: "audit", objectID: "",
                                        summary: "启动时发现审计日志防篡改触发器缺失（\(restored.joined(separator: "、"))），已恢复；数据库文件可能被直接改动，请校验审计日志",
                                        at: app.lvze.clock.now(), on: app.db)
    }
    try await app.lvze.audit.checkpoint(on: app.db, at: app.lvze.clock.now())
}

/// SQLite: 16 KB pages for a new database file (SQLite's default is 4 KB): an import of
/// 100,000 records writes its seven indexes in a fifth less time and commits in half, and
/// list pages read index ranges in fewer pages. An existing file keeps its page size.
private func choosePageSize(_ app: Application) async throws {
    guard app.db.dialect == .sqlite else { return }
    // Pending until the first table is created, on whichever pooled connection creates it.
    for eventLoop in app.eventLoopGroup.makeIterator() {
        guard let db = app.databases.database(logger: app.logger, on: eventLoop) as? any SQLDatabase else { continue }
        _ = try await db.raw("PRAGMA page_size = 16384").all()
    }
}

/// SQLite: WAL so readers never wait for the writer, and a bounded busy timeout on every
/// pooled connection (one per event loop) instead of SQLiteNIO's wait-forever handler.
/// Foreign keys are switched on by the driver for each connection.
private func tuneDatabase(_ app: Application) async throws {
    guard app.db.dialect == .sqlite else { return }
    _ = try await app.db.sql.raw("PRAGMA journal_mode = WAL").all()
    for eventLoop in app.eventLoopGroup.makeIterator() {
        guard let db = app.databases.database(logger: app.logger, on: eventLoop) as? any SQLDatabase else { continue }
        _ = try await db.raw("PRAGMA busy_timeout = 5000").all()
        _ = try await db.raw("PRAGMA synchronous = NORMAL").all()
        // 16 MB of page cache a connection (SQLite's default is 2 MB); an import raises it
        // for its transaction (`SQLiteCache.bulk`).
        _ = try await db.raw("PRAGMA cache_size = -\(unsafeRaw: String(SQLiteCache.usualKB))").all()
    }
}

/// SQLite's page cache per connection, in KB.
enum SQLiteCache {
    static let usualKB = 16_384
    /// During an import: the records' indexes stay in memory while the transaction grows
    /// instead of being written to the log and read back, page by page, again and again.
    /// Rows stream through in batches, so the process stays well under 200 MB.
    static let bulkKB = 65_536

    /// Runs `body` on a transaction's connection with the larger cache (SQLite only).
    static func bulk<T>(on tx: any Database, _ body: () async throws -> T) async throws -> T {
        guard tx.dialect == .sqlite else { return try await body() }
        // Each multi-row statement keeps a statement journal for its own rollback: in memory,
        // not a temporary file written and read back a batch at a time. (SQLite refuses the
        // change while the connection has temporary tables open; the import then goes as before.)
        try await tx.sql.raw("PRAGMA cache_size = -\(unsafeRaw: String(bulkKB))").run()
        try? await tx.sql.raw("PRAGMA temp_store = MEMORY").run()
        do {
            let value = try await body()
            try await tx.sql.raw("PRAGMA cache_size = -\(unsafeRaw: String(usualKB))").run()
            try? await tx.sql.raw("PRAGMA temp_store = DEFAULT").run()
            return value
        } catch {
            try? await tx.sql.raw("PRAGMA cache_size = -\(unsafeRaw: String(usualKB))").run()
            try? await tx.sql.raw("PRAGMA temp_store = DEFAULT").run()
            throw error
        }
    }
}

/// A configuration problem found at start, explained in Chinese; the process exits non-zero.
public struct StartupError: Error, CustomStringConvertible {
    public let description: String
    public init(_ message: String) { description = message }
}

/// Serves files from the bundled Public folder under /static with a long cache lifetime.
struct StaticFiles: Middleware {
    let files: [String: (ByteBuffer, HTTPMediaType)]

    init(directory: String) throws {
        var files: [String: (ByteBuffer, HTTPMediaType)] = [:]
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names {
            let data = try Data(contentsOf: URL(fileURLWithPath: directory).appendingPathComponent(name))
            let ext = (name as NSString).pathExtension
            let type = HTTPMediaType.fileExtension(ext) ?? .binary
            files["/static/" + name] = (ByteBuffer(data: data), type)
        }
        self.files = files
    }

    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        guard request.method == .GET || request.method == .HEAD, let (body, type) = files[request.url.path] else {
            return next.respond(to: request)
        }
        let response = Response(status: .ok, body: .init(buffer: body))
        response.headers.contentType = type
        response.headers.replaceOrAdd(name: .cacheControl, value: "public, max-age=3600")
        return request.eventLoop.makeSucceededFuture(response)
    }
}
