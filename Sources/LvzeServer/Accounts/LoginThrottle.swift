import Foundation
import NIOConcurrencyHelpers

/// Failed logins counted per account *and address*: after the policy's number of failures an
/// address is paused for that account (and for every account after four times as many, which
/// stops password spraying), while the owner signing in from their own desk is not locked out
/// by a stranger. Unknown usernames are counted the same way, so the answers never tell which
/// accounts exist. Kept in memory: a restart forgets, as a pause should.
final class LoginThrottle: Sendable {
    private struct Count {
        var failures = 0
        var since: Date
        var pausedUntil: Date?
    }

    private let counts = NIOLockedValueBox<[String: Count]>([:])

    private static func accountKey(_ username: String, _ address: String) -> String { "u|\(username.lowercased())|\(address)" }
    private static func addressKey(_ address: String) -> String { "a|\(address)" }

    /// When the pause for this account from this address ends, if one is running.
    func pausedUntil(username: String, address: String, now: Date) -> Date? {
        counts.withLockedValue { c in
            [Self.accountKey(username, address), Self.addressKey(address)].compactMap { c[$0]?.pausedUntil }.filter { $0 > now }.max()
        }
    }

    /// Counts a failure; returns how many are left before a pause (0: paused now).
    func fail(username: String, address: String, now: Date, threshold: Int, minutes: Int) -> Int {
        let window = TimeInterval(minutes * 60)
        return counts.withLockedValue { c in
            if c.count > 50_000 { c = c.filter { ($0.value.pausedUntil ?? $0.value.since.addingTimeInterval(window)) > now } }
            func bump(_ key: String, limit: Int) -> Int {
                var entry = c[key] ?? Count(since: now)
                if now.timeIntervalSince(entry.since) > window || (entry.pausedUntil.map { $0 <= now } ?? false) {
                    entry = Count(since: now)
                }
                entry.failures += 1
                if entry.failures >= limit { entry.pausedUntil = now.addingTimeInterval(window) }
                c[key] = entry
                return max(limit - entry.failures, 0)
            }
            let forAccount = bump(Self.accountKey(username, address), limit: threshold)
            let forAddress = bump(Self.addressKey(address), limit: threshold * 4)
            return min(forAccount, forAddress)
        }
    }

    /// A successful login clears that account's count from that address.
    func succeed(username: String, address: String) {
        _ = counts.withLockedValue { $0.removeValue(forKey: Self.accountKey(username, address)) }
    }

    /// The security administrator's unlock: every pause on the account, from every address.
    func clear(username: String) {
        let prefix = "u|\(username.lowercased())|"
        counts.withLockedValue { c in c = c.filter { !$0.key.hasPrefix(prefix) } }
    }
}
