import Fluent
import Foundation
import LvzeCore
import SQLKit
import Vapor

/// 考责 pages: the year's assessments, each with its ranking, the units' score sheets, the
/// group's reviews and the steps from self-assessment to 公示 and 定档.
///
/// Who sees what: a business user whose scope holds the assessing unit (the district's
/// leaders, the 考核组, the office) sees every sheet; a user of an assessed unit sees that
/// unit's sheet, and the ranking once it is published. Only the 考核组 changes rules, scores
/// and stages; only the assessed unit's own 经办人 or 领导 self-assess.
struct AssessmentController {
    static let writers: [Role] = [.assessor]
    static let selfAssessors: [Role] = [.clerk, .leader]

    func boot(routes: any RoutesBuilder) {
        routes.get(.assessments, use: list)
        routes.post(.assessments, use: create)
        routes.get(.assessment, use: show)
        routes.post(.assessmentStage, use: stage)
        routes.get(.assessmentRules, use: rulesPage)
        routes.post(.assessmentRules, upTo: "1mb", use: saveRules)
        routes.get(.assessmentExport, use: export)
        routes.get(.assessmentSheet, use: sheet)
        routes.post(.assessmentSelf, upTo: "60mb", use: selfAssess)
        routes.post(.assessmentReview, use: review)
        routes.get(.assessmentEvidence, use: evidence)
    }

    struct Crumb: Encodable {
        var title: String
        var href: String
    }

    struct PageContent: Encodable {
        var crumbs: [Crumb]
        var title: String
        var actions: HTML
        var errors: [String]
        var body: HTML
    }

    /// What the viewer may do with one assessment.
    struct Access {
        let assessment: Assessment
        let assessing: OrgUnit
        let rules: AssessmentRules
        let units: [OrgUnit]
        /// The assessed unit the viewer belongs to; nil for a viewer above the assessed units.
        let own: OrgUnit?
        let principal: Principal
        let metrics: MetricCatalogue

        var isFull: Bool { own == nil }
        var canManage: Bool { isFull && principal.hasAny(AssessmentController.writers) }
        var seesRanking: Bool { isFull || assessment.stage == .published || assessment.stage == .frozen }

        func mayRead(_ unit: OrgUnit) -> Bool { isFull || own?.id == unit.id }

        func maySelfAssess(_ unit: OrgUnit, today: LocalDate) -> Bool {
            own?.id == unit.id && principal.hasAny(AssessmentController.selfAssessors) && assessment.stage == .open
                && today <= (LocalDate.parse(assessment.selfDeadline) ?? today)
        }
    }

    static func book(_ req: Request, db: (any Database)? = nil) -> AssessmentBook {
        AssessmentBook(db: db ?? req.db, kinds: req.lvze.catalogue.catalogue, metrics: req.lvze.catalogue.metrics)
    }

    /// The assessment of the path's `:id` and what the viewer may do with it; 404 for one out of reach.
    static func access(_ req: Request) async throws -> Access {
        _ = try req.requirePrincipal()
        guard let id = req.parameters.get("id", as: Int.self) else { throw Abort(.notFound, reason: "考核不存在或您无权查看") }
        return try await access(req, assessmentID: id)
    }

    static func access(_ req: Request, assessmentID id: Int) async throws -> Access {
        let p = try req.requirePrincipal()
        guard p.isBusinessUser, let a = try await Assessment.find(id, on: req.db),
              let assessing = try await OrgUnit.find(a.$unit.id, on: req.db) else {
            throw Abort(.notFound, reason: "考核不存在或您无权查看")
        }
        let book = book(req)
        let rules: AssessmentRules
        do {
            rules = try book.rules(a)
        } catch let error as CatalogueError {
            throw Abort(.internalServerError, reason: "这次考核的考评细则已不能读取：\(error.description)")
        }
        let units = try await book.units(a)
        if p.scope.contains(assessing.unitPath) {
            return Access(assessment: a, assessing: assessing, rules: rules, units: units, own: nil, principal: p, metrics: book.metrics)
        }
        guard let own = units.first(where: { $0.unitPath.contains(p.scope) }) else {
            throw Abort(.notFound, reason: "考核不存在或您无权查看")
        }
        return Access(assessment: a, assessing: assessing, rules: rules, units: units, own: own, principal: p, metrics: book.metrics)
    }

