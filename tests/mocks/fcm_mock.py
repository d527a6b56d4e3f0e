r"""A strict FCM HTTP v1 service and its OAuth token endpoint, on loopback.

One HTTP/2 + TLS port serves both `POST /token` (the service account's
token_uri, which the test points at this mock) and
`POST /v1/projects/<project>/messages:send`, so the engine exercises the
whole production flow: sign an assertion, get an access token, send with it,
refresh it when FCM says 401. Errors are Google's documents (google_errors).
Tests script FCM's answers through the control port; scripted answers go only
to sends that pass validation, and `{"expire_tokens": true}` kills every
access token as soon as it reaches the head of the script.

    python tests/mocks/fcm_mock.py --cert server.pem --key server.key \
        --project-id nudge-test --client-email sa@nudge-test.iam.gserviceaccount.com \
        --private-key-id <hex> --public-key sa.pub.pem [--token-uri URL] [--port 0]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import secrets
import sys
import threading
import time

import fcm_message
import fcm_oauth
import google_errors
import jwt_parts
import runner
from journal import Journal
from script import Script, ScriptedControl

SEND_PATH = re.compile(r"^/v1/projects/(?P<project>[^/]+)/messages:send$")
MAX_STREAMS = 100
_JSON = "application/json; charset=UTF-8"
_MISSING_CREDENTIALS = ("Request is missing required authentication credential. Expected OAuth 2 access token, "
                        "login cookie or other valid authentication credential. "
                        "See https://developers.google.com/identity/sign-in/web/devconsole-project.")
_INVALID_CREDENTIALS = ("Request had invalid authentication credentials. Expected OAuth 2 access token, "
                        "login cookie or other valid authentication credential. "
                        "See https://developers.google.com/identity/sign-in/web/devconsole-project.")
_CHALLENGE = [("www-authenticate", 'Bearer realm="https://accounts.google.com/", error="invalid_token"')]
_SCRIPT_KEYS = {"error", "retry_after", "message", "ok", "drop", "expire_tokens", "delay_ms"}
_DEFAULT_RETRY_AFTER = {"QUOTA_EXCEEDED": 60, "UNAVAILABLE": 30}


def parse_entry(entry) -> dict:
    """Normalise a scripted FCM answer; ValueError for one FCM never gives."""
    if not isinstance(entry, dict) or not entry:
        raise ValueError(f"a script entry is a non-empty object, got {entry!r}")
    unknown = set(entry) - _SCRIPT_KEYS
    if unknown:
        raise ValueError(f"unknown keys {sorted(unknown)} in {entry}")
    delay_ms = entry.get("delay_ms", 0)
    if not isinstance(delay_ms, int) or delay_ms < 0:
        raise ValueError(f"delay_ms must be a whole number >= 0, got {delay_ms!r}")
    if entry.get("expire_tokens"):
        return {"kind": "expire_tokens"}
    if entry.get("drop"):
        return {"kind": "drop", "delay_ms": delay_ms}
    if entry.get("ok"):
        return {"kind": "ok", "delay_ms": delay_ms}
    code = entry.get("error")
    if code not in google_errors.FCM_ERRORS:
        raise ValueError(f"unknown FCM errorCode {code!r}; one of {sorted(google_errors.FCM_ERRORS)}")
    retry_after = entry.get("retry_after", _DEFAULT_RETRY_AFTER.get(code))
    if retry_after is not None and (not isinstance(retry_after, int) or retry_after < 0):
        raise ValueError(f"retry_after must be a whole number >= 0 or null, got {retry_after!r}")
    return {"kind": "error", "error": code, "message": entry.get("message"), "retry_after": retry_after,
            "delay_ms": delay_ms}


class FcmMock(ScriptedControl):
    parse_entry = staticmethod(parse_entry)

    def __init__(self, project_id: str, account: fcm_oauth.ServiceAccount, token_lifetime_s: int = 3599):
        self.project_id = project_id
        self.account = account
        self.tokens = fcm_oauth.AccessTokens(token_lifetime_s)
        self.journal = Journal()
        self.answers = Script(is_action=lambda entry: entry["kind"] == "expire_tokens",
                              apply_action=lambda entry: self.tokens.expire_all())
        self._lock = threading.Lock()
        self._connections = {}
        self._counts = {"token_requests": 0, "tokens_issued": 0, "token_refusals": 0,
                        "sends": 0, "sends_ok": 0, "sends_refused": 0}

    # ---- h2server hooks ----------------------------------------------------

    def initial_max_streams(self, conn) -> int:
        return MAX_STREAMS

    def connection_made(self, conn):
        with self._lock:
            self._connections[conn.id] = conn

    def connection_lost(self, conn):
        """Nothing to do: /stats reads "open" from the connection itself."""

    def protocol_error(self, conn, message: str):
        print(f"conn {conn.id}: HTTP/2 protocol error: {message}", file=sys.stderr, flush=True)

    def handle(self, request):
        path = request.path.split("?", 1)[0]
        if path == "/token":
            self._token(request)
            return
        match = SEND_PATH.match(path)
        if match is None or request.method != "POST":
            what = "Method" if match else "URL"
            document = google_errors.api_error(404, "NOT_FOUND", f"{what} not found: {request.method} {path}")
            self._reply(request, self.journal.add(self._describe(request, "other")), 404, document)
        else:
            self._send(request, match["project"])

    # ---- the OAuth token endpoint -------------------------------------------

    def _token(self, request):
        entry = self.journal.add(self._describe(request, "token"))
        self._count("token_requests")
        try:
            if request.method != "POST":
                raise fcm_oauth.OAuthRejected("invalid_request", f"{request.method} is not allowed; use POST")
            assertion = fcm_oauth.assertion_of(request.header("content-type"), request.body)
            self.journal.update(entry, assertion=jwt_parts.unverified(assertion))
            fcm_oauth.verify_assertion(assertion, self.account)
        except fcm_oauth.OAuthRejected as rejection:
            self._count("token_refusals")
            self._reply(request, entry, 400, google_errors.oauth_error(rejection.error, rejection.description))
            return
        token = self.tokens.issue()
        self._count("tokens_issued")
        self._reply(request, entry, 200, {"access_token": token, "expires_in": self.tokens.lifetime_s,
                                          "token_type": "Bearer"},
                    extra_headers=[("cache-control", "no-cache, no-store, max-age=0, must-revalidate")])

    # ---- messages:send -------------------------------------------------------

    def _send(self, request, project: str):
        entry = self.journal.add(self._describe(request, "send"))
        self._count("sends")
        refusal = self._refusal(request, project, entry)
        if refusal is not None:
            self._count("sends_refused")
            status, document, headers = refusal
            self._reply(request, entry, status, document, extra_headers=headers)
            return
        scripted = self.answers.take()
        answer = scripted or {"kind": "ok", "delay_ms": 0}
        self.journal.update(entry, scripted=scripted is not None)
        delay = answer["delay_ms"] / 1000
        if delay:
            asyncio.get_running_loop().call_later(delay, self._answer, request, entry, answer)
        else:
            self._answer(request, entry, answer)

    def _refusal(self, request, project: str, entry: dict):
        """(status, document, headers) FCM would refuse this send with, or None if it is valid."""
        authorization = request.header("authorization")
        if authorization is None:
            return 401, google_errors.api_error(401, "UNAUTHENTICATED", _MISSING_CREDENTIALS), _CHALLENGE
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not self.tokens.is_live(token):
            return 401, google_errors.api_error(401, "UNAUTHENTICATED", _INVALID_CREDENTIALS), _CHALLENGE
        if project != self.project_id:
            message = (f"Permission 'cloudmessaging.messages.create' denied on resource "
                       f"'//cloudresourcemanager.googleapis.com/projects/{project}' (or it may not exist).")
            return 403, google_errors.api_error(403, "PERMISSION_DENIED", message), []
        content_type = (request.header("content-type") or "").split(";")[0].strip().lower()
        try:
            if content_type != "application/json":
                raise fcm_message.Invalid("", f"Invalid JSON payload received: content-type {content_type!r}")
            message, validate_only = fcm_message.message(request.body)
        except fcm_message.Invalid as invalid:
            status, document = google_errors.fcm_error("INVALID_ARGUMENT", invalid.message, invalid.field or None)
            return status, document, []
        self.journal.update(entry, message=message, validate_only=validate_only)
        return None

    def _answer(self, request, entry: dict, answer: dict):
        if answer["kind"] == "drop":
            self.journal.update(entry, answer={"dropped": True})
            request.connection.drop()
            return
        if answer["kind"] == "error":
            status, document = google_errors.fcm_error(answer["error"], answer["message"])
            headers = [] if answer["retry_after"] is None else [("retry-after", str(answer["retry_after"]))]
            self._reply(request, entry, status, document, extra_headers=headers)
            return
        self._count("sends_ok")
        message_id = "fake_message_id" if entry.get("validate_only") else (
            f"0:{int(time.time() * 1e6)}%{secrets.token_hex(8)}")
        self._reply(request, entry, 200, {"name": f"projects/{self.project_id}/messages/{message_id}"})

    # ---- shared -------------------------------------------------------------

    def _reply(self, request, entry: dict, status: int, document: dict, extra_headers=()):
        body = json.dumps(document, indent=2).encode()
        self.journal.update(entry, answer={"status": status, "body": document,
                                           "headers": {name: value for name, value in extra_headers}})
        print(f"{time.strftime('%H:%M:%S')} conn {request.connection.id} stream {request.stream_id} "
              f"{request.method} {request.path} -> {status}", file=sys.stderr, flush=True)
        request.connection.respond(request.stream_id, status, [("content-type", _JSON), *extra_headers], body)

    def _describe(self, request, kind: str) -> dict:
        return {
            "kind": kind,
            "connection": request.connection.id,
            "stream": request.stream_id,
            "time": request.received_at,
            "method": request.method,
            "path": request.path,
            "headers": {name: value for name, value in reversed(request.headers)},  # first value wins
            "body": request.body.decode("utf-8", errors="replace"),
            "answer": None,
        }

    def _count(self, name: str):
        with self._lock:
            self._counts[name] += 1

    # ---- control API (called from the control thread) ----------------------

    def stats(self) -> dict:
        with self._lock:
            connections = [{"id": conn.id, "open": not conn.closed,
                            "max_concurrent_streams_observed": conn.max_open_streams_observed}
                           for conn in self._connections.values()]
            counts = dict(self._counts)
        return {**counts, "connections_opened": len(connections), "connections": connections,
                "live_tokens": self.tokens.live()}

    def reset(self):
        """Forget requests, counters and script; issued access tokens stay valid."""
        self.journal.clear()
        self.answers.clear()
        with self._lock:
            self._connections = {cid: conn for cid, conn in self._connections.items() if not conn.closed}
            self._counts = dict.fromkeys(self._counts, 0)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    runner.add_common_arguments(parser)
    parser.add_argument("--project-id", required=True)
    parser.add_argument("--client-email", required=True, help="the service account's client_email")
    parser.add_argument("--private-key-id", required=True, help="the service account's private_key_id (JWT kid)")
    parser.add_argument("--public-key", required=True, help="PEM public key of the service account")
    parser.add_argument("--token-uri", help="audience of assertions; default https://HOST:PORT/token of this mock")
    parser.add_argument("--token-lifetime-s", type=int, default=3599, help="expires_in of issued access tokens")
    args = parser.parse_args(argv)
    account = fcm_oauth.ServiceAccount.load(args.client_email, args.private_key_id, args.public_key,
                                            args.token_uri or "")
    mock = FcmMock(args.project_id, account, args.token_lifetime_s)

    def on_bound(port: int):
        if not args.token_uri:
            account.token_uri = f"https://{args.host}:{port}/token"

    runner.run(mock, args, on_bound=on_bound)


if __name__ == "__main__":
    main()
