import Fluent
import Foundation
import LvzeCore
import SQLKit
import Vapor

/// 述职评议: the unit above holds a session where named secretaries report; its leaders and
/// 考核组 rate each (好/较好/一般/差) and write 点评意见; the tally and the comments are kept, and
/// each comment becomes a rectification item of the speaker's unit in one step, linked back
/// (问题来源 上级点评, 反馈批次 the session), so next year's 清零销号 is checked on exactly those.
struct ReviewSessionController {
    static let evaluators: [Role] = [.leader, .assessor]

    func boot(routes: any RoutesBuilder) {
        routes.get(.reviewSessions, use: list)
        routes.post(.reviewSessions, use: create)
        routes.get(.reviewSession, use: show)
        routes.post(.reviewRate, use: rate)
        routes.post(.reviewClose, use: close)
        routes.post(.reviewRectify, use: rectify)
    }

    struct Access {
        let session: ReviewSession
        let unit: OrgUnit
        let speakers: [ReviewSpeaker]
        let units: [Int: OrgUnit]
        /// The speaker whose unit the viewer belongs to, for a viewer below the session's unit.
        let own: ReviewSpeaker?
        let principal: Principal

        var isFull: Bool { own == nil }
        var mayEvaluate: Bool { isFull && principal.hasAny(ReviewSessionController.evaluators) }
        var shown: [ReviewSpeaker] { own.map { [$0] } ?? speakers }
    }

    static func access(_ req: Request) async throws -> Access {
        let p = try req.requirePrincipal()
        guard p.isBusinessUser, let id = req.parameters.get("id", as: Int.self), let s = try await ReviewSession.find(id, on: req.db),
              let unit = try await OrgUnit.find(s.$unit.id, on: req.db) else { throw Abort(.notFound, reason: "述职评议不存在或您无权查看") }
        let speakers = try await ReviewSpeaker.query(on: req.db).filter(\.$sessionID == id).sort(\.$sortOrder).all()
        let units = Dictionary(uniqueKeysWithValues: try await OrgUnit.query(on: req.db).filter(\.$id ~~ speakers.map(\.unitID)).all().map { ($0.id!, $0) })
        if p.scope.contains(unit.unitPath) {
            return Access(session: s, unit: unit, speakers: speakers, units: units, own: nil, principal: p)
        }
        guard let own = speakers.first(where: { units[$0.unitID].map { $0.unitPath.contains(p.scope) } ?? false }) else {
            throw Abort(.notFound, reason: "述职评议不存在或您无权查看")
        }
        return Access(session: s, unit: unit, speakers: speakers, units: units, own: own, principal: p)
    }

    // MARK: - List and create

    func list(req: Request) async throws -> Response {
        let p = try req.requirePrincipal()
        guard p.isBusinessUser else { throw Abort(.forbidden, reason: "此功能仅限业务用户使用") }
        let held = try await ReviewSession.query(on: req.db).join(OrgUnit.self, on: \ReviewSession.$unit.$id == \OrgUnit.$id)
            .filter(OrgUnit.self, \.$path >= p.scope.value).filter(OrgUnit.self, \.$path < p.scope.subtreeUpperBound)
            .sort(\.$heldOn, .descending).limit(200).all()
        // Sessions where the viewer's own unit (or one above it, below the session) reported.
        let spoken = try await ReviewSpeaker.query(on: req.db).filter(\.$unitID ~~ p.unit.unitPath.ids).all().map(\.sessionID)
        let mine = spoken.isEmpty ? [] : try await ReviewSession.query(on: req.db).filter(\.$id ~~ spoken).all()
        var seen = Set<Int>()
        let sessions = (held + mine).filter { seen.insert($0.id!).inserted }
        let rows = HTML.each(sessions) { s in
            """
            <tr><td>\(s.heldOn)</td><td><a href="\(Endpoint.reviewSession.url(s.id!))">\(s.title)</a></td><td>\(s.ledgerSystem.label)</td>\
            <td>\(s.year)</td><td>\(s.isOpen ? "<span class=\"tag warn\">评议中</span>" as HTML : "<span class=\"tag ok\">已结束</span>")</td></tr>
            """
        }
        var body: HTML = """
            <p class="hint">述职评议会上，下级党组织书记逐一述职，评议人给出好、较好、一般、差的评价和点评意见；\
            每条点评意见可一键转为被评议单位的整改事项，整改情况在问题整改台账中跟踪至销号。</p>
            <table class="data"><thead><tr><th>日期</th><th>述职评议</th><th>责任体系</th><th>年度</th><th>状态</th></tr></thead>\
            <tbody>\(sessions.isEmpty ? "<tr><td colspan=\"5\" class=\"empty\">尚无述职评议。</td></tr>" as HTML : rows)</tbody></table>
            """
        if p.hasAny(Self.evaluators) { body += createForm(req, p, errors: [], typed: [:]) }
        return try await req.render("assessments/page", title: "述职评议", AssessmentController.PageContent(
            crumbs: [], title: "述职评议", actions: .empty, errors: [], body: body), section: Endpoint.assessments.url().path)
    }

