import Foundation

/// One entry of a rectification's history, produced by every allowed action so the server can
/// record who did what, when, and how the state moved.
public struct RectificationEvent: Sendable, Equatable {
    public var kind: RectificationEventKind
    public var actorID: Int
    public var at: Date
    /// The calendar day of `at` in the district's zone, as ledgers (销号时间) record it.
    public var date: LocalDate
    /// What the actor wrote, with the facts of the action (new progress, deadlines) spelled out.
    public var note: String
    public var fromState: RectificationState
    public var toState: RectificationState

    public init(kind: RectificationEventKind, actorID: Int, at: Date, date: LocalDate, note: String,
                fromState: RectificationState, toState: RectificationState) {
        self.kind = kind
        self.actorID = actorID
        self.at = at
        self.date = date
        self.note = note
        self.fromState = fromState
        self.toState = toState
    }
}