    static func csrf(_ req: Request) -> HTML {
        "<input type=\"hidden\" name=\"_csrf\" value=\"\(req.principal?.session?.csrfToken ?? "")\">"
    }

    static func score(_ d: Decimal?) -> String {
        d.map(AssessmentScorer.number) ?? "—"
    }

    // MARK: - The list

    func list(req: Request) async throws -> Response {
        let p = try req.requirePrincipal()
        guard p.isBusinessUser else { throw Abort(.forbidden, reason: "此功能仅限业务用户使用") }
        // Assessments run by a unit in the viewer's scope, or by one above the viewer's unit.
        let all = try await Assessment.query(on: req.db).join(OrgUnit.self, on: \Assessment.$unit.$id == \OrgUnit.$id)
            .group(.or) { g in
                g.filter(OrgUnit.self, \.$id ~~ p.unit.unitPath.ids)
                g.group(.and) { $0.filter(OrgUnit.self, \.$path >= p.scope.value).filter(OrgUnit.self, \.$path < p.scope.subtreeUpperBound) }
            }
            .sort(\.$year, .descending).sort(\.$system).sort(\.$id).all()
        var rows = HTML.empty
        for a in all {
            let unit = try a.joined(OrgUnit.self)
            // The 等次 distribution of a published assessment, as the 公示 fixed it.
            var distribution: HTML = "<span class=\"muted\">公示后显示</span>"
            if let kept = AssessmentBook.decode(a.results) {
                distribution = HTML(trusted: "")
                for g in AssessmentGrade.allCases {
                    distribution += "\(g.rawValue)\(kept.rows.filter { $0.grade == g }.count) "
                }
            }
            rows += """
                <tr><td>\(a.year)</td><td><a href="\(Endpoint.assessment.url(a.id!))">\(a.title)</a></td>\
                <td>\(a.ledgerSystem.label)</td><td>\(unit.name)</td><td>\(a.assessedUnits.label)</td>\
                <td><span class="tag\(a.stage == .open ? " warn" : a.stage == .frozen ? " ok" : "")">\(a.stage.label)</span></td>\
                <td>\(a.selfDeadline)</td><td class="small">\(distribution)</td></tr>
                """
        }
        if all.isEmpty { rows = "<tr><td colspan=\"8\" class=\"empty\">尚无考核。</td></tr>" }
        var body: HTML = """
            <p class="hint">考核按考评细则给下级单位打分：按台账计分的指标由系统从各单位的记录算出，可点开查看依据的记录；\
            自评指标由被考核单位自评并上传佐证材料，考核组评审定分；加分、扣分和一票否决按细则执行。</p>
            <table class="data"><thead><tr><th>年度</th><th>考核</th><th>责任体系</th><th>考核单位</th><th>考核对象</th><th>状态</th>\
            <th>自评截止</th><th>等次分布</th></tr></thead><tbody>\(rows)</tbody></table>
            """
        if p.hasAny(Self.writers) { body += try openForm(req, p) }
        return try await req.render("assessments/page", title: "考核",
                                    PageContent(crumbs: [], title: "年度考核",
                                                actions: "<a class=\"button\" href=\"\(Endpoint.reviewSessions.url())\">述职评议</a>", errors: [], body: body),
                                    section: Endpoint.assessments.url().path)
    }

