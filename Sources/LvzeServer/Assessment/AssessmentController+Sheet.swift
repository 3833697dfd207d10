import Fluent
import Foundation
import LvzeCore
import SQLKit
import Vapor

/// A unit's score sheet: every line with its score and how it follows, the records behind the
/// computed ones a click away; the unit's self-assessment with its evidence; the group's review.
extension AssessmentController {
    /// An entry being typed that failed its checks, shown again with the errors.
    struct Draft {
        var indicator: String
        var score: String
        var text: String
    }

    func sheet(req: Request) async throws -> Response {
        let access = try await Self.access(req)
        return try await renderSheet(req, access, unit: try Self.assessedUnit(req, access), errors: [], draft: nil)
    }

    /// The `:code` unit of the path, if the viewer may read its sheet.
    static func assessedUnit(_ req: Request, _ access: Access) throws -> OrgUnit {
        let code = req.parameters.get("code") ?? ""
        guard let unit = access.units.first(where: { $0.code == code }), access.mayRead(unit) else {
            throw Abort(.notFound, reason: "这次考核没有代码为「\(code)」的被考核单位，或您无权查看")
        }
        return unit
    }

    func renderSheet(_ req: Request, _ access: Access, unit: OrgUnit, errors: [String], draft: Draft?,
                     status: HTTPStatus = .ok) async throws -> Response {
        let a = access.assessment
        let book = Self.book(req, db: req.reader)
        let entries = try await book.entries(a, unitID: unit.id!)[unit.id!] ?? [:]
        let kept = AssessmentBook.decode(a.results)?.rows.first { $0.unitID == unit.id }
        let sheet: AssessmentSheet
        if let kept { sheet = kept.sheet } else { sheet = try await book.sheet(a, rules: access.rules, unit: unit, entries: entries).0 }
        let evidence = try await Self.evidence(entries.values.compactMap(\.id), on: req.reader)
        let today = LocalDate(req.now)

        var body = sheetSummary(access, unit: unit, sheet: sheet, kept: kept, last: try await Self.lastYear(a, on: req.reader)[unit.id!])
        body += lineTable(access, unit: unit, sheet: sheet, entries: entries, evidence: evidence, kept: kept)
        if access.maySelfAssess(unit, today: today) {
            body += selfForms(req, access, unit: unit, entries: entries, evidence: evidence, draft: draft)
        } else if access.own?.id == unit.id, a.stage == .open {
            body += "<p class=\"hint\">自评已于\(LocalDate.parse(a.selfDeadline)?.chinese ?? a.selfDeadline)截止。</p>"
        }
        if access.canManage, a.stage.isEditable {
            body += reviewForms(req, access, unit: unit, sheet: sheet, entries: entries, draft: draft)
        }
        let crumbs = access.isFull || access.seesRanking ? [Crumb(title: a.title, href: Endpoint.assessment.url(a.id!).path)] : []
        return try await req.render("assessments/page", title: "\(unit.name)评分表", PageContent(
            crumbs: crumbs, title: "\(unit.name)：\(a.year)年度\(a.ledgerSystem.label)考核评分表",
            actions: "<a class=\"button\" href=\"\(Endpoint.assessmentRules.url(a.id!))\">考评细则</a>", errors: errors, body: body),
            status: status, section: Endpoint.assessments.url().path)
    }

    static func evidence(_ entryIDs: [Int], on db: any Database) async throws -> [Int: [AssessmentEvidence]] {
        guard !entryIDs.isEmpty else { return [:] }
        return Dictionary(grouping: try await AssessmentEvidence.query(on: db).filter(\.$entryID ~~ entryIDs).sort(\.$id).all(), by: \.entryID)
    }

