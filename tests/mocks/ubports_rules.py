"""The checks push.ubports.com makes on `POST /notify`, in its order and with its errors.

Taken from the server itself (ubports/ubuntu-push, server/api/handlers.go):
POST only (405); a Content-Length (411), a non-empty body (400) of at most
4096 bytes (413); Content-Type application/json (415); a JSON object (400
"Malformed JSON Object", also for a field of the wrong type); appid and
token (400 "Missing id field"); `data` at most 2048 bytes as sent (400
"Data too large") and present (400 "Missing data field"); `expire_on` RFC
3339 (400 "Invalid expiration date") and in the future (400 "Past expiration
date"). Errors are `{"error": label, "message": …}`.

Two checks are stricter than the server, so that a sloppy engine fails
here rather than on a phone: Content-Type must be exactly application/json
(VENDORS.md; the server tolerates parameters), and `data` must be an object
(the server stores any JSON value, but the phone's push client reads an
object).
"""

from __future__ import annotations

import datetime
import json
import re

MAX_BODY = 4096
MAX_DATA = 2048
JSON_MEDIA_TYPE = "application/json"
_WS = re.compile(r"[ \t\n\r]*")
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
_FIELD_TYPES = {"appid": str, "token": str, "expire_on": str, "clear_pending": bool, "replace_tag": str}


class ApiError(Exception):
    """An error answer of the UBports push server: status, machine label, human message."""

    def __init__(self, status: int, label: str, message: str):
        super().__init__(message)
        self.status = status
        self.label = label
        self.message = message

    def document(self) -> dict:
        return {"error": self.label, "message": self.message}


def _invalid(message: str, status: int = 400) -> ApiError:
    return ApiError(status, "invalid-request", message)


def check_request(method: str, content_length: str | None, content_type: str | None, body: bytes) -> None:
    """The HTTP-level checks (server/api/handlers.go checkRequestAsPost)."""
    if method != "POST":
        raise _invalid("Wrong request method, should be POST", 405)
    if content_length is None:
        raise _invalid("A Content-Length must be provided", 411)
    if not body:
        raise _invalid("Request body empty")
    if len(body) > MAX_BODY:
        raise _invalid("Request body too large", 413)
    if content_type != JSON_MEDIA_TYPE:
        raise _invalid("Wrong content type, should be application/json", 415)


def members(text: str) -> dict[str, tuple[object, str]]:
    """Each top-level member of a JSON object: (value, its exact text), last duplicate winning.

    The server limits `data` by its bytes as sent (Go's json.RawMessage), not
    as re-serialised, so the raw text is kept. ValueError if text is not one
    JSON object.
    """
    decoder = json.JSONDecoder(parse_constant=lambda name: _raise(f"{name} is not JSON"))
    pos = _WS.match(text, 0).end()
    if text[pos:pos + 1] != "{":
        raise ValueError("not a JSON object")
    pos = _WS.match(text, pos + 1).end()
    found: dict[str, tuple[object, str]] = {}
    if text[pos:pos + 1] == "}":
        pos += 1
    else:
        while True:
            if text[pos:pos + 1] != '"':
                raise ValueError(f"expected a member name at {pos}")
            name, pos = json.decoder.scanstring(text, pos + 1)
            pos = _WS.match(text, pos).end()
            if text[pos:pos + 1] != ":":
                raise ValueError(f"expected ':' at {pos}")
            pos = _WS.match(text, pos + 1).end()
            value, end = decoder.raw_decode(text, pos)
            found[name] = (value, text[pos:end])
            pos = _WS.match(text, end).end()
            separator, pos = text[pos:pos + 1], pos + 1
            if separator == "}":
                break
            if separator != ",":
                raise ValueError(f"expected ',' or '}}' at {pos - 1}")
            pos = _WS.match(text, pos).end()
    if _WS.match(text, pos).end() != len(text):
        raise ValueError("data after the JSON object")
    return found


def _raise(message: str):
    raise ValueError(message)


def unicast(body: bytes, now: datetime.datetime | None = None) -> dict:
    """The fields of a valid notify request (server/api/handlers.go checkUnicast), ApiError otherwise."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    try:
        found = members(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise _invalid("Malformed JSON Object") from None
    fields = {name: value for name, (value, _) in found.items() if value is not None}
    for name, kind in _FIELD_TYPES.items():
        if name in fields and not isinstance(fields[name], kind):
            raise _invalid("Malformed JSON Object")
    if not fields.get("appid") or not fields.get("token"):
        raise _invalid("Missing id field")
    raw_data = found.get("data", (None, ""))[1]
    if len(raw_data.encode("utf-8")) > MAX_DATA:
        raise _invalid("Data too large")
    if "data" not in found:
        raise _invalid("Missing data field")
    if not isinstance(found["data"][0], dict):
        raise _invalid("data must be a JSON object")
    expire_on = fields.get("expire_on", "")
    if not _RFC3339.fullmatch(expire_on):
        raise _invalid("Invalid expiration date")
    try:
        seconds_precision = re.sub(r"(\.\d{6})\d+", r"\1", expire_on)   # Go takes nanoseconds, Python micro
        expiry = datetime.datetime.fromisoformat(seconds_precision.replace("Z", "+00:00"))
    except ValueError:
        raise _invalid("Invalid expiration date") from None
    if expiry < now:
        raise _invalid("Past expiration date")
    return {"appid": fields["appid"], "token": fields["token"], "expire_on": expire_on,
            "data": found["data"][0], "data_length": len(raw_data.encode("utf-8")),
            "clear_pending": fields.get("clear_pending", False), "replace_tag": fields.get("replace_tag")}
