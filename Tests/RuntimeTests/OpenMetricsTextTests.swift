import Testing
@testable import NudgeRuntime
import NudgeXMPP

/// nudge_metrics_text's rendering of nudge_stats_json's document; the
/// end-to-end checks scrape ejabberd (`ejabberdctl nudge_metrics`) and
/// nudge-component (GET /metrics).
@Suite struct OpenMetricsTextTests {
    private func lines(_ stats: JSONObject) -> [String] {
        OpenMetricsText.render(stats).split(separator: "\n").map(String.init)
    }

    @Test func everyFamilyHasHelpAndTypeAndNoEOF() {
        let text = OpenMetricsText.render([:])
        #expect(!text.contains("# EOF"))
        #expect(text.hasSuffix("\n"))
        for (key, _) in OpenMetricsText.gauges {
            #expect(text.contains("# TYPE nudge_\(key) gauge\nnudge_\(key) 0\n"), "\(key)")
        }
        #expect(text.contains("# HELP nudge_store_bytes The engine's store\n# TYPE nudge_store_bytes gauge\n# UNIT nudge_store_bytes bytes\n"))
    }

    @Test func countersCarryTotalAndLabels() {
        let l = lines(["deliveries": .number(3),
                       "vendor_answers": ["fcm": ["retry": ["503": .number(2), "none": .number(1)]]],
                       "pushes": ["message": .number(4)]])
        #expect(l.contains("nudge_deliveries_total 3"))
        #expect(l.contains("nudge_pushes_total{reason=\"message\"} 4"))
        // Sorted, as the scrape compares runs.
        let none = l.firstIndex(of: "nudge_vendor_answers_total{vendor=\"fcm\",verdict=\"retry\",status=\"none\"} 1")
        let status503 = l.firstIndex(of: "nudge_vendor_answers_total{vendor=\"fcm\",verdict=\"retry\",status=\"503\"} 2")
        #expect(none != nil && status503 != nil && status503! < none!)
    }

    @Test func labelValuesAreEscaped() {
        #expect(lines(["errors": ["a\"b\\c\nd": .number(1)]]).contains("nudge_errors_total{kind=\"a\\\"b\\\\c\\nd\"} 1"))
    }

    @Test func latencyIsAHistogramInSeconds() {
        let l = lines(["stanza_to_vendor_latency": ["bounds_ms": .array([.number(250), .number(1000)]),
                                                    "buckets": .array([.number(1), .number(2)]),
                                                    "count": .number(3), "sum_ms": .number(1500)]])
        #expect(l.contains("nudge_stanza_to_vendor_latency_seconds_bucket{le=\"0.25\"} 1"))
        #expect(l.contains("nudge_stanza_to_vendor_latency_seconds_bucket{le=\"1\"} 2"))
        #expect(l.contains("nudge_stanza_to_vendor_latency_seconds_bucket{le=\"+Inf\"} 3"))
        #expect(l.contains("nudge_stanza_to_vendor_latency_seconds_count 3"))
        #expect(l.contains("nudge_stanza_to_vendor_latency_seconds_sum 1.5"))
    }

    @Test func aHistogramWhoseArraysDisagreeIsLeftOut() {
        let text = OpenMetricsText.render(["stanza_to_vendor_latency": ["bounds_ms": .array([.number(250)]),
                                                                        "buckets": .array([])]])
        #expect(!text.contains("latency"))
    }

    @Test func numbersAreWholeWhenTheyAreWhole() {
        #expect(OpenMetricsText.format(3) == "3")
        #expect(OpenMetricsText.format(0.25) == "0.25")
        #expect(OpenMetricsText.format(268_435_456) == "268435456")
    }
}
