import Foundation

/// A close-out request (申请销号) awaiting review, kept so the reviewer can be checked against
/// the person who asked.
public struct RectificationClosureRequest: Sendable, Equatable {
    public var requesterID: Int
    public var requestedAt: Date
    /// What was done (整改完成情况).
    public var description: String
    /// How many evidence attachments (佐证材料) came with the request.
    public var evidenceCount: Int

    public init(requesterID: Int, requestedAt: Date, description: String, evidenceCount: Int) {
        self.requesterID = requesterID
        self.requestedAt = requestedAt
        self.description = description
        self.evidenceCount = evidenceCount
    }
}
