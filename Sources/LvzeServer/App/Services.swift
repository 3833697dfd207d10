import Crypto
import Fluent
import Foundation
import LvzeCore
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// What the server needs beyond Vapor's own: where its data lives, how hard to hash
/// passwords, and a clock that tests can move.
public struct LvzeConfiguration: Sendable {
    public var dataDirectory: String
    /// bcrypt cost; 12 in production, low in tests so a suite of logins stays quick.
    public var bcryptCost: Int
    public var databaseURL: String?
    /// Load the demo district on first start.
    public var demo: Bool
    public var adminPassword: String?
    /// The audit key file (`LVZE_AUDIT_KEY_FILE`); default `audit.key` in the data folder.
    public var auditKeyFile: String?
    /// HTTPS served by Lvze itself (`--tls-cert`, `--tls-key`); nil for plain HTTP.
    public var tls: TLSFiles?
    /// The server's daily backup (`LVZE_BACKUP_DIR` …); nil for none.
    public var backup: BackupSchedule?
    /// PostgreSQL streaming replicas for reads (`DATABASE_READ_URL`, comma-separated).
    public var databaseReadURLs: [String]
    /// PostgreSQL connections per event loop (`LVZE_DB_CONNECTIONS`), to the primary and to
    /// each replica. Fluent's default of one let a report of a few seconds hold up every page
    /// served by its thread, and 32 users share two connections on a 2-core machine.
    public var connectionsPerLoop: Int
    public static let defaultConnectionsPerLoop = 8

    public init(dataDirectory: String, bcryptCost: Int = 12, databaseURL: String? = nil,
                demo: Bool = false, adminPassword: String? = nil, auditKeyFile: String? = nil, tls: TLSFiles? = nil,
                backup: BackupSchedule? = nil, connectionsPerLoop: Int = LvzeConfiguration.defaultConnectionsPerLoop, databaseReadURLs: [String] = []) {
        self.connectionsPerLoop = connectionsPerLoop
        self.auditKeyFile = auditKeyFile
        self.databaseReadURLs = databaseReadURLs
        self.tls = tls
        self.backup = backup
        self.dataDirectory = dataDirectory
        self.bcryptCost = bcryptCost
        self.databaseURL = databaseURL
        self.demo = demo
        self.adminPassword = adminPassword
    }
}

/// A wall clock with an offset tests can advance (idle expiry, lockout expiry).
public final class LvzeClock: Sendable {
    private let offset = NIOLockedValueBox<TimeInterval>(0)
    public init() {}
    public func now() -> Date { Date().addingTimeInterval(offset.withLockedValue { $0 }) }
    public func advance(by seconds: TimeInterval) { offset.withLockedValue { $0 += seconds } }
}

/// Settings cached in memory and written through to the `settings` table.
public final class SettingsStore: Sendable {
    private let values = NIOLockedValueBox<[String: String]>([:])

    package static let defaults: [String: String] = [
        "security.password.min_length": "12",
        "security.password.classes": "3",
        "security.password.expiry_days": "90",
        "security.lockout.threshold": "5",
        "security.lockout.minutes": "15",
        "security.session.idle_minutes": "30",
        "site.district_name": "",
        "attachments.max_mb": "50",
        "import.max_concurrent": "2",
        "workflow.green_days": "20",
        "workflow.yellow_days": "10",
        "workflow.escalate_unit_days": "7",
        "workflow.escalate_district_days": "30",
        "ideology.filing_days": "3",
        "integrity.lead_disposal_days": "30",
    ]

    package func load(on db: any Database) async throws {
        let rows = try await Setting.query(on: db).all()
        values.withLockedValue { v in
            v = [:]
            for row in rows { if let key = row.id { v[key] = row.value } }
        }
    }

    package func string(_ key: String) -> String {
        values.withLockedValue { $0[key] } ?? SettingsStore.defaults[key] ?? ""
    }

