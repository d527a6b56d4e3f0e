import NudgeXMPP

/// The engine's figures as OpenMetrics text families (nudge_metrics_text):
/// one rendering for the hosts that have no metrics registry of their own,
/// ejabberd's `ejabberdctl nudge_metrics` and nudge-component's /metrics.
/// (Prosody registers the same figures with `module:metric` instead, under
/// its own prefix.) No `# EOF`: a host adds its own families, then ends the
/// exposition itself.
///
/// It reads `nudge_stats_json`'s document, so the two cannot disagree, and
/// every label value in it already comes from a fixed set (`Labels`).
enum OpenMetricsText {
    static let gauges: [(key: String, help: String)] = [
        ("users_enabled", "Users with push enabled"),
        ("enablements", "Push enablements (one per device and account)"),
        ("sessions_pending", "Push-enabled sessions pending (hibernating)"),
        ("publishes_in_flight", "Publishes awaiting the app server's answer"),
        ("events_waiting", "Engine events not yet drained by the host"),
        ("writer_queue", "Changes waiting for the engine's next disk commit"),
        ("registrations", "Devices registered at the built-in app server"),
        ("outbox", "Deliveries to vendors not yet done (waiting or in flight)"),
    ]
    /// The document's key, the family's name, its label and its help.
    static let labelled: [(key: String, name: String, label: String, help: String)] = [
        ("pushes", "pushes", "reason", "Pushes published, by reason"),
        ("errors", "errors", "kind", "Errors, by kind"),
        ("held", "held_stanzas_judged", "outcome", "Stanzas held for pending users, by outcome"),
        ("retries", "retries", "kind", "Deliveries and publishes to be tried again, by kind"),
    ]

    static func render(_ stats: JSONObject) -> String {
        var out = ""
        for (key, help) in gauges {
            meta(&out, "nudge_" + key, "gauge", help)
            sample(&out, "nudge_" + key, [], number(stats, key))
        }
        let store = stats["store"]?.objectValue ?? [:]
        meta(&out, "nudge_store_bytes", "gauge", "The engine's store", unit: "bytes")
        sample(&out, "nudge_store_bytes", [("kind", "used")], number(store, "used_bytes"))
        sample(&out, "nudge_store_bytes", [("kind", "map")], number(store, "map_bytes"))
        meta(&out, "nudge_deliveries", "counter", "Pushes delivered to a vendor")
        sample(&out, "nudge_deliveries_total", [], number(stats, "deliveries"))
        for family in labelled {
            meta(&out, "nudge_" + family.name, "counter", family.help)
            for (value, count) in sorted(stats[family.key]) {
                sample(&out, "nudge_\(family.name)_total", [(family.label, value)], count.doubleValue ?? 0)
            }
        }
        meta(&out, "nudge_vendor_answers", "counter",
             "Vendor answers (and transport failures), by vendor, verdict and HTTP status")
        for (vendor, verdicts) in sorted(stats["vendor_answers"]) {
            for (verdict, statuses) in sorted(verdicts) {
                for (status, count) in sorted(statuses) {
                    sample(&out, "nudge_vendor_answers_total",
                           [("vendor", vendor), ("verdict", verdict), ("status", status)], count.doubleValue ?? 0)
                }
            }
        }
        latency(&out, stats["stanza_to_vendor_latency"]?.objectValue ?? [:])
        return out
    }

    private static func latency(_ out: inout String, _ histogram: JSONObject) {
        guard let bounds = histogram["bounds_ms"]?.arrayValue, let buckets = histogram["buckets"]?.arrayValue,
              bounds.count == buckets.count else { return }
        let family = "nudge_stanza_to_vendor_latency_seconds"
        meta(&out, family, "histogram",
             "From the stanza behind a push reaching the engine to the vendor's acceptance", unit: "seconds")
        for (bound, bucket) in zip(bounds, buckets) {
            sample(&out, family + "_bucket", [("le", format((bound.doubleValue ?? 0) / 1000))], bucket.doubleValue ?? 0)
        }
        let count = number(histogram, "count")
        sample(&out, family + "_bucket", [("le", "+Inf")], count)
        sample(&out, family + "_count", [], count)
        sample(&out, family + "_sum", [], number(histogram, "sum_ms") / 1000)
    }

    private static func meta(_ out: inout String, _ family: String, _ type: String, _ help: String, unit: String? = nil) {
        out += "# HELP \(family) \(help)\n# TYPE \(family) \(type)\n"
        if let unit { out += "# UNIT \(family) \(unit)\n" }
    }

    private static func sample(_ out: inout String, _ name: String, _ labels: [(String, String)], _ value: Double) {
        out += name
        if !labels.isEmpty {
            out += "{" + labels.map { "\($0.0)=\"\(escaped($0.1))\"" }.joined(separator: ",") + "}"
        }
        out += " " + format(value) + "\n"
    }

    /// The label values come from fixed sets; escaped all the same.
    private static func escaped(_ value: String) -> String {
        var text = ""
        for c in value {
            switch c {
            case "\\": text += "\\\\"
            case "\"": text += "\\\""
            case "\n": text += "\\n"
            default: text.append(c)
            }
        }
        return text
    }

    /// Whole numbers without a fraction, others in their shortest form.
    static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }

    private static func number(_ object: JSONObject, _ key: String) -> Double { object[key]?.doubleValue ?? 0 }

    private static func sorted(_ value: JSON?) -> [(String, JSON)] {
        guard let object = value?.objectValue else { return [] }
        return object.map { ($0.key, $0.value) }.sorted { $0.0 < $1.0 }
    }
}
