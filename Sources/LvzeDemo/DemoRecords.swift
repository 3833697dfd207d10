import LvzeServer
import SQLKit
import FluentSQL
import Fluent
import Foundation
import LvzeCore
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// Records of every ledger kind for the demo district (`DemoDistrict`), dated in the current
/// and the previous year, so every figure of the annual report and every year-on-year
/// comparison has data. The kinds come from the running catalogue, so custom ledgers get
/// records too (from their field types alone). The same seed gives the same records.
///
/// Both scales have about 2,000 enterprises under the towns. `small` is a few to a few dozen
/// records a kind and year; `large` is about 1,000,000 records (mostly hazards, enforcement
/// inspections, fulfilment records, rectification items and meetings), for benchmarks.
struct DemoRecords: Sendable {
    enum Scale: String, CaseIterable, Sendable {
        case small
        /// About 10,000 and 100,000 records: the steps between, to show how costs grow.
        case tenThousand = "10k"
        case hundredThousand = "100k"
        case large
        /// About 10,000,000 records: the large district's ledgers ten times over, to measure
        /// PostgreSQL where a city or province would take it (`bench/pg-scale.sh`).
        case tenMillion = "10m"

        /// The large district's shape (every village's income, six rounds, more accidents).
        var isLarge: Bool { self == .large || self == .tenMillion }

        var label: String {
            switch self {
            case .small: return "小规模"
            case .tenThousand: return "约1万条"
            case .hundredThousand: return "约10万条"
            case .large: return "大规模"
            case .tenMillion: return "约1000万条"
            }
        }

        /// The share of the large scale's busiest ledgers this scale holds.
        var fraction: Double {
            switch self {
            case .small: return 0
            case .tenThousand: return 0.002
            case .hundredThousand: return 0.1
            case .large: return 1
            case .tenMillion: return 10
            }
        }
    }

    struct Summary: Sendable {
        var unitsAdded = 0
        var peopleAdded = 0
        var events = 0
        var perKind: [(id: String, name: String, system: LedgerSystem, count: Int)] = []

        var total: Int { perKind.reduce(0) { $0 + $1.count } }
        var perSystem: [(system: LedgerSystem, count: Int)] {
            LedgerSystem.allCases.map { s in (s, perKind.filter { $0.system == s }.reduce(0) { $0 + $1.count }) }
        }
    }

    let db: any Database
    let catalogue: Catalogue
    let seed: UInt64
    let scale: Scale
    let now: Date
    /// Called with (records written, records planned) after every batch.
    var progress: @Sendable (Int, Int) -> Void = { _, _ in }

    typealias Random = DemoDistrict.Random

    /// Builds everything on top of a freshly built demo district (root unit `DEMO`).
    func build() async throws -> Summary {
        let today = LocalDate(now)
        var summary = Summary()
        let organisation = try await db.transaction { tx in
            try await DemoOrganisation(db: tx, seed: seed, scale: scale, today: today).build()
        }
        summary.unitsAdded = organisation.units
        summary.peopleAdded = organisation.people
        let world = try await DemoWorld.load(db: db, seed: seed, scale: scale, today: today)

        // Two years of every ledger; accidents also the year before, so last year's report
        // has its year-on-year change.
        let years = [today.year - 2, today.year - 1, today.year]
        let plan = catalogue.kinds.map { kind in
            (kind, years.map { y in y == today.year - 2 && kind.id != "accident" ? 0 : DemoRecordMaker.count(kind: kind, year: y, world: world) })
        }
        let planned = plan.reduce(0) { $0 + $1.1.reduce(0, +) }
        let done = NIOLockedValueBox(0)
        for (kind, counts) in plan {
            let (records, events) = try await db.transaction { tx -> (Int, Int) in
                var written = 0, events = 0
                for (year, count) in zip(years, counts) where count > 0 {
                    let e = try await insert(kind: kind, year: year, count: count, world: world, on: tx) { n in
                        let total = done.withLockedValue { $0 += n; return $0 }
                        progress(total, planned)
                    }
                    written += count
                    events += e
                }
                return (written, events)
            }
            summary.events += events
            summary.perKind.append((kind.id, kind.name, kind.system, records))
        }
        progress(done.withLockedValue { $0 }, planned)
        return summary
    }

