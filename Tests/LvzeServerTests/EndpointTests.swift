import LvzeCore
@testable import LvzeServer
import XCTest
import XCTVapor

/// Routes and links come from one table (`Endpoint`): every route the server registers is
/// in it, every entry is registered, and a link built from an entry reaches its route.
final class EndpointTests: XCTestCase {
    static func pattern(_ route: Route) -> String {
        "/" + route.path.map { component -> String in
            switch component {
            case .constant(let c): return c
            case .parameter(let p): return ":" + p
            case .anything: return "*"
            case .catchall: return "**"
            }
        }.joined(separator: "/")
    }

    func testEveryRouteIsAnEndpointAndEveryEndpointARoute() async throws {
        let app = try await makeTestApp()
        // act
        let registered = Set(app.routes.all.map { Self.pattern($0) })
        let declared = Set(Endpoint.allCases.map { $0.rawValue == "/" ? "/" : $0.rawValue })
        // check
        XCTAssertEqual(registered.subtracting(declared), [], "routes registered without an Endpoint")
        XCTAssertEqual(declared.subtracting(registered), [], "Endpoints no route answers")
        try await app.asyncShutdown()
    }

    func testLinksFillTheirPatternAndEncodeTheirParts() {
        let cases: [(SiteURL, String)] = [
            (Endpoint.home.url(), "/"),
            (Endpoint.record.url("hazard", 12), "/ledgers/hazard/12"),
            (Endpoint.unitFlagClear.url(3, 9), "/units/3/flags/9/clear"),
            (Endpoint.apiUnit.url("TA/1 甲"), "/api/v1/units/TA%2F1%20%E7%94%B2"),
            (Endpoint.reportDrill.url(query: [("metric", "a.b"), ("unit", "D&1")]), "/reports/drill?metric=a.b&unit=D%261"),
            (SiteURL.records("hazard", query: [("q", "x")]).adding([("after", "5")]), "/ledgers/hazard?q=x&after=5"),
        ]
        for (url, path) in cases { XCTAssertEqual(url.path, path) }
        for endpoint in Endpoint.allCases {
            let url = endpoint.url(endpoint.parameters.map { _ in "1" })
            XCTAssertFalse(url.path.contains(":"), "\(endpoint) left a parameter unfilled")
            XCTAssertEqual(url.path.split(separator: "/").count, endpoint.rawValue.split(separator: "/").count, "\(endpoint)")
        }
        XCTAssertEqual(Endpoint.byName.count, Endpoint.allCases.count)
    }

    /// Templates name endpoints by case; an unknown name stops the render instead of linking nowhere.
    func testTemplateTagBuildsTheSameLinks() async throws {
        try await withFixture { app, _ in
            let browser = try await Browser.signedIn(app, "clerk")
            let page = try await browser.get("/ledgers/hazard/new")
            XCTAssertTrue(page.body.string.contains("action=\"/ledgers/hazard\""), "the form posts to the list's route")
            XCTAssertThrowsError(try URLTag.path("nowhere", []))
            XCTAssertThrowsError(try URLTag.path("record", ["hazard"]))
            XCTAssertEqual(try URLTag.path("record", ["hazard", "4"]), "/ledgers/hazard/4")
        }
    }
}