    private func createForm(_ req: Request, _ p: Principal, errors: [String], typed: [String: String]) -> HTML {
        let today = LocalDate(req.now)
        let system = typed["system"] ?? LedgerSystem.party.rawValue
        let systems = HTML.each(LedgerSystem.allCases.filter { $0 != .common }) { s in
            "<option value=\"\(s.rawValue)\"\(s.rawValue == system ? " selected" : "")>\(s.label)</option>"
        }
        let year = Int(typed["year"] ?? "") ?? ReportController.defaultYear(today: today)
        let years = HTML.each([today.year - 1, today.year]) { y in "<option value=\"\(y)\"\(y == year ? " selected" : "")>\(y)年度</option>" }
        return """
            <div class="card"><h2>召开述职评议</h2>
            <form method="post" action="\(Endpoint.reviewSessions.url())">\(AssessmentController.csrf(req))
            <div class="form-grid"><label>名称<input name="title" value="\(typed["title"] ?? "\(year)年度镇（街道）党（工）委书记抓基层党建工作述职评议")" required></label>
            <label>年度<select name="year">\(years)</select></label>
            <label>责任体系<select name="system">\(systems)</select></label>
            <label>召开日期<input type="date" name="held_on" value="\(typed["held_on"] ?? today.description)" required></label>
            <label class="wide">述职人（每行一人：单位代码、姓名、职务，以空格分隔）<textarea name="speakers" rows="6" required \
            placeholder="DEMO-T01 张建国 东城街道党工委书记">\(typed["speakers"] ?? "")</textarea></label></div>
            <button type="submit">召开述职评议</button></form></div>
            """
    }

    func create(req: Request) async throws -> Response {
        let p = try req.require(Self.evaluators)
        func field(_ key: String) -> String { (req.formText(key) ?? "").trimmingCharacters(in: .whitespacesAndNewlines) }
        let typed = ["title": field("title"), "year": field("year"), "system": field("system"), "held_on": field("held_on"), "speakers": field("speakers")]
        var errors: [String] = []
        let title = typed["title"]!
        if title.isEmpty { errors.append("«名称»：请填写") }
        if title.count > 100 { errors.append("«名称»：不超过100字") }
        let thisYear = LocalDate(req.now).year
        let year = Int(typed["year"]!) ?? 0
        if !((thisYear - 1)...thisYear).contains(year) { errors.append("«年度»：只能是\(thisYear - 1)或\(thisYear)年度") }
        let system = LedgerSystem(rawValue: typed["system"]!)
        if system == nil || system == .common { errors.append("«责任体系»：请选择") }
        let heldOn = LocalDate.parse(typed["held_on"]!)
        if heldOn == nil { errors.append("«召开日期»：「\(typed["held_on"]!.prefix(20))」不是有效日期，应形如2026-01-15") }
        var speakers: [(unit: OrgUnit, name: String, position: String)] = []
        for (i, line) in typed["speakers"]!.split(whereSeparator: \.isNewline).enumerated() {
            let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\u{3000}" }).map(String.init)
            guard !parts.isEmpty else { continue }
            guard parts.count >= 3 else {
                errors.append("«述职人»第\(i + 1)行：应为「单位代码 姓名 职务」三项，以空格分隔")
                continue
            }
            guard let unit = try await OrgUnit.query(on: req.db).filter(\.$code == parts[0]).first(), p.covers(unit) else {
                errors.append("«述职人»第\(i + 1)行：单位代码「\(parts[0].prefix(30))」不存在或不在您的管理范围内")
                continue
            }
            speakers.append((unit, String(parts[1].prefix(40)), String(parts[2...].joined(separator: " ").prefix(80))))
        }
        if speakers.isEmpty, !errors.contains(where: { $0.hasPrefix("«述职人»") }) { errors.append("«述职人»：请至少填写一人") }
        guard errors.isEmpty, let heldOn, let system else {
            var body: HTML = createForm(req, p, errors: errors, typed: typed)
            body = "<p><a href=\"\(Endpoint.reviewSessions.url())\">返回述职评议列表</a></p>" + body
            return try await req.render("assessments/page", title: "述职评议", AssessmentController.PageContent(
                crumbs: [], title: "召开述职评议", actions: .empty, errors: errors, body: body),
                status: .unprocessableEntity, section: Endpoint.assessments.url().path)
        }
        let s = ReviewSession()
        s.$unit.id = p.unit.id!
        s.year = year
        s.system = system.rawValue
        s.title = title
        s.heldOn = heldOn.description
        s.state = "open"
        s.createdBy = p.userID
        s.createdAt = req.now
        let listed = speakers
        try await req.db.transaction { tx in
            try await s.create(on: tx)
            for (i, sp) in listed.enumerated() {
                let row = ReviewSpeaker()
                row.sessionID = s.id!
                row.unitID = sp.unit.id!
                row.name = sp.name
                row.position = sp.position
                row.sortOrder = i
                try await row.create(on: tx)
            }
            try await req.audit(.create, "review_session", String(s.id!), "召开述职评议「\(title)」，述职\(listed.count)人",
                                after: ["speakers": listed.map { "\($0.unit.code) \($0.name)" }.joined(separator: "；")], on: tx)
        }
        return req.redirect(to: Endpoint.reviewSession.url(s.id!), flash: "已召开述职评议，述职\(speakers.count)人")
    }