    /// Makes and inserts `count` records of one kind and year, in batches; returns the number
    /// of history lines written.
    private func insert(kind: LedgerKind, year: Int, count: Int, world: DemoWorld, on tx: any Database,
                        advanced: (Int) -> Void) async throws -> Int {
        let sql = tx.sql
        var maker = DemoRecordMaker(kind: kind, year: year, count: count, world: world, now: now,
                                    seed: seed ^ DemoRecordMaker.stableHash(kind.id) ^ UInt64(year) &* 0x2545F4914F6CDD1D)
        let author = kind.writers.contains(.discipline) && !kind.writers.contains(.clerk) ? world.disciplineUser : world.clerkUser
        var lastID = try await RecordBulkInsert.maxID(on: sql)
        var events = 0
        var rows: [RecordBulkInsert.Row] = []
        var timelines: [[DemoRecordMaker.Step]] = []
        rows.reserveCapacity(RecordBulkInsert.batchSize)

        func flush() async throws {
            guard !rows.isEmpty else { return }
            try await RecordBulkInsert.insert(rows, on: tx)
            // Every record's history starts with its creation, by the clerk who kept the ledger.
            try await sql.raw("""
                INSERT INTO record_events (record_id, at, user_id, username, action, changes, note)
                SELECT id, created_at, created_by, \(bind: author.name), 'create', '{}', \(bind: "演示数据")
                FROM records WHERE id > \(bind: lastID)
                """).run()
            events += rows.count
            let idRows = try await sql.raw("SELECT id FROM records WHERE id > \(bind: lastID) ORDER BY id").all()
            let ids = try idRows.map { try $0.decode(column: "id", as: Int.self) }
            guard ids.count == rows.count else {
                throw CLIError("演示数据写入异常：应写入\(rows.count)条记录，实际\(ids.count)条")
            }
            if kind.workflow {
                var lines: [RecordBulkInsert.Event] = []
                for (id, steps) in zip(ids, timelines) {
                    for step in steps {
                        let user = step.reviewer ? world.reviewerUser : world.clerkUser
                        lines.append(.init(recordID: id, at: step.at, userID: user.id, username: user.name, action: step.action,
                                           changes: step.changes, note: step.note))
                    }
                }
                try await RecordBulkInsert.insertEvents(lines, on: sql)
                events += lines.count
            }
            lastID = ids.last ?? lastID
            advanced(rows.count)
            rows.removeAll(keepingCapacity: true)
            timelines.removeAll(keepingCapacity: true)
        }

        let slotFields = kind.filterSlots
        for index in 0..<count {
            let made = maker.make(index: index)
            let columns = try RecordColumns(kind: kind, values: made.values, existingDate: made.date, today: world.today,
                                            slotFields: slotFields)
            rows.append(.init(kind: kind.id, unitID: made.unitID, columns: columns, status: made.status, openedOn: made.openedOn,
                              closedOn: made.closedOn, workflow: made.workflow, createdBy: author.id, createdAt: made.createdAt))
            timelines.append(made.steps)
            if rows.count == RecordBulkInsert.batchSize { try await flush() }
        }
        try await flush()
        return events
    }
}

// MARK: - Organisation additions

/// Organisation records the district's figures need beyond `DemoDistrict`: the enterprises of
/// the large scale, and this year's temporary party organisations, transformed organisations
/// and newly appointed village cadres (DemoDistrict dates those in the previous year).
struct DemoOrganisation {
    let db: any Database
    let seed: UInt64
    let scale: DemoRecords.Scale
    let today: LocalDate

    static let largeEnterprises = 2000