    private func sheetSummary(_ access: Access, unit: OrgUnit, sheet: AssessmentSheet, kept: AssessmentResults.Row?,
                              last: AssessmentResults.Row?) -> HTML {
        let a = access.assessment
        let grade = kept.map { "\($0.grade.rawValue)" } ?? "\(Swift.max(access.rules.grading.grade(for: sheet.total), sheet.cap ?? .good).rawValue)（按分数段，未排名）"
        var figures: HTML = """
            <div class="figure"><span class="value">\(Self.score(sheet.total))</span><span class="label">总分（满分\(Self.score(access.rules.totalPoints))）</span></div>\
            <div class="figure"><span class="value">\(Self.score(sheet.base))</span><span class="label">基本分</span></div>\
            <div class="figure"><span class="value">\(Self.score(sheet.bonus))</span><span class="label">加分</span></div>\
            <div class="figure"><span class="value">\(Self.score(sheet.penalty))</span><span class="label">扣分</span></div>\
            <div class="figure"><span class="value">\(grade)</span><span class="label">等次</span></div>
            """
        if let kept, access.seesRanking {
            figures += "<div class=\"figure\"><span class=\"value\">\(kept.rank)</span><span class=\"label\">名次</span></div>"
        }
        if let last {
            figures += "<div class=\"figure\"><span class=\"value\">\(Self.score(last.sheet.total))</span><span class=\"label\">上年总分（\(last.grade.rawValue)，第\(last.rank)名）</span></div>"
        }
        var out: HTML = "<p><span class=\"state\">\(a.stage.label)</span> \(kept == nil ? "按台账计分的指标随本单位及下级单位的记录实时计算。" : "得分已于公示时固定。")</p>"
        out += "<div class=\"figures\">\(figures)</div>"
        let held = sheet.vetoes.filter { $0.score == 1 }
        if !held.isEmpty {
            out += "<div class=\"errors\" role=\"alert\"><p>一票否决：\(held.map { "\($0.name)（\($0.note)）" }.joined(separator: "；"))</p></div>"
        }
        if !sheet.pending.isEmpty {
            out += "<p class=\"hint\">尚有\(sheet.pending.count)项待考核组评分，总分暂按0分计入。</p>"
        }
        return out
    }

    private func lineTable(_ access: Access, unit: OrgUnit, sheet: AssessmentSheet, entries: [String: AssessmentEntry],
                           evidence: [Int: [AssessmentEvidence]], kept: AssessmentResults.Row?) -> HTML {
        let a = access.assessment
        let byID = Dictionary(uniqueKeysWithValues: sheet.lines.map { ($0.id, $0) })
        var rows = HTML.empty
        for top in access.rules.indicators {
            rows += "<tr><td colspan=\"7\"><strong>\(top.name)（\(Self.score(top.points))分）</strong></td></tr>"
            for leaf in top.leaves {
                guard let line = byID[leaf.id] else { continue }
                var basis = HTML.empty
                if let metric = line.metric {
                    let definition = access.ruleMetric(metric)
                    let shown = line.value?.number == nil ? "无数据"
                        : (line.value.flatMap { definition?.display($0) } ?? "") + (definition?.unit ?? "")
                    let href = Endpoint.reportDrill.url(query: [("metric", metric), ("unit", unit.code), ("year", String(a.year))])
                    basis = "<a href=\"\(href)\" title=\"查看所依据的记录\">\(shown)</a>"
                    if let ids = kept?.recordIDs[metric], line.value?.number != nil {
                        basis += "<br><span class=\"small muted\">公示时依据\(ids.count)条记录</span>"
                    }
                }
                var own = HTML.empty
                if let e = entries[leaf.id], let score = e.selfScore {
                    own = "自评\(score)分：\(e.selfNote)"
                    for file in evidence[e.id!] ?? [] {
                        own += "<br><a href=\"\(Endpoint.assessmentEvidence.url(file.id!))\">\(file.name)</a>"
                    }
                }
                rows += """
                    <tr id="line-\(leaf.id)"><td>\(leaf.name)</td><td class="num">\(Self.score(leaf.points))</td><td class="small">\(leaf.standard)</td>\
                    <td>\(line.method.label)\(basis.isEmpty ? .empty : "<br>" + basis)</td>\
                    <td class="num nowrap"><strong>\(line.score.map { Self.score($0) } ?? "待评")</strong></td><td>\(line.note)</td><td class="small">\(own)</td></tr>
                    """
            }
        }
        var out: HTML = """
            <table class="data"><thead><tr><th>指标</th><th class="num">分值</th><th>评分标准</th><th>计分方式和依据</th>\
            <th class="num">得分</th><th>说明</th><th>自评</th></tr></thead><tbody>\(rows)</tbody></table>
            """
        let extra = sheet.adjustments + sheet.vetoes
        if !extra.isEmpty {
            let lines = HTML.each(extra) { line in
                var basis = HTML.empty
                if let metric = line.metric {
                    let href = Endpoint.reportDrill.url(query: [("metric", metric), ("unit", unit.code), ("year", String(a.year))])
                    basis = " <a href=\"\(href)\">查看记录</a>"
                }
                let kind = line.method == .veto ? "一票否决" : (access.rules.adjustments.first { $0.id == line.id }?.direction.label ?? "")
                let shown: String = line.method == .veto ? (line.score == 1 ? "触发" : "未触发") : Self.score(line.score)
                return "<tr><td>\(kind)</td><td>\(line.name)</td><td class=\"num\">\(shown)</td><td>\(line.note)\(basis)</td></tr>"
            }
            out += """
                <h2>加分、扣分和一票否决</h2><table class="data"><thead><tr><th>类别</th><th>事项</th><th class="num">分数</th>\
                <th>说明</th></tr></thead><tbody>\(lines)</tbody></table>
                """
        }
        return out
    }