    package func int(_ key: String) -> Int { Int(string(key)) ?? Int(SettingsStore.defaults[key] ?? "") ?? 0 }

    /// A whole-number setting, or nil when it is unknown: what catalogue rules read
    /// (`days_ahead`'s `setting`).
    package func number(_ key: String) -> Int? { Int(string(key)) }

    package func set(_ changes: [String: String], on db: any Database) async throws {
        try await db.transaction { tx in
            for (key, value) in changes {
                if let row = try await Setting.find(key, on: tx) {
                    row.value = value
                    try await row.update(on: tx)
                } else {
                    try await Setting(key: key, value: value).create(on: tx)
                }
            }
        }
        values.withLockedValue { v in for (k, val) in changes { v[k] = val } }
    }

    package var warningSettings: DeadlineWarningSettings {
        DeadlineWarningSettings(greenDays: int("workflow.green_days"), yellowDays: int("workflow.yellow_days"), redDays: -1)
    }

    /// The warning ladder the reminder pass follows.
    package var reminderSettings: ReminderSettings {
        ReminderSettings(warnings: warningSettings, unitLeaderAfterDays: int("workflow.escalate_unit_days"),
                         districtAfterDays: int("workflow.escalate_district_days"))
    }

    package static let reminderKeys = ["greenDays": "workflow.green_days", "yellowDays": "workflow.yellow_days",
                                       "unitLeaderAfterDays": "workflow.escalate_unit_days",
                                       "districtAfterDays": "workflow.escalate_district_days"]

    package var passwordPolicy: PasswordPolicy {
        PasswordPolicy(
            minLength: int("security.password.min_length"),
            requiredClasses: int("security.password.classes"),
            expiryDays: int("security.password.expiry_days"),
            lockoutThreshold: int("security.lockout.threshold"),
            lockoutMinutes: int("security.lockout.minutes"),
            idleMinutes: int("security.session.idle_minutes"))
    }
}

/// Everything Lvze keeps on the Vapor application.
public final class LvzeServices: Sendable {
    public let configuration: LvzeConfiguration
    public let clock = LvzeClock()
    public let settings = SettingsStore()
    package let audit: AuditLog
    /// Where the audit key was read from (nil: an in-memory test key), and whether this start made it.
    package let auditKey: (path: String?, created: Bool)
    package let catalogue = CatalogueStore()
    let imports = ImportJobs()
    let dataVersion = DataVersion()
    let readRouting: ReadRouting
    /// Session rows by the cookie's hash: a page view need not ask the database who is calling
    /// when it asked a moment ago (logging out, disabling an account or changing roles are
    /// writes, and end the reuse).
    let sessionRows = RecentValues<SessionRow>()
    /// The header's unread count, by user.
    let unreadCounts = RecentValues<Int>()
    /// Whether a unit path's subtree holds every unit (`RecordFilter.coversEverything`).
    let scopeCoverage = RecentValues<Bool>()
    /// The ids of a unit path's subtree, when few enough to write into a statement (`RecordFilter.unitIDs`).
    let scopeUnits = RecentValues<[Int]?>()
    /// The paths a list's «单位» text names, by scope and text (`RecordFilter.from`).
    let unitLookups = RecentValues<[String]>()
    /// Lists' counts of matches, by statement (`KeptCounts`).
    let listCounts = RecentValues<Int>()
    let loginThrottle = LoginThrottle()
    let inFlight = InFlight()
    /// A bcrypt hash of a random secret at the configured cost, checked for unknown usernames
    /// so that they take as long as known ones.
    package let decoyHash: String
    let dashboards = DashboardCache()
    let supervision = SupervisionCache()
    let attachments: AttachmentStore
    /// The threads imports read files on (`LedgerImporter.readers`), started with the app and
    /// stopped when it shuts down; more imports than threads wait their turn in `ImportJobs`.
    let importPool = NIOThreadPool(numberOfThreads: 4)