    func build() async throws -> (units: Int, people: Int) {
        var rng = DemoDistrict.Random(state: seed ^ 0x0DE7_0126_4A1B_C3D5)
        var units = 0, people = 0
        let year = today.year
        let all = try await OrgUnit.query(on: db).sort(\.$code).all()
        guard let root = all.first(where: { $0.code == "DEMO" }) else { return (0, 0) }
        let inTree = all.filter { root.unitPath.contains($0.unitPath) }
        let towns = inTree.filter { $0.unitKind == .town }
        let villages = inTree.filter { $0.unitKind == .village }
        let flags = try await UnitFlag.query(on: db).sort(\.$id).all()
        let flagged = Set(flags.map { $0.$unit.id })
        func day(_ fraction: Double, of year: Int) -> LocalDate {
            let start = LocalDate(year: year, month: 1, day: 1)!
            let end = min(LocalDate(year: year, month: 12, day: 31)!, today)
            return start.adding(days: Int(Double(start.days(until: end)) * fraction))
        }
        func create(_ code: String, _ name: String, _ kind: UnitKind, parent: OrgUnit, founded: LocalDate? = nil, order: Int) async throws -> OrgUnit {
            units += 1
            return try await OrgUnit.create(.init(code: code, name: name, kind: kind, parent: parent, foundedOn: founded,
                                               dissolvedOn: nil, sortOrder: order, note: ""), on: db)
        }

        // Enterprises: about 2,000 under the towns at both scales, as a real district has.
        if !towns.isEmpty {
            var names = Set(inTree.filter { $0.unitKind == .enterprise }.map(\.name))
            let existing = inTree.filter { $0.unitKind == .enterprise }.count
            let perTown = (Self.largeEnterprises - existing + towns.count - 1) / towns.count
            for town in towns {
                let already = inTree.filter { $0.unitKind == .enterprise && $0.$parent.id == town.id }.count
                for e in already..<(already + perTown) {
                    var name = ""
                    repeat { name = DemoText.enterpriseName(town: town.name, rng: &rng) } while names.contains(name)
                    names.insert(name)
                    _ = try await create(String(format: "%@-E%03d", town.code, e + 1), name, .enterprise, parent: town, order: 900 + e)
                }
            }
        }

        // This year's temporary party organisations (last year's three come from DemoDistrict).
        let tasks = ["重点项目建设", "秸秆禁烧", "森林防火", "防汛抢险"]
        for (i, town) in towns.dropFirst(3).prefix(2).enumerated() {
            let founded = day(0.2 + 0.3 * Double(i), of: year)
            _ = try await create(town.code + "-LS2", "\(town.name)\(tasks[i])临时党支部", .temporaryParty, parent: town, founded: founded, order: 950)
        }

        // Organisations transformed (flags cleared) in each year: weak village organisations and a
        // backward town party committee, on units that carry no flag yet.
        let candidates = villages.filter { !flagged.contains($0.id!) }
        for (i, village) in candidates.enumerated() where i % 37 == 5 && i / 37 < 4 {
            let clearYear = i / 37 < 2 ? year - 1 : year
            let f = UnitFlag()
            f.$unit.id = village.id!
            f.flag = UnitFlagKind.weak.rawValue
            f.setOn = LocalDate(year: clearYear - 1, month: 3 + i % 6, day: 10)!.iso
            f.setReason = "组织生活不规范，党员教育管理薄弱"
            f.clearedOn = day(0.3 + 0.2 * Double(i % 3), of: clearYear).iso
            f.clearedNote = "选派第一书记，整顿验收合格"
            try await f.create(on: db)
        }
        let committees = inTree.filter { $0.unitKind == .partyCommittee && $0.code.hasPrefix("DEMO-T") && !flagged.contains($0.id!) }
        if let committee = committees.dropFirst(4).first {
            let f = UnitFlag()
            f.$unit.id = committee.id!
            f.flag = UnitFlagKind.backward.rawValue
            f.setOn = LocalDate(year: year - 1, month: 4, day: 15)!.iso
            f.setReason = "年度考核排名靠后，重点工作推进缓慢"
            f.clearedOn = day(0.45, of: year).iso
            f.clearedNote = "调整充实班子，集中整顿，考核合格"
            try await f.create(on: db)
        }

        // Village cadres appointed in each year from veterans and town-hired village officials.
        let origins: [PersonOrigin] = [.veteran, .veteran, .townHired, .veteran, .townHired, .townHired]
        for (i, village) in villages.enumerated() where i % 23 == 7 && i / 23 < 12 {
            let appointYear = (i / 23) % 2 == 0 ? year - 1 : year
            let origin = origins[(i / 23) % origins.count]
            let p = Person()
            p.$unit.id = village.id!
            p.name = String(rng.pick(DemoDistrict.surnames)) + rng.pick(DemoDistrict.givenNames)
            p.gender = rng.chance(0.75) ? Gender.male.rawValue : Gender.female.rawValue
            p.birthDate = LocalDate(year: rng.int(1985...1998), month: rng.int(1...12), day: rng.int(1...28))!.iso
            p.education = rng.pick([Education.college, .bachelor, .bachelor, .highSchool]).rawValue
            p.politicalStatus = PoliticalStatus.member.rawValue
            p.origin = origin.rawValue
            p.phone = "13\(rng.int(100_000_000...999_999_999))"
            p.note = origin == .veteran ? "退役军人，经联审选拔到村工作" : "镇聘村官，公开招录"
            try await p.create(on: db)
            people += 1
            let pos = Position()
            pos.$person.id = p.id!
            pos.$unit.id = village.id!
            pos.post = (origin == .veteran ? Post.committeeMember : Post.deputyDirector).rawValue
            pos.title = origin == .veteran ? "村党组织委员" : (village.name.hasSuffix("社区") ? "居委会副主任" : "村委会副主任")
            pos.startOn = day(0.25 + 0.05 * Double(i % 5), of: appointYear).iso
            try await pos.create(on: db)
        }
        return (units, people)
    }
}

