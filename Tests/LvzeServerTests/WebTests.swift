import Fluent
import Foundation
import Logging
import LvzeCore
@testable import LvzeServer
import NIOHTTP1
import XCTest
import XCTVapor

/// A request made by hand for code that reads one (query parsing, filters, the error page).
func handMadeRequest(_ app: Application, _ url: String, method: HTTPMethod = .GET, logger: Logger? = nil) -> Request {
    Request(application: app, method: method, url: URI(string: url), logger: logger ?? app.logger, on: app.eventLoopGroup.next())
}

/// The middleware every answer passes through: query parsing, error pages, security headers.
final class WebTests: XCTestCase {
    func testQueryTextDecodesEachValueOnceAndKeepsTheFirst() async throws {
        try await withFixture { app, _ in
            let req = handMadeRequest(app, "/x?a=1&b=x+y&c=%E7%94%B2%E9%95%87&d&e=&a=2&%E5%8D%95%E4%BD%8D=TA&eq=a=b&&plus=%2B")
            let cases: [(key: String, expected: String?)] = [
                ("a", "1"),            // the first of two wins
                ("b", "x y"),          // + is a space
                ("c", "甲镇"),          // percent escapes decoded
                ("d", ""),             // a name alone is present and empty
                ("e", ""),
                ("单位", "TA"),         // the name is decoded too
                ("eq", "a=b"),         // only the first = splits
                ("plus", "+"),         // an escaped plus stays a plus
                ("missing", nil),
            ]
            for c in cases {
                XCTAssertEqual(req.queryText(c.key), c.expected, c.key)
            }
            XCTAssertEqual(handMadeRequest(app, "/x?bad=%ZZ").queryText("bad"), "%ZZ", "a broken escape is kept as typed")
            XCTAssertNil(handMadeRequest(app, "/x").queryText("a"), "no query at all")
        }
    }

    /// Form fields are read from one parse of the body, with the answers Vapor's decoder gave.
    func testFormFieldsOfBothEncodingsReadAsVaporDecodedThem() async throws {
        try await withFixture { app, _ in
            func request(_ type: String, _ body: String) -> Request {
                var headers = HTTPHeaders()
                headers.replaceOrAdd(name: .contentType, value: type)
                return Request(application: app, method: .POST, url: URI(string: "/x"), headers: headers,
                               collectedBody: ByteBuffer(string: body), on: app.eventLoopGroup.next())
            }
            let b = "XyZ"
            let multipart = [
                "--\(b)\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\ntoken\r\n",
                "--\(b)\r\nContent-Disposition: form-data; name=\"f_title\"\r\n\r\n第一次\r\n",
                "--\(b)\r\nContent-Disposition: form-data; name=\"f_title\"\r\n\r\n甲镇 整改\r\n",
                "--\(b)\r\nContent-Disposition: form-data; name=\"files[]\"; filename=\"a.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1\r\n",
                "--\(b)\r\nContent-Disposition: form-data; name=\"files[]\"; filename=\"b.png\"\r\n\r\nPNG\r\n",
                "--\(b)\r\nContent-Disposition: form-data; name=\"filesX\"; filename=\"c.txt\"\r\n\r\nnot mine\r\n",
                "--\(b)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"台账.xlsx\"\r\n\r\nPK\r\n",
                "--\(b)--\r\n",
            ].joined()
            let m = request("multipart/form-data; boundary=\(b)", multipart)
            XCTAssertEqual(m.formText("_csrf"), "token")
            XCTAssertEqual(m.formText("f_title"), "甲镇 整改", "the last of a repeated name wins")
            XCTAssertNil(m.formText("missing"))
            XCTAssertEqual(m.formFiles("files").map(\.filename), ["a.pdf", "b.png"], "files[] in order, not filesX")
            XCTAssertEqual(m.formFiles("files").map { String(buffer: $0.data) }, ["%PDF-1", "PNG"])
            XCTAssertEqual(m.formFile("file")?.filename, "台账.xlsx")
            XCTAssertEqual(m.formFiles("file").count, 1)
            XCTAssertTrue(m.formFiles("missing").isEmpty)
            // The same answers as Vapor's decoder, which parses the body for each field.
            XCTAssertEqual(try m.content.get(String.self, at: "f_title"), m.formText("f_title"))
            XCTAssertEqual(try m.content.get([File].self, at: "files").map(\.filename), m.formFiles("files").map(\.filename))

            XCTAssertNil(request("multipart/form-data; boundary=\(b)", "--\(b)\r\nbroken").formText("_csrf"), "a broken body has no fields")

            let u = request("application/x-www-form-urlencoded", "_csrf=t&f_title=x&f_title=%E7%94%B2+%E9%95%87&plus=%2B&empty=&bare")
            XCTAssertEqual(u.formText("_csrf"), "t")
            XCTAssertEqual(u.formText("f_title"), "甲 镇", "the last wins, + is a space")
            XCTAssertEqual(u.formText("plus"), "+")
            XCTAssertEqual(u.formText("empty"), "")
            XCTAssertEqual(u.formText("bare"), "")
            XCTAssertNil(u.formText("missing"))
            XCTAssertEqual(try u.content.get(String.self, at: "f_title"), u.formText("f_title"))
        }
    }

