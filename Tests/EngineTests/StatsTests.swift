import Testing
@testable import NudgeRuntime
import NudgeCore
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

    @Test func vendorAnswersAreCountedByVendorVerdictAndStatusFromFixedSets() {
        let stats = Stats()
        stats.vendorAnswered(vendor: "apns", .delivered, httpStatus: 200, latencyMs: 40)
        stats.vendorAnswered(vendor: "apns", .retry(afterMs: nil, reason: "503"), httpStatus: 503, latencyMs: nil)
        stats.vendorAnswered(vendor: "apns", .retry(afterMs: nil, reason: "connect"), httpStatus: nil, latencyMs: nil)
        stats.vendorAnswered(vendor: "ubuntu", .tokenGone(vendorTimestamp: nil, reason: "gone"), httpStatus: 400, latencyMs: nil)
        stats.vendorAnswered(vendor: "somethingelse", .configError(reason: "key"), httpStatus: nil, latencyMs: nil)
        let s = stats.snapshot()
        #expect(s.vendorAnswers["apns"] == .object(["delivered": .object(["200": .number(1)]),
                                                    "retry": .object(["503": .number(1), "none": .number(1)])]))
        #expect(s.vendorAnswers["ubports"] == .object(["token_gone": .object(["400": .number(1)])]))
        #expect(s.vendorAnswers["other"] == .object(["config_error": .object(["none": .number(1)])]))
        #expect(s.vendorAnswers.count == 3)
        #expect(s.retries["delivery"] == .number(2))
    }

    @Test func anUndocumentedStatusFallsIntoItsClassNeverANewLabel() {
        #expect(Labels.httpStatus(nil) == "none")
        #expect(Labels.httpStatus(201) == "201")
        #expect(Labels.httpStatus(429) == "429")
        #expect(Labels.httpStatus(204) == "other_2xx")
        #expect(Labels.httpStatus(302) == "other_3xx")
        #expect(Labels.httpStatus(418) == "other_4xx")
        #expect(Labels.httpStatus(599) == "other_5xx")
        for weird in [0, 99, 101, 600, 999, -1, Int.max] { #expect(Labels.httpStatus(weird) == "other") }
        // Every status a peer can send lands in the fixed set.
        let all = Set((0...1000).map { Labels.httpStatus($0) } + [Labels.httpStatus(nil)])
        #expect(all == Set(Labels.httpStatuses.map(String.init)
                           + ["other_2xx", "other_3xx", "other_4xx", "other_5xx", "other", "none"]))
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
