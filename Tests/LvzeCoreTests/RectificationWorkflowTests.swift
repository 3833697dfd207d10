import Foundation
import LvzeCore
import XCTest

final class RectificationWorkflowTests: XCTestCase {
    let unit = UnitPath("/1/5/23/")
    let clerk = WorkflowActor(id: 7, roles: [.clerk], scope: UnitPath("/1/5/23/"))
    let reviewer = WorkflowActor(id: 9, roles: [.reviewer], scope: UnitPath("/1/5/"))
    let leader = WorkflowActor(id: 13, roles: [.leader, .clerk], scope: UnitPath("/1/"))
    /// 2025-03-10 10:00 in Beijing.
    let now = Date(timeIntervalSince1970: TimeInterval(LocalDate(year: 2025, month: 3, day: 10)!.dayNumber * 86_400 + 2 * 3_600))
    let today = LocalDate(year: 2025, month: 3, day: 10)!
    let deadline = LocalDate(year: 2025, month: 4, day: 30)!

    func item(_ state: RectificationState, progress: Int = 40,
              closureBy requester: Int? = nil, extensionBy extRequester: Int? = nil) -> RectificationSnapshot {
        RectificationSnapshot(
            state: state, deadline: deadline, progress: progress,
            closureRequest: requester.map {
                RectificationClosureRequest(requesterID: $0, requestedAt: now, description: "已整改", evidenceCount: 2)
            },
            extensionRequest: extRequester.map {
                RectificationExtensionRequest(requesterID: $0, requestedAt: now,
                                              requestedDeadline: LocalDate(year: 2025, month: 6, day: 30)!, reason: "资金未到位")
            },
            extensionCount: 1, unitPath: unit)
    }

    func run(_ action: RectificationAction, _ item: RectificationSnapshot, by actor: WorkflowActor) -> Result<RectificationTransition, ValidationFailure> {
        RectificationWorkflow.apply(action, to: item, by: actor, at: now)
    }

    func allowed(_ action: RectificationAction, _ item: RectificationSnapshot, by actor: WorkflowActor,
                 file: StaticString = #filePath, line: UInt = #line) throws -> RectificationTransition {
        switch run(action, item, by: actor) {
        case let .success(transition):
            XCTAssertEqual(transition.event.actorID, actor.id, file: file, line: line)
            XCTAssertEqual(transition.event.at, now, file: file, line: line)
            XCTAssertEqual(transition.event.date, today, file: file, line: line)
            XCTAssertEqual(transition.event.fromState, item.state, file: file, line: line)
            XCTAssertEqual(transition.event.toState, transition.item.state, file: file, line: line)
            return transition
        case let .failure(failure):
            XCTFail("refused: \(failure.message)", file: file, line: line)
            throw failure
        }
    }

    func refusal(_ action: RectificationAction, _ item: RectificationSnapshot, by actor: WorkflowActor,
                 file: StaticString = #filePath, line: UInt = #line) -> [String] {
        switch run(action, item, by: actor) {
        case .success:
            XCTFail("allowed \(action.label) from \(item.state.label)", file: file, line: line)
            return []
        case let .failure(failure):
            return failure.errors.map(\.message)
        }
    }

    // MARK: start work

    func testStartWorkMovesPendingToInProgress() throws {
        let t = try allowed(.startWork, item(.pending), by: clerk)
        XCTAssertEqual(t.item.state, .inProgress)
        XCTAssertEqual(t.item.progress, 40)
        XCTAssertEqual(t.event.kind, .started)
    }

    func testStartWorkIsRefusedOutsidePending() {
        for state in [RectificationState.inProgress, .closureRequested, .closed] {
            XCTAssertEqual(refusal(.startWork, item(state, closureBy: state == .closureRequested ? 7 : nil), by: clerk),
                           ["当前状态为「\(state.label)」，不能开始整改"])
        }
    }

    // MARK: progress

    func testProgressOnPendingItemStartsTheWork() throws {
        let t = try allowed(.recordProgress(percent: 30, note: "已制定方案"), item(.pending, progress: 0), by: clerk)
        XCTAssertEqual(t.item.state, .inProgress)
        XCTAssertEqual(t.item.progress, 30)
        XCTAssertEqual(t.event.kind, .progressRecorded)
        XCTAssertEqual(t.event.note, "整改进度由0%更新为30%；已制定方案")
    }