    /// The 考核组's form to open a year's assessment from one of the shipped 考评细则.
    private func openForm(_ req: Request, _ p: Principal) throws -> HTML {
        let shipped = (try? AssessmentDefaults.load(metrics: req.lvze.catalogue.metrics)) ?? []
        let options = HTML.each(shipped.enumerated()) { i, r in "<option value=\"\(i)\">\(r.title)</option>" }
        let today = LocalDate(req.now)
        let deadline = today.adding(days: 30).description
        // The year's assessment is run from December to the spring after.
        let years = HTML.each([today.year - 1, today.year]) { y in
            "<option value=\"\(y)\"\(y == ReportController.defaultYear(today: today) ? " selected" : "")>\(y)年度</option>"
        }
        return """
            <div class="card narrow"><h2>开展考核</h2>
            <form method="post" action="\(Endpoint.assessments.url())">\(Self.csrf(req))
            <label>考核年度<select name="year">\(years)</select></label>
            <label>考评细则<select name="rules">\(options)</select></label>
            <label>自评截止日期<input type="date" name="deadline" value="\(deadline)" required></label>
            <p class="hint">考核由\(p.unit.name)组织，对象为其下属的镇（街道）或部门。细则中的年度按所选年度改写；开展后可在「考评细则」页修改细则，被考核单位会收到通知。</p>
            <button type="submit">开展考核</button></form></div>
            """
    }

    func create(req: Request) async throws -> Response {
        let p = try req.require(Self.writers)
        let shipped = AssessmentDefaults.files
        let index = (try? req.content.get(Int.self, at: "rules")) ?? -1
        let deadlineText = (req.formText("deadline") ?? "").trimmingCharacters(in: .whitespaces)
        guard shipped.indices.contains(index) else {
            return req.redirect(to: Endpoint.assessments.url(), flash: "!请选择考评细则")
        }
        guard let deadline = LocalDate.parse(deadlineText) else {
            return req.redirect(to: Endpoint.assessments.url(), flash: "!«自评截止日期»：「\(deadlineText)」不是有效日期，应形如2026-01-15")
        }
        guard deadline >= LocalDate(req.now) else {
            return req.redirect(to: Endpoint.assessments.url(), flash: "!«自评截止日期»：\(deadline.chinese)已过，请选择今天或以后的日期")
        }
        let thisYear = LocalDate(req.now).year
        let year = (try? req.content.get(Int.self, at: "year")) ?? ReportController.defaultYear(today: LocalDate(req.now))
        guard (thisYear - 1)...thisYear ~= year else {
            return req.redirect(to: Endpoint.assessments.url(), flash: "!«考核年度»：只能开展\(thisYear - 1)或\(thisYear)年度的考核")
        }
        let (rules, yaml) = try AssessmentDefaults.copy(index, year: year, metrics: req.lvze.catalogue.metrics)
        if try await Assessment.query(on: req.db).filter(\.$unit.$id == p.unit.id!).filter(\.$year == rules.year)
            .filter(\.$system == rules.system.rawValue).filter(\.$assessed == rules.assessed.rawValue).first() != nil {
            return req.redirect(to: Endpoint.assessments.url(),
                                flash: "!\(p.unit.name)已开展\(rules.year)年度\(rules.system.label)（\(rules.assessed.label)）考核，不能重复开展")
        }
        let a = Assessment()
        a.$unit.id = p.unit.id!
        a.year = rules.year
        a.system = rules.system.rawValue
        a.assessed = rules.assessed.rawValue
        a.title = AssessmentDefaults.name(rules.title)
        a.rules = yaml
        a.state = AssessmentState.open.rawValue
        a.selfDeadline = deadline.description
        a.createdBy = p.userID
        a.createdAt = req.now
        try await req.db.transaction { tx in
            try await a.create(on: tx)
            try await req.audit(.create, "assessment", String(a.id!), "开展考核「\(a.title)」，自评截止\(deadline.chinese)",
                                after: ["year": String(a.year), "system": a.system, "assessed": a.assessed, "deadline": a.selfDeadline], on: tx)
        }
        let units = try await Self.book(req).units(a)
        try await AssessmentNotices.opened(a, units: units, sender: p.user.displayName, req: req)
        return req.redirect(to: Endpoint.assessment.url(a.id!), flash: "已开展考核，\(units.count)个单位可以自评")
    }

