/// The part of a rectification the workflow rules read and change: the server loads it from
/// the database, hands it to `RectificationWorkflow`, and stores what comes back.
public struct RectificationSnapshot: Sendable, Equatable {
    public var state: RectificationState
    /// The deadline in force (整改时限).
    public var deadline: LocalDate
    /// Reported progress, 0…100 percent.
    public var progress: Int
    /// Present exactly while `state` is `.closureRequested`.
    public var closureRequest: RectificationClosureRequest?
    public var extensionRequest: RectificationExtensionRequest?
    /// How many extensions have been approved so far.
    public var extensionCount: Int
    /// The responsible unit (责任单位), against which reviewers' scopes are checked.
    public var unitPath: UnitPath

    public init(state: RectificationState = .pending, deadline: LocalDate, progress: Int = 0,
                closureRequest: RectificationClosureRequest? = nil,
                extensionRequest: RectificationExtensionRequest? = nil,
                extensionCount: Int = 0, unitPath: UnitPath) {
        self.state = state
        self.deadline = deadline
        self.progress = progress
        self.closureRequest = closureRequest
        self.extensionRequest = extensionRequest
        self.extensionCount = extensionCount
        self.unitPath = unitPath
    }
}
