"""What APNs checks in a push request, apart from authentication.

Each rule answers with the status and reason Apple documents (VENDORS.md), so
an engine that sends a wrong header is told so exactly as it would be told in
production. One addition of the mock's own: a body that is not a JSON object
with an "aps" dictionary gets 400 "BadPayload"; Apple's table lists no reason
for it, and silently accepting it would hide an engine bug.
"""

from __future__ import annotations

import json
import re

MAX_PAYLOAD = 4096
MAX_VOIP_PAYLOAD = 5120
MAX_TOKEN_HEX = 200
MAX_COLLAPSE_ID = 64

# Apple's push types, with the suffix each one's apns-topic must carry.
TOPIC_SUFFIX = {
    "alert": "",
    "background": "",
    "mdm": "",
    "voip": ".voip",
    "complication": ".complication",
    "fileprovider": ".pushkit.fileprovider",
    "location": ".location-query",
    "liveactivity": ".push-type.liveactivity",
    "pushtotalk": ".voip-ptt",
    "widgets": ".push-type.widgets",
}
PRIORITIES = {"10", "5", "1"}

_DEVICE_PATH = re.compile(r"^/3/device/?(?P<token>[^/?#]*)$")
_HEX = re.compile(r"^[0-9a-fA-F]+$")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_SECONDS = re.compile(r"^[0-9]+$")


class Rejected(Exception):
    """A request APNs would refuse, with its status and reason."""

    def __init__(self, status: int, reason: str, detail: str = ""):
        super().__init__(detail or reason)
        self.status = status
        self.reason = reason


def device_token(method: str, path: str) -> str:
    """The hex device token of a `POST /3/device/<token>` request."""
    match = _DEVICE_PATH.match(path)
    if match is None:
        raise Rejected(404, "BadPath", f"no such path {path!r}")
    if method != "POST":
        raise Rejected(405, "MethodNotAllowed", f"{method} instead of POST")
    token = match["token"]
    if not token:
        raise Rejected(400, "MissingDeviceToken")
    if len(token) % 2 or len(token) > MAX_TOKEN_HEX or not _HEX.match(token):
        raise Rejected(400, "BadDeviceToken", f"not a hex device token: {token!r}")
    return token


def is_message_id(value: str | None) -> bool:
    """Whether an apns-id is a lowercase UUID, as Apple requires."""
    return value is not None and _UUID.match(value) is not None


def no_duplicates(headers: list[tuple[str, str]]) -> None:
    seen = set()
    for name, _ in headers:
        if name in seen and not name.startswith(":"):
            raise Rejected(400, "DuplicateHeaders", f"{name} appears twice")
        seen.add(name)


def _topic_parts(topic: str, bases: list[str]) -> tuple[str, str]:
    """Split a topic into an allowed bundle id and a known suffix."""
    for base in sorted(bases, key=len, reverse=True):
        suffix = topic[len(base):]
        if topic.startswith(base) and suffix in TOPIC_SUFFIX.values():
            return base, suffix
    raise Rejected(400, "TopicDisallowed", f"topic {topic!r} is not one of {bases}")


def push_headers(headers: dict[str, str], bases: list[str], required_topic: bool) -> tuple[str, str, int]:
    """Check topic, push type, priority, expiration, collapse id and apns-id.

    bases: the bundle ids this provider may push to. required_topic: token
    auth needs apns-topic; certificate auth defaults it to the certificate's.
    Returns (topic, push type, priority).
    """
    topic = headers.get("apns-topic")
    if topic is None:
        if required_topic:
            raise Rejected(400, "MissingTopic")
        topic = bases[0]
    if not topic or topic != topic.strip():
        raise Rejected(400, "BadTopic", f"malformed topic {topic!r}")
    _, suffix = _topic_parts(topic, bases)

    push_type = headers.get("apns-push-type")
    if push_type is None:
        push_type = next(kind for kind, kind_suffix in TOPIC_SUFFIX.items() if kind_suffix == suffix)
    elif push_type not in TOPIC_SUFFIX:
        raise Rejected(400, "InvalidPushType", f"unknown push type {push_type!r}")
    if TOPIC_SUFFIX[push_type] != suffix:
        raise Rejected(400, "DeviceTokenNotForTopic",
                       f"{push_type} pushes need topic suffix {TOPIC_SUFFIX[push_type]!r}, topic is {topic!r}")

    priority_text = headers.get("apns-priority", "10")
    if priority_text not in PRIORITIES:
        raise Rejected(400, "BadPriority", f"priority {priority_text!r}")
    priority = int(priority_text)
    if push_type == "background" and priority != 5:
        raise Rejected(400, "BadPriority", "background pushes must have priority 5")

    expiration = headers.get("apns-expiration")
    if expiration is not None and not _SECONDS.match(expiration):
        raise Rejected(400, "BadExpirationDate", f"expiration {expiration!r}")
    collapse_id = headers.get("apns-collapse-id")
    if collapse_id is not None and len(collapse_id.encode()) > MAX_COLLAPSE_ID:
        raise Rejected(400, "BadCollapseId", f"collapse id of {len(collapse_id.encode())} bytes")
    apns_id = headers.get("apns-id")
    if apns_id is not None and not is_message_id(apns_id):
        raise Rejected(400, "BadMessageId", f"apns-id {apns_id!r} is not a lowercase UUID")
    return topic, push_type, priority


def payload(body: bytes, push_type: str) -> dict:
    """The JSON payload, within Apple's size limit for the push type."""
    if not body:
        raise Rejected(400, "PayloadEmpty")
    limit = MAX_VOIP_PAYLOAD if push_type == "voip" else MAX_PAYLOAD
    if len(body) > limit:
        raise Rejected(413, "PayloadTooLarge", f"{len(body)} bytes, limit {limit}")
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise Rejected(400, "BadPayload", f"not JSON: {error}")
    if not isinstance(document, dict) or not isinstance(document.get("aps"), dict):
        raise Rejected(400, "BadPayload", "payload must be an object with an \"aps\" dictionary")
    return document