// MARK: - What the records draw on

/// The demo tree's units by kind, its people and accounts, the enterprise register, and each
/// year's inspection rounds, loaded once and shared by every kind's record maker.
final class DemoWorld: Sendable {
    struct Unit: Sendable {
        let id: Int
        let code: String
        let name: String
        let kind: UnitKind
        let parentID: Int?
    }
    struct Enterprise: Sendable {
        let name: String
        let code: String
        let industry: String
        let townID: Int
        let unitID: Int?
        let registeredYear: Int
    }
    struct Account: Sendable {
        let id: Int
        let name: String
    }
    /// An inspection round; rectification items of a 提级巡察 round carry its name as batch.
    struct Round: Sendable {
        let name: String
        let type: String
        let started: LocalDate
        let feedback: LocalDate
        let deadline: LocalDate
        let items: Int
    }
    struct Leader: Sendable {
        let name: String
        let position: String
        let body: String
    }

    let today: LocalDate
    let scale: DemoRecords.Scale
    let root: Unit
    let committee: Unit
    let departments: [Unit]
    let towns: [Unit]
    let villages: [Unit]
    let partyOrgs: [Unit]
    let enterpriseUnits: [Unit]
    let villagesByTown: [Int: [Unit]]
    let all: [Unit]
    let byID: [Int: Unit]
    let persons: [(id: Int, name: String)]
    let clerkUser: Account
    let disciplineUser: Account
    let reviewerUser: Account
    let enterprises: [Enterprise]
    let poorVillages: [Unit]
    let secretaryName: String
    let leaders: [Leader]
    let rounds: [Int: [Round]]

