import NIOConcurrencyHelpers
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
