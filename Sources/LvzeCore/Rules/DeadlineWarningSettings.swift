/// The day counts at which deadline warnings start, kept as settings because districts differ.
/// An item is in a tier when its days left are at most that tier's threshold; the most urgent
/// tier that applies wins.
public struct DeadlineWarningSettings: Sendable, Equatable, Codable {
    /// Green when this many days or fewer are left (default 20).
    public var greenDays: Int
    /// Yellow when this many days or fewer are left (default 10).
    public var yellowDays: Int
    /// Red when this many days or fewer are left; the default −1 means "overdue".
    public var redDays: Int

    public static let standard = DeadlineWarningSettings(greenDays: 20, yellowDays: 10, redDays: -1)

    public init(greenDays: Int, yellowDays: Int, redDays: Int) {
        self.greenDays = greenDays
        self.yellowDays = yellowDays
        self.redDays = redDays
    }

    /// The tier for `daysLeft` (negative when overdue), or nil when none applies yet.
    public func tier(daysLeft: Int) -> DeadlineWarningTier? {
        if daysLeft <= redDays { return .red }
        if daysLeft <= yellowDays { return .yellow }
        if daysLeft <= greenDays { return .green }
        return nil
    }

    /// Problems of the settings themselves, each naming its field.
    public func validationErrors() -> [FieldError] {
        var errors: [FieldError] = []
        if !(1...365).contains(greenDays) {
            errors.append(.init("greenDays", "绿色预警天数", "须在1到365天之间"))
        }
        if !(0...365).contains(yellowDays) {
            errors.append(.init("yellowDays", "黄色预警天数", "须在0到365天之间"))
        } else if yellowDays >= greenDays {
            errors.append(.init("yellowDays", "黄色预警天数", "须少于绿色预警天数（\(greenDays)天）"))
        }
        if !(-365...365).contains(redDays) {
            errors.append(.init("redDays", "红色预警天数", "须在-365到365天之间（-1表示逾期即预警）"))
        } else if redDays >= yellowDays {
            errors.append(.init("redDays", "红色预警天数", "须少于黄色预警天数（\(yellowDays)天）"))
        }
        return errors
    }
}
