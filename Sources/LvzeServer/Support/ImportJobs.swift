import Foundation
import LvzeCore
import NIOConcurrencyHelpers

/// Imports run in the background so a large file shows its progress on the page; the
/// page refreshes itself (no script needed) until the job is done.
final class ImportJobs: Sendable {
    struct Job: Sendable {
        enum Phase: String, Sendable { case reading, writing, done, failed }
        var id: UUID
        var kind: String
        var userID: Int
        var unit: String
        var dryRun: Bool
        var phase: Phase = .reading
        var read = 0
        var written = 0
        var total = 0
        var report: LedgerImporter.Report?
        var errors: [String] = []
        var started: Date
    }

    private let jobs = NIOLockedValueBox<[UUID: Job]>([:])

    func start(_ job: Job) {
        jobs.withLockedValue { all in
            // Finished jobs older than an hour are forgotten.
            all = all.filter { $0.value.started.timeIntervalSinceNow > -3600 || ![.done, .failed].contains($0.value.phase) }
            all[job.id] = job
        }
    }

    func update(_ id: UUID, _ change: @Sendable (inout Job) -> Void) {
        jobs.withLockedValue { all in if var j = all[id] { change(&j); all[id] = j } }
    }

    func get(_ id: UUID) -> Job? { jobs.withLockedValue { $0[id] } }
}
