"""APNs answers: Apple's status/reason table, scripted entries, response bodies.

Scripts are checked against VENDORS.md's table when loaded, so a test cannot
make the mock say something Apple never says (a 410 "Shutdown"), and every
pair Apple can say is producible.
"""

from __future__ import annotations

import json
import time

REASONS = {
    400: {"BadCollapseId", "BadDeviceToken", "BadExpirationDate", "BadMessageId", "BadPriority", "BadTopic",
          "DeviceTokenNotForTopic", "DuplicateHeaders", "IdleTimeout", "InvalidPushType", "MissingDeviceToken",
          "MissingTopic", "PayloadEmpty", "TopicDisallowed"},
    403: {"BadCertificate", "BadCertificateEnvironment", "ExpiredProviderToken", "Forbidden",
          "InvalidProviderToken", "MissingProviderToken", "UnrelatedKeyIdInToken"},
    404: {"BadPath"},
    405: {"MethodNotAllowed"},
    410: {"ExpiredToken", "Unregistered"},
    413: {"PayloadTooLarge"},
    429: {"TooManyProviderTokenUpdates", "TooManyRequests"},
    500: {"InternalServerError"},
    503: {"ServiceUnavailable", "Shutdown"},
}
STATUS_OF = {reason: status for status, reasons in REASONS.items() for reason in reasons}
_KEYS = {"status", "reason", "timestamp", "retry_after", "goaway", "drop", "delay_ms"}


def _whole(entry: dict, key: str) -> int | None:
    value = entry.get(key)
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
        raise ValueError(f"{key} must be a whole number >= 0, got {value!r}")
    return value


def parse_entry(entry) -> dict:
    """Normalise one scripted answer: {"kind": "answer"|"goaway"|"drop", …}; ValueError if Apple would never send it."""
    if not isinstance(entry, dict):
        raise ValueError(f"a script entry is an object, got {entry!r}")
    unknown = set(entry) - _KEYS
    if unknown:
        raise ValueError(f"unknown keys {sorted(unknown)} in {entry}")
    delay_ms = _whole(entry, "delay_ms") or 0
    if entry.get("drop"):
        return {"kind": "drop", "delay_ms": delay_ms}
    reason = entry.get("reason")
    if entry.get("goaway"):
        reason = reason or "Shutdown"
        if reason not in STATUS_OF:
            raise ValueError(f"unknown APNs reason {reason!r}")
        kind, status = "goaway", STATUS_OF[reason]
    else:
        kind, status = "answer", entry.get("status")
        if status == 200:
            if reason is not None:
                raise ValueError("a 200 has no reason")
        elif status not in REASONS or reason not in REASONS[status]:
            raise ValueError(f"APNs never answers {status} {reason!r}; see VENDORS.md")
    timestamp = _whole(entry, "timestamp")
    if status == 410 and timestamp is None:
        timestamp = int(time.time() * 1000)
    elif status != 410 and timestamp is not None:
        raise ValueError("only 410 answers carry a timestamp")
    return {"kind": kind, "status": status, "reason": reason, "timestamp": timestamp,
            "retry_after": _whole(entry, "retry_after"), "delay_ms": delay_ms}


def error_body(reason: str, timestamp: int | None = None) -> bytes:
    document = {"reason": reason}
    if timestamp is not None:
        document["timestamp"] = timestamp
    return json.dumps(document).encode()
