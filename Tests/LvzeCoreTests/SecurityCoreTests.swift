import LvzeCore
import XCTest

final class RoleTests: XCTestCase {
    func testSeparationOfDuties() {
        XCTAssertNil(Role.separationProblem([]))
        XCTAssertNil(Role.separationProblem([.sysadmin]))
        XCTAssertNil(Role.separationProblem([.leader, .clerk, .reviewer, .discipline]))
        XCTAssertEqual(Role.separationProblem([.sysadmin, .secadmin]), "系统管理员、安全管理员必须由不同账号担任（三员分立）")
        XCTAssertEqual(Role.separationProblem([.auditor, .leader]), "审计管理员账号不能同时担任业务角色（三员分立）")
    }
}

final class PasswordPolicyTests: XCTestCase {
    func testStandardPolicy() {
        let policy = PasswordPolicy.standard
        XCTAssertEqual(policy.problems(password: "Abcdefgh123!", username: "zhang"), [])
        XCTAssertEqual(policy.problems(password: "Abc1!", username: "zhang"), ["密码至少需要12位"])
        XCTAssertEqual(policy.problems(password: "abcdefghijklm", username: "zhang"), ["密码须包含大写字母、小写字母、数字、符号中的至少3类"])
        XCTAssertEqual(policy.problems(password: "Zhang-2025-abc", username: "zhang"), ["密码不能包含用户名"])
        XCTAssertTrue(policy.validationErrors().isEmpty)
        var bad = policy
        bad.idleMinutes = 0
        XCTAssertEqual(bad.validationErrors().map(\.field), ["idleMinutes"])
    }
}

final class AuditChainTests: XCTestCase {
    private func chain(_ n: Int) -> [(content: AuditEntryContent, hash: String)] {
        var out: [(content: AuditEntryContent, hash: String)] = []
        var prev = AuditChain.genesis
        for i in 1...n {
            let c = AuditEntryContent(seq: i, at: "2025-01-01T00:00:0\(i % 10).000Z", userID: i, username: "u\(i)", unitID: nil,
                                      address: "127.0.0.1", action: "update", objectType: "unit", objectID: "\(i)",
                                      summary: "改\(i)", before: "{\"a\":1}", after: nil, prevHash: prev)
            out.append((c, c.computedHash))
            prev = c.computedHash
        }
        return out
    }

    func testIntactChain() {
        let entries = chain(5)
        XCTAssertNil(AuditChain.verify(entries, head: (5, entries[4].hash)))
        XCTAssertNil(AuditChain.verify([], head: (0, AuditChain.genesis)))
    }

    func testEditedEntryIsNamed() {
        var entries = chain(5)
        entries[2].content.summary = "改了"
        XCTAssertEqual(AuditChain.verify(entries, head: (5, entries[4].hash))?.seq, 3)
        // A forger who also recomputes that entry's hash breaks the next link instead.
        entries[2].hash = entries[2].content.computedHash
        XCTAssertEqual(AuditChain.verify(entries, head: (5, entries[4].hash))?.seq, 4)
    }

    func testDeletedEntryIsNamed() {
        var entries = chain(5)
        entries.remove(at: 1)
        let problem = AuditChain.verify(entries, head: (5, entries.last!.hash))
        XCTAssertEqual(problem?.seq, 2)
        XCTAssertTrue(problem!.reason.contains("删除"))
        let tail = Array(chain(5).prefix(4))
        XCTAssertEqual(AuditChain.verify(tail, head: (5, chain(5)[4].hash))?.seq, 5)
    }

    func testSwappedEntriesAreNamed() {
        var entries = chain(5)
        entries.swapAt(1, 2)
        XCTAssertEqual(AuditChain.verify(entries, head: (5, entries[4].hash))?.seq, 2)
        // Renumbering the swapped pair does not help: the links still break.
        var renumbered = chain(5)
        renumbered.swapAt(1, 2)
        renumbered[1].content.seq = 2
        renumbered[2].content.seq = 3
        XCTAssertEqual(AuditChain.verify(renumbered, head: (5, renumbered[4].hash))?.seq, 2)
    }

    func testFieldBoundariesCannotBeShifted() {
        let a = AuditEntryContent(seq: 1, at: "t", userID: nil, username: "ab", unitID: nil, address: "", action: "c",
                                  objectType: "", objectID: "", summary: "", before: nil, after: nil, prevHash: "")
        var b = a
        b.username = "a"
        b.address = "b"
        XCTAssertNotEqual(a.computedHash, b.computedHash)
    }
}