    init(today: LocalDate, scale: DemoRecords.Scale, units: [Unit], persons: [(id: Int, name: String)], accounts: [String: Account],
         poorVillageIDs: Set<Int>, seed: UInt64) {
        var rng = DemoDistrict.Random(state: seed ^ 0x5EED_0F_D3A0_77)
        self.today = today
        self.scale = scale
        all = units
        byID = Dictionary(units.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        root = units.first { $0.code == "DEMO" } ?? units[0]
        committee = units.first { $0.code == "DEMO-QW" } ?? root
        departments = units.filter { $0.kind == .department }
        towns = units.filter { $0.kind == .town }
        villages = units.filter { $0.kind == .village }
        partyOrgs = units.filter { $0.kind.isPartyOrganisation }
        enterpriseUnits = units.filter { $0.kind == .enterprise }
        villagesByTown = Dictionary(grouping: units.filter { $0.kind == .village }, by: { $0.parentID ?? 0 })
        poorVillages = villages.filter { poorVillageIDs.contains($0.id) }
        self.persons = persons
        let fallback = Account(id: 0, name: "演示数据")
        clerkUser = accounts["jingban"] ?? fallback
        disciplineUser = accounts["jijian"] ?? clerkUser
        reviewerUser = accounts["shenhe"] ?? clerkUser
        func name() -> String { String(rng.pick(DemoDistrict.surnames)) + rng.pick(DemoDistrict.givenNames) }
        secretaryName = name()
        leaders = [("区委副书记", "区委"), ("区委常委、常务副区长", "区政府"), ("区人大常委会副主任", "区人大常委会"),
                   ("副区长", "区政府"), ("区政协副主席", "区政协"), ("区委常委、政法委书记", "区委"),
                   ("区人大常委会副主任", "区人大常委会"), ("副区长", "区政府")].map { Leader(name: name(), position: $0.0, body: $0.1) }

        // The enterprise register: every enterprise unit, plus businesses kept only in the register.
        var list: [Enterprise] = []
        var names = Set<String>()
        let townIDs = Set(towns.map(\.id))
        for (i, u) in enterpriseUnits.enumerated() {
            names.insert(u.name)
            let town = u.parentID.flatMap { townIDs.contains($0) ? $0 : nil } ?? towns.first?.id ?? root.id
            list.append(Enterprise(name: u.name, code: DemoText.creditCode(i + 1), industry: DemoText.industry(of: u.name),
                                   townID: town, unitID: u.id, registeredYear: today.year - 1 + i % 2))
        }
        let extra = scale == .small ? 15 : 8000
        for i in 0..<extra where !towns.isEmpty {
            let town = towns[i % towns.count]
            var n = ""
            repeat { n = DemoText.businessName(town: town.name, rng: &rng) } while names.contains(n)
            names.insert(n)
            list.append(Enterprise(name: n, code: DemoText.creditCode(enterpriseUnits.count + i + 1), industry: DemoText.industry(of: n),
                                   townID: town.id, unitID: nil, registeredYear: today.year - 1 + i % 2))
        }
        enterprises = list

        // Two 提级巡察 rounds and two ordinary rounds each year, spread over the part of the year gone by.
        var rounds: [Int: [Round]] = [:]
        let perRound = scale == .small ? 5 : 60
        for year in [today.year - 1, today.year] {
            let start = LocalDate(year: year, month: 1, day: 1)!
            let span = start.days(until: min(LocalDate(year: year, month: 12, day: 31)!, today))
            func at(_ f: Double) -> LocalDate { start.adding(days: Int(Double(span) * f)) }
            rounds[year] = [
                Round(name: "\(year)年市委第一轮提级巡察", type: "提级巡察", started: at(0.10), feedback: at(0.28),
                      deadline: at(0.28).adding(days: 150), items: perRound),
                Round(name: "\(year)年市委第二轮提级巡察", type: "提级巡察", started: at(0.50), feedback: at(0.68),
                      deadline: at(0.68).adding(days: 180), items: perRound),
                Round(name: "\(year)年区委第一轮巡察", type: "巡察", started: at(0.05), feedback: at(0.20),
                      deadline: at(0.20).adding(days: 120), items: 0),
                Round(name: "\(year)年区委第二轮巡察", type: "巡察", started: at(0.40), feedback: at(0.55),
                      deadline: at(0.55).adding(days: 120), items: 0),
            ]
        }
        self.rounds = rounds
    }

    static func load(db: any Database, seed: UInt64, scale: DemoRecords.Scale, today: LocalDate) async throws -> DemoWorld {
        let rows = try await OrgUnit.query(on: db).sort(\.$code).all()
        guard let root = rows.first(where: { $0.code == "DEMO" }) else { throw CLIError("没有找到示范区（代码 DEMO）") }
        let units = rows.filter { root.unitPath.contains($0.unitPath) }
            .map { Unit(id: $0.id!, code: $0.code, name: $0.name, kind: $0.unitKind, parentID: $0.$parent.id) }
        let ids = Set(units.map(\.id))
        let persons = try await Person.query(on: db).sort(\.$id).all().filter { ids.contains($0.$unit.id) }.map { (id: $0.id!, name: $0.name) }
        var accounts: [String: Account] = [:]
        for user in try await User.query(on: db).filter(\.$username ~~ ["jingban", "jijian", "shenhe"]).all() {
            accounts[user.username] = Account(id: user.id!, name: user.displayName)
        }
        let poor = try await UnitFlag.query(on: db)
            .filter(\.$flag ~~ [UnitFlagKind.lowIncome.rawValue, UnitFlagKind.economicallyWeak.rawValue]).all()
        return DemoWorld(today: today, scale: scale, units: units, persons: persons, accounts: accounts,
                         poorVillageIDs: Set(poor.map { $0.$unit.id }), seed: seed)
    }

    func town(of unitID: Int) -> Unit? {
        var current = byID[unitID]
        while let u = current {
            if u.kind == .town { return u }
            current = u.parentID.flatMap { byID[$0] }
        }
        return nil
    }

    func department(_ suffix: String) -> Unit {
        departments.first { $0.code == "DEMO-\(suffix)" } ?? departments.first ?? root
    }
}
