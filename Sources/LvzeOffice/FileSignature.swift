import Foundation

/// Recognises what an uploaded file really is from its bytes, so a user who picked the wrong file
/// gets told exactly what to do instead of a generic parse error.
enum FileSignature {
    /// The first bytes of an OLE compound file: Excel 97–2003 workbooks and encrypted OOXML files.
    static let compoundFile: [UInt8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]

    static func isZIP(_ head: [UInt8]) -> Bool {
        head.count >= 4 && head[0] == 0x50 && head[1] == 0x4B
            && ((head[2] == 3 && head[3] == 4) || (head[2] == 5 && head[3] == 6))
    }

    static func isCompoundFile(_ head: [UInt8]) -> Bool {
        head.count >= 8 && Array(head.prefix(8)) == compoundFile
    }

    /// The error for an OLE compound file, decided by the streams its directory names: an encrypted
    /// OOXML package holds `EncryptedPackage`, an `.xls` holds `Workbook` (or `Book` before Excel 97).
    static func compoundFileError(reading read: (_ maxLength: Int) throws -> Data?) throws -> SpreadsheetError {
        var probe = CompoundDirectoryProbe()
        // Directory entries are 128-byte records aligned to 128 bytes, so aligned chunks never split one.
        while let chunk = try read(1 << 20), !chunk.isEmpty {
            chunk.withUnsafeBytes { probe.scan($0) }
            if probe.foundEncryptedPackage { return SpreadsheetError.encryptedFile }
        }
        return probe.foundWorkbook ? SpreadsheetError.legacyXLSFile : SpreadsheetError.notXLSXFile
    }
}

/// Looks for directory entries of a compound file by name, without walking its sector chains.
struct CompoundDirectoryProbe {
    private(set) var foundEncryptedPackage = false
    private(set) var foundWorkbook = false

    private static let encryptedPackage = utf16("EncryptedPackage")
    private static let workbook = utf16("Workbook")
    private static let book = utf16("Book")

    private static func utf16(_ s: String) -> [UInt8] {
        s.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
    }

    /// Checks every 128-byte record of `chunk` (which must start at a multiple of 128 in the file).
    mutating func scan(_ chunk: UnsafeRawBufferPointer) {
        var offset = 0
        while offset + 128 <= chunk.count {
            let nameLength = Int(chunk[offset + 64]) | Int(chunk[offset + 65]) << 8
            let type = chunk[offset + 66]
            if nameLength >= 4, nameLength <= 64, nameLength % 2 == 0, type == 1 || type == 2 {
                let name = Array(chunk[offset..<(offset + nameLength - 2)])
                if name == Self.encryptedPackage { foundEncryptedPackage = true }
                if name == Self.workbook || name == Self.book { foundWorkbook = true }
            }
            offset += 128
        }
    }
}
