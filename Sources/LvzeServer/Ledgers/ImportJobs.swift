import Foundation
import LvzeCore
import NIOConcurrencyHelpers

/// Imports run in the background so a large file shows its progress on the page; the
/// page refreshes itself (no script needed) until the job is done.
final class ImportJobs: Sendable {
    struct Job: Sendable {
        enum Phase: String, Sendable { case queued, reading, writing, done, failed }
        var id: UUID
        var kind: String
        var userID: Int
        var unit: String
        var dryRun: Bool
        var phase: Phase = .queued
        var read = 0
        var written = 0
        var total = 0
        var report: LedgerImporter.Report?
        var errors: [String] = []
        var started: Date
        /// A clean dry run keeps its file, so the import can go ahead without choosing it again.
        var kept: URL?
        var fileName = ""
        var options = LedgerImporter.Options()
    }

    private let jobs = NIOLockedValueBox<[UUID: Job]>([:])
    /// The setting: how many imports may read and write at once.
    static let concurrencyKey = "import.max_concurrent"

    func start(_ job: Job) {
        let forgotten: [URL] = jobs.withLockedValue { all in
            // Finished jobs older than an hour are forgotten, with any file they kept.
            let old = all.filter { $0.value.started.timeIntervalSinceNow <= -3600 && [.done, .failed].contains($0.value.phase) }
            for id in old.keys { all[id] = nil }
            all[job.id] = job
            return old.values.compactMap(\.kept)
        }
        for url in forgotten { try? FileManager.default.removeItem(at: url) }
    }

    func update(_ id: UUID, _ change: @Sendable (inout Job) -> Void) {
        jobs.withLockedValue { all in if var j = all[id] { change(&j); all[id] = j } }
    }

    func get(_ id: UUID) -> Job? { jobs.withLockedValue { $0[id] } }

    /// Takes the file a clean dry run kept, once: a second confirmation finds none.
    func takeKept(_ id: UUID) -> (url: URL, name: String)? {
        jobs.withLockedValue { all in
            guard var job = all[id], let url = job.kept else { return nil }
            job.kept = nil
            all[id] = job
            return (url, job.fileName)
        }
    }

    /// Jobs not finished (queued, reading or writing): a stop waits for them.
    var running: Int { jobs.withLockedValue { $0.values.filter { [.queued, .reading, .writing].contains($0.phase) }.count } }

    /// How many queued jobs started before this one (its place in the queue, from 0).
    func place(_ id: UUID) -> Int {
        jobs.withLockedValue { all in
            guard let me = all[id] else { return 0 }
            return all.values.filter { $0.phase == .queued && ($0.started, $0.id.uuidString) < (me.started, me.id.uuidString) }.count
        }
    }

    /// Waits for this job's turn: at most `limit` imports read or write at once (each holds a
    /// workbook's working memory), the others wait in the order they came. Then marks it reading.
    func waitForTurn(_ id: UUID, limit: Int) async {
        while true {
            let started: Bool = jobs.withLockedValue { all in
                let active = all.values.filter { $0.phase == .reading || $0.phase == .writing }.count
                guard active < max(limit, 1), var me = all[id] else { return false }
                let ahead = all.values.filter { $0.phase == .queued && ($0.started, $0.id.uuidString) < (me.started, me.id.uuidString) }
                guard ahead.isEmpty else { return false }
                me.phase = .reading
                all[id] = me
                return true
            }
            if started { return }
            try? await Task.sleep(for: .milliseconds(200))
        }
    }
}
