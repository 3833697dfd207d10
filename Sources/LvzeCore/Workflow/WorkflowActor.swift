/// The account performing a workflow action, with just what the rules need to decide whether
/// it may: who it is, which roles it holds and which part of the unit tree it covers.
public struct WorkflowActor: Sendable, Equatable {
    public var id: Int
    public var roles: Set<Role>
    /// The subtree of the unit tree the account works in (管辖范围).
    public var scope: UnitPath

    public init(id: Int, roles: Set<Role>, scope: UnitPath) {
        self.id = id
        self.roles = roles
        self.scope = scope
    }
}