    private func selfForms(_ req: Request, _ access: Access, unit: OrgUnit, entries: [String: AssessmentEntry],
                           evidence: [Int: [AssessmentEvidence]], draft: Draft?) -> HTML {
        let a = access.assessment
        var out: HTML = "<h2>本单位自评</h2><p class=\"hint\">自评截止于\(LocalDate.parse(a.selfDeadline)?.chinese ?? a.selfDeadline)；截止前可反复修改。佐证材料接受PDF、图片、Office文档和ZIP压缩包。</p>"
        for leaf in access.rules.leaves {
            guard case .review(let required) = leaf.scoring else { continue }
            let e = entries[leaf.id]
            let typed = draft?.indicator == leaf.id ? draft : nil
            let files = e.flatMap { evidence[$0.id!] } ?? []
            out += """
                <form method="post" action="\(Endpoint.assessmentSelf.url(a.id!, unit.code))" enctype="multipart/form-data" class="card" id="self-\(leaf.id)">\
                \(Self.csrf(req))<input type="hidden" name="indicator" value="\(leaf.id)">
                <h3>\(leaf.name)（\(Self.score(leaf.points))分）</h3><p class="small muted">\(leaf.standard)</p>
                <div class="form-row"><label>自评得分<input name="score" inputmode="decimal" size="6" value="\(typed?.score ?? e?.selfScore ?? "")" required></label>\
                <label class="grow">自评说明<textarea name="note" rows="2" required>\(typed?.text ?? e?.selfNote ?? "")</textarea></label></div>
                <label>佐证材料\(required ? "（必须上传）" : "")<input type="file" name="files[]" multiple></label>\
                \(files.isEmpty ? .empty : "<p class=\"small\">已上传：\(files.map(\.name).joined(separator: "、"))</p>" as HTML)
                <button type="submit">保存自评</button></form>
                """
        }
        return out
    }