    func testRecordFilterNamesEveryQueryValueItCannotUse() async throws {
        try await withFixture { app, f in
            let hazard = try XCTUnwrap(app.lvze.catalogue["hazard"])
            let enterprise = try XCTUnwrap(app.lvze.catalogue["enterprise"])
            let cases: [(name: String, kind: LedgerKind, query: String, expected: [String])] = [
                ("year in words", hazard, "year=今年", ["«年度»：「今年」不是年份"]),
                ("year out of range", hazard, "year=1899", ["«年度»：「1899」不是年份"]),
                ("year too far ahead", hazard, "year=2201", ["«年度»：「2201」不是年份"]),
                ("unknown status", hazard, "status=done", ["«状态»：「done」不是可选状态"]),
                ("status in Chinese", hazard, "status=%E5%B7%B2%E9%94%80%E5%8F%B7", ["«状态»：「已销号」不是可选状态"]),
                ("unit of the other town", hazard, "unit=TB-V1", ["«单位»：「TB-V1」不存在或不在您的管理范围内"]),
                ("unit that does not exist", hazard, "unit=NOPE", ["«单位»：「NOPE」不存在或不在您的管理范围内"]),
                ("enumeration value unknown", hazard, "f_level=%E7%89%B9%E5%A4%A7", ["«隐患等级»：「特大」不是可选值"]),
                ("boolean not yes or no", enterprise, "f_major_hazard_source=maybe", ["«是否重大危险源»：「maybe」不是可选值"]),
                ("date range start", hazard, "f_found_on_from=yesterday", ["«排查时间»起：「yesterday」不是有效日期"]),
                ("date range end", hazard, "f_found_on_to=2025-02-30", ["«排查时间»止：「2025-02-30」不是有效日期"]),
                ("several at once", hazard, "year=x&status=y&unit=TB",
                 ["«单位»：「TB」不存在或不在您的管理范围内", "«年度»：「x」不是年份", "«状态»：「y」不是可选状态"]),
            ]
            for c in cases {
                let req = handMadeRequest(app, "/ledgers/\(c.kind.id)?\(c.query)")
                let (filter, problems) = try await RecordFilter.from(req, kind: c.kind, scope: f.townA.unitPath)
                XCTAssertEqual(problems, c.expected, c.name)
                XCTAssertEqual(filter.scope, f.townA.unitPath, "\(c.name): a refused unit leaves the scope as it was")
                XCTAssertNil(filter.year, c.name)
                XCTAssertNil(filter.status, c.name)
                XCTAssertTrue(filter.equals.isEmpty, c.name)
            }
        }
    }

