import Synchronization
import Testing
@testable import NudgeRuntime
@testable import NudgeCore
import NudgeStore
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

/// The stanza-to-vendor latency as the engine records it at delivery.
@Suite struct StanzaLatencyStats {
    /// A clock the test moves.
    final class ManualClock: Clock {
        let ms = Atomic<Int64>(0)
        init(_ start: Millis) { ms.store(start, ordering: .relaxed) }
        func now() -> Millis { ms.load(ordering: .relaxed) }
    }

    @Test func oneDeliveryIsOneObservationOfItsStanzaToVendorTime() throws {
        let t0: Millis = 1_700_000_000_000
        let clock = ManualClock(t0 + 1_800)
        let e = try Engine(config: Config(storePath: "/unused", domains: ["example.net"]), store: MemoryStore(), clock: clock)
        defer { e.close() }
        let reg = RegRecord(vendor: "apns", app: "chat", token: "t", extra: [], secretDigest: [], owner: "juliet@example.net",
                            deviceID: "phone", deviceName: nil, createdAt: 0, updatedAt: 0)
        let job = DeliveryJob(seq: 1, node: "n", registration: reg, summary: PushSummary(),
                              priority: .normal, attempt: 0, createdAt: t0 + 1_500, stanzaAt: t0)
        e.deliveryFinished(job, .delivered, httpStatus: 200)
        let stats = try JSON.parse(try e.statsJSON().get())
        let h = try #require(stats["stanza_to_vendor_latency"]?.objectValue)
        #expect(h["count"] == .number(1))
        #expect(h["sum_ms"] == .number(1_800))   // from the stanza, not from the outbox entry (300)
        #expect(h["buckets"] == .array([0, 0, 0, 0, 1, 1, 1, 1, 1, 1].map { .number(Double($0)) }))
        #expect(stats["delivery_latency"] == nil)
    }
}
