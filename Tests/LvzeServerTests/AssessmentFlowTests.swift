import Fluent
import Foundation
import LvzeCore
@testable import LvzeDemo
@testable import LvzeServer
import LvzeOffice
import XCTest
import XCTVapor

/// 考责 as its users meet it, over a real socket: the 考核组 opens the year's assessment, a
/// town self-assesses with evidence, the group reviews, publishes and freezes; the other town
/// and the wrong roles are kept out; the published scores stay put when records change.
final class AssessmentFlowTests: XCTestCase {
    static func makeAssessor(_ app: Application, _ f: Fixture) async throws {
        let user = User.make(.init(username: "kaohe", displayName: "考核办", unit: f.dist, roles: [.assessor]),
                             passwordHash: try Bcrypt.hash(Fixture.password, cost: 4), mustChange: false, now: app.lvze.clock.now())
        try await user.create(on: app.db)
    }

    /// The text of the flash the last redirect set, as the next page shows it.
    static func flash(_ b: SocketBrowser, after res: RawResponse) async throws -> String {
        XCTAssertEqual(res.status, 303, res.text)
        return try await b.get(res.location).text
    }

    func testAYearRunsFromSelfAssessmentToAFrozenRanking() async throws {
        try await withRunningFixture { app, f, port, _ in
            try await Self.makeAssessor(app, f)
            let clerk = try await apiToken(app, "clerk")
            for i in 1...3 {
                try await MetricTests.create(app, clerk, "hazard", "TA-V1", ["source": "检查发现", "found_on": "2025-0\(i)-10",
                                                                             "description": "隐患\(i)", "level": "一般隐患", "deadline": "2025-12-01"])
            }
            for name in ["甲厂", "丙厂"] {
                try await MetricTests.create(app, clerk, "enforcement_inspection", "TA", ["enterprise_name": name, "inspected_on": "2025-06-01"])
            }
            try await MetricTests.create(app, clerk, "accident", "TB-V1", ["occurred_on": "2025-05-01", "name": "事故乙", "deaths": 3,
                                                                           "serious_injuries": 0, "direct_loss": 100_000])
            let deadline = LocalDate(app.lvze.clock.now()).adding(days: 10).description

            // The 考核组 opens the 2025 safety assessment of the towns.
            let kaohe = SocketBrowser(port: port)
            try await kaohe.login("kaohe")
            let v1 = try await kaohe.get("/assessments").text.contains("开展考核")
            XCTAssertTrue(v1)
            let safety = AssessmentDefaults.files.firstIndex(of: "2025-safety-town.yaml")!
            let badDate = try await kaohe.post("/assessments", [("year", "2025"), ("rules", String(safety)), ("deadline", "明天")])
            let v2 = try await Self.flash(kaohe, after: badDate).contains("«自评截止日期»：「明天」不是有效日期")
            XCTAssertTrue(v2)
            let opened = try await kaohe.post("/assessments", [("year", "2025"), ("rules", String(safety)), ("deadline", deadline)])
            XCTAssertEqual(opened.status, 303, opened.text)
            let path = opened.location
            let a = try await Assessment.query(on: app.db).first()!
            XCTAssertEqual(path, "/assessments/\(a.id!)")
            XCTAssertEqual(a.stage, .open)
            let again = try await kaohe.post("/assessments", [("year", "2025"), ("rules", String(safety)), ("deadline", deadline)])
            let v3 = try await Self.flash(kaohe, after: again).contains("不能重复开展")
            XCTAssertTrue(v3)
            let clerkA = try await User.query(on: app.db).filter(\.$username == "clerkA").first()!
            let told = try await Notice.query(on: app.db).filter(\.$userID == clerkA.id!).filter(\.$kind == "assessment").all()
            XCTAssertEqual(told.map(\.href), ["\(path)/units/TA"], "the town's clerk hears of it")

            // 甲镇's clerk lands on the town's own sheet, with the computed lines and their records a click away.
            let townA = SocketBrowser(port: port)
            try await townA.login("clerkA")
            let home = try await townA.get("/")
            XCTAssertTrue(home.text.contains("尚有2项未自评"), "the inbox names the open self-assessment")
            let landing = try await townA.get(path)
            XCTAssertEqual(landing.location, "\(path)/units/TA", "no ranking before 公示")
            let sheet = try await townA.get("\(path)/units/TA")
            XCTAssertEqual(sheet.status, 200)
            XCTAssertTrue(sheet.text.contains("/reports/drill?metric=safety.hazards.found&amp;unit=TA&amp;year=2025"))
            XCTAssertTrue(sheet.text.contains("本单位自评"))
            XCTAssertTrue(sheet.text.contains("差（按分数段，未排名）"), "3 + 30 + 6 with the reviewed lines still at 0: a band below 一般")

            // Bad input is named and nothing is saved.
            let noFile = try await townA.postMultipart("\(path)/units/TA/self", [("indicator", "lead.list"), ("score", "14"), ("note", "已签订责任书")])
            XCTAssertEqual(noFile.status, 422)
            XCTAssertTrue(noFile.text.contains("«佐证材料»：本项须上传佐证材料"), noFile.text)
            let pdf = [(field: "files[]", filename: "责任书.pdf", type: "application/pdf", data: DemoAssessments.evidencePDF)]
            let tooHigh = try await townA.postMultipart("\(path)/units/TA/self", [("indicator", "lead.list"), ("score", "16"), ("note", "x")], files: pdf)
            XCTAssertEqual(tooHigh.status, 422)
            XCTAssertTrue(tooHigh.text.contains("«自评得分»：16超过本项最高15分"), tooHigh.text)
            let notANumber = try await townA.postMultipart("\(path)/units/TA/self", [("indicator", "lead.list"), ("score", "十四"), ("note", "x")], files: pdf)
            XCTAssertTrue(notANumber.text.contains("«自评得分»：「十四」不是分数"), notANumber.text)
            var saved = try await AssessmentEntry.query(on: app.db).count()
            XCTAssertEqual(saved, 0)
            var files = try await AssessmentEvidence.query(on: app.db).count()
            XCTAssertEqual(files, 0)

            let ok = try await townA.postMultipart("\(path)/units/TA/self", [("indicator", "lead.list"), ("score", "14"), ("note", "已签订责任书")], files: pdf)
            let v4 = try await Self.flash(townA, after: ok).contains("已保存「落实党政同责、一岗双责」的自评")
            XCTAssertTrue(v4)
            let entry = try await AssessmentEntry.query(on: app.db).first()!
            XCTAssertEqual(entry.selfScore, "14")
            files = try await AssessmentEvidence.query(on: app.db).count()
            XCTAssertEqual(files, 1)
            let evidence = try await AssessmentEvidence.query(on: app.db).first()!

            // The other town, the wrong role, and the other town's evidence are out of reach.
            let v5 = try await townA.get("\(path)/units/TB").status
            XCTAssertEqual(v5, 404)
            let v6 = try await townA.post("\(path)/units/TA/review", [("indicator", "lead.list"), ("score", "15"), ("reason", "x")]).status
            XCTAssertEqual(v6, 403)
            let v7 = try await townA.post("\(path)/stage", [("action", "close")]).status
            XCTAssertEqual(v7, 403)
            let townB = SocketBrowser(port: port)
            try await townB.login("clerkB")
            let v8 = try await townB.get("/evidence/\(evidence.id!)").status
            XCTAssertEqual(v8, 404)
            let v9 = try await townB.postMultipart("\(path)/units/TA/self", [("indicator", "lead.list"), ("score", "1"), ("note", "x")]).status
            XCTAssertEqual(v9, 404, "another town's sheet does not exist for 乙镇")
            let download = try await kaohe.get("/evidence/\(evidence.id!)")
            XCTAssertEqual(download.status, 200)
            XCTAssertEqual(download.body, DemoAssessments.evidencePDF)

            // Stages move only forward in order; the group scores every reviewed line.
            let early = try await kaohe.post("\(path)/stage", [("action", "publish")])
            let v10 = try await Self.flash(kaohe, after: early).contains("不能执行这一操作")
            XCTAssertTrue(v10)
            let close = try await kaohe.post("\(path)/stage", [("action", "close")])
            let v11 = try await Self.flash(kaohe, after: close).contains("自评已截止，进入评审")
            XCTAssertTrue(v11)
            let late = try await townA.postMultipart("\(path)/units/TA/self", [("indicator", "enforcement.campaigns"), ("score", "8"), ("note", "x")], files: pdf)
            let v12 = try await Self.flash(townA, after: late).contains("自评已截止")
            XCTAssertTrue(v12)
            let pending = try await kaohe.post("\(path)/stage", [("action", "publish")])
            let v13 = try await Self.flash(kaohe, after: pending).contains("还有4项待评审，不能公示")
            XCTAssertTrue(v13)
            let noReason = try await kaohe.post("\(path)/units/TA/review", [("indicator", "lead.list"), ("score", "14"), ("reason", " ")])
            XCTAssertEqual(noReason.status, 422)
            XCTAssertTrue(noReason.text.contains("«理由»：请写明评分理由"))
            let scores: [(String, String, String)] = [("TA", "lead.list", "14"), ("TA", "enforcement.campaigns", "8"),
                                                       ("TB", "lead.list", "15"), ("TB", "enforcement.campaigns", "10")]
            for (town, line, score) in scores {
                let res = try await kaohe.post("\(path)/units/\(town)/review", [("indicator", line), ("score", score), ("reason", "按材料评定")])
                XCTAssertEqual(res.status, 303, "\(town) \(line): \(res.text)")
            }
            let publish = try await kaohe.post("\(path)/stage", [("action", "publish")])
            let v14 = try await Self.flash(kaohe, after: publish).contains("已计算结果并公示")
            XCTAssertTrue(v14)

            let published = try await Assessment.find(a.id!, on: app.db)!
            XCTAssertEqual(published.stage, .published)
            let results = try XCTUnwrap(AssessmentBook.decode(published.results))
            XCTAssertEqual(results.rows.map(\.code), ["TA", "TB"])
            let expected: [Decimal] = [61, 53]  // 3 + 30 + 6 + 14 + 0 + 8; 0 + 30 + 0 + 15 + 0 + 10 − 2 for the accident (no 专题研究 meetings kept)
            XCTAssertEqual(results.rows.map(\.sheet.total), expected)
            XCTAssertEqual(results.rows.map(\.grade), [.average, .poor], "乙镇's 较大 accident decides its rating")
            XCTAssertEqual(results.rows[0].recordIDs["safety.hazards.found"]?.count, 3)
            XCTAssertEqual(published.sha256, AssessmentBook.hash(published, unitCode: f.dist.code))

            // Once published the town sees the ranking; a record added since does not move a published score.
            let ranking = try await townA.get(path)
            XCTAssertEqual(ranking.status, 200)
            XCTAssertTrue(ranking.text.contains("乙镇") && ranking.text.contains("一票否决"), ranking.text)
            try await MetricTests.create(app, clerk, "enforcement_inspection", "TA", ["enterprise_name": "丁厂", "inspected_on": "2025-07-01"])
            let v15 = try await townA.get("\(path)/units/TA").text.contains("<span class=\"value\">61</span>")
            XCTAssertTrue(v15)

            let freeze = try await kaohe.post("\(path)/stage", [("action", "freeze")])
            let v16 = try await Self.flash(kaohe, after: freeze).contains("已定档")
            XCTAssertTrue(v16)
            let withdraw = try await kaohe.post("\(path)/stage", [("action", "withdraw")])
            let v17 = try await Self.flash(kaohe, after: withdraw).contains("不能执行这一操作")
            XCTAssertTrue(v17)
            let afterFreeze = try await kaohe.post("\(path)/units/TA/review", [("indicator", "lead.list"), ("score", "1"), ("reason", "改分")])
            let v18 = try await Self.flash(kaohe, after: afterFreeze).contains("评分不能再修改")
            XCTAssertTrue(v18)
            saved = try await AssessmentEntry.query(on: app.db).filter(\.$reviewScore == "1").count()
            XCTAssertEqual(saved, 0)

            // The files: a table per unit and line, a 通报 in Word, JSON for other systems.
            let xlsx = try await kaohe.get("\(path)/export?format=xlsx")
            XCTAssertEqual(xlsx.status, 200)
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("assessment-\(UUID().uuidString).xlsx")
            try xlsx.body.write(to: url)
            defer { try? FileManager.default.removeItem(at: url) }
            var rows: [SpreadsheetRow] = []
            try XLSXReader(url: url).forEachRow { rows.append($0) }
            XCTAssertEqual(rows.first?.texts, AssessmentExport.columns.map(\.title))
            XCTAssertEqual(rows.count, 1 + 2 * (6 + 2 + 1))
            let docx = try await kaohe.get("\(path)/export?format=docx")
            XCTAssertEqual(Array(docx.body.prefix(2)), Array("PK".utf8))
            let json = try await kaohe.get("\(path)/export?format=json")
            let object = try JSONSerialization.jsonObject(with: json.body) as! [String: Any]
            XCTAssertEqual((object["units"] as! [[String: Any]]).map { $0["grade"] as! String }, ["一般", "差"])
            let v19 = try await kaohe.get("\(path)/export?format=pdf").status
            XCTAssertEqual(v19, 400)
            let v20 = try await townA.get("\(path)/export?format=xlsx").status
            XCTAssertEqual(v20, 403)

            let problem = try await app.lvze.audit.verify(on: app.db).problem
            XCTAssertNil(problem)
            let actions = try await AuditEntry.query(on: app.db).filter(\.$objectType ~~ ["assessment", "assessment_entry"]).count()
            XCTAssertGreaterThanOrEqual(actions, 1 + 1 + 4 + 3)
        }
    }

