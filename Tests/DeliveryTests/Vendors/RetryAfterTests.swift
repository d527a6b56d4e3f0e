import Testing
@testable import NudgeDelivery
import NudgeCore

/// Retry-After as delay-seconds and as an IMF-fixdate.
@Suite struct RetryAfterTests {
    let now: Millis = 1_700_000_000_000   // Tue, 14 Nov 2023 22:13:20 GMT

    @Test func seconds() {
        #expect(RetryAfter.milliseconds("120", now: now) == 120_000)
        #expect(RetryAfter.milliseconds(" 5\t", now: now) == 5_000)
        #expect(RetryAfter.milliseconds("0", now: now) == 0)
        #expect(RetryAfter.milliseconds(nil, now: now) == nil)
    }

    @Test func hugeValuesAreCapped() {
        #expect(RetryAfter.milliseconds("999999999999999999999999", now: now) == RetryAfter.maximumMs)
        #expect(RetryAfter.milliseconds("100000", now: now) == RetryAfter.maximumMs)
    }

    @Test func dates() {
        #expect(RetryAfter.milliseconds("Tue, 14 Nov 2023 22:14:20 GMT", now: now) == 60_000)
        #expect(RetryAfter.milliseconds("Tue, 14 Nov 2023 22:13:20 GMT", now: now) == 0)
        #expect(RetryAfter.milliseconds("Mon, 13 Nov 2023 22:13:20 GMT", now: now) == 0)
        #expect(HTTPDate.millisecondsSinceEpoch("Thu, 01 Jan 1970 00:00:00 GMT") == 0)
        #expect(HTTPDate.millisecondsSinceEpoch("Sun, 06 Nov 1994 08:49:37 GMT") == 784_111_777_000)
        #expect(HTTPDate.millisecondsSinceEpoch("Tue, 29 Feb 2000 12:00:00 GMT") == 951_825_600_000)
    }

    @Test(arguments: ["", "soon", "-5", "+5", "1.5", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994",
                      "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 6 Nov 1994 08:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT",
                      "Sun, 06 Nov 1994 24:00:00 GMT", "Sun, +6 Nov 1994 08:49:37 GMT"])
    func unreadable(value: String) {
        #expect(RetryAfter.milliseconds(value, now: now) == nil)
    }
}