    // MARK: - One assessment

    func show(req: Request) async throws -> Response {
        let access = try await Self.access(req)
        let a = access.assessment
        if !access.isFull, !access.seesRanking, let own = access.own {
            return req.redirect(to: Endpoint.assessmentSheet.url(a.id!, own.code))
        }
        let results = try await Self.results(req, access)
        var body = summary(access, results: results)
        body += ranking(access, results: results, last: try await Self.lastYear(a, on: req.reader))
        if access.canManage { body += stageForms(req, access, results: results) }
        var actions: HTML = """
            <a class="button" href="\(Endpoint.assessmentRules.url(a.id!))">考评细则</a>
            """
        if access.isFull {
            actions += """
                <a class="button" href="\(Endpoint.assessmentExport.url(a.id!, query: [("format", "xlsx")]))">导出Excel</a>\
                <a class="button" href="\(Endpoint.assessmentExport.url(a.id!, query: [("format", "docx")]))">导出Word</a>
                """
        }
        return try await req.render("assessments/page", title: a.title,
                                    PageContent(crumbs: [], title: a.title, actions: actions, errors: [], body: body),
                                    section: Endpoint.assessments.url().path)
    }

    private func summary(_ access: Access, results: AssessmentResults) -> HTML {
        let a = access.assessment
        let grades = Dictionary(grouping: results.rows, by: \.grade)
        let distribution = HTML.each(AssessmentGrade.allCases) { g in
            "<div class=\"figure\"><span class=\"value\">\(grades[g]?.count ?? 0)</span><span class=\"label\">等次「\(g.rawValue)」</span></div>"
        }
        var state: HTML = "<span class=\"state\">\(a.stage.label)</span> "
        switch a.stage {
        case .open: state += "被考核单位自评截止于\(LocalDate.parse(a.selfDeadline)?.chinese ?? a.selfDeadline)；按台账计分的指标随记录实时计算。"
        case .review: state += "自评已截止，考核组评审中；按台账计分的指标随记录实时计算。"
        case .published: state += "得分和所依据的记录已于\(ISOTime.local(a.publishedAt ?? Date()))公示时固定。"
        case .frozen: state += "\(ISOTime.local(a.frozenAt ?? Date()))定档；得分和所依据的记录已于公示时固定，不再改变。"
        }
        var out: HTML = """
            <p>\(state)</p><p class="muted">\(access.assessing.name)组织 · \(a.year)年度 · \(a.ledgerSystem.label) · \
            考核对象：\(a.assessedUnits.label)\(results.rows.count)个 · 满分\(Self.score(access.rules.totalPoints))分</p>
            """
        if let hash = a.sha256 {
            let intact = AssessmentBook.hash(a, unitCode: access.assessing.code) == hash
            out += "<p class=\"small\">固定结果的校验值 SHA-256：<code>\(hash)</code> \(intact ? "<span class=\"tag ok\">核对一致</span>" as HTML : "<span class=\"tag warn\">与保存的结果不一致</span>")</p>"
        }
        if access.seesRanking { out += "<div class=\"figures\">\(distribution)</div>" }
        return out
    }

    /// Why a unit has its grade, naming the vetoes that held even when its band was as low.
    static func gradeNote(_ note: String, vetoed: String) -> String {
        guard !vetoed.isEmpty else { return note }
        if note.hasPrefix("一票否决") { return "\(note)（\(vetoed)）" }
        return ([note, "触发一票否决：\(vetoed)"].filter { !$0.isEmpty }).joined(separator: "；")
    }

    /// The published results, or the live ones: scoring every unit reads each metric for each
    /// of them (8 s for the 15 towns of the large demo, a million records, release build), so a live result is
    /// computed once per data version and shared, like a dashboard — it is the same for every
    /// viewer, and each page shows of it only what its viewer may see.
    static func results(_ req: Request, _ access: Access) async throws -> AssessmentResults {
        let a = access.assessment
        if let kept = AssessmentBook.decode(a.results) { return kept }
        let key = "assessment|\(a.id!)|\(Secrets.sha256(a.rules))"
        let cache = req.lvze.dashboards
        let version = req.lvze.dataVersion.current
        if let (json, _) = cache.get(key, version: version, now: req.now), let hit = AssessmentBook.decode(json) { return hit }
        let rules = access.rules, now = req.now
        let book = Self.book(req, db: req.cacheReader)
        let (json, _) = try await cache.computeOnce("\(key)|\(version)") {
            let json = AssessmentBook.encode(try await book.compute(a, rules: rules, recordIDs: false, at: now))
            cache.put(key, html: json, version: version, at: now)
            return (json, now)
        }
        guard let results = AssessmentBook.decode(json) else { throw Abort(.internalServerError, reason: "考核结果未能计算") }
        return results
    }

    /// Each unit's published result of the same assessment a year before, by unit id.
    static func lastYear(_ a: Assessment, on db: any Database) async throws -> [Int: AssessmentResults.Row] {
        let before = try await Assessment.query(on: db).filter(\.$unit.$id == a.$unit.id).filter(\.$year == a.year - 1)
            .filter(\.$system == a.system).filter(\.$assessed == a.assessed).first()
        let rows = AssessmentBook.decode(before?.results)?.rows ?? []
        return Dictionary(rows.map { ($0.unitID, $0) }, uniquingKeysWith: { first, _ in first })
    }

    private func ranking(_ access: Access, results: AssessmentResults, last: [Int: AssessmentResults.Row]) -> HTML {
        let a = access.assessment
        guard access.seesRanking else { return .empty }
        let rows = HTML.each(results.rows) { r in
            let pending = r.sheet.pending.count
            let vetoed = r.sheet.vetoes.filter { $0.score == 1 }.map(\.name).joined(separator: "、")
            let name: HTML = access.isFull || access.own?.id == r.unitID
                ? "<a href=\"\(Endpoint.assessmentSheet.url(a.id!, r.code))\">\(r.name)</a>" : "\(r.name)"
            return """
                <tr><td class="num">\(r.rank)</td><td>\(name)</td><td class="num">\(Self.score(r.sheet.base))</td>\
                <td class="num">\(Self.score(r.sheet.bonus))</td><td class="num">\(Self.score(r.sheet.penalty))</td>\
                <td class="num"><strong>\(Self.score(r.sheet.total))</strong></td><td>\(r.grade.rawValue)</td>\
                <td class="num">\(last[r.unitID].map { "\(Self.score($0.sheet.total))（\($0.grade.rawValue)，第\($0.rank)名）" } ?? "—")</td>\
                <td>\(Self.gradeNote(r.gradeNote, vetoed: vetoed))\(pending > 0 ? "<span class=\"tag warn\">\(pending)项待评审</span>" as HTML : .empty)</td></tr>
                """
        }
        return """
            <h2>排名</h2><table class="data"><thead><tr><th class="num">名次</th><th>单位</th><th class="num">基本分</th>\
            <th class="num">加分</th><th class="num">扣分</th><th class="num">总分</th><th>等次</th><th class="num">上年</th><th>说明</th></tr></thead>\
            <tbody>\(results.rows.isEmpty ? "<tr><td colspan=\"9\" class=\"empty\">没有被考核单位。</td></tr>" as HTML : rows)</tbody></table>
            """
    }

    private func stageForms(_ req: Request, _ access: Access, results: AssessmentResults) -> HTML {
        let a = access.assessment
        func button(_ action: String, _ label: String, _ confirm: String) -> HTML {
            """
            <form method="post" action="\(Endpoint.assessmentStage.url(a.id!))" class="inline" data-confirm="\(confirm)">\(Self.csrf(req))\
            <input type="hidden" name="action" value="\(action)"><button type="submit">\(label)</button></form>
            """
        }
        var out: HTML = "<div class=\"card\"><h2>考核组操作</h2><div class=\"actions\">"
        switch a.stage {
        case .open:
            out += button("close", "截止自评，进入评审", "截止后被考核单位不能再修改自评，确定？")
        case .review:
            out += button("reopen", "重新开放自评", "被考核单位可以再次修改自评，确定？")
            out += button("publish", "计算结果并公示", "公示时固定全部得分和所依据的记录，确定？")
        case .published:
            out += button("withdraw", "撤回公示，重新评审", "撤回后得分恢复为实时计算，确定？")
            out += button("freeze", "定档", "定档后这次考核不能再作任何修改，确定？")
        case .frozen:
            out += "<span class=\"muted\">已定档，不能再修改。</span>"
        }
        out += "</div>"
        let pending = results.pending
        if a.stage.isEditable, !pending.isEmpty {
            out += "<p class=\"hint\">公示前须评完全部自评指标，尚有\(pending.count)项：\(pending.prefix(6).map { "\($0.unit)「\($0.line)」" }.joined(separator: "、"))\(pending.count > 6 ? "等" : "")。</p>"
        }
        return out + "</div>"
    }

    // MARK: - Stages

    func stage(req: Request) async throws -> Response {
        let access = try await Self.access(req)
        guard access.canManage else { throw Abort(.forbidden, reason: "此功能仅限考核组使用") }
        let a = access.assessment
        let action = req.formText("action") ?? ""
        let back = Endpoint.assessment.url(a.id!)
        let from = a.stage
        let message: String
        switch (from, action) {
        case (.open, "close"):
            a.state = AssessmentState.review.rawValue
            message = "自评已截止，进入评审"
        case (.review, "reopen"):
            a.state = AssessmentState.open.rawValue
            if let d = LocalDate.parse(a.selfDeadline), d < LocalDate(req.now) { a.selfDeadline = LocalDate(req.now).adding(days: 7).description }
            message = "已重新开放自评，截止于\(LocalDate.parse(a.selfDeadline)?.chinese ?? a.selfDeadline)"
        case (.review, "publish"):
            let results = try await Self.book(req).compute(a, rules: access.rules, recordIDs: true, at: req.now)
            let pending = results.pending
            guard pending.isEmpty else {
                return req.redirect(to: back, flash: "!还有\(pending.count)项待评审，不能公示：\(pending.prefix(3).map { "\($0.unit)「\($0.line)」" }.joined(separator: "、"))")
            }
            a.results = AssessmentBook.encode(results)
            a.publishedAt = req.now
            a.publishedBy = access.principal.userID
            a.state = AssessmentState.published.rawValue
            a.sha256 = AssessmentBook.hash(a, unitCode: access.assessing.code)
            message = "已计算结果并公示，得分和所依据的记录已固定"
        case (.published, "withdraw"):
            a.results = nil
            a.sha256 = nil
            a.publishedAt = nil
            a.publishedBy = nil
            a.state = AssessmentState.review.rawValue
            message = "已撤回公示，恢复评审"
        case (.published, "freeze"):
            a.frozenAt = req.now
            a.frozenBy = access.principal.userID
            a.state = AssessmentState.frozen.rawValue
            message = "已定档"
        default:
            return req.redirect(to: back, flash: "!这次考核\(from.label)，不能执行这一操作")
        }
        let to = a.stage
        try await req.db.transaction { tx in
            // The stage is checked again in the write, so two clicks cannot both move it.
            let moved = try await tx.sql.raw("""
                UPDATE assessments SET state = \(bind: a.state), self_deadline = \(bind: a.selfDeadline), results = \(bind: a.results), \
                sha256 = \(bind: a.sha256), published_at = \(bind: a.publishedAt), published_by = \(bind: a.publishedBy), \
                frozen_at = \(bind: a.frozenAt), frozen_by = \(bind: a.frozenBy) \
                WHERE id = \(bind: a.id!) AND state = \(bind: from.rawValue) RETURNING id
                """).all()
            guard !moved.isEmpty else { throw Abort(.conflict, reason: "这次考核的状态刚被他人改变，请刷新后再试") }
            try await req.audit(.workflow, "assessment", String(a.id!), "考核「\(a.title)」：\(from.label)→\(to.label)",
                                before: ["state": from.rawValue], after: ["state": to.rawValue, "sha256": a.sha256 ?? ""], on: tx)
        }
        if to == .published {
            try await AssessmentNotices.published(a, units: access.units, sender: access.principal.user.displayName, req: req)
        }
        return req.redirect(to: back, flash: message)
    }

    // MARK: - Rules

    func rulesPage(req: Request) async throws -> Response {
        let access = try await Self.access(req)
        return try await renderRules(req, access, text: access.assessment.rules, errors: [])
    }

    private func renderRules(_ req: Request, _ access: Access, text: String, errors: [String], status: HTTPStatus = .ok) async throws -> Response {
        let a = access.assessment
        let editable = access.canManage && a.stage.isEditable
        var body = rulesTable(access.rules)
        if editable {
            body += """
                <div class="card"><h2>修改考评细则</h2><p class="hint">YAML格式，与内置细则相同；年度、责任体系和考核对象不能修改。\
                保存前逐项检查，有误时指出行号，原细则不变。</p>
                <form method="post" action="\(Endpoint.assessmentRules.url(a.id!))">\(Self.csrf(req))\
                <textarea name="rules" rows="30" class="code" spellcheck="false">\(text)</textarea>
                <button type="submit">保存</button></form></div>
                """
        } else {
            body += "<details><summary>细则原文（YAML）</summary><pre class=\"code\">\(a.rules)</pre></details>"
        }
        return try await req.render("assessments/page", title: "考评细则", PageContent(
            crumbs: [Crumb(title: a.title, href: Endpoint.assessment.url(a.id!).path)], title: "考评细则：\(access.rules.title)",
            actions: .empty, errors: errors, body: body), status: status, section: Endpoint.assessments.url().path)
    }

    /// The 细则 as a score sheet prints it: indicators, points, standard and how each is scored.
    private func rulesTable(_ rules: AssessmentRules) -> HTML {
        var rows = HTML.empty
        for top in rules.indicators {
            rows += "<tr><td colspan=\"4\"><strong>\(top.name)（\(Self.score(top.points))分）</strong></td></tr>"
            for leaf in top.leaves {
                rows += "<tr><td>\(leaf.name)</td><td class=\"num\">\(Self.score(leaf.points))</td><td>\(leaf.standard)</td><td>\(Self.method(leaf))</td></tr>"
            }
        }
        for adj in rules.adjustments {
            rows += "<tr><td>\(adj.direction.label)：\(adj.name)</td><td class=\"num\">≤\(Self.score(adj.max))</td><td>\(adj.metric.map { "每个\(adj.direction.label)\(Self.score(adj.per))分，按指标 \($0)" } ?? "考核组认定，说明理由")</td><td>\(AssessmentMethod.bonus.label)</td></tr>"
        }
        for veto in rules.vetoes {
            rows += "<tr><td>一票否决：\(veto.name)</td><td class=\"num\">—</td><td>\(veto.metric) \(veto.comparison.rawValue) \(Self.score(veto.threshold))时，等次不高于「\(veto.grade.rawValue)」</td><td>\(AssessmentMethod.veto.label)</td></tr>"
        }
        let bands = rules.grading.bands.map { "\($0.grade.rawValue)≥\(Self.score($0.minimum))分" }.joined(separator: "，")
        let quotas = rules.grading.quotas.sorted { $0.key < $1.key }.map { "\($0.key.rawValue)不超过\(Self.score($0.value))%" }.joined(separator: "，")
        return """
            <table class="data"><thead><tr><th>指标</th><th class="num">分值</th><th>评分标准</th><th>计分方式</th></tr></thead>\
            <tbody>\(rows)</tbody></table>
            <p>等次：\(bands)，其余为差\(quotas.isEmpty ? "" : "；名额：\(quotas)")。</p>
            """
    }

    static func method(_ leaf: AssessmentIndicator) -> String {
        switch leaf.scoring {
        case .records(let f): return "\(AssessmentMethod.records.label)（\(f.metric)）"
        case .review(let evidence): return AssessmentMethod.review.label + (evidence ? "，须上传佐证材料" : "")
        case nil: return AssessmentMethod.review.label
        }
    }

    func saveRules(req: Request) async throws -> Response {
        let access = try await Self.access(req)
        guard access.canManage else { throw Abort(.forbidden, reason: "此功能仅限考核组使用") }
        let a = access.assessment
        guard a.stage.isEditable else { return req.redirect(to: Endpoint.assessmentRules.url(a.id!), flash: "!考核已\(a.stage.label)，细则不能再修改") }
        let text = (req.formText("rules") ?? "").replacingOccurrences(of: "\r\n", with: "\n")
        let rules: AssessmentRules
        do {
            rules = try AssessmentRulesLoader.load(yaml: text, file: "考评细则", metrics: req.lvze.catalogue.metrics)
        } catch let error as CatalogueError {
            return try await renderRules(req, access, text: text, errors: [error.description], status: .unprocessableEntity)
        }
        var errors: [String] = []
        if rules.year != a.year { errors.append("year（年度）应为\(a.year)，不能改为\(rules.year)") }
        if rules.system.rawValue != a.system { errors.append("system（责任体系）应为\(a.ledgerSystem.label)，不能修改") }
        if rules.assessed.rawValue != a.assessed { errors.append("assessed（考核对象）应为\(a.assessedUnits.label)，不能修改") }
        guard errors.isEmpty else { return try await renderRules(req, access, text: text, errors: errors, status: .unprocessableEntity) }
        let before = a.rules
        a.rules = text
        a.title = AssessmentDefaults.name(rules.title)
        try await req.db.transaction { tx in
            try await a.update(on: tx)
            try await req.audit(.update, "assessment", String(a.id!), "修改考核「\(a.title)」的考评细则",
                                before: ["rules": before], after: ["rules": text], on: tx)
        }
        return req.redirect(to: Endpoint.assessmentRules.url(a.id!), flash: "考评细则已保存")
    }
}

