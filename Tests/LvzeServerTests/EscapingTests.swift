import Fluent
import LvzeCore
@testable import LvzeServer
import XCTest
import XCTVapor

/// Every text a page shows, tried with markup in it: a unit, a person, a user, a custom
/// ledger and its field, a record's fields and history, a report template. Pages must show
/// it as text, never as markup, in element content and in attributes alike.
final class EscapingTests: XCTestCase {
    /// Markup that would run if written raw, and a quote that would break out of an attribute.
    static let evil = "<script>x1</script>\"onmouseover=\"x2'&"

    static func assertEscaped(_ body: String, _ page: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(body.contains("<script>x1"), "\(page) writes <script> raw", file: file, line: line)
        XCTAssertFalse(body.contains("\"onmouseover=\"x2"), "\(page) writes a quote raw", file: file, line: line)
    }

    func testEveryPageEscapesWhatUsersTyped() async throws {
        try await withFixture { app, f in
            // setup: markup in every kind of name and text
            let evil = Self.evil
            let unit = try await OrgUnit.create(.init(code: "TA-EVIL", name: "村\(evil)", kind: .village, parent: f.townA, foundedOn: nil,
                                                      dissolvedOn: nil, sortOrder: 0, note: evil), on: app.db)
            f.personA.name = "张\(evil)"
            try await f.personA.update(on: app.db)
            let clerk = try await User.query(on: app.db).filter(\.$username == "clerk").first()!
            clerk.displayName = "录入员\(evil)"
            try await clerk.update(on: app.db)
            let hazard = try XCTUnwrap(app.lvze.catalogue["hazard"])
            let service = app.records(as: .commandLine(scope: f.dist.unitPath))
            let (record, _) = try await service.create(hazard, unitRef: unit.code, raw: [
                "found_on": "2026-01-05", "description": "隐患\(evil)", "level": "一般隐患", "deadline": "2026-12-31",
                "enterprise_name": "企业\(evil)", "measures": evil, "source": "检查发现",
            ])
            let admin = try await Browser.signedIn(app, "sys")
            try await admin.get("/admin/ledgers")
            let created = try await admin.post("/admin/ledgers", [
                "id": "evil_ledger", "name": "台账\(evil)", "system": "common", "description": evil, "readers[]": "clerk",
                "fields[0][id]": "place", "fields[0][label]": "字段\(evil)", "fields[0][type]": "enum", "fields[0][values]": "甲、\(evil)",
            ])
            XCTAssertEqual(created.status, .seeOther, created.body.string)

            // act and check: every page that shows them, as the roles that see them
            let browser = try await Browser.signedIn(app, "clerk")
            let reviewer = try await Browser.signedIn(app, "reviewer")
            try await browser.get("/reports/templates/new")
            let template = try await browser.post("/reports/templates", ["name": "模板\(evil)", "body": "%title 标题\(evil)\n一、\(evil)\n{{safety.accidents.count}}"])
            XCTAssertEqual(template.status, .seeOther, template.body.string)
            let pages: [(Browser, String)] = [
                (browser, "/ledgers"), (browser, "/ledgers/hazard"), (browser, "/ledgers/hazard?q=\(SiteURL.encode(evil))"),
                (browser, "/ledgers/hazard/\(record.id!)"), (browser, "/ledgers/hazard/\(record.id!)/edit"),
                (browser, "/units/\(unit.id!)"), (browser, "/units?root=\(f.townA.id!)"), (browser, "/people"),
                (browser, "/people/\(f.personA.id!)"), (browser, "/supervision"), (browser, "/systems/safety"),
                (browser, "/reports?unit=DIST&year=2026"), (browser, "/reports/templates"), (browser, "/dashboards/supervision"),
                (browser, "/ledgers/evil_ledger"), (browser, "/ledgers/evil_ledger/new"),
                (reviewer, "/ledgers/hazard/\(record.id!)"), (admin, "/admin/ledgers"), (admin, "/admin/users"),
                (admin, "/admin/ledgers/evil_ledger"), (admin, "/units/\(unit.id!)"),
            ]
            for (client, path) in pages {
                let res = try await client.get(path)
                XCTAssertEqual(res.status, .ok, path)
                Self.assertEscaped(res.body.string, path)
            }
            // The typed value reaches the page as escaped text, so the check above is not vacuous.
            let show = try await browser.get("/ledgers/hazard/\(record.id!)")
            XCTAssertTrue(show.body.string.contains("隐患&lt;script&gt;x1&lt;/script&gt;&quot;onmouseover=&quot;x2&#39;&amp;"), show.body.string)
            let list = try await browser.get("/ledgers/hazard?q=\(SiteURL.encode(evil))")
            XCTAssertTrue(list.body.string.contains("value=\"&lt;script&gt;x1"), "the search box keeps the text, escaped")
        }
    }

    /// The `HTML` value escapes text by interpolation and passes markup through.
    func testHTMLValueEscapesTextAndKeepsMarkup() {
        let cases: [(HTML, String)] = [
            ("<td>\(Self.evil)</td>", "<td>&lt;script&gt;x1&lt;/script&gt;&quot;onmouseover=&quot;x2&#39;&amp;</td>"),
            ("<b>\(HTML("<i>kept</i>"))</b>", "<b><i>kept</i></b>"),
            ("<a href=\"\(SiteURL.record("hazard", 7))\">\(7)</a>", "<a href=\"/ledgers/hazard/7\">7</a>"),
            ("\(SiteURL.records("hazard", query: [("q", "a&b <c>")]))", "/ledgers/hazard?q=a%26b%20%3Cc%3E"),
            (HTML.each(["a", "<b>"]) { "<li>\($0)</li>" }, "<li>a</li><li>&lt;b&gt;</li>"),
            (.when(false) { "x" }, ""),
            ("plain 中文", "plain 中文"),
        ]
        for (html, expected) in cases { XCTAssertEqual(html.rendered, expected) }
    }
}
