r"""A strict Web Push service (RFC 8030, 8291, 8292) with its subscribers, on loopback.

UnifiedPush distributors and browsers' push services take the same request,
so one mock serves both. The engine reaches it only through a
subscription's endpoint URL (and the ca_file), exactly as in production.
Tests make subscriptions through the control port (`POST /subscriptions`),
play the browser (the mock decrypts every accepted message with the
subscription's private key and journals the plaintext), and script the push
service's answers. Scripted answers go only to pushes that pass validation.

    python -m tests.mocks.webpush_mock --cert server.pem --key server.key \
        [--no-require-vapid] [--port 0] [--control-port 0]

Control routes beyond control.py:
    POST /subscriptions  {"application_server_key"?: b64url} -> {"endpoint", "p256dh", "auth"}
    POST /unsubscribe    {"endpoint"} -> later pushes to it get 410
"""

from __future__ import annotations

import argparse
import re
import secrets
import threading

from tests.mocks import control_routes
from tests.mocks import runner
from tests.mocks import vapid_check
from tests.mocks import webpush_crypto
from tests.mocks import webpush_rules
from tests.mocks.vendor_mock import Refused, VendorMock, check_delay, check_keys

PUSH_PATH = re.compile(r"^/push/(?P<id>[A-Za-z0-9_-]+)$")
ERROR_STATUSES = (404, 410, 413, 429, 500, 503)
REDIRECT_STATUSES = (301, 302, 307, 308)
_SCRIPT_KEYS = {"status", "retry_after", "message", "drop", "redirect", "ok", "delay_ms"}
_REASONS = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
            410: "Gone", 413: "Payload Too Large", 415: "Unsupported Media Type", 429: "Too Many Requests",
            500: "Internal Server Error", 503: "Service Unavailable"}


def parse_entry(entry) -> dict:
    """Normalise a scripted answer; ValueError for one a push service never gives."""
    check_keys(entry, _SCRIPT_KEYS)
    delay_ms = check_delay(entry)
    if entry.get("drop"):
        return {"kind": "drop", "delay_ms": delay_ms}
    if entry.get("ok"):
        return {"kind": "ok", "delay_ms": delay_ms}
    if "redirect" in entry:
        status = entry.get("status", 301)
        if not isinstance(entry["redirect"], str) or not entry["redirect"] or status not in REDIRECT_STATUSES:
            raise ValueError(f"a redirect needs a URL and a status in {REDIRECT_STATUSES}, got {entry}")
        return {"kind": "redirect", "location": entry["redirect"], "status": status, "delay_ms": delay_ms}
    status = entry.get("status")
    if status not in ERROR_STATUSES:
        raise ValueError(f"status must be one of {ERROR_STATUSES}, got {status!r}")
    retry_after = entry.get("retry_after")
    if retry_after is not None and (not isinstance(retry_after, int) or isinstance(retry_after, bool)
                                    or retry_after < 0):
        raise ValueError(f"retry_after must be a whole number >= 0, got {retry_after!r}")
    return {"kind": "error", "status": status, "retry_after": retry_after,
            "message": entry.get("message") or f"scripted {status}", "delay_ms": delay_ms}