    /// The daily pass reminds, once, the towns that have not finished self-assessing three days
    /// before the deadline; a town that has finished hears nothing.
    func testTheDailyPassRemindsTownsStillToSelfAssess() async throws {
        try await withRunningFixture { app, f, port, _ in
            try await Self.makeAssessor(app, f)
            let kaohe = SocketBrowser(port: port)
            try await kaohe.login("kaohe")
            let safety = AssessmentDefaults.files.firstIndex(of: "2025-safety-town.yaml")!
            let deadline = LocalDate(app.lvze.clock.now()).adding(days: 2).description
            let path = try await kaohe.post("/assessments", [("year", "2025"), ("rules", String(safety)), ("deadline", deadline)]).location
            let townA = SocketBrowser(port: port)
            try await townA.login("clerkA")
            _ = try await townA.get("\(path)/units/TA")
            let pdf = [(field: "files[]", filename: "责任书.pdf", type: "application/pdf", data: DemoAssessments.evidencePDF)]
            for line in ["lead.list", "enforcement.campaigns"] {
                let res = try await townA.postMultipart("\(path)/units/TA/self", [("indicator", line), ("score", "8"), ("note", "已完成")], files: pdf)
                XCTAssertEqual(res.status, 303, res.text)
            }
            let report = try await app.runReminders()
            XCTAssertEqual(report.assessmentNotices, 1, "乙镇's clerk; 甲镇 has finished")
            let clerkB = try await User.query(on: app.db).filter(\.$username == "clerkB").first()!
            let told = try await Notice.query(on: app.db).filter(\.$userID == clerkB.id!).filter(\.$kind == "reminder").all()
            XCTAssertEqual(told.count, 1)
            XCTAssertTrue(told.first?.title.contains("自评将于") ?? false, told.first?.title ?? "")
            XCTAssertTrue(told.first?.body.contains("尚有2项未自评") ?? false, told.first?.body ?? "")
            let again = try await app.runReminders()
            XCTAssertEqual(again.assessmentNotices, 0, "once per deadline")
        }
    }

