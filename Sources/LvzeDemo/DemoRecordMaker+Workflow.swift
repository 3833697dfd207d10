import LvzeServer
import SQLKit
import FluentSQL
import Foundation
import LvzeCore

// MARK: - Workflow

extension DemoRecordMaker {
    enum Outcome {
        case pending
        case progress
        case requested(LocalDate)
        case closed(LocalDate, requested: LocalDate?)
    }

    /// The state, deadline, progress and history of a workflow record: last year's items
    /// mostly closed, this year's in every state, some overdue, some behind their
    /// time-proportional progress, a few extended; `_state` in a variant fixes the outcome.
    mutating func planWorkflow() {
        let f = date
        let lastYear = f.year < today.year
        let yearEnd = LocalDate(year: f.year, month: 12, day: 31)!
        let source = s("source")
        let env = source.hasSuffix("生态环境保护督察")
        var period: Int
        if kind.id == "hazard" { period = s("level") == "重大隐患" ? rng.int(60...150) : rng.int(7...60) }
        else if env { period = rng.int(240...540) }
        else { period = rng.int(30...180) }
        var deadline = f.adding(days: period)
        var state = variant["_state"] ?? "auto"
        var outcome = Outcome.progress
        var forcedProgress: Int?

        func closeDay(_ rng: inout DemoDistrict.Random) -> LocalDate {
            f.adding(days: rng.int(max(1, period * 3 / 10)...max(2, period * 115 / 100)))
        }

        if let round, let k = variant["_k"].flatMap(Int.init) {
            deadline = round.deadline
            let cutoff = min(yearEnd, today)
            let elapsed = RectificationSchedule(created: round.feedback, deadline: round.deadline).expectedProgress(on: cutoff)
            let closedCount = min(round.items, Int((Double(round.items) * min(1.0, Double(elapsed) / 100 + 0.2)).rounded(.up)))
            if k < closedCount {
                let latest = max(f, min(cutoff, round.deadline))
                let earliest = min(latest, f.adding(days: 10))
                outcome = .closed(earliest.adding(days: rng.int(0...earliest.days(until: latest))), requested: nil)
                state = "-"
            } else {
                state = lastYear ? "closed_next_year" : (deadline > today ? "open" : "requested")
            }
        }
        if state == "closed_next_year" || state == "requested_at_year_end", !lastYear { state = "closed" }
        if state == "auto" {
            // Supervision items are closed within their year (整改率100%); environmental
            // inspection items run to long deadlines and are rectified on plan (按计划), never overdue.
            if lastYear, ["国务院督导", "省督导", "市督导"].contains(source) { state = "closed_in_year" }
            if env {
                deadline = max(deadline, yearEnd.adding(days: rng.int(60...300)), today.adding(days: rng.int(30...200)))
                period = f.days(until: deadline)
            }
        }
        switch state {
        case "-": break
        case "closed_in_year":
            let latest = max(f, min(yearEnd, today, max(deadline, f.adding(days: 5))))
            let earliest = min(latest, f.adding(days: 5))
            outcome = .closed(earliest.adding(days: rng.int(0...earliest.days(until: latest))), requested: nil)
        case "closed_next_year":
            if deadline <= yearEnd { deadline = yearEnd.adding(days: rng.int(20...120)) }
            let room = max(1, min(90, yearEnd.days(until: today)))
            outcome = .closed(min(today, yearEnd.adding(days: rng.int(1...room))), requested: nil)
        case "requested_at_year_end":
            if deadline <= yearEnd { deadline = yearEnd.adding(days: rng.int(30...120)) }
            let requested = max(f, yearEnd.adding(days: -rng.int(0...15)))
            outcome = .closed(min(today, yearEnd.adding(days: rng.int(5...25))), requested: requested)
        case "closed": outcome = .closed(min(today, closeDay(&rng)), requested: nil)
        case "requested": outcome = .requested(max(f, today.adding(days: -rng.int(0...10))))
        case "open":
            deadline = max(deadline, today.adding(days: rng.int(20...150)))
            let expected = RectificationSchedule(created: f, deadline: deadline).expectedProgress(on: today)
            forcedProgress = min(95, max(5, expected + rng.int(0...15)))
        case "behind":
            deadline = max(today.adding(days: rng.int(15...60)), f.adding(days: 30))
            let expected = RectificationSchedule(created: f, deadline: deadline).expectedProgress(on: today)
            forcedProgress = max(0, expected - rng.int(20...40))
        case "overdue":
            if deadline >= today { deadline = max(f, today.adding(days: -rng.int(1...30))) }
            forcedProgress = rng.int(4...16) * 5
        case "pending": outcome = .pending
        default:
            let x = rng.int(0...99)
            if lastYear {
                if x < 90 { outcome = .closed(min(today, closeDay(&rng)), requested: nil) }
                else if x < 93 { outcome = .requested(max(f, today.adding(days: -rng.int(0...20)))) }
            } else if f.days(until: today) < 7 {
                if x < 40 { outcome = .pending }
            } else if x < 50 {
                let c = closeDay(&rng)
                if c <= today { outcome = .closed(c, requested: nil) }
            } else if x < 58 {
                outcome = .requested(f.adding(days: rng.int(f.days(until: today) / 2...f.days(until: today))))
            } else if x >= 96 {
                outcome = .pending
            }
        }

        // The history: started, progress, extension, closure request, approval, in date order.
        var lines: [(LocalDate, String, String, String, Bool)] = []
        var progress = 0
        var requestedOn: LocalDate?
        var closedOn: LocalDate?
        var stateNow = RectificationState.pending
        var end = today
        switch outcome {
        case .pending: break
        case .progress:
            let expected = RectificationSchedule(created: f, deadline: deadline).expectedProgress(on: today)
            progress = forcedProgress ?? min(95, max(5, (expected + rng.int(-35...20)) / 5 * 5))
            stateNow = .inProgress
        case .requested(let r):
            progress = 100
            requestedOn = r
            end = r
            stateNow = .closureRequested
        case .closed(let c, let r):
            progress = 100
            closedOn = c
            requestedOn = min(c, r ?? max(f, c.adding(days: -rng.int(1...6))))
            end = requestedOn!
            stateNow = .closed
        }
        var extensions = 0
        if stateNow != .pending {
            let started = min(f.adding(days: rng.int(0...3)), end)
            lines.append((started, RectificationEventKind.started.rawValue, #"{"status":["待整改","整改中"]}"#, "", false))
            var reported = 0
            if started < end, rng.chance(0.6) || stateNow == .inProgress {
                let mid = started.adding(days: max(0, started.days(until: end)) / 2)
                reported = stateNow == .inProgress ? progress : rng.int(6...16) * 5
                if reported > 0 {
                    lines.append((mid, RectificationEventKind.progressRecorded.rawValue, #"{"progress":["0","\#(reported)"]}"#,
                                  "完成阶段性整改任务", false))
                }
            }
            if variant["_ext"] != nil || rng.chance(0.07) {
                var old = deadline.adding(days: -rng.int(30...90))
                if old >= end { old = end.adding(days: -rng.int(1...10)) }
                if old > f.adding(days: 5) {
                    let asked = max(started, old.adding(days: -rng.int(3...15)))
                    let granted = min(old, asked.adding(days: rng.int(1...3)))
                    if asked <= granted, granted <= end {
                        extensions = variant["_ext"] == nil && rng.chance(0.2) ? 2 : 1
                        lines.append((asked, RectificationEventKind.extensionRequested.rawValue, "{}", "涉及资金筹措和工程施工，申请延长整改时限", false))
                        lines.append((granted, RectificationEventKind.extensionApproved.rawValue,
                                      #"{"deadline":["\#(old.iso)","\#(deadline.iso)"]}"#, "同意延期", true))
                    }
                }
            }
            if let r = requestedOn {
                if reported < 100 {
                    lines.append((r, RectificationEventKind.progressRecorded.rawValue, #"{"progress":["\#(reported)","100"]}"#, "整改完成", false))
                }
                lines.append((r, RectificationEventKind.closureRequested.rawValue, #"{"status":["整改中","申请销号"]}"#,
                              "已按整改措施完成整改，申请销号", false))
            }
            if let c = closedOn {
                lines.append((c, RectificationEventKind.closureApproved.rawValue, #"{"status":["申请销号","已销号"]}"#,
                              "经核查整改到位，同意销号", true))
            }
        }
        var steps: [Step] = []
        var previous: LocalDate?
        var sameDay = 0
        for line in lines.enumerated().sorted(by: { ($0.element.0, $0.offset) < ($1.element.0, $1.offset) }).map(\.element) {
            sameDay = line.0 == previous ? sameDay + 1 : 0
            previous = line.0
            steps.append(Step(at: time(line.0, 10 + min(sameDay, 12)), action: line.1, changes: line.2, note: line.3, reviewer: line.4))
        }
        v["deadline"] = .date(deadline)
        v["progress"] = .integer(progress)
        wf = Workflow(state: stateNow, progress: progress, deadline: deadline, closedOn: closedOn, requestedOn: requestedOn,
                      extensions: extensions, steps: steps)
    }
}
