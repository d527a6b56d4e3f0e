import Testing
@testable import NudgeEngine
import NudgeXMPP

@Suite struct StatsTests {
    @Test func aPublishFailureKindOutsideTheFixedSetIsCountedAsOther() {
        let stats = Stats()
        stats.publishFailed("wait")
        stats.publishFailed("x-made-up-by-a-peer")
        stats.publishFailed("another-one")
        let errors = stats.snapshot().errors
        #expect(errors["publish_wait"] == .number(1))
        #expect(errors["publish_other"] == .number(2))
        #expect(errors.count == 2)
    }

    @Test func vendorAnswersAreCountedByVendorAndVerdictFromFixedSets() {
        let stats = Stats()
        stats.vendorAnswered(vendor: "apns", .delivered, latencyMs: 40)
        stats.vendorAnswered(vendor: "apns", .retry(afterMs: nil, reason: "503"), latencyMs: nil)
        stats.vendorAnswered(vendor: "ubuntu", .tokenGone(vendorTimestamp: nil, reason: "gone"), latencyMs: nil)
        stats.vendorAnswered(vendor: "somethingelse", .configError(reason: "key"), latencyMs: nil)
        let s = stats.snapshot()
        #expect(s.vendorAnswers["apns"] == .object(["delivered": .number(1), "retry": .number(1)]))
        #expect(s.vendorAnswers["ubports"] == .object(["token_gone": .number(1)]))
        #expect(s.vendorAnswers["other"] == .object(["config_error": .number(1)]))
        #expect(s.vendorAnswers.count == 3)
        #expect(s.retries["delivery"] == .number(1))
    }

    @Test func latencyBucketsAreCumulativeWithFixedBounds() {
        var h = LatencyHistogram()
        for ms: Millis in [40, 100, 101, 4000, 900_000] { h.observe(ms) }
        let json = h.json
        #expect(json["bounds_ms"] == .array(LatencyHistogram.boundsMs.map { .number(Double($0)) }))
        // ≤100: 2, ≤250: 3, ≤5000: 4 and on; the 900 s one is only in count (+Inf).
        #expect(json["buckets"] == .array([2, 3, 3, 3, 3, 4, 4, 4, 4, 4].map { .number(Double($0)) }))
        #expect(json["count"] == .number(5))
        #expect(json["sum_ms"] == .number(904_241))
    }
}
