/// The period of a rectification, from the day it was set to its deadline, and what follows
/// from it on a given day: 序时进度, days left, whether progress lags, and the warning tier.
public struct RectificationSchedule: Sendable, Equatable {
    public var created: LocalDate
    public var deadline: LocalDate

    public init(created: LocalDate, deadline: LocalDate) {
        self.created = created
        self.deadline = deadline
    }

    /// 序时进度: the elapsed share of the period on `today`, 0…100, rounded down. A period of
    /// zero (or, from bad data, negative) length counts as 100 once the deadline is reached.
    public func expectedProgress(on today: LocalDate) -> Int {
        let period = created.days(until: deadline)
        guard period > 0 else { return today >= deadline ? 100 : 0 }
        let elapsed = min(max(created.days(until: today), 0), period)
        return elapsed * 100 / period
    }

    /// Days from `today` to the deadline: 0 on the deadline itself, negative when overdue.
    public func daysLeft(on today: LocalDate) -> Int {
        today.days(until: deadline)
    }

    /// Whether actual progress is below 序时进度; a closed item is never behind.
    public func isBehind(actualProgress: Int, on today: LocalDate, isClosed: Bool) -> Bool {
        !isClosed && actualProgress < expectedProgress(on: today)
    }

    /// The first day on which `actualProgress` (0…100) is below 序时进度, or nil if it never will be
    /// (progress at 100). Progress changes only when someone records it, so this day can be
    /// kept with the record and "behind today" read as a date comparison, without a daily pass.
    public func behindFrom(actualProgress: Int) -> LocalDate? {
        guard actualProgress < 100 else { return nil }
        let period = created.days(until: deadline)
        guard period > 0 else { return deadline }
        // expected(e) = e·100/P rounded down exceeds a exactly when e·100 ≥ (a+1)·P.
        let needed = (actualProgress + 1) * period
        let elapsed = (needed + 99) / 100
        return created.adding(days: elapsed)
    }

    /// The deadline warning on `today`, or nil when none applies or the item is closed.
    public func warningTier(on today: LocalDate, isClosed: Bool,
                            settings: DeadlineWarningSettings = .standard) -> DeadlineWarningTier? {
        isClosed ? nil : settings.tier(daysLeft: daysLeft(on: today))
    }
}