    // MARK: - The session

    func show(req: Request) async throws -> Response {
        try await render(req, try await Self.access(req), errors: [])
    }

    private func render(_ req: Request, _ access: Access, errors: [String], status: HTTPStatus = .ok) async throws -> Response {
        let s = access.session
        let ratings = try await ReviewRating.query(on: req.db).filter(\.$speakerID ~~ access.shown.compactMap(\.id)).sort(\.$id).all()
        let bySpeaker = Dictionary(grouping: ratings, by: \.speakerID)
        let recordIDs = ratings.compactMap(\.recordID)
        let records = recordIDs.isEmpty ? [:] : Dictionary(uniqueKeysWithValues: try await LedgerRecord.query(on: req.db)
            .filter(\.$id ~~ recordIDs).all().map { ($0.id!, $0) })
        let p = access.principal
        var body: HTML = """
            <p><span class="state">\(s.isOpen ? "评议中" : "已结束")</span> \(LocalDate.parse(s.heldOn)?.chinese ?? s.heldOn) · \
            \(access.unit.name) · \(s.year)年度\(s.ledgerSystem.label) · 述职\(access.speakers.count)人</p>
            """
        // The overview: each speaker's tally, the share rated 好 or 较好.
        let tallyRows = HTML.each(access.shown) { sp in
            let rs = bySpeaker[sp.id!] ?? []
            let counts = AssessmentGrade.allCases.map { g in rs.filter { $0.rating == g.rawValue }.count }
            let good = counts[0] + counts[1]
            let share = rs.isEmpty ? "—" : "\(Int((Double(good) * 100 / Double(rs.count)).rounded()))%"
            return """
                <tr><td><a href="#speaker-\(sp.id!)">\(sp.name)</a></td><td>\(sp.position)</td><td>\(access.units[sp.unitID]?.name ?? "")</td>\
                \(HTML.each(counts) { "<td class=\"num\">\($0)</td>" })<td class="num">\(rs.count)</td><td class="num">\(share)</td></tr>
                """
        }
        body += """
            <h2>评议结果</h2><table class="data"><thead><tr><th>述职人</th><th>职务</th><th>单位</th><th class="num">好</th>\
            <th class="num">较好</th><th class="num">一般</th><th class="num">差</th><th class="num">评议人数</th><th class="num">好和较好占比</th></tr></thead>\
            <tbody>\(tallyRows)</tbody></table>
            """
        for sp in access.shown {
            let rs = bySpeaker[sp.id!] ?? []
            let comments = rs.filter { !$0.comment.isEmpty }
            let rating = access.mayEvaluate && s.isOpen
            // A closed session lists only the speakers who were commented on.
            guard !comments.isEmpty || rating || access.own != nil else { continue }
            body += "<h2 id=\"speaker-\(sp.id!)\">\(sp.name)（\(sp.position)）的点评意见</h2>"
            if comments.isEmpty { body += "<p class=\"muted\">暂无点评意见。</p>" }
            for r in comments {
                var turned = HTML.empty
                if let id = r.recordID {
                    let state = records[id].map { RectificationState(rawValue: $0.status)?.label ?? $0.status } ?? "已删除"
                    turned = "<a href=\"\(Endpoint.record.url("rectification", id))\">已转为整改事项（\(state)）</a>"
                } else if access.mayEvaluate {
                    let due = (LocalDate.parse(s.heldOn) ?? LocalDate(req.now)).adding(days: 90).description
                    turned = """
                        <form method="post" action="\(Endpoint.reviewRectify.url(s.id!, r.id!))" class="inline-form">\(AssessmentController.csrf(req))\
                        <label class="small">整改时限<input type="date" name="deadline" value="\(due)" required></label>\
                        <button type="submit">转为整改事项</button></form>
                        """
                } else {
                    turned = "<span class=\"muted small\">尚未转为整改事项</span>"
                }
                body += """
                    <div class="card"><p>\(r.comment)</p><p class="small muted">\(r.evaluatorName)评价「\(r.rating)」 · \
                    \(ISOTime.local(r.ratedAt))</p>\(turned)</div>
                    """
            }
            if rating {
                let mine = rs.first { $0.evaluatorID == p.userID }
                let options = HTML.each(AssessmentGrade.allCases) { g in
                    "<option value=\"\(g.rawValue)\"\(mine?.rating == g.rawValue ? " selected" : "")>\(g.rawValue)</option>"
                }
                body += """
                    <form method="post" action="\(Endpoint.reviewRate.url(s.id!))" class="card" id="rate-\(sp.id!)">\(AssessmentController.csrf(req))\
                    <input type="hidden" name="speaker" value="\(sp.id!)"><h3>评议\(sp.name)\(mine == nil ? "" : "（已评，可修改）")</h3>
                    <div class="form-row"><label>评价<select name="rating" required><option value="">请选择</option>\(options)</select></label>\
                    <label class="grow">点评意见（指出的问题可转为整改事项）<textarea name="comment" rows="2">\(mine?.comment ?? "")</textarea></label>\
                    <button type="submit">提交评议</button></div></form>
                    """
            }
        }
        var actions = HTML.empty
        if access.mayEvaluate, s.isOpen {
            actions = """
                <form method="post" action="\(Endpoint.reviewClose.url(s.id!))" class="inline" data-confirm="结束后不能再评议，确定？">\
                \(AssessmentController.csrf(req))<button type="submit">结束评议</button></form>
                """
        }
        return try await req.render("assessments/page", title: s.title, AssessmentController.PageContent(
            crumbs: [AssessmentController.Crumb(title: "述职评议", href: Endpoint.reviewSessions.url().path)], title: s.title,
            actions: actions, errors: errors, body: body), status: status, section: Endpoint.assessments.url().path)
    }

