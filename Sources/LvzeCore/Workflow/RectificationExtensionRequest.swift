import Foundation

/// A deadline extension request (延期申请) awaiting review; at most one is open per item.
public struct RectificationExtensionRequest: Sendable, Equatable {
    public var requesterID: Int
    public var requestedAt: Date
    /// The deadline asked for, always later than the deadline in force when asked.
    public var requestedDeadline: LocalDate
    public var reason: String

    public init(requesterID: Int, requestedAt: Date, requestedDeadline: LocalDate, reason: String) {
        self.requesterID = requesterID
        self.requestedAt = requestedAt
        self.requestedDeadline = requestedDeadline
        self.reason = reason
    }
}
