/// An allowed action's result: the rectification as it must now be stored, and the event to record.
public struct RectificationTransition: Sendable, Equatable {
    public var item: RectificationSnapshot
    public var event: RectificationEvent

    public init(item: RectificationSnapshot, event: RectificationEvent) {
        self.item = item
        self.event = event
    }
}
