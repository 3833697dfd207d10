import Fluent
import Foundation
import LvzeCore
@testable import LvzeDemo
@testable import LvzeServer
import XCTest
import XCTVapor

/// Compares text with the file `__Snapshots__/NAME.html` beside this test. A missing file is
/// written and the test fails once (look at it, then commit it); `SNAPSHOT_RECORD=1` rewrites
/// them all. On a difference the new text is written to a temporary file named in the failure.
/// (Our own few lines rather than swift-snapshot-testing: it needs swift-syntax, minutes of
/// every CI build, to compare strings.)
func assertSnapshot(_ text: String, named name: String, file: StaticString = #filePath, line: UInt = #line) {
    let directory = URL(fileURLWithPath: "\(file)").deletingLastPathComponent().appendingPathComponent("__Snapshots__")
    let url = directory.appendingPathComponent("\(name).html")
    let record = ProcessInfo.processInfo.environment["SNAPSHOT_RECORD"] == "1"
    guard !record, let expected = try? String(contentsOf: url, encoding: .utf8) else {
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try? text.write(to: url, atomically: true, encoding: .utf8)
        XCTFail("snapshot \(name) recorded at \(url.path): check it and run again", file: file, line: line)
        return
    }
    guard expected != text else { return }
    let actual = FileManager.default.temporaryDirectory.appendingPathComponent("\(name).actual.html")
    try? text.write(to: actual, atomically: true, encoding: .utf8)
    let a = expected.split(separator: "\n", omittingEmptySubsequences: false), b = text.split(separator: "\n", omittingEmptySubsequences: false)
    let first = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }
    let where_ = first.map { "line \($0.offset + 1):\n- \($0.element.0)\n+ \($0.element.1)" } ?? "lengths differ (\(a.count) and \(b.count) lines)"
    XCTFail("snapshot \(name) differs at \(where_)\nnew text: \(actual.path)", file: file, line: line)
}

/// Rendered pages of the demo district on a fixed day: list, record, report and supervision.
/// A change to any of them shows as a diff of the page a user sees.
final class PageSnapshotTests: XCTestCase {
    /// The day the demo is made on and the pages are looked at.
    static let day = LocalDate(year: 2026, month: 6, day: 15)!

    /// What changes from run to run and says nothing about the page: form tokens and times of day.
    static func stable(_ html: String) -> String {
        var s = html
        for (pattern, replacement) in [
            (#"name="_csrf" value="[^"]*""#, #"name="_csrf" value="TOKEN""#),
            (#"<meta name="csrf-token" content="[^"]*">"#, #"<meta name="csrf-token" content="TOKEN">"#),
            (#"\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?"#, "DATE TIME"),
        ] {
            s = s.replacingOccurrences(of: pattern, with: replacement, options: .regularExpression)
        }
        return s
    }

    func testDemoPages() async throws {
        // setup: the demo district as of a fixed day
        let app = try await makeTestApp()
        do {
            let noon = Calendar(identifier: .gregorian).date(from: DateComponents(timeZone: TimeZone(identifier: "Asia/Shanghai"),
                                                                                  year: Self.day.year, month: Self.day.month, day: Self.day.day, hour: 12))!
            app.lvze.clock.advance(by: noon.timeIntervalSince(app.lvze.clock.now()))
            _ = try await loadDemoIfEmpty(app)
            let hazard = try await LedgerRecord.query(on: app.db).filter(\.$kind == "hazard").filter(\.$status == "in_progress")
                .sort(\.$id).first()
            let hazardID = try XCTUnwrap(hazard?.id)
            let browser = Browser(app)
            let login = try await browser.login("jingban_t01", DemoDistrict.password)
            XCTAssertEqual(login.status, .seeOther, login.body.string)
            let leader = Browser(app)
            try await leader.login("lingdao", DemoDistrict.password)
            // act and check
            let pages: [(Browser, String, String)] = [
                (browser, "hazard-list", "/ledgers/hazard"),
                (browser, "hazard-list-filtered", "/ledgers/hazard?status=in_progress&sort=due_date"),
                (leader, "hazard-record", "/ledgers/hazard/\(hazardID)"),
                (leader, "supervision", "/supervision"),
                (leader, "report", "/reports?unit=DEMO&year=2025"),
            ]
            for (client, name, path) in pages {
                let res = try await client.get(path)
                XCTAssertEqual(res.status, .ok, path)
                assertSnapshot(Self.stable(res.body.string), named: name)
            }
        } catch {
            try await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }
}
