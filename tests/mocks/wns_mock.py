r"""A strict Windows Push Notification Service and its token endpoint, on loopback.

One HTTP/2 + TLS port serves `POST /accesstoken.srf` (login.live.com's
client-credentials grant, which the engine is pointed at) and
`POST /channel/<id>` (channel URIs the test makes through the control port,
playing the Windows app). So the engine runs the whole production flow: get
a token with the package SID and secret, send with it, refresh it when WNS
says 401. Answers carry WNS's headers (X-WNS-Status, X-WNS-Msg-ID,
X-WNS-Error-Description). Scripted answers go only to notifications that
pass validation; `{"expire_tokens": true}` kills every access token as soon
as it reaches the head of the script.

    python -m tests.mocks.wns_mock --cert server.pem --key server.key \
        --package-sid ms-app://s-1-15-2-… --client-secret SECRET [--token-lifetime-s 86400]

Control routes beyond control.py:
    POST /channels  {} -> {"uri": "https://HOST:PORT/channel/<id>"}
"""

from __future__ import annotations

import argparse
import re
import secrets
import threading

from tests.mocks import control_routes
from tests.mocks import fcm_oauth
from tests.mocks import runner
from tests.mocks import wns_rules
from tests.mocks.vendor_mock import Refused, VendorMock, check_delay, check_keys

CHANNEL_PATH = re.compile(r"^/channel/(?P<id>[A-Za-z0-9_-]+)$")
TOKEN_PATH = "/accesstoken.srf"
ERROR_DESCRIPTIONS = {
    401: "The cloud service did not present a valid authentication ticket.",
    404: "The channel URI is not valid or is not recognized by WNS.",
    406: "The cloud service exceeded its throttle limit.",
    410: "The channel expired.",
    413: "The notification payload exceeds the 5000 byte size limit.",
    500: "An internal failure caused notification delivery to fail.",
    503: "The server is currently unavailable.",
}
_SCRIPT_KEYS = {"status", "description", "retry_after", "drop", "expire_tokens", "wns_status", "ok", "delay_ms"}


def parse_entry(entry) -> dict:
    """Normalise a scripted WNS answer; ValueError for one WNS never gives."""
    check_keys(entry, _SCRIPT_KEYS)
    delay_ms = check_delay(entry)
    if entry.get("expire_tokens"):
        return {"kind": "expire_tokens"}
    if entry.get("drop"):
        return {"kind": "drop", "delay_ms": delay_ms}
    if entry.get("ok") or entry.get("wns_status") == "received":
        return {"kind": "ok", "wns_status": "received", "delay_ms": delay_ms}
    if "wns_status" in entry:
        if entry["wns_status"] != "dropped":
            raise ValueError(f"wns_status must be received or dropped, got {entry['wns_status']!r}")
        return {"kind": "ok", "wns_status": "dropped", "delay_ms": delay_ms}
    status = entry.get("status")
    if status not in ERROR_DESCRIPTIONS:
        raise ValueError(f"status must be one of {sorted(ERROR_DESCRIPTIONS)}, got {status!r}")
    retry_after = entry.get("retry_after")
    if retry_after is not None and (not isinstance(retry_after, int) or isinstance(retry_after, bool)
                                    or retry_after < 0):
        raise ValueError(f"retry_after must be a whole number >= 0, got {retry_after!r}")
    return {"kind": "error", "status": status, "retry_after": retry_after,
            "description": entry.get("description") or ERROR_DESCRIPTIONS[status], "delay_ms": delay_ms}