    func testProgressWhileInProgressAcceptsBothEnds() throws {
        for percent in [0, 100] {
            let t = try allowed(.recordProgress(percent: percent, note: ""), item(.inProgress), by: clerk)
            XCTAssertEqual(t.item.state, .inProgress)
            XCTAssertEqual(t.item.progress, percent)
            XCTAssertEqual(t.event.note, "整改进度由40%更新为\(percent)%")
        }
    }

    func testProgressOutOfRangeIsRefused() {
        for percent in [-1, 101] {
            XCTAssertEqual(refusal(.recordProgress(percent: percent, note: ""), item(.inProgress), by: clerk),
                           ["须在0到100之间，收到的是\(percent)"])
        }
    }

    func testProgressIsRefusedOnceCloseOutIsRequestedOrDone() {
        XCTAssertEqual(refusal(.recordProgress(percent: 90, note: ""), item(.closureRequested, closureBy: 7), by: clerk),
                       ["当前状态为「申请销号」，不能登记整改进度"])
        XCTAssertEqual(refusal(.recordProgress(percent: 90, note: ""), item(.closed), by: clerk),
                       ["当前状态为「已销号」，不能登记整改进度"])
    }

    // MARK: close-out request

    func testCloseOutRequestFromInProgressAndFromPending() throws {
        for state in [RectificationState.inProgress, .pending] {
            let t = try allowed(.requestClosure(description: "  已更换灭火器  ", evidenceCount: 1, blockers: []), item(state), by: clerk)
            XCTAssertEqual(t.item.state, .closureRequested)
            XCTAssertEqual(t.item.progress, 40, "progress becomes 100 on approval, not on request")
            XCTAssertEqual(t.item.closureRequest,
                           RectificationClosureRequest(requesterID: 7, requestedAt: now, description: "已更换灭火器", evidenceCount: 1))
            XCTAssertEqual(t.event.kind, .closureRequested)
            XCTAssertEqual(t.event.note, "已更换灭火器；佐证材料1份")
        }
    }

    func testCloseOutWithoutEvidenceIsRefused() {
        XCTAssertEqual(refusal(.requestClosure(description: "已整改", evidenceCount: 0, blockers: []), item(.inProgress), by: clerk),
                       ["销号申请须附至少一份佐证材料"])
    }

    func testCloseOutWithoutDescriptionIsRefused() {
        XCTAssertEqual(refusal(.requestClosure(description: " \n", evidenceCount: 3, blockers: []), item(.inProgress), by: clerk),
                       ["申请销号须填写整改完成情况"])
    }

    func testCloseOutWithOutsideBlockerIsRefused() {
        let blocker = "重大隐患须填写整改方案五到位（措施、资金、期限、责任人、应急预案）后才能申请销号"
        let result = run(.requestClosure(description: "已整改", evidenceCount: 1, blockers: [blocker]), item(.inProgress), by: clerk)
        guard case let .failure(failure) = result else { return XCTFail("allowed") }
        XCTAssertEqual(failure.errors, [FieldError("closureConditions", "销号条件", blocker)])
    }

    func testCloseOutReportsEveryProblemAtOnce() {
        XCTAssertEqual(refusal(.requestClosure(description: "", evidenceCount: 0, blockers: ["甲", "乙"]), item(.pending), by: clerk),
                       ["申请销号须填写整改完成情况", "销号申请须附至少一份佐证材料", "甲", "乙"])
    }

    func testCloseOutRequestIsRefusedWhenAlreadyRequestedOrClosed() {
        let action = RectificationAction.requestClosure(description: "已整改", evidenceCount: 1, blockers: [])
        XCTAssertEqual(refusal(action, item(.closureRequested, closureBy: 7), by: clerk), ["当前状态为「申请销号」，不能申请销号"])
        XCTAssertEqual(refusal(action, item(.closed), by: clerk), ["当前状态为「已销号」，不能申请销号"])
    }

    // MARK: close-out approval

    func testApprovalClosesAndSetsProgressTo100() throws {
        let t = try allowed(.approveClosure(note: "同意销号"), item(.closureRequested, closureBy: 7), by: reviewer)
        XCTAssertEqual(t.item.state, .closed)
        XCTAssertEqual(t.item.progress, 100)
        XCTAssertNil(t.item.closureRequest)
        XCTAssertEqual(t.item.deadline, deadline)
        XCTAssertEqual(t.event.kind, .closureApproved)
        XCTAssertEqual(t.event.note, "同意销号")
    }