    /// The rules page: a mistake names its line and keeps the old rules; the year cannot change.
    func testRulesAreEditedWithTheirMistakesNamed() async throws {
        try await withRunningFixture { app, f, port, _ in
            try await Self.makeAssessor(app, f)
            let kaohe = SocketBrowser(port: port)
            try await kaohe.login("kaohe")
            let safety = AssessmentDefaults.files.firstIndex(of: "2025-safety-town.yaml")!
            let deadline = LocalDate(app.lvze.clock.now()).adding(days: 10).description
            let path = try await kaohe.post("/assessments", [("year", "2025"), ("rules", String(safety)), ("deadline", deadline)]).location
            let a = try await Assessment.query(on: app.db).first()!
            let unknown = a.rules.replacingOccurrences(of: "from: safety.hazards.found", with: "from: safety.hazards.lost")
            let res = try await kaohe.post("\(path)/rules", [("rules", unknown)])
            XCTAssertEqual(res.status, 422)
            XCTAssertTrue(res.text.contains("safety.hazards.lost"), res.text)
            XCTAssertTrue(res.text.contains("第"), "the line is named: \(res.text)")
            let year = a.rules.replacingOccurrences(of: "year: 2025", with: "year: 2024")
            let v21 = try await kaohe.post("\(path)/rules", [("rules", year)]).text.contains("year（年度）应为2025")
            XCTAssertTrue(v21)
            let v22 = try await Assessment.find(a.id!, on: app.db)?.rules
            XCTAssertEqual(v22, a.rules)
            let edited = a.rules.replacingOccurrences(of: "per: 2", with: "per: 3")
            let saved = try await kaohe.post("\(path)/rules", [("rules", edited)])
            let v23 = try await Self.flash(kaohe, after: saved).contains("考评细则已保存")
            XCTAssertTrue(v23)
            let v24 = try await Assessment.find(a.id!, on: app.db)?.rules
            XCTAssertEqual(v24, edited)
            // Other roles read the rules but cannot change them.
            let leader = SocketBrowser(port: port)
            try await leader.login("leader")
            let v25 = try await leader.get("\(path)/rules").status
            XCTAssertEqual(v25, 200)
            let v26 = try await leader.post("\(path)/rules", [("rules", a.rules)]).status
            XCTAssertEqual(v26, 403)
        }
    }

