import Fluent
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// Values read from the database in the last few seconds, by key. A value is kept while
/// nothing has been written through this server (`DataVersion`: every write request bumps it)
/// and for at most `lifetime` seconds, so what another server or a command run wrote is seen
/// after that — the same promise the cached dashboards and session rows make.
///
/// For small reads every page makes (who is calling, the header's unread count, whether a
/// scope holds every unit): at 32 connections each was a round trip and a plan on PostgreSQL.
final class RecentValues<Value: Sendable>: Sendable {
    private let values = NIOLockedValueBox<[String: (value: Value, version: Int, at: Date)]>([:])
    let lifetime: TimeInterval
    /// Past this many keys the whole store is dropped: no sweeping, and memory stays bounded.
    let capacity: Int

    init(lifetime: TimeInterval = 5, capacity: Int = 2_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    func get(_ key: String, version: Int, now: Date) -> Value? {
        values.withLockedValue { v in
            guard let kept = v[key], kept.version == version, now >= kept.at, now.timeIntervalSince(kept.at) < lifetime else { return nil }
            return kept.value
        }
    }

    func put(_ key: String, _ value: Value, version: Int, at: Date) {
        values.withLockedValue { v in
            if v.count >= capacity, v[key] == nil { v.removeAll() }
            v[key] = (value, version, at)
        }
    }

    func remove(_ key: String) {
        values.withLockedValue { _ = $0.removeValue(forKey: key) }
    }

    /// The kept value, or `read`'s, kept under the version current before it ran (a write
    /// during the read then makes it stale at once).
    func value(_ key: String, in services: LvzeServices, now: Date, read: () async throws -> Value) async throws -> Value {
        let version = services.dataVersion.current
        if let kept = get(key, version: version, now: now) { return kept }
        let value = try await read()
        put(key, value, version: version, at: now)
        return value
    }
}

/// A list's count of matches kept by its statement (`RecordRow.list`): paging on, or coming
/// back to the list from a record, shows the count read a moment ago rather than counting
/// again (up to a thousand index entries, a third of a town's page on PostgreSQL). The
/// statement holds the kind, the part of the tree and every filter, so two callers share a
/// count only where they see the same records.
struct KeptCounts: Sendable {
    let store: RecentValues<Int>
    let version: Int
    let now: Date

    init(_ services: LvzeServices, now: Date) {
        store = services.listCounts
        version = services.dataVersion.current
        self.now = now
    }

    /// The key of a count statement: its text and its values, as the database would get them.
    static func key(_ query: any SQLExpression, on db: any Database) -> String {
        let (sql, binds) = db.sql.serialize(query)
        return binds.reduce(into: sql) { key, bind in key += "\u{0}" + String(reflecting: bind) }
    }

    func get(_ key: String) -> Int? { store.get(key, version: version, now: now) }
    /// Kept under the version read before the count ran: a write meanwhile makes it stale at once.
    func put(_ key: String, _ count: Int) { store.put(key, count, version: version, at: now) }
}