    func rate(req: Request) async throws -> Response {
        let access = try await Self.access(req)
        guard access.mayEvaluate else { throw Abort(.forbidden, reason: "只有\(Self.evaluators.map(\.label).joined(separator: "、"))可以评议") }
        let s = access.session
        let back = Endpoint.reviewSession.url(s.id!)
        guard s.isOpen else { return req.redirect(to: back, flash: "!述职评议已结束，不能再评议") }
        let speakerID = (try? req.content.get(Int.self, at: "speaker")) ?? -1
        guard let speaker = access.speakers.first(where: { $0.id == speakerID }) else {
            return req.redirect(to: back, flash: "!请选择述职人")
        }
        let ratingText = req.formText("rating") ?? ""
        let comment = (req.formText("comment") ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        var errors: [String] = []
        if AssessmentGrade(rawValue: ratingText) == nil { errors.append("«评价»：请在好、较好、一般、差中选择一项") }
        if comment.count > 2000 { errors.append("«点评意见»：不超过2000字，现有\(comment.count)字") }
        guard errors.isEmpty else { return try await render(req, access, errors: errors, status: .unprocessableEntity) }
        let p = access.principal
        try await req.db.transaction { tx in
            let existing = try await ReviewRating.query(on: tx).filter(\.$speakerID == speaker.id!).filter(\.$evaluatorID == p.userID).first()
            if let r = existing, r.recordID != nil, r.comment != comment {
                throw Abort(.conflict, reason: "这条点评意见已转为整改事项，不能再修改；新的意见请在整改事项中补充")
            }
            let r = existing ?? ReviewRating()
            let before = existing.map { ["rating": $0.rating, "comment": $0.comment] }
            r.speakerID = speaker.id!
            r.evaluatorID = p.userID
            r.evaluatorName = p.user.displayName
            r.rating = ratingText
            r.comment = comment
            r.ratedAt = req.now
            try await r.save(on: tx)
            try await req.audit(existing == nil ? .create : .update, "review_rating", String(r.id!),
                                "评议\(speaker.name)：\(ratingText)" + (comment.isEmpty ? "" : "，点评意见\(comment.count)字"),
                                before: before, after: ["rating": ratingText, "comment": comment], on: tx)
        }
        return req.redirect(to: back.path + "#speaker-\(speaker.id!)", flash: "已提交对\(speaker.name)的评议")
    }

    func close(req: Request) async throws -> Response {
        let access = try await Self.access(req)
        guard access.mayEvaluate else { throw Abort(.forbidden, reason: "只有\(Self.evaluators.map(\.label).joined(separator: "、"))可以结束评议") }
        let s = access.session
        guard s.isOpen else { return req.redirect(to: Endpoint.reviewSession.url(s.id!), flash: "!述职评议已结束") }
        s.state = "closed"
        try await req.db.transaction { tx in
            try await s.update(on: tx)
            try await req.audit(.workflow, "review_session", String(s.id!), "结束述职评议「\(s.title)」", on: tx)
        }
        return req.redirect(to: Endpoint.reviewSession.url(s.id!), flash: "述职评议已结束，评议结果已固定")
    }

    /// One comment becomes a rectification item of the speaker's unit: 问题来源 上级点评, the
    /// session as its 反馈批次, linked both ways (the record's note names the session).
    func rectify(req: Request) async throws -> Response {
        let access = try await Self.access(req)
        guard access.mayEvaluate else { throw Abort(.forbidden, reason: "只有\(Self.evaluators.map(\.label).joined(separator: "、"))可以将点评意见转为整改事项") }
        let s = access.session
        let back = Endpoint.reviewSession.url(s.id!)
        guard let ratingID = req.parameters.get("rating", as: Int.self), let r = try await ReviewRating.find(ratingID, on: req.db),
              let speaker = access.speakers.first(where: { $0.id == r.speakerID }), let unit = access.units[speaker.unitID] else {
            throw Abort(.notFound, reason: "点评意见不存在")
        }
        if let id = r.recordID { return req.redirect(to: Endpoint.record.url("rectification", id), flash: "这条点评意见已转为整改事项") }
        guard !r.comment.isEmpty else { return req.redirect(to: back, flash: "!这条评议没有点评意见") }
        guard let kind = req.lvze.catalogue["rectification"] else { throw Abort(.notFound, reason: "问题整改台账不存在") }
        let deadline = (req.formText("deadline") ?? "").trimmingCharacters(in: .whitespaces)
        let subject: String
        switch unit.unitKind {
        case .district: subject = "区委常委班子"
        case .town: subject = "镇街"
        case .village: subject = "村社区"
        case .enterprise: subject = "企业"
        default: subject = "部门"
        }
        let raw = ["found_on": s.heldOn, "source": "上级点评", "description": r.comment, "system": s.ledgerSystem.label,
                   "subject": subject, "batch": s.title, "responsible_person": speaker.name, "deadline": deadline,
                   "note": "述职评议「\(s.title)」中\(r.evaluatorName)对\(speaker.name)的点评意见"]
        let record: LedgerRecord
        do {
            record = try await req.records().create(kind, unitRef: unit.code, raw: raw).0
        } catch let failure as ValidationFailure {
            return try await render(req, access, errors: failure.errors.map(\.description), status: .unprocessableEntity)
        }
        // Linked only if no one else linked it meanwhile; a second record would be a duplicate item.
        let linked = try await req.db.sql.raw("""
            UPDATE review_ratings SET record_id = \(bind: record.id!) WHERE id = \(bind: r.id!) AND record_id IS NULL RETURNING id
            """).all()
        guard !linked.isEmpty else {
            try await req.records().delete(kind, record)
            return req.redirect(to: back, flash: "!这条点评意见刚被他人转为整改事项")
        }
        try await req.audit(.update, "review_rating", String(r.id!), "将\(speaker.name)的点评意见转为整改事项（记录\(record.id!)）",
                            after: ["record_id": String(record.id!)])
        return req.redirect(to: back.path + "#speaker-\(speaker.id!)", flash: "已转为\(unit.name)的整改事项，整改时限\(LocalDate.parse(deadline)?.chinese ?? deadline)")
    }
}
