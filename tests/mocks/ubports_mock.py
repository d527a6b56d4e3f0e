r"""A strict UBports (Ubuntu Touch) push server, on loopback.

The engine POSTs `/notify` with an app id, a device token, an expiry and a
JSON `data` object; the server checks it as ubports_rules describes and
answers `{"ok":true}` or `{"error": label, "message": …}`. Tests play the
phone: control `POST /tokens {"appid"}` registers a device and returns its
token, shaped like the server's own (base64 of "<appid>::<device id>").
Scripted answers go only to requests that pass validation.

    python -m tests.mocks.ubports_mock --cert server.pem --key server.key [--port 0]

Control routes beyond control.py:
    POST /tokens  {"appid"} -> {"token", "appid"}
"""

from __future__ import annotations

import argparse
import base64
import secrets
import threading

from tests.mocks import control_routes
from tests.mocks import runner
from tests.mocks import ubports_rules
from tests.mocks.ubports_rules import ApiError
from tests.mocks.vendor_mock import VendorMock, check_delay, check_keys

NOTIFY_PATH = "/notify"
# label -> (HTTP status, the server's message)
ERRORS = {
    "unknown-token": (400, "Unknown token"),
    "unknown-channel": (400, "Unknown channel"),
    "unauthorized": (401, "Unauthorized"),
    "too-many-pending": (413, "Too many pending notifications for this application"),
    "unavailable": (503, "Could not store notification"),
    "internal": (500, "Unknown error"),
}
GARBAGE = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>\n"
_SCRIPT_KEYS = {"error", "message", "garbage", "drop", "ok", "delay_ms"}


def parse_entry(entry) -> dict:
    """Normalise a scripted answer; ValueError for a label the server does not have."""
    check_keys(entry, _SCRIPT_KEYS)
    delay_ms = check_delay(entry)
    for kind in ("drop", "garbage", "ok"):
        if entry.get(kind):
            return {"kind": kind, "delay_ms": delay_ms}
    label = entry.get("error")
    if label not in ERRORS:
        raise ValueError(f"error must be one of {sorted(ERRORS)}, got {label!r}")
    status, message = ERRORS[label]
    return {"kind": "error", "status": status, "label": label, "message": entry.get("message") or message,
            "delay_ms": delay_ms}


class UbportsMock(VendorMock):
    counters = ("notifies", "notifies_ok", "notifies_refused")

    def __init__(self):
        super().__init__()
        self._tokens: dict[str, str] = {}            # token -> appid
        self._last_data: dict[str, dict] = {}        # token -> data of its last accepted notification
        self._tokens_lock = threading.Lock()

    parse_entry = staticmethod(parse_entry)

    def handle(self, request):
        path = request.path.split("?", 1)[0]
        entry = self.journal.add(self.describe(request, "notify" if path == NOTIFY_PATH else "other"))
        if path != NOTIFY_PATH:
            self.reply(request, entry, 404, [("content-type", "text/plain; charset=utf-8")], b"404 page not found\n")
            return
        self.count("notifies")
        try:
            ubports_rules.check_request(request.method, request.header("content-length"),
                                        request.header("content-type"), request.body)
            fields = ubports_rules.unicast(request.body)
            self.journal.update(entry, notification=fields)
            self._check_token(fields["token"], fields["appid"])
        except ApiError as error:
            self.count("notifies_refused")
            self.reply_json(request, entry, error.status, error.document())
            return
        self.answer_after_script(request, entry, lambda answer: self._answer(request, entry, answer, fields))

    def _check_token(self, token: str, appid: str) -> None:
        with self._tokens_lock:
            owner = self._tokens.get(token)
        if owner is None:
            raise ApiError(400, "unknown-token", "Unknown token")
        if owner != appid:
            raise ApiError(400, "unknown-token", f"Unknown token for appid {appid!r}")

    def _answer(self, request, entry: dict, answer: dict | None, fields: dict):
        kind = (answer or {"kind": "ok"})["kind"]
        if kind == "garbage":
            self.reply(request, entry, 200, [("content-type", "text/html")], GARBAGE)
        elif kind == "error":
            document = {"error": answer["label"], "message": answer["message"]}
            with self._tokens_lock:
                last = self._last_data.get(fields["token"])
            if answer["label"] == "too-many-pending" and last is not None:
                document["extra"] = last      # the server sends the newest pending payload along
            self.reply_json(request, entry, answer["status"], document)
        else:
            self.count("notifies_ok")
            with self._tokens_lock:
                self._last_data[fields["token"]] = fields["data"]
            self.reply_json(request, entry, 200, {"ok": True})

    # ---- control API (called from the control thread) ----------------------

    def control_routes(self) -> dict:
        return {("POST", "/tokens"): self._register}

    def _register(self, document: dict) -> dict:
        appid = document.get("appid")
        if not isinstance(appid, str) or not appid:
            raise ValueError("POST /tokens needs an appid")
        token = base64.b64encode(f"{appid}::{secrets.token_hex(16)}".encode()).decode()
        with self._tokens_lock:
            self._tokens[token] = appid
        return {"token": token, "appid": appid}

    def extra_stats(self) -> dict:
        with self._tokens_lock:
            return {"tokens": len(self._tokens)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    runner.add_common_arguments(parser)
    args = parser.parse_args(argv)
    control_routes.run(UbportsMock(), args)


if __name__ == "__main__":
    main()
