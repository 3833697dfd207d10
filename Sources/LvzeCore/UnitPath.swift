/// Materialised paths of the unit tree: `/1/5/23/` holds the ids from the root down, so
/// "this unit and everything under it" is one range condition on an indexed column.
public struct UnitPath: Hashable, Sendable, CustomStringConvertible {
    public let value: String

    public init(_ value: String) { self.value = value }

    public static func root(id: Int) -> UnitPath { UnitPath("/\(id)/") }
    public func child(id: Int) -> UnitPath { UnitPath(value + "\(id)/") }

    public var description: String { value }

    /// Ids from the root down to this unit.
    public var ids: [Int] { value.split(separator: "/").compactMap { Int($0) } }
    public var depth: Int { ids.count - 1 }

    /// The exclusive upper bound of this subtree: every descendant path sorts between `value`
    /// and it under byte order, because '~' sorts after digits and '/'.
    public var subtreeUpperBound: String { value + "~" }

    public func contains(_ other: UnitPath) -> Bool { other.value.hasPrefix(value) }

    /// The path `descendant` gets when this subtree is re-rooted at `newPath`.
    public func rebase(_ descendant: UnitPath, onto newPath: UnitPath) -> UnitPath {
        precondition(contains(descendant))
        return UnitPath(newPath.value + descendant.value.dropFirst(value.count))
    }
}
