r"""A strict APNs provider API on loopback, for Nudge's end-to-end tests.

The engine reaches it only through its `endpoint` and `ca_file` options, so
it must behave as Apple does (VENDORS.md): HTTP/2 with one stream until a
request with a valid provider token succeeded, then 1000; token rules
(ES256, kid, team, age, update frequency); header and payload rules; Apple's
error reasons. Tests steer and inspect it through the control port
(control.py); answers they script are given only to requests that pass
validation.

    python -m tests.mocks.apns_mock --cert server.pem --key server.key \
        --team-id TEAM123456 --key-id KEY1234567 --public-key key.pub.pem \
        --topic net.example.chat [--client-ca client-ca.pem] [--port 0]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import threading
import time
import uuid

from tests.mocks import apns_answers
from tests.mocks import apns_rules
from tests.mocks import apns_tokens
from tests.mocks import jwt_parts
from tests.mocks import runner
from tests.mocks.journal import Journal
from tests.mocks.script import Script, ScriptedControl

AUTHENTICATED_MAX_STREAMS = 1000


class _ConnectionState:
    """What the mock knows of one connection beyond its HTTP/2 state."""

    def __init__(self, conn, min_update_s: int):
        self.conn = conn
        self.tokens = apns_tokens.ConnectionTokens(min_update_s)
        self.authenticated = False
        self.requests = 0
        self.protocol_errors: list[str] = []

    def summary(self) -> dict:
        return {
            "id": self.conn.id,
            "open": not self.conn.closed,
            "authenticated": self.authenticated,
            "requests": self.requests,
            "max_concurrent_streams_advertised": self.conn.max_streams_advertised,
            "max_concurrent_streams_observed": self.conn.max_open_streams_observed,
            "pings_received": self.conn.pings_received,
            "client_certificate_cn": _common_name(self.conn.peer_certificate),
            "protocol_errors": list(self.protocol_errors),
        }


def _common_name(certificate: dict | None) -> str | None:
    for rdn in (certificate or {}).get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                return value
    return None


class ApnsMock(ScriptedControl):
    parse_entry = staticmethod(apns_answers.parse_entry)

    def __init__(self, keys: apns_tokens.ProviderKeys | None, topics: list[str], certificate_auth: bool,
                 token_update_min_s: int = 1200, token_max_age_s: int = 3600):
        self.keys = keys
        self.topics = topics
        self.certificate_auth = certificate_auth
        self.token_update_min_s = token_update_min_s
        self.token_max_age_s = token_max_age_s
        self.journal = Journal()
        self.answers = Script()
        self._lock = threading.Lock()
        self._connections: dict[int, _ConnectionState] = {}
        self._tokens_seen: list[str] = []

    # ---- h2server hooks ----------------------------------------------------

    def initial_max_streams(self, conn) -> int:
        """Certificate connections are authenticated by TLS; token connections earn streams."""
        return AUTHENTICATED_MAX_STREAMS if self.certificate_auth else 1

    def connection_made(self, conn):
        with self._lock:
            self._connections[conn.id] = _ConnectionState(conn, self.token_update_min_s)

    def connection_lost(self, conn):
        """Nothing to do: the state stays for /stats, its "open" read from the connection."""

    def protocol_error(self, conn, message: str):
        with self._lock:
            self._connections[conn.id].protocol_errors.append(message)
        print(f"conn {conn.id}: HTTP/2 protocol error: {message}", file=sys.stderr, flush=True)

    def handle(self, request):
        state = self._connections[request.connection.id]
        state.requests += 1
        entry = self.journal.add(self._describe(request))
        try:
            self._validate(request, state)
        except (apns_rules.Rejected, apns_tokens.TokenRejected) as rejection:
            answer = {"kind": "answer", "status": rejection.status, "reason": rejection.reason,
                      "timestamp": None, "retry_after": None, "delay_ms": 0, "detail": str(rejection)}
            self._deliver(request, entry, answer, scripted=False, proves_token=False)
            return
        scripted = self.answers.take()
        answer = scripted or {"kind": "answer", "status": 200, "reason": None, "timestamp": None,
                              "retry_after": None, "delay_ms": 0}
        proves_token = answer["kind"] != "drop" and answer["status"] != 403 \
            and answer["reason"] != "TooManyProviderTokenUpdates"
        self._deliver(request, entry, answer, scripted=scripted is not None, proves_token=proves_token)

    # ---- validation ---------------------------------------------------------

    def _validate(self, request, state: _ConnectionState) -> None:
        """Raise the rejection Apple would answer with, in the order Apple checks."""
        apns_rules.device_token(request.method, request.path)
        apns_rules.no_duplicates(request.headers)
        headers = dict(request.headers)
        if self.certificate_auth:
            common_name = _common_name(request.connection.peer_certificate)
            if not common_name:
                raise apns_rules.Rejected(403, "BadCertificate", "client certificate has no CN")
            bases, topic_required = [common_name], False
        else:
            self._check_provider_token(headers.get("authorization"), state)
            bases, topic_required = self.topics, True
        _, push_type, _ = apns_rules.push_headers(headers, bases, topic_required)
        apns_rules.payload(request.body, push_type)

    def _check_provider_token(self, authorization: str | None, state: _ConnectionState) -> None:
        if authorization is None:
            raise apns_tokens.TokenRejected(403, "MissingProviderToken", "no authorization header")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise apns_tokens.TokenRejected(403, "InvalidProviderToken", "authorization is not 'bearer <JWT>'")
        with self._lock:
            if token not in self._tokens_seen:
                self._tokens_seen.append(token)
        apns_tokens.verify(token, self.keys, self.token_max_age_s)
        state.tokens.admit(token)

    # ---- answering ----------------------------------------------------------

    def _deliver(self, request, entry: dict, answer: dict, scripted: bool, proves_token: bool):
        delay = answer.get("delay_ms", 0) / 1000
        if delay:
            asyncio.get_running_loop().call_later(delay, self._send, request, entry, answer, scripted, proves_token)
        else:
            self._send(request, entry, answer, scripted, proves_token)

    def _send(self, request, entry: dict, answer: dict, scripted: bool, proves_token: bool):
        conn = request.connection
        state = self._connections[conn.id]
        if answer["kind"] == "drop":
            self.journal.update(entry, answer={"dropped": True, "scripted": True})
            self._log(request, "dropped")
            conn.drop()
            return
        apns_id = request.header("apns-id")
        if not apns_rules.is_message_id(apns_id):
            apns_id = str(uuid.uuid4())
        headers = [("apns-id", apns_id)]
        body = b""
        if answer["status"] != 200:
            headers.append(("content-type", "application/json"))
            body = apns_answers.error_body(answer["reason"], answer["timestamp"])
        if answer["retry_after"] is not None:
            headers.append(("retry-after", str(answer["retry_after"])))
        self.journal.update(entry, answer={
            "status": answer["status"], "reason": answer["reason"], "apns_id": apns_id,
            "timestamp": answer["timestamp"], "retry_after": answer["retry_after"],
            "goaway": answer["kind"] == "goaway", "scripted": scripted, "detail": answer.get("detail")})
        self._log(request, f"{answer['status']} {answer['reason'] or ''}")
        conn.respond(request.stream_id, answer["status"], headers, body)
        if answer["kind"] == "goaway":
            conn.goaway(json.dumps({"reason": answer["reason"]}).encode(), last_stream_id=request.stream_id)
        elif proves_token and not self.certificate_auth and not state.authenticated:
            state.authenticated = True
            conn.set_max_streams(AUTHENTICATED_MAX_STREAMS)

    def _describe(self, request) -> dict:
        """The journal entry of a request, before its answer."""
        authorization = request.header("authorization") or ""
        token = authorization.partition(" ")[2]
        path = request.path
        body_text = request.body.decode("utf-8", errors="replace")
        try:
            payload = json.loads(request.body)
        except ValueError:
            payload = None
        return {
            "connection": request.connection.id,
            "stream": request.stream_id,
            "time": request.received_at,
            "method": request.method,
            "path": path,
            "token": path[len("/3/device/"):] if path.startswith("/3/device/") else None,
            "headers": {name: value for name, value in reversed(request.headers)},  # first value wins
            "header_list": [list(pair) for pair in request.headers],
            "body": body_text,
            "payload": payload,
            "jwt": jwt_parts.unverified(token) if token else None,
            "client_certificate_cn": _common_name(request.connection.peer_certificate),
            "answer": None,
        }

    @staticmethod
    def _log(request, outcome: str):
        print(f"{time.strftime('%H:%M:%S')} conn {request.connection.id} stream {request.stream_id} "
              f"{request.method} {request.path} -> {outcome}", file=sys.stderr, flush=True)

    # ---- control API (called from the control thread) ----------------------

    def stats(self) -> dict:
        with self._lock:
            connections = [state.summary() for state in self._connections.values()]
            tokens = list(self._tokens_seen)
        return {
            "connections_opened": len(connections),
            "connections": connections,
            "requests": sum(state["requests"] for state in connections),
            "max_concurrent_streams_observed": max((c["max_concurrent_streams_observed"] for c in connections),
                                                   default=0),
            "tokens_seen": len(tokens),
            "tokens": tokens,
        }

    def reset(self):
        """Forget requests, counters and script; open connections keep their HTTP/2 and token state."""
        self.journal.clear()
        self.answers.clear()
        with self._lock:
            self._connections = {cid: state for cid, state in self._connections.items() if not state.conn.closed}
            for state in self._connections.values():
                state.requests = 0
                state.protocol_errors.clear()
            self._tokens_seen.clear()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    runner.add_common_arguments(parser)
    parser.add_argument("--team-id", help="the provider's team id (iss of its tokens)")
    parser.add_argument("--key-id", action="append", default=[], help="a signing key's id; pairs with --public-key")
    parser.add_argument("--public-key", action="append", default=[], help="PEM public key of the preceding --key-id")
    parser.add_argument("--topic", action="append", default=[], help="an allowed bundle id (repeatable)")
    parser.add_argument("--client-ca", help="require TLS client certificates from this CA (certificate auth; CN = topic)")
    parser.add_argument("--token-update-min-s", type=int, default=1200, help="minimum age of a token before a new one")
    parser.add_argument("--token-max-age-s", type=int, default=3600, help="provider tokens older than this expire")
    args = parser.parse_args(argv)
    if args.client_ca:
        keys = None
    else:
        if not args.team_id or not args.topic:
            parser.error("token auth needs --team-id, --key-id/--public-key and --topic")
        try:
            keys = apns_tokens.ProviderKeys.load(args.team_id, args.key_id, args.public_key)
        except ValueError as error:
            parser.error(str(error))
    mock = ApnsMock(keys, args.topic, certificate_auth=bool(args.client_ca),
                    token_update_min_s=args.token_update_min_s, token_max_age_s=args.token_max_age_s)
    runner.run(mock, args, client_ca=args.client_ca)


if __name__ == "__main__":
    main()
