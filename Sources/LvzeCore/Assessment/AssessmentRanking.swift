import Foundation

/// Ranks the assessed units by total and gives each its 等次: the band its total reaches,
/// no better than a veto allows, and within the grade's quota.
public enum AssessmentRanking {
    public struct Placement: Sendable, Equatable {
        /// Index into the totals given.
        public var index: Int
        /// 1 for the highest total; equal totals share a rank (1, 1, 3).
        public var rank: Int
        public var grade: AssessmentGrade
        /// Why the grade is below the band's, when it is (一票否决, 名额已满).
        public var note: String
    }

    /// Placements in rank order; units of equal total keep the order given (unit code order).
    public static func place(totals: [Decimal], caps: [AssessmentGrade?], grading: AssessmentGrading) -> [Placement] {
        let order = totals.indices.sorted { totals[$0] != totals[$1] ? totals[$0] > totals[$1] : $0 < $1 }
        let n = order.count
        var used: [AssessmentGrade: Int] = [:]
        var out: [Placement] = []
        var i = 0
        // Equal totals move together: a tie at a quota's edge drops as a whole rather than
        // one of two equal units being chosen by name.
        while i < n {
            var j = i
            while j + 1 < n, totals[order[j + 1]] == totals[order[i]] { j += 1 }
            let group = Array(order[i...j])
            let rank = i + 1
            for index in group {
                let band = grading.grade(for: totals[index])
                var grade = band
                var notes: [String] = []
                if let cap = caps[index], cap > grade {
                    grade = cap
                    notes.append("一票否决，等次不高于「\(cap.rawValue)」")
                }
                out.append(Placement(index: index, rank: rank, grade: grade, note: notes.joined(separator: "；")))
            }
            // Quotas: each grade over its share of units drops the whole tie group a grade.
            let groupStart = out.count - group.count
            var changed = true
            while changed {
                changed = false
                var counts: [AssessmentGrade: Int] = [:]
                for p in out[groupStart...] { counts[p.grade, default: 0] += 1 }
                for (grade, count) in counts {
                    guard let share = grading.quotas[grade], let lower = grade.lower else { continue }
                    let limit = NSDecimalNumber(decimal: share * Decimal(n) / 100).intValue
                    if used[grade, default: 0] + count > limit {
                        for k in groupStart..<out.count where out[k].grade == grade {
                            out[k].grade = lower
                            let note = "「\(grade.rawValue)」等次名额（\(FieldJSON.plain(share))%）已满"
                            out[k].note = out[k].note.isEmpty ? note : out[k].note + "；" + note
                        }
                        changed = true
                    }
                }
            }
            for p in out[groupStart...] { used[p.grade, default: 0] += 1 }
            i = j + 1
        }
        return out
    }
}
