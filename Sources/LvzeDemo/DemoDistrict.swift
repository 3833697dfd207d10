import LvzeServer
import SQLKit
import FluentSQL
import Fluent
import LvzeCore
import Vapor

/// A small invented district rooted at `DEMO`: departments, towns and streets, villages and
/// communities with their party organisations, a few enterprises, village cadres with
/// positions and dated flags, and one account per role. Codes are stable and the content
/// is the same for the same seed.
struct DemoDistrict {
    static let password = "Lvze@Demo2026"
    static let accounts: [(username: String, name: String, role: Role, unit: String)] = [
        ("anquan", "安全管理员（演示）", .secadmin, "DEMO"),
        ("shenji", "审计管理员（演示）", .auditor, "DEMO"),
        ("lingdao", "区委书记（演示）", .leader, "DEMO"),
        ("jingban", "区委办经办人（演示）", .clerk, "DEMO"),
        ("shenhe", "组织部审核人（演示）", .reviewer, "DEMO"),
        ("jijian", "纪委监委（演示）", .discipline, "DEMO"),
        ("kaohe", "区委考核办（演示）", .assessor, "DEMO"),
        ("jingban_t01", "东城街道经办人（演示）", .clerk, "DEMO-T01"),
        ("jingban_t02", "西河镇经办人（演示）", .clerk, "DEMO-T02"),
    ]

    static let towns = ["东城街道", "西河镇", "南湖街道", "北岭镇", "青石镇", "白塔街道", "柳营镇", "金桥镇",
                        "长林镇", "新港街道", "古渡镇", "云台镇", "石门镇", "枫桥街道", "双河镇"]
    static let departments: [(String, String)] = [
        ("BGS", "区委办公室"), ("ZZB", "区委组织部"), ("XCB", "区委宣传部"), ("JW", "区纪委监委"),
        ("YJJ", "区应急管理局"), ("ZFB", "区政府办公室"),
    ]
    static let villageSuffixes = ["村", "村", "村", "社区"]
    static let villageStems = ["大庄", "小圩", "前营", "后湾", "王集", "李庄", "张桥", "刘湖", "陈圩", "杨庙",
                               "赵河", "孙楼", "周集", "吴庄", "郑店", "冯湾", "何岗", "高墩", "林场", "罗庄"]
    static let surnames = Array("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文")
    static let givenNames = ["建国", "红梅", "志强", "秀英", "海涛", "丽娟", "卫东", "春燕", "国庆", "晓明",
                             "玉兰", "德胜", "桂芳", "宏伟", "文静", "永刚", "小军", "雪梅", "立新", "亚平",
                             "振华", "淑珍", "俊杰", "美玲", "长青", "爱华", "新民", "慧敏", "光明", "婷婷"]

    let db: any Database
    let seed: UInt64

