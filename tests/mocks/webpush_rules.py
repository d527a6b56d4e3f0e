"""The RFC 8030 request rules a push service enforces before it accepts a message.

TTL is mandatory (a push service must not guess how long to keep a
message); Urgency and Topic have closed grammars; the body must be an
aes128gcm-encoded message of at most 4096 bytes. Each rule raises
Refused(status, reason), so a refused request tells the test which rule the
engine broke.
"""

from __future__ import annotations

import re

from tests.mocks.vendor_mock import Refused

MAX_BODY = 4096
MAX_TTL_S = 28 * 24 * 3600           # longer TTLs are accepted and shortened, as FCM and autopush do
URGENCIES = ("very-low", "low", "normal", "high")
_TTL = re.compile(r"[0-9]+")
_TOPIC = re.compile(r"[A-Za-z0-9_-]{1,32}")


def ttl(value: str | None) -> int:
    """The TTL the service will keep the message for (echoed in the 201's TTL header)."""
    if value is None:
        raise Refused(400, "missing TTL header (RFC 8030 §5.2)")
    if not _TTL.fullmatch(value):
        raise Refused(400, f"TTL {value!r} is not a non-negative integer")
    return min(int(value), MAX_TTL_S)


def urgency(value: str | None) -> str:
    if value is None:
        return "normal"
    if value not in URGENCIES:
        raise Refused(400, f"Urgency {value!r} is not one of {', '.join(URGENCIES)}")
    return value


def topic(value: str | None) -> str | None:
    if value is not None and not _TOPIC.fullmatch(value):
        raise Refused(400, f"Topic {value!r} is not 1 to 32 characters of the base64url alphabet")
    return value


def encoded_body(content_encoding: str | None, body: bytes) -> None:
    """The body must be aes128gcm (RFC 8291) and fit in 4096 bytes."""
    if (content_encoding or "").strip().lower() != "aes128gcm":
        raise Refused(415, f"Content-Encoding {content_encoding!r} is not aes128gcm")
    if len(body) > MAX_BODY:
        raise Refused(413, f"body of {len(body)} bytes is over {MAX_BODY}")