    /// Every score of the demo's frozen assessments equals what its drill-down records give:
    /// the records the drill-down lists are the ones kept at 公示, they count to the value on
    /// the sheet, and that value scores what the sheet says.
    func testDemoAssessmentsEqualTheirDrillDown() async throws {
        let app = try await makeTestApp()
        do {
            _ = try await loadDemoIfEmpty(app)
            let assessments = try await Assessment.query(on: app.db).sort(\.$id).all()
            XCTAssertEqual(Set(assessments.map(\.system)), ["party", "integrity", "ideology", "safety"])
            XCTAssertTrue(assessments.allSatisfy { $0.stage == .frozen })
            let book = AssessmentBook(db: app.db, kinds: app.lvze.catalogue.catalogue, metrics: app.lvze.catalogue.metrics)
            let root = try await OrgUnit.query(on: app.db).filter(\.$code == "DEMO").first()!
            var checked = 0
            var vetoed: [String] = []
            for a in assessments {
                XCTAssertEqual(a.sha256, AssessmentBook.hash(a, unitCode: root.code), a.title)
                let rules = try book.rules(a)
                let results = try XCTUnwrap(AssessmentBook.decode(a.results))
                XCTAssertEqual(results.rows.count, a.assessedUnits == .towns ? 15 : 6, "the demo's towns, or its departments")
                for row in results.rows {
                    let unit = try await OrgUnit.find(row.unitID, on: app.db)!
                    let evaluator = MetricEvaluator(db: app.db, kinds: app.lvze.catalogue.catalogue, metrics: book.metrics,
                                                    scope: unit.unitPath, year: a.year)
                    for line in row.sheet.lines where line.method == .records {
                        let metric = book.metrics[line.metric!]!
                        let drilled = try await Self.drilledValue(metric, evaluator: evaluator, app: app, kept: row.recordIDs)
                        XCTAssertEqual(drilled.map { MetricFormat.round($0, decimals: 6) }, line.value?.number.map { MetricFormat.round($0, decimals: 6) },
                                       "\(a.title) \(row.name) \(line.id)")
                        let values: [String: MetricValue] = drilled.map { [metric.id: .number($0)] } ?? [:]
                        let rescored = AssessmentScorer.score(rules, values: values).lines.first { $0.id == line.id }
                        XCTAssertEqual(rescored?.score, line.score, "\(a.title) \(row.name) \(line.id)")
                        checked += 1
                    }
                    if row.sheet.vetoes.contains(where: { $0.score == 1 }) { vetoed.append("\(a.system)/\(a.assessed)/\(row.name)/\(row.grade.rawValue)") }
                }
            }
            XCTAssertGreaterThan(checked, 200)
            XCTAssertTrue(vetoed.contains("integrity/town/北岭镇/差"), "北岭镇's 第三种形态 case decides its integrity rating: \(vetoed)")
            XCTAssertTrue(vetoed.allSatisfy { $0.hasSuffix("/差") }, "\(vetoed)")
        } catch {
            try await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }

    /// A metric's value from the records its drill-down lists (for a share, from its two
    /// parts), checking on the way that they are the records kept at 公示. Nil: no data.
    static func drilledValue(_ metric: MetricDefinition, evaluator: MetricEvaluator, app: Application,
                             kept: [String: [Int]]) async throws -> Decimal? {
        if case .share(let n, let d) = metric.aggregate {
            guard let num = try await drilledValue(evaluator.metrics[n]!, evaluator: evaluator, app: app, kept: kept),
                  let den = try await drilledValue(evaluator.metrics[d]!, evaluator: evaluator, app: app, kept: kept), den != 0 else { return nil }
            return num * 100 / den
        }
        if case .organisation = metric.aggregate {
            return try await evaluator.evaluate([metric.id])[metric.id]?.number
        }
        guard let q = evaluator.query(metric) else { return nil }
        let rows = try await drillDownRows(app, q, scope: evaluator.scope)
        XCTAssertEqual(rows.map(\.id).sorted(), kept[metric.id] ?? [], metric.id)
        // A ledger the unit never kept is no data, as the sheet says.
        let any = try await evaluator.ledgerKept(q.kind.id)
        if rows.isEmpty, !any { return nil }
        let fields = rows.map { FieldJSON.decode($0.data, kind: q.kind) }
        let number = fieldNumber
        switch metric.aggregate {
        case .count: return Decimal(rows.count)
        case .sum(let ids): return fields.reduce(Decimal(0)) { total, f in ids.reduce(total) { $0 + number(f[$1]) } }
        case .distinctEnterprise(let code, let name):
            func text(_ v: FieldValue?) -> String {
                if case .text(let t)? = v { return t.trimmingCharacters(in: .whitespaces) }
                return ""
            }
            return Decimal(Set(fields.compactMap { f -> String? in
                let c = text(f[code]), n = text(f[name])
                return !c.isEmpty ? "C:" + c.uppercased() : !n.isEmpty ? "N:" + n : nil
            }).count)
        case .min(let id): return fields.compactMap { f -> Decimal? in f[id] == nil ? nil : number(f[id]) }.min()
        case .distinct(let f):
            return Decimal(Set(fields.compactMap { v -> String? in
                switch v[f] {
                case .text(let t): return t.trimmingCharacters(in: .whitespaces)
                case .reference(let id): return String(id)
                default: return nil
                }
            }.filter { !$0.isEmpty }).count)
        default:
            XCTFail("\(metric.id): no drill-down rule for \(metric.aggregate)")
            return nil
        }
    }

    func testTheCommandWritesEveryUnitWithHowItWasScored() async throws {
        let app = try await makeTestApp()
        do {
            _ = try await loadDemoIfEmpty(app)
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("lvze-assessment-\(UUID().uuidString).json")
            defer { try? FileManager.default.removeItem(at: out) }
            var context = CommandContext(console: Terminal(), input: CommandInput(arguments: ["lvze", "--year", "2025", "--system", "safety",
                                                                                             "--out", out.path]))
            context.application = app
            try await AssessmentCommand().run(using: &context)
            let object = try JSONSerialization.jsonObject(with: Data(contentsOf: out)) as! [String: Any]
            let units = object["units"] as! [[String: Any]]
            XCTAssertEqual(units.count, 15)
            XCTAssertEqual(units.first?["rank"] as? Int, 1)
            let methods = Set(units.flatMap { ($0["lines"] as! [[String: Any]]).map { $0["method"] as! String } })
            XCTAssertEqual(methods, ["records", "review", "bonus", "veto"])
            for (args, message) in [(["--year", "2025", "--system", "culture"], "--system：「culture」不是责任体系"),
                                    (["--year", "2025", "--format", "docx"], "--out：docx 格式须指定输出文件"),
                                    (["--year", "2025", "--out", "/tmp/x.xlsx"], "有5个考核"),
                                    (["--year", "2025", "--system", "integrity", "--format", "docx", "--out", "/tmp/x.docx"], "有2个考核"),
                                    (["--year", "2019", "--system", "safety"], "没有2019年度安全生产的考核")] {
                var c = CommandContext(console: Terminal(), input: CommandInput(arguments: ["lvze"] + args))
                c.application = app
                do {
                    try await AssessmentCommand().run(using: &c)
                    XCTFail("must refuse \(args)")
                } catch let error as CLIError {
                    XCTAssertTrue(error.description.contains(message), error.description)
                }
            }
        } catch {
            try await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }
}