    package init(configuration: LvzeConfiguration, logger: Logger) throws {
        self.configuration = configuration
        self.readRouting = ReadRouting(replicas: configuration.databaseReadURLs.count)
        let key = try AuditKeyFile.load(configuration, logger: logger)
        self.audit = AuditLog(seal: key.seal)
        self.auditKey = (key.path, key.created)
        self.decoyHash = try Bcrypt.hash(Secrets.token(bytes: 16), cost: configuration.bcryptCost)
        // In-memory test databases keep their files in a fresh temporary folder.
        let base = configuration.dataDirectory == ":memory:"
            ? FileManager.default.temporaryDirectory.appendingPathComponent("lvze-\(UUID().uuidString)")
            : URL(fileURLWithPath: configuration.dataDirectory, isDirectory: true)
        self.attachments = AttachmentStore(directory: base.appendingPathComponent("attachments", isDirectory: true))
        importPool.start()
    }
}

extension LvzeServices {
    /// Something was written outside a request's own write (an import's end, the reminders):
    /// cached pages are recomputed, and on the primary while replicas catch up.
    func noteWrite(user: Int? = nil) {
        dataVersion.bump()
        readRouting.wrote(user: user, at: clock.now())
    }
}

/// Stops what `LvzeServices` started when the application shuts down.
struct ServicesLifecycle: LifecycleHandler {
    func shutdownAsync(_ application: Application) async {
        try? await application.lvze.importPool.shutdownGracefully()
    }
}

extension Application {
    private struct ServicesKey: StorageKey { typealias Value = LvzeServices }

    public var lvze: LvzeServices {
        get {
            guard let services = storage[ServicesKey.self] else {
                fatalError("Lvze services used before configure(_:)")
            }
            return services
        }
        set { storage[ServicesKey.self] = newValue }
    }
}

extension Request {
    package var lvze: LvzeServices { application.lvze }
    package var now: Date { application.lvze.clock.now() }
}

package enum Secrets {
    /// A URL-safe random token of `bytes` random bytes.
    package static func token(bytes: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()
        let data = Data((0..<bytes).map { _ in UInt8.random(in: 0...255, using: &generator) })
        return data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    package static func sha256(_ text: String) -> String {
        // Every request hashes its session cookie: hex digits by table, not String(format:).
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(64)
        for byte in SHA256.hash(data: Data(text.utf8)) {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: hex, as: UTF8.self)
    }

    /// SHA-256 of parts, each prefixed with its length in bytes so no two lists of parts hash
    /// alike; what issued reports and published assessments are fixed with.
    package static func sha256(parts: [String]) -> String {
        var data = Data()
        for part in parts {
            let bytes = Data(part.utf8)
            data.append(Data("\(bytes.count):".utf8))
            data.append(bytes)
        }
        return SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    /// A password that meets the standard policy, for first start and resets.
    package static func password() -> String {
        let upper = Array("ABCDEFGHJKLMNPQRSTUVWXYZ"), lower = Array("abcdefghijkmnpqrstuvwxyz")
        let digits = Array("23456789"), symbols = Array("@#%+=")
        var chars: [Character] = [upper.randomElement()!, lower.randomElement()!, digits.randomElement()!, symbols.randomElement()!]
        let all = upper + lower + digits
        while chars.count < 16 { chars.append(all.randomElement()!) }
        return String(chars.shuffled())
    }
}

/// Timestamps in the audit trail: ISO 8601, UTC, milliseconds.
package enum ISOTime {
    package static func string(_ date: Date) -> String {
        let ms = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        var t = time_t(ms / 1000)
        var parts = tm()
        gmtime_r(&t, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                      Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
                      Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), Int(ms % 1000))
    }

    /// 2025-03-05 14:07 in China Standard Time, for tables.
    package static func local(_ date: Date?) -> String {
        guard let date else { return "" }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .lvzeDefault
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!)
    }

    package static func localFromISO(_ iso: String) -> String {
        // "2025-03-05T06:07:08.123Z" → local time
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.date(from: iso).map { local($0) } ?? iso
    }
}
