import Fluent
import LvzeCore
import Vapor

/// The REST API (v1): a script logs in for a token, then reads and writes with it.
struct APIController {
    func bootPublic(routes: any RoutesBuilder) {
        routes.post(.apiLogin, use: login)
    }

    func bootProtected(routes: any RoutesBuilder) {
        routes.get(.apiMe, use: me)
        routes.get(.apiUnits, use: units)
        routes.post(.apiUnits, use: createUnit)
        routes.get(.apiUnit, use: unit)
        routes.get(.apiPeople, use: people)
        routes.get(.apiPerson, use: person)
    }

    struct LoginBody: Content {
        var username: String?
        var password: String?
    }

    struct TokenResponse: Content {
        var token: String
        var expiresAt: String
    }

    /// Issues a token valid for one day, under the same lockout as the login page.
    func login(req: Request) async throws -> Response {
        let body = try req.content.decode(LoginBody.self)
        do {
            let user = try await Authenticator(request: req).login(username: body.username ?? "", password: body.password ?? "")
            if passwordChangeRequired(user, request: req) {
                throw Abort(.forbidden, reason: "密码须先在网页上修改后才能使用接口")
            }
            let (token, plain) = makeToken(for: user.id!, name: "接口登录", days: 1, now: req.now)
            try await token.create(on: req.db)
            return try await TokenResponse(token: plain, expiresAt: ISOTime.string(token.expiresAt!)).encodeResponse(for: req)
        } catch let failure as Authenticator.Failure {
            throw Abort(failure.status, reason: failure.message)
        }
    }

    struct Me: Content {
        var username: String
        var displayName: String
        var unitCode: String
        var unitName: String
        var roles: [String]
    }

    func me(req: Request) async throws -> Me {
        let p = try req.requirePrincipal()
        return Me(username: p.user.username, displayName: p.user.displayName, unitCode: p.unit.code, unitName: p.unit.name,
                  roles: p.roles.sorted().map(\.rawValue))
    }

    struct UnitDTO: Content {
        var id: Int
        var code: String
        var name: String
        var kind: String
        var kindLabel: String
        var parentID: Int?
        var depth: Int
        var foundedOn: String?
        var dissolvedOn: String?

        init(_ u: OrgUnit) {
            id = u.id!; code = u.code; name = u.name; kind = u.kind; kindLabel = u.unitKind.label
            parentID = u.$parent.id; depth = u.depth; foundedOn = u.foundedOn; dissolvedOn = u.dissolvedOn
        }
    }

    struct Page<T: Content>: Content {
        var items: [T]
        var next: String?
    }

    /// Units in scope, in tree order of their paths, keyset-paged by path.
    func units(req: Request) async throws -> Page<UnitDTO> {
        let p = try req.require(UnitController.readers)
        let limit = min(max((try? req.query.get(Int.self, at: "limit")) ?? 200, 1), 1000)
        var b = OrgUnit.query(on: req.db).within(p.scope)
        if let kind = try? req.query.get(String.self, at: "kind") {
            guard UnitKind(rawValue: kind) != nil else {
                throw Abort(.badRequest, reason: "参数 kind：「\(kind)」不是单位类型（可选：\(UnitKind.allCases.map(\.rawValue).joined(separator: ", "))）")
            }
            b = b.filter(\.$kind == kind)
        }
        if let after = try? req.query.get(String.self, at: "after") { b = b.filter(\.$path > after) }
        let found = try await b.sort(\.$path).limit(limit + 1).all()
        let items = found.prefix(limit).map(UnitDTO.init)
        return Page(items: Array(items), next: found.count > limit ? found[limit - 1].path : nil)
    }

    func unit(req: Request) async throws -> UnitDTO {
        let p = try req.require(UnitController.readers)
        guard let code = req.parameters.get("code"),
              let unit = try await OrgUnit.query(on: req.db).filter(\.$code == code).first(), p.covers(unit) else {
            throw Abort(.notFound, reason: "单位不存在或不在您的权限范围内")
        }
        return UnitDTO(unit)
    }

    func createUnit(req: Request) async throws -> Response {
        let p = try req.require(UnitController.writers)
        let input = try req.content.decode(UnitInput.self)
        let checked = try await input.check(existing: nil, scope: p.scope, on: req.db)
        let unit = try await req.db.transaction { tx in
            let unit = try await OrgUnit.create(checked, on: tx)
            try await req.audit(.create, "unit", String(unit.id!), "新增单位「\(unit.name)」（\(unit.code)）（接口）",
                                after: unit.snapshot, on: tx)
            return unit
        }
        return try await UnitDTO(unit).encodeResponse(status: .created, for: req)
    }

    struct PersonDTO: Content {
        struct PositionDTO: Content {
            var unitCode: String
            var post: String
            var title: String
            var startOn: String
            var endOn: String?
        }
        var id: Int
        var name: String
        var gender: String
        var birthDate: String?
        var education: String?
        var politicalStatus: String?
        var origin: String?
        var unitCode: String
        var positions: [PositionDTO]?
    }

    func people(req: Request) async throws -> Page<PersonDTO> {
        let p = try req.require(PersonController.readers)
        let limit = min(max((try? req.query.get(Int.self, at: "limit")) ?? 200, 1), 1000)
        var b = Person.query(on: req.db).join(OrgUnit.self, on: \Person.$unit.$id == \OrgUnit.$id)
            .filter(OrgUnit.self, \.$path >= p.scope.value).filter(OrgUnit.self, \.$path < p.scope.subtreeUpperBound)
        if let after = try? req.query.get(Int.self, at: "after") { b = b.filter(\.$id > after) }
        let found = try await b.sort(\.$id).limit(limit + 1).all()
        let items = try found.prefix(limit).map { person in
            PersonDTO(id: person.id!, name: person.name, gender: person.gender, birthDate: person.birthDate,
                      education: person.education, politicalStatus: person.politicalStatus, origin: person.origin,
                      unitCode: try person.joined(OrgUnit.self).code, positions: nil)
        }
        return Page(items: items, next: found.count > limit ? String(found[limit - 1].id!) : nil)
    }

    func person(req: Request) async throws -> PersonDTO {
        let p = try req.require(PersonController.readers)
        let (person, unit) = try await scopedPerson(req.parameters.get("id", as: Int.self), p, req)
        let positions = try await Position.query(on: req.db).filter(\.$person.$id == person.id!).with(\.$unit).sort(\.$startOn).all()
        return PersonDTO(id: person.id!, name: person.name, gender: person.gender, birthDate: person.birthDate,
                         education: person.education, politicalStatus: person.politicalStatus, origin: person.origin,
                         unitCode: unit.code, positions: positions.map {
                             .init(unitCode: $0.unit.code, post: $0.post, title: $0.title, startOn: $0.startOn, endOn: $0.endOn)
                         })
    }
}