    func testApprovalDropsAnOpenExtensionRequest() throws {
        let t = try allowed(.approveClosure(note: ""), item(.closureRequested, closureBy: 7, extensionBy: 7), by: reviewer)
        XCTAssertNil(t.item.extensionRequest)
        XCTAssertEqual(t.item.extensionCount, 1)
        XCTAssertEqual(t.event.note, "待审批的延期申请（申请延至2025年6月30日）随销号撤销")
    }

    func testRequesterApprovingOwnCloseOutIsRefused() {
        let requester = WorkflowActor(id: 9, roles: [.reviewer, .clerk], scope: UnitPath("/1/"))
        XCTAssertEqual(refusal(.approveClosure(note: ""), item(.closureRequested, closureBy: 9), by: requester),
                       ["不能审批自己提交的销号申请"])
    }

    func testReviewerOutsideScopeIsRefused() {
        for scope in ["/1/6/", "/1/5/2/", "/1/5/23/4/"] {
            let outsider = WorkflowActor(id: 11, roles: [.reviewer], scope: UnitPath(scope))
            XCTAssertEqual(refusal(.approveClosure(note: ""), item(.closureRequested, closureBy: 7), by: outsider),
                           ["审核人的管辖范围不包含该问题的责任单位"], scope)
        }
    }

    func testReviewerOfTheUnitItselfMayApprove() throws {
        let local = WorkflowActor(id: 12, roles: [.reviewer], scope: unit)
        XCTAssertEqual(try allowed(.approveClosure(note: ""), item(.closureRequested, closureBy: 7), by: local).item.state, .closed)
    }

    func testApprovalWithoutReviewerRoleIsRefused() {
        XCTAssertEqual(refusal(.approveClosure(note: ""), item(.closureRequested, closureBy: 7), by: leader),
                       ["只有审核人才能审批销号申请"])
    }

    func testApprovalReportsEveryAuthorityProblem() {
        let wrong = WorkflowActor(id: 7, roles: [.clerk], scope: UnitPath("/2/"))
        XCTAssertEqual(refusal(.approveClosure(note: ""), item(.closureRequested, closureBy: 7), by: wrong),
                       ["只有审核人才能审批销号申请", "不能审批自己提交的销号申请", "审核人的管辖范围不包含该问题的责任单位"])
    }

    func testApprovalIsRefusedWithoutAPendingRequest() {
        for state in [RectificationState.pending, .inProgress, .closed] {
            XCTAssertEqual(refusal(.approveClosure(note: ""), item(state), by: reviewer), ["当前状态为「\(state.label)」，不能批准销号"])
        }
        XCTAssertEqual(refusal(.approveClosure(note: ""), item(.closureRequested), by: reviewer), ["没有待审核的销号申请"])
    }

    // MARK: send back

    func testSendBackReturnsToInProgress() throws {
        let t = try allowed(.sendBack(reason: " 佐证材料不清晰 "), item(.closureRequested, progress: 95, closureBy: 7), by: reviewer)
        XCTAssertEqual(t.item.state, .inProgress)
        XCTAssertEqual(t.item.progress, 95)
        XCTAssertNil(t.item.closureRequest)
        XCTAssertEqual(t.event.kind, .sentBack)
        XCTAssertEqual(t.event.note, "佐证材料不清晰")
    }

    func testSendBackNeedsAReason() {
        XCTAssertEqual(refusal(.sendBack(reason: "  "), item(.closureRequested, closureBy: 7), by: reviewer), ["退回销号申请须说明理由"])
    }

    func testSendBackNeedsAnAuthorisedReviewer() {
        XCTAssertEqual(refusal(.sendBack(reason: "不完整"), item(.closureRequested, closureBy: 7), by: leader),
                       ["只有审核人才能退回销号申请"])
        XCTAssertEqual(refusal(.sendBack(reason: "不完整"), item(.closureRequested, closureBy: 9), by: reviewer),
                       ["不能退回自己提交的销号申请"])
        let outsider = WorkflowActor(id: 11, roles: [.reviewer], scope: UnitPath("/1/6/"))
        XCTAssertEqual(refusal(.sendBack(reason: "不完整"), item(.closureRequested, closureBy: 7), by: outsider),
                       ["审核人的管辖范围不包含该问题的责任单位"])
    }

    func testSendBackIsRefusedWithoutAPendingRequest() {
        for state in [RectificationState.pending, .inProgress, .closed] {
            XCTAssertEqual(refusal(.sendBack(reason: "不完整"), item(state), by: reviewer), ["当前状态为「\(state.label)」，不能退回销号申请"])
        }
        XCTAssertEqual(refusal(.sendBack(reason: "不完整"), item(.closureRequested), by: reviewer), ["没有待审核的销号申请"])
    }

