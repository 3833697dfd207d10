import ConsoleKit
import Foundation
import LvzeCore
import Vapor

extension Application {
    /// The reminder pass as of the clock's today, with the current settings and catalogue.
    func runReminders(dryRun: Bool = false) async throws -> Reminders.Report {
        let now = lvze.clock.now()
        var report = try await Reminders(db: db, catalogue: lvze.catalogue.catalogue, settings: lvze.settings.reminderSettings,
                                         today: LocalDate(now), now: now).run(dryRun: dryRun)
        if !dryRun {
            // Units still to self-assess hear of the deadline in the same daily pass.
            let book = AssessmentBook(db: db, kinds: lvze.catalogue.catalogue, metrics: lvze.catalogue.metrics)
            let sent = try await AssessmentNotices.remindDeadlines(book: book, today: LocalDate(now), at: now)
            report.assessmentNotices = sent
            report.notices += sent
        }
        if !dryRun, report.notices > 0 { lvze.noteWrite() }  // cached pages show the unread count
        return report
    }

    /// Runs the pass once a day: on the first check of a day it has not run on (kept in
    /// settings, so a restart the same day sends nothing again).
    func runRemindersIfDue() async throws -> Reminders.Report? {
        let today = LocalDate(lvze.clock.now()).iso
        guard lvze.settings.string(Self.remindersLastRun) < today else { return nil }
        let report = try await runReminders()
        try await lvze.settings.set([Self.remindersLastRun: today], on: db)
        return report
    }

    static let remindersLastRun = "workflow.reminders_last_run"
}

extension Reminders.Report {
    /// 绿色预警3项、逾期提级督办1项
    var summary: String {
        let parts = ReminderStep.allCases.compactMap { step in steps[step].map { "\(step.label)\($0)项" } }
        return parts.isEmpty ? "没有新进入预警或督办的整改事项" : parts.joined(separator: "、")
    }
}

/// `lvze remind [--dry-run]`: the daily reminder pass, by hand or from a scheduler of the
/// IT office's own (the server runs it by itself once a day).
struct RemindCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Flag(name: "dry-run", help: "只列出将要提醒的事项，不发送、不记录") var dryRun: Bool
        init() {}
    }

    var help: String { "按三色预警和逾期督办规则提醒整改事项的经办人和领导（每一级只提醒一次）" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let report = try await context.application.runReminders(dryRun: signature.dryRun)
        if signature.dryRun {
            context.console.print("试运行，未发送：将提醒\(report.items)项整改事项（\(report.summary)）")
        } else {
            context.console.print("已提醒\(report.items)项整改事项（\(report.summary)），"
                                  + (report.assessmentNotices > 0 ? "提醒考核自评\(report.assessmentNotices)人次，" : "")
                                  + "发出消息\(report.notices)条")
        }
    }
}
