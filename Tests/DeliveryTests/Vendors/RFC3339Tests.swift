import Testing
@testable import NudgeDelivery
import NudgeCore

/// RFC 3339 timestamps without a calendar library (checked against Python's datetime).
@Suite struct RFC3339Tests {
    @Test(arguments: [
        (Millis(0), "1970-01-01T00:00:00.000Z"),
        (1_700_000_000_000, "2023-11-14T22:13:20.000Z"),
        (1_795_248_000_000, "2026-11-21T08:00:00.000Z"),
        (1_709_210_096_789, "2024-02-29T12:34:56.789Z"),
        (951_868_799_999, "2000-02-29T23:59:59.999Z"),
        (946_684_799_999, "1999-12-31T23:59:59.999Z"),
        (4_107_456_000_000, "2100-02-28T00:00:00.000Z"),
        (4_107_542_400_000, "2100-03-01T00:00:00.000Z"),
        (-1, "1969-12-31T23:59:59.999Z"),
        (-2_203_891_200_000, "1900-03-01T00:00:00.000Z"),
    ])
    func fixedInstants(ms: Millis, text: String) {
        #expect(RFC3339.format(ms) == text)
    }

    @Test func civilFromDaysInvertsDaysFromCivil() {
        for days in stride(from: -800_000, through: 800_000, by: 97) {
            let (year, month, day) = RFC3339.civilFromDays(days)
            #expect((1...12).contains(month) && (1...31).contains(day))
            #expect(HTTPDate.daysFromCivil(year: year, month: month, day: day) == days)
        }
    }
}
