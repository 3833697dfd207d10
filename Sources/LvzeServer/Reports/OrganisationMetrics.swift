import Fluent
import Foundation
import LvzeCore

/// Figures computed from the unit tree, dated flags and positions rather than a ledger; each
/// also lists the units or people behind it, for the drill-down.
struct OrganisationMetrics {
    let db: any Database
    let scope: UnitPath
    let year: Int

    /// One unit or person behind a figure.
    struct Row: Encodable {
        var name: String
        var detail: String
        var date: String
    }

    var start: String { "\(year)-01-01" }
    var end: String { "\(year)-12-31" }
    var yearEnd: LocalDate { LocalDate(year: year, month: 12, day: 31)! }

    func value(_ metric: OrganisationMetric) async throws -> MetricValue {
        switch metric {
        case .villageSecretaryMeanAge, .villageSecretaryCollegeShare:
            let people = try await villageSecretaries()
            guard !people.isEmpty else { return .missing("12月31日没有在任的村（社区）党组织书记记录") }
            if metric == .villageSecretaryMeanAge {
                let ages = people.compactMap { $0.birthDate.flatMap(LocalDate.parse)?.age(on: yearEnd) }
                guard !ages.isEmpty else { return .missing("在任书记均未登记出生日期") }
                return .number(Decimal(ages.reduce(0, +)) / Decimal(ages.count))
            }
            let college = people.filter { $0.education.flatMap(Education.init(rawValue:))?.isCollegeOrAbove == true }.count
            return .number(Decimal(college) * 100 / Decimal(people.count))
        default:
            return .number(Decimal(try await rows(metric).count))
        }
    }

    func rows(_ metric: OrganisationMetric) async throws -> [Row] {
        switch metric {
        case .temporaryOrgsFounded:
            let units = try await OrgUnit.query(on: db).within(scope).filter(\.$kind == UnitKind.temporaryParty.rawValue)
                .filter(\.$foundedOn >= start).filter(\.$foundedOn <= end).sort(\.$foundedOn).all()
            let names = try await OrgUnit.qualifiedNames(units, on: db)
            return units.map { Row(name: names[$0.id!] ?? $0.name, detail: $0.code, date: $0.foundedOn ?? "") }
        case .veteransSelected, .townHired:
            let origin = metric == .veteransSelected ? PersonOrigin.veteran : PersonOrigin.townHired
            let positions = try await Position.query(on: db)
                .join(OrgUnit.self, on: \Position.$unit.$id == \OrgUnit.$id)
                .join(Person.self, on: \Position.$person.$id == \Person.$id)
                .filter(\.$startOn >= start).filter(\.$startOn <= end)
                .filter(OrgUnit.self, \.$kind == UnitKind.village.rawValue)
                .filter(Person.self, \.$origin == origin.rawValue)
                .filter(OrgUnit.self, \.$path >= scope.value).filter(OrgUnit.self, \.$path < scope.subtreeUpperBound)
                .sort(\.$startOn).all()
            var seen: Set<Int> = []
            var out: [Row] = []
            for p in positions {
                let person = try p.joined(Person.self), unit = try p.joined(OrgUnit.self)
                guard seen.insert(person.id!).inserted else { continue }
                out.append(Row(name: person.name, detail: "\(unit.name) \(p.title)", date: p.startOn))
            }
            return out
        case .villageSecretaryMeanAge, .villageSecretaryCollegeShare:
            return try await villageSecretaries().map {
                Row(name: $0.name, detail: [$0.birthDate.map { "出生日期 \($0)" }, $0.education].compactMap { $0 }.joined(separator: "，"), date: "")
            }
        case .backwardTransformed:
            return try await FlagQueries.cleared(in: scope, kinds: [.backward], year: year, on: db)
                .filter { $0.unitKind == UnitKind.town.label || $0.unitKind == UnitKind.partyCommittee.label }
                .map { Row(name: $0.unitName, detail: $0.flag, date: $0.clearedOn) }
        case .weakTransformed:
            return try await FlagQueries.cleared(in: scope, kinds: [.weak], year: year, on: db)
                .map { Row(name: $0.unitName, detail: $0.flag, date: $0.clearedOn) }
        case .povertyVillages:
            let flags = try await UnitFlag.query(on: db).join(OrgUnit.self, on: \UnitFlag.$unit.$id == \OrgUnit.$id)
                .filter(OrgUnit.self, \.$path >= scope.value).filter(OrgUnit.self, \.$path < scope.subtreeUpperBound)
                .filter(\.$flag ~~ [UnitFlagKind.lowIncome.rawValue, UnitFlagKind.economicallyWeak.rawValue])
                .filter(\.$setOn <= end)
                .group(.or) { $0.filter(\.$clearedOn == nil).filter(\.$clearedOn > end) }
                .sort(\.$setOn).all()
            let units = try flags.map { try $0.joined(OrgUnit.self) }
            let names = try await OrgUnit.qualifiedNames(units, on: db)
            var seen: Set<Int> = []
            var out: [Row] = []
            for (flag, unit) in zip(flags, units) where seen.insert(unit.id!).inserted {
                out.append(Row(name: names[unit.id!] ?? unit.name, detail: flag.kind.label, date: flag.setOn))
            }
            return out
        }
    }

    /// Village and community party secretaries in office at the end of the year, each once.
    func villageSecretaries() async throws -> [Person] {
        let positions = try await Position.query(on: db)
            .join(OrgUnit.self, on: \Position.$unit.$id == \OrgUnit.$id)
            .join(Person.self, on: \Position.$person.$id == \Person.$id)
            .filter(\.$post == Post.secretary.rawValue)
            .filter(\.$startOn <= end)
            .group(.or) { $0.filter(\.$endOn == nil).filter(\.$endOn >= end) }
            .filter(OrgUnit.self, \.$kind == UnitKind.village.rawValue)
            .filter(OrgUnit.self, \.$path >= scope.value).filter(OrgUnit.self, \.$path < scope.subtreeUpperBound)
            .all()
        var people: [Int: Person] = [:]
        for pos in positions { let person = try pos.joined(Person.self); people[person.id!] = person }
        return people.values.sorted { $0.id! < $1.id! }
    }
}