extension AssessmentController {
    /// The results as XLSX, DOCX or JSON, for those who see every sheet.
    func export(req: Request) async throws -> Response {
        let access = try await Self.access(req)
        guard access.isFull else { throw Abort(.forbidden, reason: "只有考核单位的用户可以导出全部得分") }
        let raw = (try? req.query.get(String.self, at: "format")) ?? "xlsx"
        guard let format = AssessmentExport.Format(rawValue: raw) else {
            throw Abort(.badRequest, reason: "«格式»：「\(raw.prefix(20))」不可用，应为xlsx、docx或json")
        }
        let a = access.assessment
        let source = try await AssessmentExport.source(a, assessing: access.assessing, rules: access.rules, book: Self.book(req, db: req.reader),
                                                       at: req.now)
        let data = try await req.application.threadPool.runIfActive { try AssessmentExport.file(source, format: format) }
        try await req.audit(.export, "assessment", String(a.id!), "导出考核「\(a.title)」的结果（\(format.rawValue)）")
        let response = Response(status: .ok, body: .init(data: data))
        response.headers.replaceOrAdd(name: .contentType, value: format.contentType)
        response.headers.replaceOrAdd(name: .contentDisposition, value: contentDisposition(AssessmentExport.fileName(source, format: format)))
        return response
    }
}
