import LvzeCore
import XCTest

/// Every form of state and date a historical ledger uses, read into the workflow's terms.
final class ImportedStateTests: XCTestCase {
    let found = LocalDate.parse("2025-03-01")!
    let today = LocalDate.parse("2026-12-04")!
    let nov3 = LocalDate.parse("2025-11-03")!

    typealias C = ImportedState.Column

    func testEveryFormOfStateIsRead() {
        // (cells, 销号日期, expected state, progress, closed on)
        let cases: [([C: String], LocalDate?, RectificationState, Int?, LocalDate?)] = [
            ([.closedFlag: "是"], nov3, .closed, 100, nov3),
            ([.closedFlag: " 已销号 "], nov3, .closed, 100, nov3),
            ([.closedFlag: "√"], nov3, .closed, 100, nov3),
            ([.closedFlag: "否"], nil, .pending, nil, nil),
            ([.closedFlag: "未销号", .progress: "60%"], nil, .inProgress, 60, nil),
            ([.completion: "已完成"], nov3, .closed, 100, nov3),
            ([.completion: "未完成"], nil, .pending, nil, nil),
            ([.completion: "正在整改"], nil, .inProgress, nil, nil),
            ([.status: "待整改"], nil, .pending, nil, nil),
            ([.status: "整改中"], nil, .inProgress, nil, nil),
            ([.status: "申请销号", .progress: "100%"], nil, .closureRequested, 100, nil),
            ([.status: "已销号"], nov3, .closed, 100, nov3),
            ([.progress: "８０％"], nil, .inProgress, 80, nil),
            ([.progress: "0.35"], nil, .inProgress, 35, nil),
            ([.progress: "0"], nil, .pending, 0, nil),
            ([.progress: "已完成"], nov3, .closed, 100, nov3),
            ([.progress: "100%"], nil, .inProgress, 100, nil),   // done, not signed off
            ([.progress: "100%"], nov3, .closed, 100, nov3),      // with a close date: closed
            ([.closedFlag: "是", .completion: "已完成", .status: "已销号"], nov3, .closed, 100, nov3),
            ([:], nov3, .closed, 100, nov3),   // a close date alone says closed
        ]
        for (cells, closedOn, state, progress, date) in cases {
            switch ImportedState.read(cells, closedOn: closedOn, found: found, today: today) {
            case .success(let s?):
                XCTAssertEqual(s, ImportedState(state: state, progress: progress, closedOn: date), "\(cells)")
            case .success(nil): XCTFail("\(cells): nothing read")
            case .failure(let p): XCTFail("\(cells): \(p.message)")
            }
        }
    }

    func testASentBackRequestIsTheUnitsTurnAgain() {
        for word in ["退回", "已退回", "被退回", "退回整改"] {
            let s = try? ImportedState.read([.status: word, .progress: "80%"], closedOn: nil, found: found, today: today).get()
            XCTAssertEqual(s, ImportedState(state: .inProgress, progress: 80, returned: true), word)
        }
        let s = try? ImportedState.read([.status: "退回"], closedOn: nil, found: found, today: today).get()
        XCTAssertEqual(s, ImportedState(state: .inProgress, returned: true), "sent back means the work had begun")
        XCTAssertEqual(s?.description, "整改中（销号申请被退回）")
        XCTAssertEqual(ImportedState(state: .closed, progress: 100, closedOn: nov3).description, "已销号（销号日期2025-11-03）")
    }

    func testASheetWithoutStateSaysNothing() {
        XCTAssertEqual(try ImportedState.read([:], closedOn: nil, found: found, today: today).get(), nil)
        XCTAssertEqual(try ImportedState.read([.closedFlag: "  ", .status: ""], closedOn: nil, found: found, today: today).get(), nil)
    }

    func testEveryProblemNamesItsColumn() {
        let cases: [([C: String], LocalDate?, C, String)] = [
            ([.closedFlag: "是"], nil, .closedFlag, "已销号的事项须填写销号日期"),
            ([.completion: "已完成"], nil, .completion, "已销号的事项须填写销号日期"),
            ([.closedFlag: "是"], LocalDate.parse("2025-02-01"), .closedOn, "销号日期2025-02-01早于发现日期2025-03-01"),
            ([.closedFlag: "是"], LocalDate.parse("2027-01-01"), .closedOn, "销号日期2027-01-01晚于今天"),
            ([.closedFlag: "是", .completion: "未完成"], nov3, .completion, "与«是否销号»矛盾：一处为已完成或已销号，一处为未完成"),
            ([.closedFlag: "否"], nov3, .closedOn, "填写了销号日期，但«是否销号»为未完成"),
            ([.closedFlag: "大概吧"], nil, .closedFlag, "「大概吧」无法识别，应为“是/否”“已完成/未完成/正在整改”或“待整改/整改中/申请销号/已销号”"),
            ([.progress: "150%"], nil, .progress, "不能大于100"),
            ([.progress: "-5"], nil, .progress, "不能小于0"),
            ([.progress: "差不多了"], nil, .progress, "「差不多了」无法识别，应为0到100的百分比或“已完成”“正在整改”等"),
            ([.status: "退回"], nov3, .closedOn, "填写了销号日期，但«状态»为未完成"),
        ]
        for (cells, closedOn, column, message) in cases {
            switch ImportedState.read(cells, closedOn: closedOn, found: found, today: today) {
            case .success(let s): XCTFail("\(cells): read as \(String(describing: s))")
            case .failure(let p):
                XCTAssertEqual(p.column, column, "\(cells)")
                XCTAssertEqual(p.message, message, "\(cells)")
            }
        }
    }

    func testHeadersOfEveryColumnAreDistinct() {
        let all = C.allCases.flatMap(\.headers)
        XCTAssertEqual(all.count, Set(all).count, "a header belongs to one column")
        XCTAssertFalse(all.contains("完成时限"), "完成时限 is the deadline, not the close date")
    }
}