    // MARK: extension request

    func testExtensionMayBeRequestedInEveryOpenState() throws {
        let later = LocalDate(year: 2025, month: 5, day: 31)!
        for state in [RectificationState.pending, .inProgress, .closureRequested] {
            let before = item(state, closureBy: state == .closureRequested ? 7 : nil)
            let t = try allowed(.requestExtension(newDeadline: later, reason: "设备采购周期长"), before, by: clerk)
            XCTAssertEqual(t.item.state, state)
            XCTAssertEqual(t.item.deadline, deadline)
            XCTAssertEqual(t.item.extensionRequest,
                           RectificationExtensionRequest(requesterID: 7, requestedAt: now, requestedDeadline: later, reason: "设备采购周期长"))
            XCTAssertEqual(t.event.kind, .extensionRequested)
            XCTAssertEqual(t.event.note, "申请将整改时限由2025年4月30日延至2025年5月31日；设备采购周期长")
        }
    }

    func testExtensionMustBeLaterThanTheCurrentDeadline() {
        for newDeadline in [deadline, deadline.adding(days: -1)] {
            XCTAssertEqual(refusal(.requestExtension(newDeadline: newDeadline, reason: "理由"), item(.inProgress), by: clerk),
                           ["须晚于当前整改时限（2025年4月30日）"])
        }
        XCTAssertNoThrow(try allowed(.requestExtension(newDeadline: deadline.adding(days: 1), reason: "理由"), item(.inProgress), by: clerk))
    }

    func testExtensionMustNotEndBeforeToday() throws {
        var overdue = item(.inProgress)
        overdue.deadline = LocalDate(year: 2025, month: 3, day: 1)!
        XCTAssertEqual(refusal(.requestExtension(newDeadline: today.adding(days: -1), reason: "理由"), overdue, by: clerk),
                       ["不能早于今天（2025年3月10日）"])
        XCTAssertEqual(try allowed(.requestExtension(newDeadline: today, reason: "理由"), overdue, by: clerk).item.extensionRequest?.requestedDeadline, today)
    }

    func testExtensionNeedsAReason() {
        XCTAssertEqual(refusal(.requestExtension(newDeadline: deadline.adding(days: 10), reason: " "), item(.inProgress), by: clerk),
                       ["申请延期须说明理由"])
    }

    func testOnlyOneExtensionRequestAtATime() {
        XCTAssertEqual(refusal(.requestExtension(newDeadline: deadline.adding(days: 90), reason: "理由"), item(.inProgress, extensionBy: 7), by: clerk),
                       ["已有待审批的延期申请（申请延至2025年6月30日），审批后才能再次申请"])
    }

    func testExtensionIsRefusedOnClosedItems() {
        XCTAssertEqual(refusal(.requestExtension(newDeadline: deadline.adding(days: 10), reason: "理由"), item(.closed), by: clerk),
                       ["当前状态为「已销号」，不能申请延期"])
    }

    // MARK: extension decision

    func testApprovedExtensionReplacesTheDeadline() throws {
        let t = try allowed(.approveExtension(note: "同意"), item(.inProgress, extensionBy: 7), by: reviewer)
        XCTAssertEqual(t.item.deadline, LocalDate(year: 2025, month: 6, day: 30)!)
        XCTAssertEqual(t.item.extensionCount, 2)
        XCTAssertNil(t.item.extensionRequest)
        XCTAssertEqual(t.item.state, .inProgress)
        XCTAssertEqual(t.event.kind, .extensionApproved)
        XCTAssertEqual(t.event.note, "整改时限由2025年4月30日延至2025年6月30日；同意")
    }

    func testRefusedExtensionKeepsTheDeadline() throws {
        let t = try allowed(.refuseExtension(reason: "理由不充分"), item(.pending, extensionBy: 7), by: reviewer)
        XCTAssertEqual(t.item.deadline, deadline)
        XCTAssertEqual(t.item.extensionCount, 1)
        XCTAssertNil(t.item.extensionRequest)
        XCTAssertEqual(t.item.state, .pending)
        XCTAssertEqual(t.event.kind, .extensionRefused)
        XCTAssertEqual(t.event.note, "不同意延至2025年6月30日；理由不充分")
    }

