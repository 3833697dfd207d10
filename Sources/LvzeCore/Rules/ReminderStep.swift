/// Where an open item stands on the reminder ladder of 三色预警 platforms: the three deadline
/// tiers go to its handler (经办人); overdue past a number of days it escalates to the unit's
/// leader (分管领导), then to the district's (主要领导). Each step is reminded once per
/// deadline: a later step is sent when reached, an earlier one never again.
public enum ReminderStep: Int, CaseIterable, Codable, Sendable, Comparable {
    case green = 1
    case yellow
    case red
    case unitLeader
    case district

    /// The step of a deadline tier.
    public init(_ tier: DeadlineWarningTier) {
        switch tier {
        case .green: self = .green
        case .yellow: self = .yellow
        case .red: self = .red
        }
    }

    public var label: String {
        switch self {
        case .green: return DeadlineWarningTier.green.label
        case .yellow: return DeadlineWarningTier.yellow.label
        case .red: return DeadlineWarningTier.red.label
        case .unitLeader: return "逾期提级督办"
        case .district: return "逾期区级督办"
        }
    }

    /// Who the notice of this step goes to.
    public var recipient: ReminderRecipient {
        switch self {
        case .green, .yellow, .red: return .handler
        case .unitLeader: return .unitLeader
        case .district: return .districtLeader
        }
    }

    public static func < (a: ReminderStep, b: ReminderStep) -> Bool { a.rawValue < b.rawValue }
}

public enum ReminderRecipient: String, Sendable, Codable {
    case handler, unitLeader, districtLeader

    public var label: String {
        switch self {
        case .handler: return "经办人"
        case .unitLeader: return "分管领导"
        case .districtLeader: return "主要领导"
        }
    }
}

/// The day counts of the ladder, kept as settings: the warning tiers, and how long overdue an
/// item escalates to the unit's leader and then to the district.
public struct ReminderSettings: Sendable, Equatable, Codable {
    public var warnings: DeadlineWarningSettings
    /// Overdue by this many days or more: the unit's leader is reminded (default 7).
    public var unitLeaderAfterDays: Int
    /// Overdue by this many days or more: the district's leader is reminded (default 30).
    public var districtAfterDays: Int

    public static let standard = ReminderSettings(warnings: .standard, unitLeaderAfterDays: 7, districtAfterDays: 30)

    public init(warnings: DeadlineWarningSettings, unitLeaderAfterDays: Int, districtAfterDays: Int) {
        self.warnings = warnings
        self.unitLeaderAfterDays = unitLeaderAfterDays
        self.districtAfterDays = districtAfterDays
    }

    /// The step of an open item with `daysLeft` (negative when overdue), or nil before the first tier.
    public func step(daysLeft: Int) -> ReminderStep? {
        let overdue = -daysLeft
        if overdue >= districtAfterDays { return .district }
        if overdue >= unitLeaderAfterDays { return .unitLeader }
        return warnings.tier(daysLeft: daysLeft).map(ReminderStep.init)
    }

    /// The step to remind now, if the item has reached one beyond the last reminded (`sent`,
    /// nil when none was); skipped steps are not sent late.
    public func due(daysLeft: Int, sent: ReminderStep?) -> ReminderStep? {
        guard let now = step(daysLeft: daysLeft) else { return nil }
        if let sent, now <= sent { return nil }
        return now
    }

    /// Problems of the settings themselves, each naming its field.
    public func validationErrors() -> [FieldError] {
        var errors = warnings.validationErrors()
        if !(1...365).contains(unitLeaderAfterDays) {
            errors.append(.init("unitLeaderAfterDays", "逾期提级天数", "须在1到365天之间"))
        }
        if !(1...730).contains(districtAfterDays) {
            errors.append(.init("districtAfterDays", "逾期区级督办天数", "须在1到730天之间"))
        } else if districtAfterDays <= unitLeaderAfterDays {
            errors.append(.init("districtAfterDays", "逾期区级督办天数", "须多于逾期提级天数（\(unitLeaderAfterDays)天）"))
        }
        return errors
    }
}
