"""What WNS checks: the client-credentials token request, and a notification's headers and body.

The engine gets a token from login.live.com with the app's package SID and
secret, then POSTs to a channel URI with X-WNS-* headers. WNS refuses a
notification whose type and Content-Type disagree, whose XML is not the
toast/badge/tile document its type names, whose optional headers break their
grammar, or whose body is over 5000 bytes — each with a 400 (413 for size)
and an X-WNS-Error-Description, which these functions provide as reasons.
"""

from __future__ import annotations

import re
import urllib.parse
import xml.etree.ElementTree as ElementTree

from tests.mocks.vendor_mock import Refused

SCOPE = "notify.windows.com"
MAX_BODY = 5000
CONTENT_TYPES = {"wns/raw": "application/octet-stream", "wns/toast": "text/xml", "wns/badge": "text/xml",
                 "wns/tile": "text/xml"}
_TTL = re.compile(r"[0-9]+")
_BOOLEAN_HEADERS = ("x-wns-requestforstatus", "x-wns-suppresspopup")


class OAuthRejected(Exception):
    """A token request login.live.com refuses (HTTP 400, RFC 6749 §5.2 document)."""

    def __init__(self, error: str, description: str):
        super().__init__(description)
        self.error = error
        self.description = description


def token_request(content_type: str | None, body: bytes, package_sid: str, client_secret: str) -> None:
    """Accept a client-credentials request for the notify.windows.com scope, or raise OAuthRejected."""
    if (content_type or "").split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
        raise OAuthRejected("invalid_request", f"content type {content_type!r} is not a form")
    try:
        form = urllib.parse.parse_qs(body.decode("ascii"), keep_blank_values=True, strict_parsing=True)
    except (UnicodeDecodeError, ValueError):
        raise OAuthRejected("invalid_request", "malformed form body") from None
    for name in ("grant_type", "client_id", "client_secret", "scope"):
        if len(form.get(name, [])) != 1:
            raise OAuthRejected("invalid_request", f"the request needs exactly one {name}")
    if form["grant_type"] != ["client_credentials"]:
        raise OAuthRejected("unsupported_grant_type", f"grant_type {form['grant_type'][0]!r}")
    if form["client_id"] != [package_sid] or form["client_secret"] != [client_secret]:
        raise OAuthRejected("invalid_client", "the client id (package SID) or client secret is not valid")
    if form["scope"] != [SCOPE]:
        raise OAuthRejected("invalid_scope", f"scope {form['scope'][0]!r} is not {SCOPE}")


def notification(header, body: bytes) -> dict:
    """The checked X-WNS-* settings of a notification (header(name) reads a request header)."""
    if len(body) > MAX_BODY:
        raise Refused(413, f"The notification payload of {len(body)} bytes exceeds {MAX_BODY} bytes")
    kind = header("x-wns-type")
    if kind not in CONTENT_TYPES:
        raise Refused(400, f"X-WNS-Type {kind!r} is not one of {', '.join(CONTENT_TYPES)}")
    content_type = (header("content-type") or "").split(";")[0].strip().lower()
    if content_type != CONTENT_TYPES[kind]:
        raise Refused(400, f"Content-Type {header('content-type')!r} does not match {kind}, "
                           f"which needs {CONTENT_TYPES[kind]}")
    if kind != "wns/raw":
        _xml_root(body, kind.removeprefix("wns/"))
    settings = {"type": kind, "ttl": None, "tag": header("x-wns-tag"), "group": header("x-wns-group"),
                "cache_policy": header("x-wns-cache-policy")}
    ttl = header("x-wns-ttl")
    if ttl is not None:
        if not _TTL.fullmatch(ttl):
            raise Refused(400, f"X-WNS-TTL {ttl!r} is not a whole number of seconds")
        settings["ttl"] = int(ttl)
    for name in ("tag", "group"):
        value = settings[name]
        if value is not None and not 1 <= len(value) <= 16:
            raise Refused(400, f"X-WNS-{name.capitalize()} {value!r} is not 1 to 16 characters")
    if settings["cache_policy"] not in (None, "cache", "no-cache"):
        raise Refused(400, f"X-WNS-Cache-Policy {settings['cache_policy']!r} is not cache or no-cache")
    for name in _BOOLEAN_HEADERS:
        value = header(name)
        if value is not None and value not in ("true", "false"):
            raise Refused(400, f"{name} {value!r} is not true or false")
        settings[name.removeprefix("x-wns-")] = value == "true"
    if settings["suppresspopup"] and kind != "wns/toast":
        raise Refused(400, "X-WNS-SuppressPopup applies only to wns/toast")
    return settings


def _xml_root(body: bytes, expected: str) -> None:
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as error:
        raise Refused(400, f"the {expected} payload is not well-formed XML ({error})") from None
    if root.tag != expected:
        raise Refused(400, f"the XML root is <{root.tag}>, a wns/{expected} needs <{expected}>")