    func testRecordFilterReadsTheValuesItCanUse() async throws {
        try await withFixture { app, f in
            let hazard = try XCTUnwrap(app.lvze.catalogue["hazard"])
            let enterprise = try XCTUnwrap(app.lvze.catalogue["enterprise"])
            let req = handMadeRequest(app, "/ledgers/hazard?unit=TA-V1&year=2025&status=in_progress&q=+%E6%B6%88%E9%98%B2+"
                                      + "&f_level=%E9%87%8D%E5%A4%A7&f_found_on_from=2025/3/1")
            let (filter, problems) = try await RecordFilter.from(req, kind: hazard, scope: f.townA.unitPath)
            XCTAssertEqual(problems, [])
            XCTAssertEqual(filter.scope, f.villageA.unitPath)
            XCTAssertEqual(filter.year, 2025)
            XCTAssertEqual(filter.status, .inProgress)
            XCTAssertEqual(filter.text, "消防", "the search text is trimmed")
            XCTAssertEqual(filter.equals, ["level": "重大隐患"], "a unique prefix names the value")
            XCTAssertEqual(filter.dateRanges["found_on"]?.from?.iso, "2025-03-01")
            XCTAssertEqual(filter.queryItems.map { "\($0.0)=\($0.1)" },
                           ["year=2025", "status=in_progress", "q=消防", "f_level=重大隐患", "f_found_on_from=2025-03-01"])

            let booleans: [(String, String)] = [("是", "true"), ("否", "false"), ("√", "true"), ("0", "false")]
            for (typed, stored) in booleans {
                let r = handMadeRequest(app, "/ledgers/enterprise?f_major_hazard_source="
                                        + typed.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
                let (filter, problems) = try await RecordFilter.from(r, kind: enterprise, scope: f.dist.unitPath)
                XCTAssertEqual(problems, [], typed)
                XCTAssertEqual(filter.equals["major_hazard_source"], stored, typed)
                XCTAssertEqual(filter.queryItems.first?.1, stored == "true" ? "是" : "否", "links say 是/否 for \(typed)")
            }
        }
    }

    func testBadQueryValuesOnPagesFallBackInsteadOfFailing() async throws {
        try await withFixture { app, _ in
            let clerk = try await Browser.signedIn(app, "clerk")
            let cases: [(path: String, shows: String)] = [
                ("/people?page=abc", "第1/1页"),
                ("/people?page=-5", "第1/1页"),
                ("/people?page=99", "第99/1页"),
                ("/ledgers/hazard?year=%E4%BB%8A%E5%B9%B4", "«年度»：「今年」不是年份"),
                ("/ledgers/hazard?f_level=x", "«隐患等级»：「x」不是可选值"),
                ("/incumbents?post=nope&kind=nope", "在任查询"),
            ]
            for c in cases {
                let res = try await clerk.get(c.path)
                XCTAssertEqual(res.status, .ok, c.path)
                XCTAssertTrue(res.body.string.contains(c.shows), "\(c.path) shows \(c.shows)")
            }
        }
    }

    func testRefusalsAreChinesePagesForBrowsersAndJSONForTheAPI() async throws {
        try await withFixture { app, f in
            let clerk = try await Browser.signedIn(app, "clerkA")
            let pages: [(path: String, status: HTTPStatus, heading: String, message: String)] = [
                ("/no/such/page", .notFound, "页面不存在", "您要找的页面或记录不存在，或不在您的权限范围内。"),
                ("/people/\(f.personB.id!)", .notFound, "页面不存在", "人员不存在或不在您的权限范围内"),
                ("/people/999999", .notFound, "页面不存在", "人员不存在或不在您的权限范围内"),
                ("/audit", .forbidden, "无权访问", ""),
                ("/people?q=%00", .badRequest, "请求有误", "网址中含有不可见的控制字符（U+0000），请删除后再试"),
            ]
            for c in pages {
                let res = try await clerk.get(c.path)
                XCTAssertEqual(res.status, c.status, c.path)
                let body = res.body.string
                XCTAssertEqual(body.slice(after: "<h1>", before: "</h1>"), c.heading, c.path)
                let message = body.slice(after: "</h1>\n  <p>", before: "</p>") ?? ""
                if c.message.isEmpty {
                    XCTAssertFalse(message.isEmpty, c.path)
                    XCTAssertFalse(message.allSatisfy(\.isASCII), "\(c.path): \(message)")
                } else {
                    XCTAssertEqual(message, c.message, c.path)
                }
                let reference = body.slice(after: "参考编号：<code>", before: "</code>") ?? ""
                XCTAssertEqual(reference.count, 8, c.path)
                XCTAssertTrue(reference.allSatisfy(\.isHexDigit), c.path)
            }

            let token = try await apiToken(app, "clerkA")
            let api: [(method: HTTPMethod, path: String, token: String?, body: String?, status: HTTPStatus, message: String)] = [
                (.GET, "/api/v1/people/\(f.personB.id!)", token, nil, .notFound, "人员不存在或不在您的权限范围内"),
                (.GET, "/api/v1/me", nil, nil, .unauthorized, "请先登录：使用 Authorization: Bearer 接口令牌"),
                (.GET, "/api/v1/records/hazard?limit=0", token, nil, .badRequest, "参数 limit 应为1到1000之间的整数（收到「0」）"),
                (.GET, "/api/v1/records/hazard?limit=all", token, nil, .badRequest, "参数 limit 应为1到1000之间的整数（收到「all」）"),
                (.GET, "/api/v1/records/hazard?after=last", token, nil, .badRequest, "参数 after 应为记录编号（整数，收到「last」）"),
                (.GET, "/api/v1/records/hazard?year=x&status=y", token, nil, .badRequest, "«年度»：「x」不是年份；«状态»：「y」不是可选状态"),
                (.POST, "/api/v1/records/hazard", token, "{not json", .badRequest, "请求体应为 JSON 对象"),
                (.POST, "/api/v1/records/hazard", token, "[1, 2]", .badRequest, "请求体应为 JSON 对象"),
                (.POST, "/api/v1/records/hazard", token, "{\"unit\": \"TA\", \"fields\": []}", .unprocessableEntity,
                 "«fields»：应为对象（字段编号 → 值），例如 {\"description\": \"……\"}"),
            ]
            for c in api {
                let res = try await send(app, c.method, c.path, token: c.token, rawBody: c.body)
                XCTAssertEqual(res.status, c.status, c.path)
                XCTAssertEqual(res.headers.contentType?.subType, "json", c.path)
                struct Answer: Decodable {
                    struct Body: Decodable { var status: Int; var message: String; var reference: String }
                    var error: Body
                }
                let answer = try JSONDecoder().decode(Answer.self, from: Data(res.body.readableBytesView))
                XCTAssertEqual(answer.error.status, Int(c.status.code), c.path)
                XCTAssertEqual(answer.error.message, c.message, c.path)
                XCTAssertEqual(answer.error.reference.count, 8, c.path)
            }
        }
    }

    func testAServerErrorShowsNoDetailAndIsLoggedUnderItsReference() async throws {
        try await withFixture { app, _ in
            struct Broken: Error, CustomStringConvertible { var description: String { "SQLITE_CORRUPT at /var/lib/lvze/secret.db" } }
            for path in ["/ledgers/hazard", "/api/v1/records/hazard"] {
                let capture = LogCapture()
                let req = handMadeRequest(app, path, logger: Logger(label: "test") { _ in capture })
                let res = await ErrorPageMiddleware().render(Broken(), for: req)
                XCTAssertEqual(res.status, .internalServerError, path)
                let body = res.body.string ?? ""
                XCTAssertFalse(body.contains("SQLITE_CORRUPT"), "\(path): no detail reaches the user")
                XCTAssertFalse(body.contains("secret.db"), path)
                XCTAssertTrue(body.contains("服务器处理请求时出错。请把参考编号告知系统管理员。"), "\(path): \(body.prefix(300))")
                let line = try XCTUnwrap(capture.all.first { $0.hasPrefix("error request failed") }, path)
                XCTAssertTrue(line.contains("SQLITE_CORRUPT"), "the log keeps the detail: \(line)")
                XCTAssertTrue(line.contains("request=GET \(path)"), line)
                let reference = try XCTUnwrap(line.components(separatedBy: "reference=").last?.prefix(8), path)
                XCTAssertTrue(body.contains(String(reference)), "\(path): the page and the log share reference \(reference)")
            }
        }
    }

    func testEnglishOrEmptyReasonsAreReplacedByChineseOnes() async throws {
        try await withFixture { app, _ in
            let cases: [(error: any Error, status: HTTPStatus, message: String)] = [
                (Abort(.badRequest, reason: "Bad things"), .badRequest, "请求内容不完整或格式不正确。"),
                (Abort(.unauthorized), .unauthorized, "请先登录。"),
                (Abort(.forbidden, reason: ""), .forbidden, "您没有权限执行此操作。"),
                (Abort(.methodNotAllowed), .methodNotAllowed, "不支持这种请求方式。"),
                (Abort(.payloadTooLarge), .payloadTooLarge, "上传的内容超过了允许的大小。"),
                (Abort(.unsupportedMediaType), .unsupportedMediaType,
                 "请求内容的格式不受支持：接口只接受 JSON（Content-Type: application/json），网页表单须以表单方式提交。"),
                (Abort(.tooManyRequests), .tooManyRequests, "无法完成请求（429）。"),
                (Abort(.conflict, reason: "该申请已处理过"), .conflict, "该申请已处理过"),
                (ValidationFailure([FieldError("a", "名称", "不能为空"), FieldError("b", "代码", "已存在")]), .unprocessableEntity,
                 "«名称»：不能为空；«代码»：已存在"),
            ]
            for c in cases {
                let res = await ErrorPageMiddleware().render(c.error, for: handMadeRequest(app, "/api/v1/x"))
                XCTAssertEqual(res.status, c.status, c.message)
                let json = try JSONSerialization.jsonObject(with: Data(res.body.string!.utf8)) as? [String: [String: Any]]
                XCTAssertEqual(json?["error"]?["message"] as? String, c.message)
            }
            let failure = ValidationFailure([FieldError("a", "名称", "不能为空")])
            let res = await ErrorPageMiddleware().render(failure, for: handMadeRequest(app, "/api/v1/x"))
            let json = try JSONSerialization.jsonObject(with: Data(res.body.string!.utf8)) as? [String: [String: Any]]
            XCTAssertEqual(json?["error"]?["errors"] as? [String], ["«名称»：不能为空"], "field errors are listed one by one")
        }
    }

    func testDecodingErrorsNameTheField() {
        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(_ s: String) { stringValue = s }
            init?(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }
        let cases: [(DecodingError, String)] = [
            (.keyNotFound(Key("unit"), .init(codingPath: [], debugDescription: "")), "缺少字段 «unit»"),
            (.typeMismatch(Int.self, .init(codingPath: [Key("fields"), Key("count")], debugDescription: "")), "字段 «fields.count» 的类型不对"),
            (.valueNotFound(String.self, .init(codingPath: [Key("name")], debugDescription: "")), "字段 «name» 的类型不对"),
            (.dataCorrupted(.init(codingPath: [], debugDescription: "")), "内容无法解析"),
            (.dataCorrupted(.init(codingPath: [Key("date")], debugDescription: "")), "字段 «date» 的值无法解析"),
        ]
        for (error, expected) in cases {
            XCTAssertEqual(ErrorPageMiddleware.describe(error), expected)
        }
        XCTAssertEqual(ErrorPageMiddleware.describe(Abort(.badRequest)), "")
    }

    func testEveryKindOfAnswerCarriesTheSecurityHeaders() async throws {
        try await withFixture { app, _ in
            let leader = try await Browser.signedIn(app, "leader")
            let token = try await apiToken(app, "leader")
            let answers: [(name: String, response: XCTHTTPResponse, cacheable: Bool)] = [
                ("login page", try await Browser(app).get("/login"), false),
                ("signed-in page", try await leader.get("/reports"), false),
                ("not found page", try await leader.get("/no/such/page"), false),
                ("redirect to sign in", try await Browser(app).get("/people"), false),
                ("API answer", try await send(app, .GET, "/api/v1/me", token: token), false),
                ("API refusal", try await send(app, .GET, "/api/v1/me"), false),
                ("health check", try await Browser(app).get("/healthz"), false),
                ("style sheet", try await Browser(app).get("/static/app.css"), true),
                ("script", try await Browser(app).get("/static/app.js"), true),
            ]
            for a in answers {
                let h = a.response.headers
                XCTAssertEqual(h.first(name: "Content-Security-Policy"), SecurityHeadersMiddleware.contentSecurityPolicy, a.name)
                XCTAssertEqual(h.first(name: "X-Content-Type-Options"), "nosniff", a.name)
                XCTAssertEqual(h.first(name: "X-Frame-Options"), "DENY", a.name)
                XCTAssertEqual(h.first(name: "Referrer-Policy"), "same-origin", a.name)
                XCTAssertEqual(h.first(name: "Permissions-Policy"), "camera=(), microphone=(), geolocation=()", a.name)
                XCTAssertEqual(h.first(name: "Cross-Origin-Opener-Policy"), "same-origin", a.name)
                if a.cacheable {
                    XCTAssertNotEqual(h.first(name: .cacheControl), "no-store", a.name)
                } else {
                    XCTAssertEqual(h.first(name: .cacheControl), "no-store", a.name)
                }
            }
            XCTAssertTrue(SecurityHeadersMiddleware.contentSecurityPolicy.contains("frame-ancestors 'none'"))
            XCTAssertFalse(SecurityHeadersMiddleware.contentSecurityPolicy.contains("unsafe"))
        }
    }

    func testANULInAFormOrJSONBodyIsRefusedBeforeAnyHandler() async throws {
        try await withRunningFixture { app, f, port, _ in
            let clerk = SocketBrowser(port: port)
            try await clerk.login("clerk")
            try await clerk.get("/people/\(f.personA.id!)/edit")
            let form = try await clerk.post("/people/\(f.personA.id!)", [("name", "张\u{0}甲"), ("gender", "男"), ("unitCode", "TA-V1")])
            XCTAssertEqual(form.status, 400)
            XCTAssertTrue(form.text.contains("提交的内容中含有不可见的控制字符（U+0000），请删除后再提交"), form.text)
            let json = try await clerk.sendJSON("POST", "/api/v1/records/hazard", "{\"unit\":\"TA\",\"fields\":{\"description\":\"a\\u0000b\"}}",
                                                headers: [("X-CSRF-Token", clerk.csrf)])
            XCTAssertEqual(json.status, 400)
            XCTAssertTrue(json.text.contains("提交的内容中含有不可见的控制字符（U+0000）"), json.text)
            let person = try await Person.find(f.personA.id, on: app.db)
            XCTAssertEqual(person?.name, "张甲")
            let records = try await LedgerRecord.query(on: app.db).count()
            XCTAssertEqual(records, 0)
        }
    }
}

extension String {
    /// The text between the first `start` and the next `end` after it.
    func slice(after start: String, before end: String) -> String? {
        guard let a = range(of: start), let b = self[a.upperBound...].range(of: end) else { return nil }
        return String(self[a.upperBound..<b.lowerBound])
    }
}
