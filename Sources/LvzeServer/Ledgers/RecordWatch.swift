import Foundation
import LvzeCore

/// The columns of an open rectification item that the daily loop reads (`M008_DailyLoop`),
/// derived from the record's other columns on every write — single edits, workflow steps,
/// imports and the demo alike — so no page recomputes them over every open item.
package struct RecordWatch: Equatable, Sendable {
    /// Whose turn an item is, beyond its state.
    package enum Awaiting: String, Sendable {
        case none = ""
        /// A close-out or extension request waits for a reviewer.
        case review
        /// The reviewer sent the request back (or refused the extension); the unit's turn.
        case returned
    }

    /// The day the item falls behind 序时进度 at its recorded progress; nil when closed or at 100%.
    package var behindOn: String?
    package var awaiting: Awaiting
    /// Its 问题来源 (`LedgerKind.WorkflowField.source`).
    package var source: String?
    /// The responsibility system's raw value (`LedgerKind.responsibilitySystem`).
    package var system: String?

    package static let openStates: [String] = [RectificationState.pending, .inProgress, .closureRequested].map(\.rawValue)
    /// The open states as SQL, the predicate of the partial indexes that serve the daily loop.
    package static let openSQL = "(" + openStates.map { "'\($0)'" }.joined(separator: ", ") + ")"

    /// `returned` stays until the unit's next step; a pending request always means `review`.
    package init(status: String, openedOn: String, dueDate: String?, progress: Int?, workflow: String, source: String?,
                 system: String?, returned: Bool = false) {
        let open = Self.openStates.contains(status)
        if open, let due = dueDate.flatMap(LocalDate.parse), let opened = LocalDate.parse(openedOn) {
            behindOn = RectificationSchedule(created: opened, deadline: due).behindFrom(actualProgress: progress ?? 0)?.iso
        } else {
            behindOn = nil
        }
        // Most records carry "{}" or an extension count: the text test spares decoding them.
        let pending = status == RectificationState.closureRequested.rawValue
            || (workflow.utf8.count > 20 && workflow.contains("\"extensionRequest\"") && WorkflowData.decode(workflow).extensionRequest != nil)
        awaiting = !open ? .none : pending ? .review : returned ? .returned : .none
        self.source = source
        self.system = system
    }

    package init(status: String, openedOn: String, dueDate: String?, progress: Int?, workflow: String, kind: LedgerKind,
                 values: [String: FieldValue], returned: Bool = false) {
        self.init(status: status, openedOn: openedOn, dueDate: dueDate, progress: progress, workflow: workflow,
                  source: values[LedgerKind.WorkflowField.source]?.display, system: kind.responsibilitySystem(values)?.rawValue,
                  returned: returned)
    }
}

extension LedgerRecord {
    /// Brings the daily-loop columns up to date with the others; `returned` as `RecordWatch`.
    package func refreshWatch(kind: LedgerKind, values: [String: FieldValue], returned: Bool? = nil) {
        guard kind.workflow else { return }
        let keepReturned = returned ?? (awaiting == RecordWatch.Awaiting.returned.rawValue)
        let w = RecordWatch(status: status, openedOn: openedOn, dueDate: dueDate, progress: progress, workflow: workflow,
                            kind: kind, values: values, returned: keepReturned)
        behindOn = w.behindOn
        awaiting = w.awaiting.rawValue
        source = w.source
        system = w.system
    }
}
