/// The password rules a security administrator sets (等保2.0: complexity, expiry, lockout).
public struct PasswordPolicy: Sendable, Equatable, Codable {
    public var minLength: Int
    /// How many of the four classes (upper case, lower case, digits, symbols) a password needs.
    public var requiredClasses: Int
    /// Days after which a password must be changed; 0 means never.
    public var expiryDays: Int
    public var lockoutThreshold: Int
    public var lockoutMinutes: Int
    public var idleMinutes: Int

    public static let standard = PasswordPolicy(
        minLength: 12, requiredClasses: 3, expiryDays: 90,
        lockoutThreshold: 5, lockoutMinutes: 15, idleMinutes: 30)

    public init(minLength: Int, requiredClasses: Int, expiryDays: Int,
                lockoutThreshold: Int, lockoutMinutes: Int, idleMinutes: Int) {
        self.minLength = minLength
        self.requiredClasses = requiredClasses
        self.expiryDays = expiryDays
        self.lockoutThreshold = lockoutThreshold
        self.lockoutMinutes = lockoutMinutes
        self.idleMinutes = idleMinutes
    }

    /// The problems of a candidate password, in Chinese; empty when it is acceptable.
    public func problems(password: String, username: String) -> [String] {
        var out: [String] = []
        if password.count < minLength {
            out.append("密码至少需要\(minLength)位")
        }
        var classes = 0
        if password.contains(where: { $0.isASCII && $0.isUppercase }) { classes += 1 }
        if password.contains(where: { $0.isASCII && $0.isLowercase }) { classes += 1 }
        if password.contains(where: { $0.isASCII && $0.isNumber }) { classes += 1 }
        if password.contains(where: { !($0.isASCII && ($0.isLetter || $0.isNumber)) }) { classes += 1 }
        if classes < requiredClasses {
            out.append("密码须包含大写字母、小写字母、数字、符号中的至少\(requiredClasses)类")
        }
        if !username.isEmpty, password.lowercased().contains(username.lowercased()) {
            out.append("密码不能包含用户名")
        }
        return out
    }

    /// Problems of the policy itself, each naming its field.
    public func validationErrors() -> [FieldError] {
        var errors: [FieldError] = []
        if !(8...64).contains(minLength) { errors.append(.init("minLength", "密码最小长度", "须在8到64之间")) }
        if !(1...4).contains(requiredClasses) { errors.append(.init("requiredClasses", "字符类别数", "须在1到4之间")) }
        if !(0...365).contains(expiryDays) { errors.append(.init("expiryDays", "密码有效期", "须在0到365天之间（0表示不过期）")) }
        if !(3...10).contains(lockoutThreshold) { errors.append(.init("lockoutThreshold", "锁定阈值", "须在3到10次之间")) }
        if !(1...1440).contains(lockoutMinutes) { errors.append(.init("lockoutMinutes", "锁定时长", "须在1到1440分钟之间")) }
        if !(5...120).contains(idleMinutes) { errors.append(.init("idleMinutes", "空闲超时", "须在5到120分钟之间")) }
        return errors
    }
}

/// A validation problem tied to one input field, with a message users can act on.
public struct FieldError: Sendable, Equatable, Codable, Error, CustomStringConvertible {
    public var field: String
    public var label: String
    public var message: String

    public init(_ field: String, _ label: String, _ message: String) {
        self.field = field
        self.label = label
        self.message = message
    }

    /// «名称»：不能为空
    public var description: String { "«\(label)»：\(message)" }
}

/// Several field errors at once: a form reports all of its problems, not the first.
public struct ValidationFailure: Error, Sendable {
    public var errors: [FieldError]
    public init(_ errors: [FieldError]) { self.errors = errors }
    public var message: String { errors.map(\.description).joined(separator: "；") }
}
