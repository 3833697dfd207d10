import Fluent
import Foundation
import LvzeCore
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// Dashboards per responsibility system and for 整改督办: key figures with the change on
/// the year before, and charts drawn here as SVG. A dashboard's body is computed once per
/// scope and year and kept until data changes (any write through the server) or a minute
/// passes (a command-line import), so opening it costs no more than an ordinary page.
struct DashboardController {
    static let readers: [Role] = [.leader, .clerk, .reviewer, .discipline]

    func boot(routes: any RoutesBuilder) {
        routes.get(.dashboard, use: show)
    }

    enum Board: String, CaseIterable {
        case party, integrity, ideology, safety, supervision

        var title: String {
            switch self {
            case .supervision: return "整改督办看板"
            default: return "\(LedgerSystem(rawValue: rawValue)!.label)看板"
            }
        }
    }

    struct Content: Encodable {
        var title: String
        var boards: [SelectOption]
        var yearOptions: [SelectOption]
        var board: String
        /// Made by `DashboardBody` as `HTML` and cached as its markup.
        var body: HTML
        var computedAt: String
    }

    func show(req: Request) async throws -> Response {
        let p = try req.require(Self.readers)
        guard let board = Board(rawValue: req.parameters.get("board") ?? "") else { throw Abort(.notFound) }
        let thisYear = LocalDate(req.now).year
        var year = thisYear
        if let y = try? req.query.get(Int.self, at: "year"), (2000...thisYear).contains(y) { year = y }
        // Keyed by everything the body depends on: scope, year, the caller's roles and the
        // ledgers they may read (a custom ledger's readers are set per kind), so one role's
        // figures never reach another with the same scope.
        let readable = req.lvze.catalogue.catalogue.kinds.filter { p.hasAny(Array($0.readers)) }.map(\.id).sorted()
        let key = "\(board.rawValue)|\(p.scope.value)|\(year)|\(p.roles.map(\.rawValue).sorted().joined(separator: ","))|"
            + Secrets.sha256(readable.joined(separator: ","))
        let cache = req.lvze.dashboards
        let version = req.lvze.dataVersion.current
        // The whole page is kept per user and form token too, so a repeat view costs no more
        // than finding the session; a flash message or new data makes a fresh one.
        let pageKey = "\(key)|\(p.userID)|\(p.session?.csrfToken ?? "")"
        let hasFlash = req.cookies[Cookies.flash] != nil
        if !hasFlash, let page = cache.page(pageKey, version: version, now: req.now) {
            let response = Response(status: .ok, body: .init(buffer: page))
            response.headers.contentType = .html
            return response
        }
        let body: String, at: Date
        if let hit = cache.get(key, version: version, now: req.now) {
            (body, at) = hit
        } else {
            // One computation per dashboard at a time: others asking meanwhile wait for it.
            let chosenYear = year
            (body, at) = try await cache.computeOnce("\(key)|\(version)") {
                let html = try await DashboardBody(db: req.cacheReader, catalogue: req.lvze.catalogue.catalogue, metrics: req.lvze.catalogue.metrics,
                                                   principal: p, board: board, year: chosenYear, today: LocalDate(req.now)).html().rendered
                cache.put(key, html: html, version: version, at: req.now)
                return (html, req.now)
            }
        }
        let response = try await req.render("dashboards/show", title: board.title, Content(
            title: board.title,
            boards: Board.allCases.map { SelectOption(value: Endpoint.dashboard.url($0.rawValue, query: [("year", String(year))]).path, label: $0.title, selected: $0 == board) },
            yearOptions: (thisYear - 4...thisYear).reversed().map { SelectOption(value: String($0), label: "\($0)年", selected: $0 == year) },
            board: board.rawValue, body: HTML(trusted: body), computedAt: ISOTime.local(at)),
                                 section: board == .supervision ? SiteURL.supervision.path : SiteURL.system(ResponsibilitySystem(rawValue: board.rawValue)!).path)
        if !hasFlash, response.status == .ok, response.cookies.all.isEmpty, let buffer = response.body.buffer {
            cache.putPage(pageKey, buffer, version: version, at: at)
        }
        return response
    }
}

/// Counts every write through the server, so cached dashboards know when they are stale.
final class DataVersion: Sendable {
    private let value = NIOLockedValueBox(0)
    var current: Int { value.withLockedValue { $0 } }
    func bump() { value.withLockedValue { $0 += 1 } }
}

/// Rendered dashboard bodies by scope, year and board.
final class DashboardCache: Sendable {
    struct Entry {
        var html: String
        var version: Int
        var at: Date
    }
    private let entries = NIOLockedValueBox<[String: Entry]>([:])
    private let running = NIOLockedValueBox<[String: Task<(String, Date), any Error>]>([:])
    /// Whole pages as sent, so a repeat view copies nothing.
    private let pages = NIOLockedValueBox<[String: (ByteBuffer, Int, Date)]>([:])

    func page(_ key: String, version: Int, now: Date) -> ByteBuffer? {
        pages.withLockedValue { p in
            guard let (buffer, v, at) = p[key], v == version, now.timeIntervalSince(at) < Self.lifetime else { return nil }
            return buffer
        }
    }

    func putPage(_ key: String, _ buffer: ByteBuffer, version: Int, at: Date) {
        pages.withLockedValue { p in
            if p.count > 500 { p.removeAll() }
            p[key] = (buffer, version, at)
        }
    }
    static let lifetime: TimeInterval = 60

    /// Runs `work` for `key` unless it is already running, in which case waits for that run.
    func computeOnce(_ key: String, _ work: @escaping @Sendable () async throws -> (String, Date)) async throws -> (String, Date) {
        let task = running.withLockedValue { r -> Task<(String, Date), any Error> in
            if let existing = r[key] { return existing }
            let t = Task { try await work() }
            r[key] = t
            return t
        }
        defer { running.withLockedValue { _ = $0.removeValue(forKey: key) } }
        return try await task.value
    }

    func get(_ key: String, version: Int, now: Date) -> (String, Date)? {
        entries.withLockedValue { e in
            guard let hit = e[key], hit.version == version, now.timeIntervalSince(hit.at) < Self.lifetime else { return nil }
            return (hit.html, hit.at)
        }
    }

    func put(_ key: String, html: String, version: Int, at: Date) {
        entries.withLockedValue { e in
            if e.count > 500 { e.removeAll() }
            e[key] = Entry(html: html, version: version, at: at)
        }
    }
}

/// Marks data as changed after every successful write request.
struct DataVersionMiddleware: Middleware {
    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        guard request.method != .GET, request.method != .HEAD else { return next.respond(to: request) }
        return next.respond(to: request).map { response in
            if response.status.code < 400 { request.lvze.noteWrite(user: request.principal?.userID) }
            return response
        }
    }
}

