"""What FCM v1 checks in a `messages:send` body.

Google parses the body as the protobuf JSON of SendMessageRequest, so unknown
field names are errors, both snake_case and lowerCamelCase spellings are
accepted, and `data` maps must map strings to strings. On top of that FCM
enforces exactly one target, reserved data keys, the Android priority and TTL
formats, and a 4096-byte payload. Every failure is a 400 INVALID_ARGUMENT
naming the offending field, so a test can tell which rule the engine broke.

Size rule: the mock counts the compact JSON of the message without its
target (token/topic/condition). FCM documents 4096 bytes "of payload"
without a precise formula; counting everything but the target is the
strict reading.
"""

from __future__ import annotations

import json
import re

MAX_PAYLOAD = 4096
TARGETS = ("token", "topic", "condition")
_REQUEST_FIELDS = {"message", "validate_only", "validateOnly"}
_MESSAGE_FIELDS = {"name", "data", "notification", "android", "webpush", "apns", "fcm_options", "fcmOptions",
                   *TARGETS}
_ANDROID_FIELDS = {"collapse_key", "collapseKey", "priority", "ttl", "restricted_package_name",
                   "restrictedPackageName", "data", "notification", "fcm_options", "fcmOptions",
                   "direct_boot_ok", "directBootOk", "bandwidth_constrained_ok", "bandwidthConstrainedOk",
                   "restricted_satellite_ok", "restrictedSatelliteOk"}
_APNS_FIELDS = {"headers", "payload", "fcm_options", "fcmOptions", "live_activity_token", "liveActivityToken"}
_WEBPUSH_FIELDS = {"headers", "data", "notification", "fcm_options", "fcmOptions"}
_NOTIFICATION_FIELDS = {"title", "body", "image"}
ANDROID_PRIORITIES = {"high", "normal", "HIGH", "NORMAL"}
_TTL = re.compile(r"^\d+(\.\d{1,9})?s$")
_TOPIC = re.compile(r"^(/topics/)?[a-zA-Z0-9\-_.~%]+$")


class Invalid(Exception):
    """A 400 INVALID_ARGUMENT, with the field path Google would name."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def _object(value, field: str, allowed: set[str]) -> dict:
    if not isinstance(value, dict):
        raise Invalid(field, f"Invalid value at '{field}': expected an object")
    for name in value:
        if name not in allowed:
            raise Invalid(field, f"Invalid JSON payload received. Unknown name \"{name}\" at '{field}': "
                                 "Cannot find field.")
    return value


def _string_map(value, field: str, reserved: bool = False) -> None:
    if not isinstance(value, dict):
        raise Invalid(field, f"Invalid value at '{field}': expected a map of strings")
    for key, item in value.items():
        if not isinstance(item, str):
            raise Invalid(f"{field}[{key}]", f"Invalid value at '{field}[{key}]' ({type(item).__name__}): "
                                             "expected a string")
        lowered = key.lower()
        if reserved and (lowered in ("from", "message_type") or lowered.startswith(("google", "gcm"))):
            raise Invalid(f"{field}[{key}]", f"Invalid data payload key: {key!r} is reserved")


def _notification(value, field: str) -> None:
    for name, item in _object(value, field, _NOTIFICATION_FIELDS).items():
        if not isinstance(item, str):
            raise Invalid(f"{field}.{name}", f"Invalid value at '{field}.{name}': expected a string")


def _android(value) -> None:
    android = _object(value, "message.android", _ANDROID_FIELDS)
    priority = android.get("priority")
    if priority is not None and priority not in ANDROID_PRIORITIES:
        raise Invalid("message.android.priority", f"Invalid value at 'message.android.priority' ({priority!r})")
    ttl = android.get("ttl")
    if ttl is not None and (not isinstance(ttl, str) or not _TTL.match(ttl)):
        raise Invalid("message.android.ttl", f"Invalid value at 'message.android.ttl' ({ttl!r}): "
                                             "expected a duration like \"3.5s\"")
    collapse_key = android.get("collapse_key", android.get("collapseKey"))
    if collapse_key is not None and not isinstance(collapse_key, str):
        raise Invalid("message.android.collapse_key", "collapse_key must be a string")
    if "data" in android:
        _string_map(android["data"], "message.android.data", reserved=True)


def _apns(value) -> None:
    apns = _object(value, "message.apns", _APNS_FIELDS)
    if "headers" in apns:
        _string_map(apns["headers"], "message.apns.headers")
    if "payload" in apns and not isinstance(apns["payload"], dict):
        raise Invalid("message.apns.payload", "Invalid value at 'message.apns.payload': expected an object")


def _webpush(value) -> None:
    webpush = _object(value, "message.webpush", _WEBPUSH_FIELDS)
    for name in ("headers", "data"):
        if name in webpush:
            _string_map(webpush[name], f"message.webpush.{name}")


def message(body: bytes) -> tuple[dict, bool]:
    """The message of a valid SendMessageRequest body, and its validate_only flag."""
    try:
        request = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise Invalid("", f"Invalid JSON payload received. {error}")
    _object(request, "", _REQUEST_FIELDS)
    if "message" not in request:
        raise Invalid("message", "Request is missing required field 'message'")
    msg = _object(request["message"], "message", _MESSAGE_FIELDS)

    targets = [name for name in TARGETS if name in msg]
    if len(targets) != 1:
        raise Invalid("message", f"Exactly one of token, topic or condition must be set, got {targets}")
    target = msg[targets[0]]
    if not isinstance(target, str) or not target:
        raise Invalid(f"message.{targets[0]}", f"Invalid value at 'message.{targets[0]}'")
    if targets[0] == "topic" and not _TOPIC.match(target):
        raise Invalid("message.topic", f"Invalid topic name {target!r}")

    if "data" in msg:
        _string_map(msg["data"], "message.data", reserved=True)
    if "notification" in msg:
        _notification(msg["notification"], "message.notification")
    if "android" in msg:
        _android(msg["android"])
    if "apns" in msg:
        _apns(msg["apns"])
    if "webpush" in msg:
        _webpush(msg["webpush"])

    payload = {name: value for name, value in msg.items() if name not in TARGETS}
    size = len(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode())
    if size > MAX_PAYLOAD:
        raise Invalid("message", f"Message is too big: {size} bytes of payload, limit {MAX_PAYLOAD}")
    return msg, bool(request.get("validate_only", request.get("validateOnly", False)))