    func testRefusingAnExtensionNeedsAReason() {
        XCTAssertEqual(refusal(.refuseExtension(reason: ""), item(.inProgress, extensionBy: 7), by: reviewer), ["驳回延期申请须说明理由"])
    }

    func testExtensionDecisionsNeedAnAuthorisedReviewer() {
        let outsider = WorkflowActor(id: 11, roles: [.reviewer], scope: UnitPath("/1/6/"))
        XCTAssertEqual(refusal(.approveExtension(note: ""), item(.inProgress, extensionBy: 9), by: reviewer), ["不能审批自己提交的延期申请"])
        XCTAssertEqual(refusal(.approveExtension(note: ""), item(.inProgress, extensionBy: 7), by: leader), ["只有审核人才能审批延期申请"])
        XCTAssertEqual(refusal(.approveExtension(note: ""), item(.inProgress, extensionBy: 7), by: outsider), ["审核人的管辖范围不包含该问题的责任单位"])
        XCTAssertEqual(refusal(.refuseExtension(reason: "否"), item(.inProgress, extensionBy: 9), by: reviewer), ["不能驳回自己提交的延期申请"])
        XCTAssertEqual(refusal(.refuseExtension(reason: "否"), item(.inProgress, extensionBy: 7), by: leader), ["只有审核人才能驳回延期申请"])
        XCTAssertEqual(refusal(.refuseExtension(reason: "否"), item(.inProgress, extensionBy: 7), by: outsider), ["审核人的管辖范围不包含该问题的责任单位"])
    }

    func testExtensionDecisionsNeedAPendingRequest() {
        XCTAssertEqual(refusal(.approveExtension(note: ""), item(.inProgress), by: reviewer), ["没有待审批的延期申请"])
        XCTAssertEqual(refusal(.refuseExtension(reason: "否"), item(.inProgress), by: reviewer), ["没有待审批的延期申请"])
        XCTAssertEqual(refusal(.approveExtension(note: ""), item(.closed), by: reviewer), ["当前状态为「已销号」，不能批准延期"])
        XCTAssertEqual(refusal(.refuseExtension(reason: "否"), item(.closed), by: reviewer), ["当前状态为「已销号」，不能驳回延期申请"])
    }

    // MARK: whole path and vocabulary

    func testAFullRunFromPendingToClosed() throws {
        var current = RectificationSnapshot(deadline: deadline, unitPath: unit)
        var kinds: [RectificationEventKind] = []
        let steps: [(RectificationAction, WorkflowActor)] = [
            (.startWork, clerk),
            (.recordProgress(percent: 50, note: ""), clerk),
            (.requestClosure(description: "完成", evidenceCount: 1, blockers: []), clerk),
            (.sendBack(reason: "补充照片"), reviewer),
            (.requestExtension(newDeadline: deadline.adding(days: 15), reason: "等待复查"), clerk),
            (.approveExtension(note: ""), reviewer),
            (.requestClosure(description: "完成并复查", evidenceCount: 2, blockers: []), clerk),
            (.approveClosure(note: ""), reviewer),
        ]
        for (action, actor) in steps {
            let t = try allowed(action, current, by: actor)
            current = t.item
            kinds.append(t.event.kind)
        }
        XCTAssertEqual(kinds, [.started, .progressRecorded, .closureRequested, .sentBack,
                               .extensionRequested, .extensionApproved, .closureRequested, .closureApproved])
        XCTAssertEqual(current, RectificationSnapshot(state: .closed, deadline: deadline.adding(days: 15), progress: 100,
                                                      extensionCount: 1, unitPath: unit))
    }

    func testStateLabelsAndStoredValues() {
        XCTAssertEqual(RectificationState.allCases.map(\.rawValue), ["pending", "in_progress", "closure_requested", "closed"])
        XCTAssertEqual(RectificationState.allCases.map(\.label), ["待整改", "整改中", "申请销号", "已销号"])
        XCTAssertEqual(RectificationState.fromLabel("整改中"), .inProgress)
        XCTAssertEqual(RectificationState.fromLabel("closed"), .closed)
        XCTAssertNil(RectificationState.fromLabel("已完成"))
        XCTAssertEqual(RectificationState.allCases.filter(\.isClosed), [.closed])
        XCTAssertEqual(RectificationEventKind.allCases.map(\.rawValue),
                       ["started", "progress_recorded", "closure_requested", "closure_approved",
                        "sent_back", "extension_requested", "extension_approved", "extension_refused"])
    }
}
