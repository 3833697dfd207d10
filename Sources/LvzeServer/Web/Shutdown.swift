import Foundation
import NIOConcurrencyHelpers
import Vapor

/// Work the server has started and not finished: requests being answered and imports running
/// after their page answered. A stop (SIGTERM, Ctrl-C) first stops accepting connections
/// (Vapor's quiescing), then waits here until both are done before the databases close: a
/// request still using the database when it closed was the crash seen at the end of a load run.
final class InFlight: Sendable {
    private let count = NIOLockedValueBox(0)
    private let stopping = NIOLockedValueBox(false)

    var current: Int { count.withLockedValue { $0 } }
    var isStopping: Bool { stopping.withLockedValue { $0 } }

    func enter() { count.withLockedValue { $0 += 1 } }
    func leave() { count.withLockedValue { $0 -= 1 } }

    /// Waits until nothing is in flight and no import runs, at most `timeout`; true when drained.
    func drain(imports: ImportJobs, timeout: TimeInterval, logger: Logger) async -> Bool {
        stopping.withLockedValue { $0 = true }
        let deadline = Date().addingTimeInterval(timeout)
        var said = false
        while current > 0 || imports.running > 0 {
            if Date() >= deadline { return false }
            if !said {
                logger.notice("正在停止：等待\(current)个请求和\(imports.running)个导入完成")
                said = true
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return true
    }
}

/// Counts each request in flight; once the server is stopping, a request that still arrives
/// on an open connection is answered 503 at once, without touching the database.
struct InFlightMiddleware: Middleware {
    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        let inFlight = request.lvze.inFlight
        if inFlight.isStopping {
            let response = Response(status: .serviceUnavailable, body: .init(string: "系统正在停止，请稍后再试"))
            response.headers.contentType = HTTPMediaType(type: "text", subType: "plain", parameters: ["charset": "utf-8"])
            response.headers.replaceOrAdd(name: .connection, value: "close")
            response.headers.replaceOrAdd(name: "Retry-After", value: "30")
            return request.eventLoop.makeSucceededFuture(response)
        }
        inFlight.enter()
        return next.respond(to: request).always { _ in inFlight.leave() }
    }
}
