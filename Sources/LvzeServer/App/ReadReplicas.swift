import Fluent
import Foundation
import NIOConcurrencyHelpers
import Vapor

/// PostgreSQL streaming replicas (`DATABASE_READ_URL`, one or more, comma-separated) for what
/// only reads — lists, dashboards, reports, 整改督办, exports — while every write goes to the
/// primary. Someone who has just written reads the primary for a few seconds, so nobody misses
/// their own record behind a replica's lag; a page kept in a cache is computed on the primary
/// for a few seconds after anyone writes, so no cache keeps what a replica had not yet applied.
final class ReadRouting: Sendable {
    static let databaseIDPrefix = "psql-read-"
    /// Longer than a replica on the same network lags (milliseconds) by three orders.
    static let stickySeconds: TimeInterval = 5

    let replicas: [DatabaseID]
    private let next = NIOLockedValueBox(0)
    private let lastWrite = NIOLockedValueBox<(byUser: [Int: Date], any: Date)>(([:], .distantPast))

    init(replicas: Int) {
        self.replicas = (0..<replicas).map { DatabaseID(string: Self.databaseIDPrefix + String($0)) }
    }

    /// A user (nil: a command, an import in the background) wrote at `at`.
    func wrote(user: Int?, at: Date) {
        lastWrite.withLockedValue { w in
            if let user {
                w.byUser[user] = at
                // Forget the old ones now and then: the map holds the last few seconds' writers.
                if w.byUser.count > 1_000 { w.byUser = w.byUser.filter { at.timeIntervalSince($0.value) < Self.stickySeconds } }
            }
            w.any = max(w.any, at)
        }
    }

    /// The replica to read from, or nil for the primary.
    func replica(user: Int?, now: Date, forCache: Bool) -> DatabaseID? {
        guard !replicas.isEmpty else { return nil }
        let recent = lastWrite.withLockedValue { w -> Bool in
            if forCache, now.timeIntervalSince(w.any) < Self.stickySeconds { return true }
            guard let user, let at = w.byUser[user] else { return false }
            return now.timeIntervalSince(at) < Self.stickySeconds
        }
        if recent { return nil }
        let i = next.withLockedValue { n -> Int in
            n = (n + 1) % replicas.count
            return n
        }
        return replicas[i]
    }
}

extension Request {
    /// For a page or export that only reads: a replica when one is set and the reader has not
    /// just written; the primary otherwise (and for every method but GET and HEAD).
    var reader: any Database { readDatabase(forCache: false) }

    /// For a computation a cache keeps for everyone (dashboards, 整改督办): the primary for a
    /// few seconds after anyone wrote.
    var cacheReader: any Database { readDatabase(forCache: true) }

    private func readDatabase(forCache: Bool) -> any Database {
        guard method == .GET || method == .HEAD,
              let id = lvze.readRouting.replica(user: principal?.userID, now: lvze.clock.now(), forCache: forCache) else { return db }
        return db(id)
    }
}
