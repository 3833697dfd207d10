import Foundation

/// A failure to read or write a spreadsheet, with a Chinese message that can be shown to the
/// user as it is, because the person importing a ledger must know what to fix in the file.
public struct SpreadsheetError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    /// What went wrong, for code that reacts differently to different failures.
    public enum Kind: String, Sendable, Equatable {
        /// Not a ZIP, or a ZIP without a workbook.
        case notXLSX
        /// A password-protected workbook (an OLE compound file holding `EncryptedPackage`).
        case encrypted
        /// The Excel 97–2003 `.xls` format.
        case legacyXLS
        /// The requested sheet does not exist.
        case missingSheet
        /// XML or compressed data that cannot be parsed.
        case corrupt
        /// The file decompresses to more than the configured limit (a ZIP bomb or an absurd file).
        case tooLarge
        /// A CSV whose bytes are neither UTF-8 nor GB18030.
        case unsupportedEncoding
        /// A sheet name or column declaration the writer cannot use.
        case invalidArgument
        /// The file system refused to read or write.
        case io
    }

    public let kind: Kind
    /// The sentence shown to the user, in Chinese.
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
    public var errorDescription: String? { message }

    static let notXLSXFile = SpreadsheetError(.notXLSX, "文件不是有效的 Excel（.xlsx）文件")
    static let encryptedFile = SpreadsheetError(.encrypted, "文件已加密，请去掉密码后再导入")
    static let legacyXLSFile = SpreadsheetError(
        .legacyXLS, "文件是旧版 Excel（.xls）格式，请在 Excel 中“另存为”Excel 工作簿（.xlsx）后再导入")

    static func corrupt(_ detail: String) -> SpreadsheetError {
        SpreadsheetError(.corrupt, "文件已损坏，无法读取：\(detail)")
    }

    static func tooLarge(limit: Int64) -> SpreadsheetError {
        SpreadsheetError(.tooLarge, "文件解压后超过 \(limit / 1_048_576) MB 或压缩比异常，拒绝导入")
    }

    static func io(_ path: String, _ error: Error) -> SpreadsheetError {
        SpreadsheetError(.io, "无法读写文件 \((path as NSString).lastPathComponent)：\(error.localizedDescription)")
    }
}
