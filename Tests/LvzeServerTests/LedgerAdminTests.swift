import Fluent
import LvzeCore
@testable import LvzeServer
import XCTest
import XCTVapor

final class LedgerAdminTests: XCTestCase {
    func testCustomLedgerWithoutRestartAndFieldsThatHoldDataStay() async throws {
        try await withFixture { app, _ in
            let sys = try await Browser.signedIn(app, "sys")
            let page = try await sys.get("/admin/ledgers")
            XCTAssertTrue(page.body.string.contains("隐患排查治理台账"))
            let bad = try await sys.post("/admin/ledgers", [
                "id": "Campaign!", "name": "", "system": "safety", "readers[]": "clerk",
                "fields[0][id]": "place", "fields[0][label]": "场所", "fields[0][type]": "enum",
                "fields[1][id]": "place", "fields[1][label]": "地点", "fields[1][type]": "text"])
            XCTAssertEqual(bad.status, .unprocessableEntity)
            for message in ["台账编号「Campaign!」须以小写字母开头", "台账名称不能为空", "选项字段「场所」须列出可选值", "字段编号「place」重复"] {
                XCTAssertTrue(bad.body.string.contains(message), message)
            }
            let ok = try await sys.post("/admin/ledgers", [
                "id": "fire_campaign", "name": "消防安全专项整治台账", "system": "safety", "readers[]": "clerk",
                "fields[0][id]": "place", "fields[0][label]": "场所名称", "fields[0][type]": "text", "fields[0][required]": "on",
                "fields[1][id]": "checked_on", "fields[1][label]": "检查日期", "fields[1][type]": "date",
                "fields[2][id]": "kind", "fields[2][label]": "场所类型", "fields[2][type]": "enum", "fields[2][values]": "三合一场所、商铺、仓库"])
            XCTAssertEqual(ok.status, .seeOther, ok.body.string)
            XCTAssertEqual(app.lvze.catalogue["fire_campaign"]?.fields.count, 3)
            let v1 = try await CustomKind.find("fire_campaign", on: app.db)
            XCTAssertNotNil(v1)
            // A clerk records into it at once.
            let clerk = try await Browser.signedIn(app, "clerk")
            try await clerk.get("/ledgers/fire_campaign/new")
            let created = try await clerk.postMultipart("/ledgers/fire_campaign", [
                "unit": "TA", "f_place": "甲镇农贸市场", "f_checked_on": "2025-08-01", "f_kind": "商铺"])
            XCTAssertEqual(created.status, .seeOther, created.body.string)
            // Fields are added later; a field with data cannot be dropped, an empty one can.
            try await sys.get("/admin/ledgers/fire_campaign")
            let required = try await sys.post("/admin/ledgers/fire_campaign/fields", ["id": "owner", "label": "负责人", "type": "text", "required": "on"])
            XCTAssertTrue(required.body.string.contains("不能设为必填"))
            let added = try await sys.post("/admin/ledgers/fire_campaign/fields", ["id": "owner", "label": "负责人", "type": "text"])
            XCTAssertEqual(added.status, .seeOther)
            let used = try await sys.post("/admin/ledgers/fire_campaign/fields/kind/delete", [:])
            XCTAssertEqual(used.status, .unprocessableEntity)
            XCTAssertTrue(used.body.string.contains("已有1条记录填写了内容，不能删除"))
            let dropped = try await sys.post("/admin/ledgers/fire_campaign/fields/owner/delete", [:])
            XCTAssertEqual(dropped.status, .seeOther)
            XCTAssertNil(app.lvze.catalogue["fire_campaign"]?.field("owner"))
            let builtIn = try await sys.post("/admin/ledgers/hazard/fields/location/delete", [:])
            XCTAssertTrue(builtIn.body.string.contains("内置台账的字段不能删除"))
            // Business users cannot define ledgers.
            let v2 = try await clerk.get("/admin/ledgers").status
            XCTAssertEqual(v2, .forbidden)
        }
    }
}
