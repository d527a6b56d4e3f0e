r"""A strict FCM HTTP v1 service and its OAuth token endpoint, on loopback.

One HTTP/2 + TLS port serves both `POST /token` (the service account's
token_uri, which the test points at this mock) and
`POST /v1/projects/<project>/messages:send`, so the engine exercises the
whole production flow: sign an assertion, get an access token, send with it,
refresh it when FCM says 401. Errors are Google's documents (google_errors).
Tests script FCM's answers through the control port; scripted answers go only
to sends that pass validation, and `{"expire_tokens": true}` kills every
access token as soon as it reaches the head of the script.

    python -m tests.mocks.fcm_mock --cert server.pem --key server.key \
        --project-id nudge-test --client-email sa@nudge-test.iam.gserviceaccount.com \
        --private-key-id <hex> --public-key sa.pub.pem [--token-uri URL] [--port 0]
"""

from __future__ import annotations

import argparse
import json
import re
import secrets
import time

from tests.mocks import fcm_message
from tests.mocks import fcm_oauth
from tests.mocks import google_errors
from tests.mocks import jwt_parts
from tests.mocks import runner
from tests.mocks.vendor_mock import VendorMock

SEND_PATH = re.compile(r"^/v1/projects/(?P<project>[^/]+)/messages:send$")
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


class FcmMock(VendorMock):
    """Journal, script, counters and replies as VendorMock has them; FCM's
    own are the token endpoint, the send checks and Google's error documents."""
    parse_entry = staticmethod(parse_entry)
    counters = ("token_requests", "tokens_issued", "token_refusals", "sends", "sends_ok", "sends_refused")

    def __init__(self, project_id: str, account: fcm_oauth.ServiceAccount, token_lifetime_s: int = 3599):
        super().__init__(is_action=lambda entry: entry["kind"] == "expire_tokens",
                         apply_action=lambda entry: self.tokens.expire_all())
        self.project_id = project_id
        self.account = account
        self.tokens = fcm_oauth.AccessTokens(token_lifetime_s)

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
        self.count("token_requests")
        try:
            if request.method != "POST":
                raise fcm_oauth.OAuthRejected("invalid_request", f"{request.method} is not allowed; use POST")
            assertion = fcm_oauth.assertion_of(request.header("content-type"), request.body)
            self.journal.update(entry, assertion=jwt_parts.unverified(assertion))
            fcm_oauth.verify_assertion(assertion, self.account)
        except fcm_oauth.OAuthRejected as rejection:
            self.count("token_refusals")
            self._reply(request, entry, 400, google_errors.oauth_error(rejection.error, rejection.description))
            return
        token = self.tokens.issue()
        self.count("tokens_issued")
        self._reply(request, entry, 200, {"access_token": token, "expires_in": self.tokens.lifetime_s,
                                          "token_type": "Bearer"},
                    extra_headers=[("cache-control", "no-cache, no-store, max-age=0, must-revalidate")])

    # ---- messages:send -------------------------------------------------------

    def _send(self, request, project: str):
        entry = self.journal.add(self._describe(request, "send"))
        self.count("sends")
        refusal = self._refusal(request, project, entry)
        if refusal is not None:
            self.count("sends_refused")
            status, document, headers = refusal
            self._reply(request, entry, status, document, extra_headers=headers)
            return
        self.answer_after_script(request, entry, lambda scripted: self._answer(request, entry, scripted))

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

    def _answer(self, request, entry: dict, answer: dict | None):
        """FCM's answer to a valid send: the scripted one, or (None, ok) success."""
        if answer is not None and answer["kind"] == "error":
            status, document = google_errors.fcm_error(answer["error"], answer["message"])
            headers = [] if answer["retry_after"] is None else [("retry-after", str(answer["retry_after"]))]
            self._reply(request, entry, status, document, extra_headers=headers)
            return
        self.count("sends_ok")
        message_id = "fake_message_id" if entry.get("validate_only") else (
            f"0:{int(time.time() * 1e6)}%{secrets.token_hex(8)}")
        self._reply(request, entry, 200, {"name": f"projects/{self.project_id}/messages/{message_id}"})

    # ---- shared -------------------------------------------------------------

    def _reply(self, request, entry: dict, status: int, document: dict, extra_headers=()):
        # Google pretty-prints its JSON; the journal keeps the document.
        self.reply(request, entry, status, [("content-type", _JSON), *extra_headers],
                   json.dumps(document, indent=2).encode(), recorded=document)

    def _describe(self, request, kind: str) -> dict:
        return {**self.describe(request, kind), "body": request.body.decode("utf-8", errors="replace")}

    def extra_stats(self) -> dict:
        return {"live_tokens": self.tokens.live()}


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