    private func reviewForms(_ req: Request, _ access: Access, unit: OrgUnit, sheet: AssessmentSheet,
                             entries: [String: AssessmentEntry], draft: Draft?) -> HTML {
        let a = access.assessment
        var items: [(id: String, name: String, max: Decimal, hint: String)] = []
        for leaf in access.rules.leaves {
            if case .review = leaf.scoring { items.append((leaf.id, leaf.name, leaf.points, leaf.standard)) }
        }
        for adj in access.rules.adjustments where adj.metric == nil {
            items.append((adj.id, "\(adj.direction.label)：\(adj.name)", adj.max, "考核组认定，最多\(Self.score(adj.max))分；不适用时填0"))
        }
        guard !items.isEmpty else { return .empty }
        var out: HTML = "<h2>考核组评审</h2>"
        for item in items {
            let e = entries[item.id]
            let typed = draft?.indicator == item.id ? draft : nil
            out += """
                <form method="post" action="\(Endpoint.assessmentReview.url(a.id!, unit.code))" class="card" id="review-\(item.id)">\(Self.csrf(req))\
                <input type="hidden" name="indicator" value="\(item.id)"><h3>\(item.name)（最高\(Self.score(item.max))分）</h3>\
                <p class="small muted">\(item.hint)\(e?.selfScore.map { "　单位自评\($0)分" } ?? "")</p>
                <div class="form-row"><label>评定得分<input name="score" inputmode="decimal" size="6" value="\(typed?.score ?? e?.reviewScore ?? "")" required></label>\
                <label class="grow">理由<textarea name="reason" rows="2" required>\(typed?.text ?? e?.reviewReason ?? "")</textarea></label>\
                <button type="submit">保存评分</button></div></form>
                """
        }
        return out
    }

    // MARK: - Writing entries

    /// A score as typed: a number from 0 to `max` with at most two decimals.
    static func parseScore(_ text: String, max: Decimal, field: String) -> (Decimal?, String?) {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard !t.isEmpty else { return (nil, "«\(field)»：请填写") }
        guard t.range(of: #"^\d{1,3}(\.\d{1,2})?$"#, options: .regularExpression) != nil, let d = Decimal(string: t) else {
            return (nil, "«\(field)»：「\(t.prefix(20))」不是分数，应为0到\(score(max))之间、至多两位小数的数")
        }
        guard d <= max else { return (nil, "«\(field)»：\(t)超过本项最高\(score(max))分") }
        return (d, nil)
    }

    /// The entry row for a unit and indicator, made if missing (two first saves at once make one).
    static func entry(_ a: Assessment, unit: OrgUnit, indicator: String, on db: any Database) async throws -> AssessmentEntry {
        try await db.sql.raw("""
            INSERT INTO assessment_entries (assessment_id, unit_id, indicator_id, self_note, review_reason) \
            VALUES (\(bind: a.id!), \(bind: unit.id!), \(bind: indicator), '', '') ON CONFLICT DO NOTHING
            """).run()
        guard let e = try await AssessmentEntry.query(on: db).filter(\.$assessmentID == a.id!).filter(\.$unitID == unit.id!)
            .filter(\.$indicatorID == indicator).first() else { throw Abort(.internalServerError, reason: "评分记录未能保存") }
        return e
    }

    /// The stage is read again inside the write's transaction: a save racing a 截止 or 公示 loses.
    static func stageNow(_ a: Assessment, on db: any Database) async throws -> AssessmentState {
        let row = try await db.sql.raw("SELECT state FROM assessments WHERE id = \(bind: a.id!)").first()
        return AssessmentState(rawValue: (try? row?.decode(column: "state", as: String.self)) ?? "") ?? .frozen
    }

