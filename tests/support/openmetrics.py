"""A strict reader of OpenMetrics text (the exposition format of
https://prometheus.io/docs/specs/om/open_metrics_spec/), enough for the
tests that scrape each host's metrics, and the label sets Nudge's metrics
may show (README, "Metrics"): a label value outside them is a bug.

    samples = parse(text)                    # {(name, (("label", "value"), ...)): value}
    value(samples, "nudge_deliveries_total")
    assert_fixed_labels(samples, prefix="nudge_")
"""

from __future__ import annotations

import math
import re

_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
_LABEL = r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"'
_SAMPLE = re.compile(rf"^({_NAME})(?:\{{((?:{_LABEL})(?:,{_LABEL})*)?\}})? (\S+)(?: \S+)?$")
_META = re.compile(rf"^# (HELP|TYPE|UNIT) ({_NAME})(?: (.*))?$")

# Label values each Nudge metric may carry: fixed sets, whatever the input.
FIXED_LABELS = {
    "reason": {"message", "encrypted", "call", "subscription", "mention", "other", "follow-up", "restart-wake",
               "timeout-wake", "test"},
    "outcome": {"accepted", "not_enabled", "not_important", "duplicate"},
    "vendor": {"apns", "fcm", "webpush", "wns", "ubports", "other"},
    "verdict": {"delivered", "retry", "token_gone", "rejected", "config_error"},
    # The statuses vendors document (Stats.swift, Labels.httpStatuses), their classes, and no answer at all.
    "status": {"200", "201", "400", "401", "403", "404", "406", "410", "413", "429", "500", "503",
               "other_2xx", "other_3xx", "other_4xx", "other_5xx", "other", "none"},
    "retry_kind": {"delivery", "publish"},
    "store_kind": {"used", "map"},
    "error_kind": {"bad_jid", "registration_rate", "stanza_too_big", "bad_xml", "stanza_limit", "queue_full",
                   "events_dropped", "store_full", "store_failed"}
                  | {"publish_" + k for k in ("stale", "gave_up", "rejected", "config", "route", "timeout", "auth",
                                               "cancel", "continue", "modify", "wait", "other")},
}
# Which set each (metric, label) uses; "le" belongs to histograms, "host" to Prosody.
LABEL_SETS = {
    ("pushes", "reason"): "reason",
    ("held_stanzas_judged", "outcome"): "outcome",
    ("vendor_answers", "vendor"): "vendor",
    ("vendor_answers", "verdict"): "verdict",
    ("vendor_answers", "status"): "status",
    ("retries", "kind"): "retry_kind",
    ("store_bytes", "kind"): "store_kind",
    ("errors", "kind"): "error_kind",
}
LATENCY_BOUNDS_S = ["0.1", "0.25", "0.5", "1", "2.5", "5", "10", "30", "60", "300", "+Inf"]


def _unescape(v: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n"}.get(m.group(1), m.group(1)), v)


def parse(text: str) -> dict:
    """Every sample of an exposition, refusing what the format does not allow (it must end with # EOF)."""
    lines = text.split("\n")
    assert lines[-1] == "" and lines[-2] == "# EOF", f"the exposition does not end with '# EOF\\n': {text[-200:]!r}"
    samples: dict = {}
    for line in lines[:-2]:
        if line.startswith("#"):
            assert _META.match(line), f"not a HELP, TYPE or UNIT line: {line!r}"
            continue
        m = _SAMPLE.match(line)
        assert m, f"not a sample line: {line!r}"
        labels = tuple(sorted((k, _unescape(v)) for k, v in re.findall(_LABEL, m.group(2) or "")))
        key = (m.group(1), labels)
        assert key not in samples, f"sample twice: {line!r}"
        raw = m.group(m.lastindex)
        samples[key] = math.inf if raw == "+Inf" else float(raw)
    return samples


def value(samples: dict, name: str, **labels) -> float | None:
    """The sample with this name and exactly these labels (Prosody's "host" aside), or None."""
    want = tuple(sorted(labels.items()))
    for (n, have), v in samples.items():
        if n == name and tuple(kv for kv in have if kv[0] != "host") == want:
            return v
    return None


def assert_fixed_labels(samples: dict, prefix: str) -> set:
    """Every label value of the metrics under prefix is in its fixed set; returns the names seen."""
    names = set()
    for (name, labels) in samples:
        if not name.startswith(prefix):
            continue
        base = re.sub(r"_(total|created|bucket|count|sum)$", "", name[len(prefix):])
        names.add(base)
        for key, v in labels:
            if key == "le":
                assert v in LATENCY_BOUNDS_S, f"{name}: le={v!r} is not one of the fixed bounds"
                continue
            if key == "host":
                continue
            fixed = LABEL_SETS.get((base, key))
            assert fixed, f"{name}: label {key!r} is not in the naming scheme"
            assert v in FIXED_LABELS[fixed], f"{name}: {key}={v!r} is outside the fixed set {sorted(FIXED_LABELS[fixed])}"
    return names