class WnsMock(VendorMock):
    counters = ("token_requests", "tokens_issued", "token_refusals", "sends", "sends_ok", "sends_refused")

    def __init__(self, package_sid: str, client_secret: str, token_lifetime_s: int = 86400):
        self.tokens = fcm_oauth.AccessTokens(token_lifetime_s)
        super().__init__(is_action=lambda entry: entry["kind"] == "expire_tokens",
                         apply_action=lambda entry: self.tokens.expire_all())
        self.package_sid = package_sid
        self.client_secret = client_secret
        self.origin = ""
        self._channels: set[str] = set()
        self._channels_lock = threading.Lock()

    parse_entry = staticmethod(parse_entry)

    def handle(self, request):
        path = request.path.split("?", 1)[0]
        if path == TOKEN_PATH:
            self._token(request)
            return
        match = CHANNEL_PATH.match(path)
        entry = self.journal.add(self.describe(request, "send" if match else "other"))
        if match is None:
            self._error(request, entry, 404, f"no such resource {path}")
        elif request.method != "POST":
            self._error(request, entry, 405, f"{request.method} is not allowed; send with POST")
        else:
            self.journal.update(entry, channel=match["id"])
            self._send(request, entry, match["id"])

    # ---- login.live.com -------------------------------------------------------

    def _token(self, request):
        entry = self.journal.add(self.describe(request, "token"))
        self.count("token_requests")
        try:
            if request.method != "POST":
                raise wns_rules.OAuthRejected("invalid_request", f"{request.method} is not allowed; use POST")
            wns_rules.token_request(request.header("content-type"), request.body, self.package_sid,
                                    self.client_secret)
        except wns_rules.OAuthRejected as rejected:
            self.count("token_refusals")
            self.reply_json(request, entry, 400, {"error": rejected.error,
                                                  "error_description": rejected.description})
            return
        self.count("tokens_issued")
        self.reply_json(request, entry, 200, {"access_token": self.tokens.issue(), "token_type": "bearer",
                                              "expires_in": self.tokens.lifetime_s})

    # ---- notifications ---------------------------------------------------------

    def _send(self, request, entry: dict, channel: str):
        self.count("sends")
        try:
            self._authorize(request.header("authorization"))
            with self._channels_lock:
                known = channel in self._channels
            if not known:
                raise Refused(404, ERROR_DESCRIPTIONS[404])
            settings = wns_rules.notification(request.header, request.body)
        except Refused as refused:
            self.count("sends_refused")
            headers = [("www-authenticate", 'Bearer error="invalid_token"')] if refused.status == 401 else []
            self._error(request, entry, refused.status, refused.reason, headers)
            return
        self.journal.update(entry, notification=settings,
                            payload=request.body.decode("utf-8", errors="replace"))
        self.answer_after_script(request, entry, lambda answer: self._answer(request, entry, answer, settings))

    def _authorize(self, authorization: str | None) -> None:
        if not authorization:
            raise Refused(401, "The request has no Authorization header.")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not self.tokens.is_live(token.strip()):
            raise Refused(401, "The access token is invalid or expired.")

    def _answer(self, request, entry: dict, answer: dict | None, settings: dict):
        answer = answer or {"kind": "ok", "wns_status": "received"}
        if answer["kind"] == "ok":
            self.count("sends_ok")
            headers = [("x-wns-status", answer["wns_status"]), *self._trace()]
            if settings["requestforstatus"]:
                headers.append(("x-wns-deviceconnectionstatus", "connected"))
            self.reply(request, entry, 200, headers)
            return
        headers = [] if answer["retry_after"] is None else [("retry-after", str(answer["retry_after"]))]
        self._error(request, entry, answer["status"], answer["description"], headers)

    def _error(self, request, entry: dict, status: int, description: str, headers=()):
        """WNS errors have an empty body; the reason is in X-WNS-Error-Description."""
        headers = [("x-wns-error-description", description), *self._trace(), *headers]
        if status == 406:
            headers.append(("x-wns-status", "channelthrottled"))
        self.reply(request, entry, status, headers)

    @staticmethod
    def _trace() -> list[tuple[str, str]]:
        return [("x-wns-msg-id", secrets.token_hex(8).upper()), ("x-wns-debug-trace", "MOCK-" + secrets.token_hex(4))]

    # ---- control API (called from the control thread) ----------------------

    def control_routes(self) -> dict:
        return {("POST", "/channels"): self._new_channel}

    def _new_channel(self, document: dict) -> dict:
        channel = secrets.token_urlsafe(24)
        with self._channels_lock:
            self._channels.add(channel)
        return {"uri": f"{self.origin}/channel/{channel}"}

    def extra_stats(self) -> dict:
        with self._channels_lock:
            channels = len(self._channels)
        return {"channels": channels, "live_tokens": self.tokens.live()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    runner.add_common_arguments(parser)
    parser.add_argument("--package-sid", required=True, help="the app's package SID (client_id)")
    parser.add_argument("--client-secret", required=True)
    parser.add_argument("--token-lifetime-s", type=int, default=86400, help="expires_in of issued access tokens")
    args = parser.parse_args(argv)
    mock = WnsMock(args.package_sid, args.client_secret, args.token_lifetime_s)

    def on_bound(port: int):
        mock.origin = f"https://{args.host}:{port}"

    control_routes.run(mock, args, on_bound=on_bound)


if __name__ == "__main__":
    main()