    func selfAssess(req: Request) async throws -> Response {
        let access = try await Self.access(req)
        let unit = try Self.assessedUnit(req, access)
        let a = access.assessment
        let today = LocalDate(req.now)
        guard access.own?.id == unit.id, access.principal.hasAny(Self.selfAssessors) else {
            throw Abort(.forbidden, reason: "只有被考核单位的经办人或领导可以自评")
        }
        let back = Endpoint.assessmentSheet.url(a.id!, unit.code)
        guard access.maySelfAssess(unit, today: today) else {
            return req.redirect(to: back, flash: "!自评已截止（\(a.stage.label)），不能再修改")
        }
        let indicator = req.formText("indicator") ?? ""
        guard let leaf = access.rules.leaves.first(where: { $0.id == indicator }), case .review(let required) = leaf.scoring else {
            return req.redirect(to: back, flash: "!「\(indicator.prefix(40))」不是本细则中需要自评的指标")
        }
        let scoreText = req.formText("score") ?? ""
        let note = (req.formText("note") ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let uploads = req.formFiles("files").filter { $0.data.readableBytes > 0 }
        var errors: [String] = []
        let (score, scoreError) = Self.parseScore(scoreText, max: leaf.points, field: "自评得分")
        if let scoreError { errors.append(scoreError) }
        if note.isEmpty { errors.append("«自评说明»：请写明完成情况") }
        if note.count > 2000 { errors.append("«自评说明»：不超过2000字，现有\(note.count)字") }
        let existing = try await AssessmentEntry.query(on: req.db).filter(\.$assessmentID == a.id!).filter(\.$unitID == unit.id!)
            .filter(\.$indicatorID == leaf.id).first()
        var hadFiles = false
        if let existing { hadFiles = try await AssessmentEvidence.query(on: req.db).filter(\.$entryID == existing.id!).count() > 0 }
        if required, uploads.isEmpty, !hadFiles { errors.append("«佐证材料»：本项须上传佐证材料") }
        // Files are checked and stored (by hash, so a failed save leaves nothing tied to it) before the entry changes.
        var stored: [(name: String, accepted: AttachmentStore.Accepted)] = []
        if errors.isEmpty {
            let maxBytes = req.lvze.settings.int("attachments.max_mb") * 1_048_576
            for f in uploads {
                let name = String(f.filename.prefix(200))
                do {
                    stored.append((name, try req.lvze.attachments.store(Data(buffer: f.data), name: name, maxBytes: maxBytes)))
                } catch let abort as Abort {
                    errors.append("«佐证材料»：\(abort.reason)")
                }
            }
        }
        guard errors.isEmpty, let score else {
            return try await renderSheet(req, access, unit: unit, errors: errors,
                                         draft: Draft(indicator: leaf.id, score: scoreText, text: note), status: .unprocessableEntity)
        }
        let p = access.principal
        let files = stored
        try await req.db.transaction { tx in
            guard try await Self.stageNow(a, on: tx) == .open else { throw Abort(.conflict, reason: "自评刚被截止，未保存") }
            let e = try await Self.entry(a, unit: unit, indicator: leaf.id, on: tx)
            let before = ["score": e.selfScore ?? "", "note": e.selfNote]
            e.selfScore = Self.score(score)
            e.selfNote = note
            e.selfBy = p.userID
            e.selfAt = req.now
            try await e.update(on: tx)
            for s in files {
                let file = AssessmentEvidence()
                file.entryID = e.id!
                file.sha256 = s.accepted.sha256
                file.name = s.name
                file.size = s.accepted.size
                file.mime = s.accepted.mime
                file.uploadedBy = p.userID
                file.uploadedAt = req.now
                try await file.create(on: tx)
            }
            try await req.audit(.update, "assessment_entry", String(e.id!), "\(unit.name)自评「\(leaf.name)」\(Self.score(score))分"
                                + (files.isEmpty ? "" : "，上传佐证材料\(files.count)个"),
                                before: before, after: ["score": Self.score(score), "note": note, "files": files.map(\.name).joined(separator: "、")], on: tx)
        }
        return req.redirect(to: back.path + "#line-\(leaf.id)", flash: "已保存「\(leaf.name)」的自评")
    }

    func review(req: Request) async throws -> Response {
        let access = try await Self.access(req)
        guard access.canManage else { throw Abort(.forbidden, reason: "此功能仅限考核组使用") }
        let unit = try Self.assessedUnit(req, access)
        let a = access.assessment
        let back = Endpoint.assessmentSheet.url(a.id!, unit.code)
        guard a.stage.isEditable else { return req.redirect(to: back, flash: "!考核已\(a.stage.label)，评分不能再修改") }
        let indicator = req.formText("indicator") ?? ""
        let item: (name: String, max: Decimal)?
        if let leaf = access.rules.leaves.first(where: { $0.id == indicator }), case .review = leaf.scoring {
            item = (leaf.name, leaf.points)
        } else if let adj = access.rules.adjustments.first(where: { $0.id == indicator && $0.metric == nil }) {
            item = ("\(adj.direction.label)：\(adj.name)", adj.max)
        } else {
            item = nil
        }
        guard let item else { return req.redirect(to: back, flash: "!「\(indicator.prefix(40))」不是本细则中由考核组评分的事项") }
        let scoreText = req.formText("score") ?? ""
        let reason = (req.formText("reason") ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        var errors: [String] = []
        let (score, scoreError) = Self.parseScore(scoreText, max: item.max, field: "评定得分")
        if let scoreError { errors.append(scoreError) }
        if reason.isEmpty { errors.append("«理由»：请写明评分理由") }
        if reason.count > 2000 { errors.append("«理由»：不超过2000字，现有\(reason.count)字") }
        guard errors.isEmpty, let score else {
            return try await renderSheet(req, access, unit: unit, errors: errors,
                                         draft: Draft(indicator: indicator, score: scoreText, text: reason), status: .unprocessableEntity)
        }
        let p = access.principal
        try await req.db.transaction { tx in
            guard try await Self.stageNow(a, on: tx).isEditable else { throw Abort(.conflict, reason: "考核刚被公示，评分未保存") }
            let e = try await Self.entry(a, unit: unit, indicator: indicator, on: tx)
            let before = ["score": e.reviewScore ?? "", "reason": e.reviewReason]
            e.reviewScore = Self.score(score)
            e.reviewReason = reason
            e.reviewedBy = p.userID
            e.reviewedAt = req.now
            try await e.update(on: tx)
            try await req.audit(.update, "assessment_entry", String(e.id!), "考核组评定\(unit.name)「\(item.name)」\(Self.score(score))分",
                                before: before, after: ["score": Self.score(score), "reason": reason], on: tx)
        }
        return req.redirect(to: back.path + "#line-\(indicator)", flash: "已保存\(unit.name)「\(item.name)」的评分")
    }

    /// Always a download, always audited; only for those who may read the unit's sheet.
    func evidence(req: Request) async throws -> Response {
        _ = try req.requirePrincipal()
        guard let id = req.parameters.get("id", as: Int.self), let file = try await AssessmentEvidence.find(id, on: req.db),
              let entry = try await AssessmentEntry.find(file.entryID, on: req.db) else {
            throw Abort(.notFound, reason: "文件不存在或您无权下载")
        }
        let access: Access
        do {
            access = try await Self.access(req, assessmentID: entry.assessmentID)
        } catch {
            throw Abort(.notFound, reason: "文件不存在或您无权下载")
        }
        guard let unit = access.units.first(where: { $0.id == entry.unitID }), access.mayRead(unit) else {
            throw Abort(.notFound, reason: "文件不存在或您无权下载")
        }
        let data = try req.lvze.attachments.read(file.sha256)
        try await req.audit(.export, "assessment_evidence", String(id), "下载\(unit.name)「\(access.assessment.title)」的佐证材料「\(file.name)」")
        let response = Response(status: .ok, body: .init(data: data))
        response.headers.contentType = HTTPMediaType(type: "application", subType: "octet-stream")
        response.headers.replaceOrAdd(name: .contentDisposition, value: contentDisposition(file.name))
        response.headers.replaceOrAdd(name: "Content-Security-Policy", value: "default-src 'none'; sandbox")
        return response
    }
}

extension AssessmentController.Access {
    func ruleMetric(_ id: String) -> MetricDefinition? { metrics[id] }
}
