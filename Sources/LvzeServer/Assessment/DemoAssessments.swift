import Fluent
import Foundation
import LvzeCore
import Vapor

/// The demo district's assessments: a year's assessment of its towns on every shipped
/// 考评细则, opened by the 考核办, self-assessed with evidence, reviewed, published and frozen,
/// so every page of 考责 has something real to show. The same district gives the same scores.
package enum DemoAssessments {
    /// What was made: assessments, and the rectification items the 述职评议's comments became.
    package struct Made: Sendable {
        package var assessments = 0
        package var rectificationItems = 0
        /// The towns' and departments' own records the 细则 count (专题研究 meetings, 宣传思想
        /// work), by ledger kind.
        package var records: [String: Int] = [:]

        package init(assessments: Int = 0, rectificationItems: Int = 0, records: [String: Int] = [:]) {
            self.assessments = assessments
            self.rectificationItems = rectificationItems
            self.records = records
        }
    }

    @discardableResult
    package static func make(_ app: Application, assessingCode: String, year: Int, assessor username: String) async throws -> Made {
        guard let assessing = try await OrgUnit.query(on: app.db).filter(\.$code == assessingCode).first(),
              let assessor = try await User.query(on: app.db).filter(\.$username == username).first() else { return Made() }
        let book = AssessmentBook(db: app.db, kinds: app.lvze.catalogue.catalogue, metrics: app.lvze.catalogue.metrics)
        let now = app.lvze.clock.now()
        let evidence = try app.lvze.attachments.store(evidencePDF, name: "会议纪要.pdf", maxBytes: 1 << 20)
        let meetings = try await studyMeetings(app, assessing: assessing, year: year)
        var made = 0
        for index in AssessmentDefaults.files.indices {
            let (rules, yaml) = try AssessmentDefaults.copy(index, year: year, metrics: book.metrics)
            let a = Assessment()
            a.$unit.id = assessing.id!
            a.year = year
            a.system = rules.system.rawValue
            a.assessed = rules.assessed.rawValue
            a.title = AssessmentDefaults.name(rules.title)
            a.rules = yaml
            a.state = AssessmentState.open.rawValue
            a.selfDeadline = "\(year + 1)-01-15"
            a.createdBy = assessor.id!
            a.createdAt = now
            try await a.create(on: app.db)
            let units = try await book.units(a)
            for (u, unit) in units.enumerated() {
                for (l, leaf) in rules.leaves.enumerated() {
                    guard case .review = leaf.scoring else { continue }
                    // Most units claim nearly full marks; the group takes a little off some.
                    let claimed = step(leaf.points * Decimal(16 + (u * 7 + l * 3) % 5) / 20)
                    let cut = (u + l) % 3 == 0 ? step(leaf.points / 10) : 0
                    let e = AssessmentEntry()
                    e.assessmentID = a.id!
                    e.unitID = unit.id!
                    e.indicatorID = leaf.id
                    e.selfScore = AssessmentController.score(claimed)
                    e.selfNote = "已按细则要求完成，详见佐证材料（演示）"
                    e.selfAt = now
                    e.reviewScore = AssessmentController.score(claimed - cut)
                    e.reviewReason = cut > 0 ? "佐证材料不完整，酌情扣分（演示）" : "材料齐全，认可自评（演示）"
                    e.reviewedBy = assessor.id!
                    e.reviewedAt = now
                    try await e.create(on: app.db)
                    let file = AssessmentEvidence()
                    file.entryID = e.id!
                    file.sha256 = evidence.sha256
                    file.name = "\(unit.name)\(leaf.name)佐证材料.pdf"
                    file.size = evidence.size
                    file.mime = evidence.mime
                    file.uploadedBy = assessor.id!
                    file.uploadedAt = now
                    try await file.create(on: app.db)
                }
                if u == 1, let bonus = rules.adjustments.first(where: { $0.metric == nil && $0.direction == .bonus }) {
                    let e = AssessmentEntry()
                    e.assessmentID = a.id!
                    e.unitID = unit.id!
                    e.indicatorID = bonus.id
                    e.selfNote = ""
                    e.reviewScore = AssessmentController.score(Swift.min(2, bonus.max))
                    e.reviewReason = "经验做法获上级推广（演示）"
                    e.reviewedBy = assessor.id!
                    e.reviewedAt = now
                    try await e.create(on: app.db)
                }
            }
            let results = try await book.compute(a, rules: rules, recordIDs: true, at: now)
            a.results = AssessmentBook.encode(results)
            a.publishedAt = now
            a.publishedBy = assessor.id!
            a.sha256 = AssessmentBook.hash(a, unitCode: assessing.code)
            a.frozenAt = now
            a.frozenBy = assessor.id!
            a.state = AssessmentState.frozen.rawValue
            try await a.update(on: app.db)
            try await app.lvze.audit.append(.create, actor: .system("demo"), objectType: "assessment", objectID: String(a.id!),
                                            summary: "演示数据：\(a.title)，\(units.count)个单位已自评、评审、公示并定档",
                                            after: ["sha256": a.sha256 ?? ""], at: now, on: app.db)
            made += 1
        }
        let items = try await reviewSession(app, assessing: assessing, year: year, book: book)
        return Made(assessments: made, rectificationItems: items, records: meetings)
    }

    /// The year's 专题研究 meetings of each town and department on each system, none to four, and
    /// the towns' own 宣传思想 records, so the 细则's lines score from records that vary (the
    /// demo's records of these kinds are mostly the district's). Returns how many records, by kind.
    static func studyMeetings(_ app: Application, assessing: OrgUnit, year: Int) async throws -> [String: Int] {
        guard let leader = try await User.query(on: app.db).filter(\.$username == "lingdao").first(),
              let leaderUnit = try await OrgUnit.find(leader.$unit.id, on: app.db),
              let kind = app.lvze.catalogue["meeting"] else { return [:] }
        let units = try await OrgUnit.query(on: app.db).filter(\.$parent.$id == assessing.id!)
            .filter(\.$kind ~~ [UnitKind.town.rawValue, UnitKind.department.rawValue]).sort(\.$sortOrder).sort(\.$code).all()
        let service = app.records(as: RecordActor(Principal(user: leader, unit: leaderUnit, session: nil, roles: leader.roles), address: "demo"))
        let systems: [LedgerSystem] = [.party, .integrity, .ideology, .safety]
        var made: [String: Int] = [:]
        for (u, unit) in units.enumerated() {
            for (k, system) in systems.enumerated() {
                let count = (u * 3 + k * 2 + 1) % 5
                for q in 0..<count {
                    try await service.create(kind, unitRef: unit.code, raw: [
                        "held_on": "\(year)-\(String(format: "%02d", 3 * q + 2))-\(String(format: "%02d", 10 + (u + k) % 15))",
                        "body": "专题会议", "kind": "专题研究", "topic_system": system.label,
                        "topic": "研究部署\(system.label)工作（第\(q + 1)次）"])
                    made["meeting", default: 0] += 1
                }
            }
        }
        // A town's own 宣传思想 work: placements in the city's and province's media, new 文明实践点,
        // inspections of publication sellers and printers — none to a few a year each.
        let towns = units.filter { $0.unitKind == .town }
        for (u, town) in towns.enumerated() {
            let day = { (m: Int) in "\(year)-\(String(format: "%02d", m))-\(String(format: "%02d", 5 + u % 20))" }
            if let media = app.lvze.catalogue["media_placement"] {
                for i in 0..<((u * 2 + 1) % 6) {
                    try await service.create(media, unitRef: town.code, raw: [
                        "published_on": day(1 + (i * 2) % 12), "headline": "\(town.name)\(["党建引领基层治理", "文明实践进万家", "安全生产专项整治"][i % 3])见闻（第\(i + 1)篇）",
                        "outlet": i % 2 == 0 ? "市日报" : "省电视台", "level": i % 2 == 0 ? "市" : "省"])
                    made["media_placement", default: 0] += 1
                }
            }
            if let position = app.lvze.catalogue["ideology_position"] {
                for i in 0..<(u % 3) {
                    try await service.create(position, unitRef: town.code, raw: [
                        "name": "\(town.name)新时代文明实践点\(i + 1)", "category": "新时代文明实践阵地", "tier": "点",
                        "established_on": day(4 + i * 3)])
                    made["ideology_position", default: 0] += 1
                }
            }
            if let inspection = app.lvze.catalogue["publication_inspection"] {
                for i in 0..<((u + 1) % 4) {
                    try await service.create(inspection, unitRef: town.code, raw: [
                        "inspected_on": day(3 + i * 3), "business_name": "\(town.name)\(["新华书店门市", "彩印厂", "文具书店"][i % 3])",
                        "business_type": i % 3 == 1 ? "印刷企业" : "出版物经营单位", "result": "未发现问题"])
                    made["publication_inspection", default: 0] += 1
                }
            }
        }
        return made
    }

    /// The year's 述职评议 of the town party secretaries, held the January after: the leader and
    /// the 考核办 rate each, and the leader's comments on the three lowest became the towns'
    /// rectification items.
    static func reviewSession(_ app: Application, assessing: OrgUnit, year: Int, book: AssessmentBook) async throws -> Int {
        guard let leader = try await User.query(on: app.db).filter(\.$username == "lingdao").first(),
              let assessor = try await User.query(on: app.db).filter(\.$username == "kaohe").first(),
              let leaderUnit = try await OrgUnit.find(leader.$unit.id, on: app.db),
              let kind = app.lvze.catalogue["rectification"] else { return 0 }
        let today = LocalDate(app.lvze.clock.now())
        let heldOn = Swift.min(today, LocalDate(year: year + 1, month: 1, day: 20)!)
        let towns = try await OrgUnit.query(on: app.db).filter(\.$parent.$id == assessing.id!).filter(\.$kind == UnitKind.town.rawValue)
            .sort(\.$sortOrder).sort(\.$code).all()
        guard !towns.isEmpty else { return 0 }
        let now = app.lvze.clock.now()
        let session = ReviewSession()
        session.$unit.id = assessing.id!
        session.year = year
        session.system = LedgerSystem.party.rawValue
        session.title = "\(year)年度镇（街道）党（工）委书记抓基层党建工作述职评议"
        session.heldOn = heldOn.description
        session.state = "closed"
        session.createdBy = leader.id!
        session.createdAt = now
        try await session.create(on: app.db)
        let surnames = Array("王李张刘陈杨赵黄周吴徐孙胡朱高")
        let given = ["建军", "志刚", "海燕", "卫国", "丽华", "国强", "晓东", "春梅", "立军", "红英", "永明", "秀兰", "德华", "文斌", "新华"]
        let comments = ["党员教育管理流于形式，“三会一课”记录不全", "软弱涣散村党组织整顿进度滞后，帮扶措施针对性不强",
                        "村级组织阵地提档升级推进缓慢，部分阵地使用率不高"]
        let service = app.records(as: RecordActor(Principal(user: leader, unit: leaderUnit, session: nil, roles: leader.roles), address: "demo"))
        var items = 0
        for (i, town) in towns.enumerated() {
            let speaker = ReviewSpeaker()
            speaker.sessionID = session.id!
            speaker.unitID = town.id!
            speaker.name = "\(surnames[i % surnames.count])\(given[(i * 7) % given.count])"
            speaker.position = "\(town.name)\(town.name.hasSuffix("街道") ? "党工委" : "党委")书记"
            speaker.sortOrder = i
            try await speaker.create(on: app.db)
            let low = i >= towns.count - 3
            for (evaluator, rating) in [(leader, low ? "一般" : (i % 3 == 0 ? "好" : "较好")), (assessor, low ? "较好" : "好")] {
                let r = ReviewRating()
                r.speakerID = speaker.id!
                r.evaluatorID = evaluator.id!
                r.evaluatorName = evaluator.displayName
                r.rating = rating
                r.comment = evaluator.id == leader.id && low ? comments[(towns.count - 1 - i) % comments.count] : ""
                r.ratedAt = now
                try await r.create(on: app.db)
                guard !r.comment.isEmpty else { continue }
                let record = try await service.create(kind, unitRef: town.code, raw: [
                    "found_on": heldOn.description, "source": "上级点评", "description": r.comment, "system": "基层党建", "subject": "镇街",
                    "batch": session.title, "responsible_person": speaker.name, "deadline": heldOn.adding(days: 90).description, "progress": "0",
                    "note": "述职评议「\(session.title)」中\(leader.displayName)对\(speaker.name)的点评意见"]).0
                r.recordID = record.id!
                try await r.update(on: app.db)
                items += 1
            }
        }
        return items
    }

    /// Half points, as a group scores.
    static func step(_ d: Decimal) -> Decimal {
        var twice = d * 2, rounded = Decimal()
        NSDecimalRound(&rounded, &twice, 0, .plain)
        return rounded / 2
    }

    /// A one-page PDF standing in for a unit's minutes (the demo's only evidence file).
    static let evidencePDF: Data = {
        let content = "BT /F1 18 Tf 72 720 Td (Lvze demo evidence: meeting minutes) Tj ET"
        var objects = [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
            "<< /Length \(content.utf8.count) >>\nstream\n\(content)\nendstream",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
        var out = "%PDF-1.4\n"
        var offsets: [Int] = []
        for (i, o) in objects.enumerated() {
            offsets.append(out.utf8.count)
            out += "\(i + 1) 0 obj\n\(o)\nendobj\n"
        }
        let xref = out.utf8.count
        out += "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        for o in offsets { out += String(format: "%010d 00000 n \n", o) }
        out += "trailer\n<< /Size \(objects.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        objects.removeAll()
        return Data(out.utf8)
    }()
}
