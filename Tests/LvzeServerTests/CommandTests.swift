import Fluent
import LvzeCore
@testable import LvzeDemo
@testable import LvzeServer
import XCTest
import XCTVapor

final class CommandTests: XCTestCase {
    private func run(_ app: Application, _ group: any AsyncCommandGroup, _ args: [String]) async throws {
        var context = CommandContext(console: Terminal(), input: CommandInput(arguments: ["lvze"] + args))
        context.application = app
        try await group.run(using: &context)
    }

    func testUserCreateNamesEveryProblem() async throws {
        try await withFixture { app, _ in
            try await run(app, UserCommands(), ["create", "zhangsan", "--role", "clerk,reviewer", "--unit", "TA"])
            let user = try await User.query(on: app.db).filter(\.$username == "zhangsan").first()!
            XCTAssertEqual(user.roles, [.clerk, .reviewer])
            XCTAssertTrue(user.mustChangePassword, "a generated password must be changed")
            let value1 = try await auditActions(app).contains("roles_changed")
            XCTAssertTrue(value1)
            do {
                try await run(app, UserCommands(), ["create", "lisi", "--role", "sysadmin,auditor", "--unit", "NOPE"])
                XCTFail("must refuse")
            } catch let error as CLIError {
                XCTAssertTrue(error.description.contains("«所属单位»：代码「NOPE」不存在"), error.description)
                XCTAssertTrue(error.description.contains("三员分立"), error.description)
            }
            do {
                try await run(app, UserCommands(), ["create", "wangwu", "--role", "boss", "--unit", "TA"])
                XCTFail("must refuse")
            } catch let error as CLIError {
                XCTAssertTrue(error.description.contains("--role：「boss」不是角色"), error.description)
            }
            let value2 = try await User.query(on: app.db).filter(\.$username ~~ ["lisi", "wangwu"]).count()
            XCTAssertEqual(value2, 0)
        }
    }

    func testFirstStartCreatesAdminWithConfiguredPassword() async throws {
        let app = try await makeTestApp()
        do {
            let created = try await Bootstrap.ensureAdmin(app)
            XCTAssertNotNil(created)
            XCTAssertTrue(created!.generated)
            let admin = try await User.query(on: app.db).filter(\.$username == "admin").first()!
            XCTAssertEqual(admin.roles, [.sysadmin])
            XCTAssertTrue(admin.mustChangePassword)
            XCTAssertTrue(PasswordPolicy.standard.problems(password: created!.password, username: "admin").isEmpty)
            let value3 = try await Bootstrap.ensureAdmin(app)
            XCTAssertNil(value3, "only once")
            let browser = Browser(app)
            try await browser.login("admin", created!.password)
            let value4 = try await browser.get("/").location
            XCTAssertEqual(value4, "/password")
        } catch {
            try await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }

    func testDemoDistrictHasStableCodes() async throws {
        let app = try await makeTestApp()
        do {
            let summary = try await loadDemoIfEmpty(app, seed: 7)
            XCTAssertNotNil(summary)
            let value5 = try await loadDemoIfEmpty(app)
            XCTAssertNil(value5, "only into an empty database")
            let root = try await OrgUnit.query(on: app.db).filter(\.$code == "DEMO").first()!
            XCTAssertNil(root.$parent.id)
            let value6 = try await OrgUnit.query(on: app.db).filter(\.$kind == "town").count()
            XCTAssertEqual(value6, 15)
            let villages = try await OrgUnit.query(on: app.db).filter(\.$kind == "village").count()
            XCTAssertGreaterThan(villages, 200)
            let value7 = try await OrgUnit.query(on: app.db).filter(\.$code == "DEMO-T01-V001").first()
            XCTAssertNotNil(value7)
            let demoRoles = Set(try await User.query(on: app.db).all().flatMap { $0.roles })
            XCTAssertEqual(demoRoles, Set(Role.allCases).subtracting([.sysadmin]))
            _ = try await Bootstrap.ensureAdmin(app)
            let value8 = try await User.query(on: app.db).filter(\.$username == "admin").first()?.$unit.id
            XCTAssertEqual(value8, root.id)
            // Every demo village has a secretary in office at the end of last year.
            let year = LocalDate(app.lvze.clock.now()).year - 1
            let figures = try await reportFigures(app, scope: root.unitPath, year: year)
            let avg = figures.first { $0.id == "party.village_secretaries.avg_age" }!.value
            XCTAssertNotEqual(avg, "—")
            XCTAssertEqual(figures.first { $0.id == "party.temp_orgs.created" }?.value, "3")
        } catch {
            try await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }

    func testBadAdminPasswordStopsStart() async throws {
        let app = try await Application.make(.testing)
        app.logger.logLevel = .warning
        do {
            try await configure(app, LvzeConfiguration(dataDirectory: ":memory:", bcryptCost: 4, adminPassword: "short"))
            _ = try await Bootstrap.ensureAdmin(app)
            XCTFail("must refuse")
        } catch let error as StartupError {
            XCTAssertTrue(error.description.contains("LVZE_ADMIN_PASSWORD"))
        }
        try await app.asyncShutdown()
    }
}
