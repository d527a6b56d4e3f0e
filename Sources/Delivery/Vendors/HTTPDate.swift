import NudgeCore

/// Parses the IMF-fixdate form of an HTTP date, `Sun, 06 Nov 1994 08:49:37 GMT`
/// (RFC 9110 §5.6.7), the only form senders may generate. The obsolete
/// RFC 850 and asctime forms are not read: no vendor sends them, and an
/// unreadable Retry-After only means the dispatcher's own backoff applies.
enum HTTPDate {
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    private static let weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

    /// Milliseconds since the UNIX epoch, or nil for anything not exactly an IMF-fixdate.
    static func millisecondsSinceEpoch(_ text: String) -> Millis? {
        // "Sun," "06" "Nov" "1994" "08:49:37" "GMT"
        let parts = text.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0].count == 4, parts[0].hasSuffix(","),
              weekdays.contains(String(parts[0].dropLast())), parts[5] == "GMT",
              let day = number(parts[1], digits: 2), (1...31).contains(day),
              let monthIndex = months.firstIndex(of: String(parts[2])),
              let year = number(parts[3], digits: 4)
        else { return nil }
        let clock = parts[4].split(separator: ":", omittingEmptySubsequences: false)
        guard clock.count == 3, let hour = number(clock[0], digits: 2),
              let minute = number(clock[1], digits: 2), let second = number(clock[2], digits: 2),
              hour < 24, minute < 60, second <= 60
        else { return nil }
        let days = daysFromCivil(year: year, month: monthIndex + 1, day: day)
        let seconds = Millis(days) * 86_400 + Millis(hour * 3600 + minute * 60 + second)
        return seconds * 1000
    }

    /// Exactly `digits` ASCII digits (Int() would also take a sign).
    private static func number(_ s: Substring, digits: Int) -> Int? {
        guard s.utf8.count == digits, s.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int(s)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
    /// days_from_civil), so no calendar library is needed.
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