    /// A small deterministic generator (SplitMix64): the same seed gives the same district.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E3779B97F4A7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
            z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
            return z ^ (z >> 31)
        }
        mutating func int(_ range: ClosedRange<Int>) -> Int {
            range.lowerBound + Int(next() % UInt64(range.count))
        }
        mutating func pick<T>(_ items: [T]) -> T { items[int(0...(items.count - 1))] }
        mutating func chance(_ p: Double) -> Bool { Double(next() % 10_000) / 10_000 < p }
    }

    struct Summary {
        var units = 0
        var people = 0
        var accounts: [(String, String, String)] = []
    }

    func build(today: LocalDate, bcryptCost: Int, threadPool: NIOThreadPool) async throws -> Summary {
        var rng = Random(state: seed)
        var summary = Summary()
        let year = today.year
        func unit(_ code: String, _ name: String, _ kind: UnitKind, _ parent: OrgUnit?, founded: String? = nil, order: Int = 0) async throws -> OrgUnit {
            summary.units += 1
            return try await OrgUnit.create(.init(code: code, name: name, kind: kind, parent: parent,
                                               foundedOn: founded.flatMap(LocalDate.parse), dissolvedOn: nil,
                                               sortOrder: order, note: ""), on: db)
        }
        func person(_ unit: OrgUnit, birthYear: ClosedRange<Int>, education: [Education], origin: PersonOrigin?) async throws -> Person {
            let p = Person()
            p.$unit.id = unit.id!
            p.name = String(rng.pick(Self.surnames)) + rng.pick(Self.givenNames)
            p.gender = rng.chance(0.7) ? Gender.male.rawValue : Gender.female.rawValue
            p.birthDate = LocalDate(year: rng.int(birthYear), month: rng.int(1...12), day: rng.int(1...28))!.iso
            p.education = rng.pick(education).rawValue
            p.politicalStatus = PoliticalStatus.member.rawValue
            p.origin = origin?.rawValue
            p.phone = "13\(rng.int(100_000_000...999_999_999))"
            p.note = ""
            try await p.create(on: db)
            summary.people += 1
            return p
        }
        func position(_ person: Person, _ unit: OrgUnit, _ post: Post, _ title: String, from: String, to: String? = nil) async throws {
            let pos = Position()
            pos.$person.id = person.id!
            pos.$unit.id = unit.id!
            pos.post = post.rawValue
            pos.title = title
            pos.startOn = from
            pos.endOn = to
            try await pos.create(on: db)
        }
        func flag(_ unit: OrgUnit, _ kind: UnitFlagKind, set: String, cleared: String?, reason: String, note: String) async throws {
            let f = UnitFlag()
            f.$unit.id = unit.id!
            f.flag = kind.rawValue
            f.setOn = set
            f.setReason = reason
            f.clearedOn = cleared
            f.clearedNote = note
            try await f.create(on: db)
        }

        let root = try await unit("DEMO", "示范区", .district, nil, founded: "1983-07-01")
        let committee = try await unit("DEMO-QW", "中共示范区委员会", .partyCommittee, root, founded: "1983-07-01")
        for (i, (code, name)) in Self.departments.enumerated() {
            _ = try await unit("DEMO-\(code)", name, .department, root, order: i + 1)
        }
        _ = committee
        let educations: [Education] = [.highSchool, .college, .college, .bachelor, .bachelor, .postgraduate, .juniorOrBelow]
        for (t, townName) in Self.towns.enumerated() {
            let tc = String(format: "DEMO-T%02d", t + 1)
            let town = try await unit(tc, townName, .town, root, order: 100 + t)
            let townCommittee = try await unit(tc + "-DW", "中共\(townName)委员会", .partyCommittee, town)
            let secretary = try await person(town, birthYear: 1970...1982, education: [.bachelor, .postgraduate], origin: .appointed)
            try await position(secretary, townCommittee, .secretary, "党委书记", from: "\(year - 3)-03-01")
            if t % 7 == 2 {
                // A backward town party committee, transformed last year or still in rectification.
                try await flag(townCommittee, .backward, set: "\(year - 2)-04-10", cleared: t % 2 == 0 ? "\(year - 1)-11-20" : nil,
                               reason: "年度考核排名靠后，班子凝聚力不强", note: "调整班子，集中整顿，考核合格")
            }
            let villageCount = 15 + (t * 7) % 6
            for v in 0..<villageCount {
                let stem = Self.villageStems[(t * 3 + v) % Self.villageStems.count]
                let suffix = Self.villageSuffixes[(t + v) % Self.villageSuffixes.count]
                let vc = String(format: "%@-V%03d", tc, v + 1)
                let village = try await unit(vc, stem + (v >= Self.villageStems.count ? "\(v / Self.villageStems.count + 1)" : "") + suffix,
                                             .village, town, order: v)
                let branch = try await unit(vc + "-DZB", "中共\(village.name)\(v % 5 == 0 ? "总支部委员会" : "支部委员会")",
                                            v % 5 == 0 ? .generalBranch : .branch, village)
                _ = branch
                // The village party secretary in office, and for some villages the one before.
                let origin: PersonOrigin = rng.chance(0.12) ? .veteran : (rng.chance(0.1) ? .townHired : .local)
                let sec = try await person(village, birthYear: 1968...1992, education: educations, origin: origin)
                let start = rng.chance(0.3) ? "\(year - 1)-\(String(format: "%02d", rng.int(1...9)))-15" : "\(year - 5)-01-10"
                if start.hasPrefix("\(year - 1)") {
                    let former = try await person(village, birthYear: 1955...1970, education: [.juniorOrBelow, .highSchool], origin: .local)
                    try await position(former, village, .secretary, "党组织书记", from: "\(year - 8)-01-10", to: start)
                }
                try await position(sec, village, .secretary, "党组织书记", from: start)
                if rng.chance(0.6) {
                    let director = try await person(village, birthYear: 1975...1995, education: educations,
                                                    origin: rng.chance(0.2) ? .townHired : .local)
                    try await position(director, village, .director, suffix == "社区" ? "居委会主任" : "村委会主任", from: "\(year - 5)-01-10")
                }
                if rng.chance(0.06) {
                    try await flag(village, .weak, set: "\(year - 2)-03-\(String(format: "%02d", rng.int(1...28)))",
                                   cleared: rng.chance(0.6) ? "\(year - 1)-\(String(format: "%02d", rng.int(6...12)))-10" : nil,
                                   reason: "班子不团结、组织生活不规范", note: "选派第一书记，完成整顿")
                }
                if suffix == "村", rng.chance(0.08) {
                    try await flag(village, rng.chance(0.5) ? .lowIncome : .economicallyWeak, set: "\(year - 4)-01-01",
                                   cleared: rng.chance(0.3) ? "\(year - 1)-12-20" : nil,
                                   reason: "村集体经营性收入低于认定标准", note: "集体收入稳定超过认定标准")
                }
            }
            for e in 0..<3 {
                _ = try await unit(String(format: "%@-E%03d", tc, e + 1), "\(townName.prefix(2))\(["纺织", "机械", "食品", "化工", "建材"][(t + e) % 5])有限公司",
                                   .enterprise, town, order: 900 + e)
            }
            if t < 3 {
                _ = try await unit(tc + "-LS1", "\(townName)防汛抢险临时党支部", .temporaryParty, town,
                                   founded: "\(year - 1)-07-\(String(format: "%02d", 5 + t))")
            }
        }

        let hash = try await threadPool.runIfActive { try Bcrypt.hash(Self.password, cost: bcryptCost) }
        for account in Self.accounts {
            guard let unit = try await OrgUnit.query(on: db).filter(\.$code == account.unit).first() else { continue }
            let user = User.make(.init(username: account.username, displayName: account.name, unit: unit, roles: [account.role]),
                                 passwordHash: hash, mustChange: false, now: Date())
            try await user.create(on: db)
            summary.accounts.append((account.username, account.role.label, unit.name))
        }
        return summary
    }
}
