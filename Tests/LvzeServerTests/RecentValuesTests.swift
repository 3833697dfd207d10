import Foundation
@testable import LvzeServer
import XCTest

/// What a page keeps between requests (the session, the unread count, a scope's coverage) is
/// given up at the next write or after its lifetime, whichever comes first.
final class RecentValuesTests: XCTestCase {
    func testAValueIsKeptUntilTheNextWriteOrItsLifetime() {
        let kept = RecentValues<Int>(lifetime: 5, capacity: 3)
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        kept.put("u1", 7, version: 4, at: t0)
        XCTAssertEqual(kept.get("u1", version: 4, now: t0.addingTimeInterval(4.9)), 7)
        XCTAssertNil(kept.get("u1", version: 5, now: t0.addingTimeInterval(1)), "a write since")
        XCTAssertNil(kept.get("u1", version: 4, now: t0.addingTimeInterval(5)), "older than its lifetime")
        XCTAssertNil(kept.get("u1", version: 4, now: t0.addingTimeInterval(-1)), "a clock set back")
        XCTAssertNil(kept.get("u2", version: 4, now: t0))
        kept.remove("u1")
        XCTAssertNil(kept.get("u1", version: 4, now: t0))
    }

    func testAFullStoreStartsAgainRatherThanGrowing() {
        let kept = RecentValues<String>(lifetime: 5, capacity: 2)
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        kept.put("a", "A", version: 1, at: t0)
        kept.put("b", "B", version: 1, at: t0)
        kept.put("c", "C", version: 1, at: t0)
        XCTAssertNil(kept.get("a", version: 1, now: t0))
        XCTAssertNil(kept.get("b", version: 1, now: t0))
        XCTAssertEqual(kept.get("c", version: 1, now: t0), "C")
    }
}