class WebPushMock(VendorMock):
    counters = ("pushes", "pushes_accepted", "pushes_refused", "subscriptions_created")

    def __init__(self, require_vapid: bool = True):
        super().__init__()
        self.require_vapid = require_vapid
        self.origin = ""                         # https://HOST:PORT, known once bound
        self._subscriptions: dict[str, webpush_crypto.Subscription] = {}
        self._subscriptions_lock = threading.Lock()

    parse_entry = staticmethod(parse_entry)

    # ---- the push service port ----------------------------------------------

    def handle(self, request):
        path = request.path.split("?", 1)[0]
        match = PUSH_PATH.match(path)
        entry = self.journal.add(self.describe(request, "push" if match else "other"))
        if match is None:
            self._refuse(request, entry, Refused(404, f"no such resource {path}"))
            return
        self.journal.update(entry, subscription=match["id"])
        if request.method != "POST":
            self._refuse(request, entry, Refused(405, f"{request.method} is not allowed; push with POST"),
                         [("allow", "POST")])
            return
        self.count("pushes")
        self._push(request, entry, match["id"])

    def _push(self, request, entry: dict, subscription_id: str):
        with self._subscriptions_lock:
            subscription = self._subscriptions.get(subscription_id)
        self.journal.update(entry, vapid=vapid_check.describe(request.header("authorization")))
        try:
            checked = self._validate(request, subscription)
        except vapid_check.VapidRejected as rejected:
            headers = [("www-authenticate", "vapid")] if rejected.status == 401 else []
            self._refuse(request, entry, Refused(rejected.status, rejected.reason), headers)
            return
        except Refused as refused:
            self._refuse(request, entry, refused)
            return
        self.journal.update(entry, **checked)
        self.answer_after_script(request, entry, lambda answer: self._answer(request, entry, answer, checked))

    def _validate(self, request, subscription) -> dict:
        """What the journal records of a valid push; VapidRejected or Refused otherwise."""
        if subscription is None:
            raise Refused(404, "no such subscription")
        if subscription.gone:
            raise Refused(410, "the subscription has expired or was unsubscribed")
        authorization = request.header("authorization")
        vapid = None
        if authorization is not None or self.require_vapid or subscription.application_server_key is not None:
            vapid = vapid_check.verify(authorization, self.origin,
                                       application_server_key=subscription.application_server_key)
        ttl = webpush_rules.ttl(request.header("ttl"))
        urgency = webpush_rules.urgency(request.header("urgency"))
        topic = webpush_rules.topic(request.header("topic"))
        webpush_rules.encoded_body(request.header("content-encoding"), request.body)
        try:
            record, plaintext = webpush_crypto.decrypt(request.body, subscription)
        except webpush_crypto.CannotDecrypt as error:
            raise Refused(400, f"cannot decrypt: {error}") from None
        return {"vapid": vapid, "ttl": ttl, "urgency": urgency, "topic": topic, "record": record,
                "plaintext": plaintext.decode("utf-8", errors="replace"),
                "plaintext_b64": webpush_crypto.b64url(plaintext)}

    def _answer(self, request, entry: dict, answer: dict | None, checked: dict):
        if answer is None or answer["kind"] == "ok":
            self.count("pushes_accepted")
            message_id = secrets.token_urlsafe(16)
            self.journal.update(entry, message_id=message_id)
            self.reply(request, entry, 201, [("location", f"{self.origin}/message/{message_id}"),
                                             ("ttl", str(checked["ttl"]))])
        elif answer["kind"] == "redirect":
            self.reply(request, entry, answer["status"], [("location", answer["location"])])
        else:
            headers = [] if answer["retry_after"] is None else [("retry-after", str(answer["retry_after"]))]
            self._error(request, entry, answer["status"], answer["message"], headers)

    def _refuse(self, request, entry: dict, refused: Refused, headers=()):
        if entry["kind"] == "push" and request.method == "POST":
            self.count("pushes_refused")
        self._error(request, entry, refused.status, refused.reason, headers)

    def _error(self, request, entry: dict, status: int, message: str, headers=()):
        """An error document in autopush's shape: code, error (reason phrase), message."""
        self.reply_json(request, entry, status, {"code": status, "error": _REASONS.get(status, "Error"),
                                                 "message": message}, headers)

    # ---- control API (called from the control thread) ----------------------

    def control_routes(self) -> dict:
        return {("POST", "/subscriptions"): self._subscribe, ("POST", "/unsubscribe"): self._unsubscribe}

    def _subscribe(self, document: dict) -> dict:
        key = document.get("application_server_key")
        raw_key = None
        if key is not None:
            raw_key = webpush_crypto.unb64url(key)
            webpush_crypto.load_public_key(raw_key)
        subscription = webpush_crypto.Subscription.create(raw_key)
        with self._subscriptions_lock:
            self._subscriptions[subscription.id] = subscription
        self.count("subscriptions_created")
        return subscription.document(self.origin)

    def _unsubscribe(self, document: dict) -> dict:
        match = PUSH_PATH.match(str(document.get("endpoint", "")).removeprefix(self.origin))
        with self._subscriptions_lock:
            subscription = self._subscriptions.get(match["id"]) if match else None
            if subscription is None:
                raise ValueError(f"no subscription with endpoint {document.get('endpoint')!r}")
            subscription.gone = True
        return {"ok": True}

    def extra_stats(self) -> dict:
        with self._subscriptions_lock:
            live = sum(1 for subscription in self._subscriptions.values() if not subscription.gone)
        return {"subscriptions": live}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    runner.add_common_arguments(parser)
    parser.add_argument("--require-vapid", action=argparse.BooleanOptionalAction, default=True,
                        help="refuse pushes without VAPID (a present VAPID header is always checked)")
    args = parser.parse_args(argv)
    mock = WebPushMock(require_vapid=args.require_vapid)

    def on_bound(port: int):
        mock.origin = f"https://{args.host}:{port}"

    control_routes.run(mock, args, on_bound=on_bound)


if __name__ == "__main__":
    main()
