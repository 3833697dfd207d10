import LvzeCore

/// Conversions between `LocalDate` and Excel's serial day numbers, which is how a real date cell is stored.
enum ExcelDate {
    /// Day number (since 1970-01-01) of 1899-12-30, the zero of the 1900 date system past February 1900.
    static let epoch1900 = -25_569
    /// Day number of 1904-01-01, the zero of the Mac 1904 date system.
    static let epoch1904 = -24_107

    /// The calendar date of a serial number, or nil when it is no date `LocalDate` can hold.
    ///
    /// The 1900 system counts the non-existent 1900-02-29 as serial 60 (a Lotus 1-2-3 bug Excel
    /// kept), so serials below 60 are one day later than plain arithmetic gives.
    static func date(serial: Double, uses1904: Bool) -> LocalDate? {
        guard serial.isFinite, serial >= 0, serial < 3_000_000 else { return nil }
        let whole = Int(serial.rounded(.down))
        let dayNumber: Int
        if uses1904 {
            dayNumber = epoch1904 + whole
        } else {
            guard whole != 60, whole >= 1 else { return nil }
            dayNumber = epoch1900 + whole + (whole < 60 ? 1 : 0)
        }
        let raw = LocalDate(dayNumber: dayNumber)
        return LocalDate(year: raw.year, month: raw.month, day: raw.day)
    }

    /// The 1900-system serial number that Excel shows as `date`.
    static func serial(_ date: LocalDate) -> Int {
        let serial = date.dayNumber - epoch1900
        return serial < 61 ? serial - 1 : serial
    }
}
