"""What the Web Push, WNS and UBports mocks share: journal, script, counters, replies.

Those three vendors answer one request at a time with a status, a few
headers and a small body, so everything but their rules is the same: each
request is journaled before it is judged (a refused request is evidence
too), scripted answers go only to requests that passed validation, a
scripted answer may be delayed or may drop the connection, and the control
port reads the same journal, script and counters. Subclasses implement
handle(request) and parse_entry(entry).
"""

from __future__ import annotations

import asyncio
import json
import sys
import threading
import time

from tests.mocks.journal import Journal
from tests.mocks.script import Script, ScriptedControl

MAX_STREAMS = 100


class Refused(Exception):
    """A request the vendor refuses: the status and the reason its answer gives."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


def check_delay(entry: dict) -> int:
    """The entry's delay_ms, validated (ValueError for a negative or non-integer one)."""
    delay_ms = entry.get("delay_ms", 0)
    if not isinstance(delay_ms, int) or isinstance(delay_ms, bool) or delay_ms < 0:
        raise ValueError(f"delay_ms must be a whole number >= 0, got {delay_ms!r}")
    return delay_ms


def check_keys(entry, allowed: set[str]) -> dict:
    """A script entry must be a non-empty object with only known keys."""
    if not isinstance(entry, dict) or not entry:
        raise ValueError(f"a script entry is a non-empty object, got {entry!r}")
    unknown = set(entry) - allowed
    if unknown:
        raise ValueError(f"unknown keys {sorted(unknown)} in {entry}")
    return entry


class VendorMock(ScriptedControl):
    counters: tuple[str, ...] = ()

    def __init__(self, is_action=lambda entry: False, apply_action=lambda entry: None):
        self.journal = Journal()
        self.answers = Script(is_action=is_action, apply_action=apply_action)
        self._lock = threading.Lock()
        self._connections = {}
        self._counts = dict.fromkeys(self.counters, 0)

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

    # ---- for subclasses ---------------------------------------------------

    def describe(self, request, kind: str) -> dict:
        """A journal entry for a request, before it is judged."""
        return {
            "kind": kind,
            "connection": request.connection.id,
            "stream": request.stream_id,
            "time": request.received_at,
            "method": request.method,
            "path": request.path,
            "headers": {name: value for name, value in reversed(request.headers)},  # first value wins
            "body_length": len(request.body),
            "answer": None,
        }

    def reply(self, request, entry: dict, status: int, headers=(), body: bytes = b"", recorded=None):
        """Answer a stream and journal the answer (recorded: the body as the journal shows it)."""
        headers = list(headers)
        if recorded is None:
            recorded = body.decode("utf-8", errors="replace")
        self.journal.update(entry, answer={"status": status, "headers": dict(headers), "body": recorded})
        print(f"{time.strftime('%H:%M:%S')} conn {request.connection.id} stream {request.stream_id} "
              f"{request.method} {request.path} -> {status}", file=sys.stderr, flush=True)
        request.connection.respond(request.stream_id, status, headers, body)

    def reply_json(self, request, entry: dict, status: int, document, headers=(),
                   content_type: str = "application/json"):
        body = json.dumps(document).encode()
        self.reply(request, entry, status, [("content-type", content_type), *headers], body, recorded=document)

    def answer_after_script(self, request, entry: dict, respond) -> None:
        """Take the next scripted answer (None: the vendor's normal success) and give it via respond(answer).

        Drops and delays are handled here so that every mock treats them alike.
        """
        scripted = self.answers.take()
        self.journal.update(entry, scripted=scripted is not None)

        def give():
            if scripted is not None and scripted.get("kind") == "drop":
                self.journal.update(entry, answer={"dropped": True})
                request.connection.drop()
            else:
                respond(scripted)

        delay = (scripted or {}).get("delay_ms", 0) / 1000
        if delay:
            asyncio.get_running_loop().call_later(delay, give)
        else:
            give()

    def count(self, name: str) -> None:
        with self._lock:
            self._counts[name] += 1

    def extra_stats(self) -> dict:
        return {}

    def control_routes(self) -> dict:
        return {}

    # ---- control API (called from the control thread) ----------------------

    def stats(self) -> dict:
        with self._lock:
            connections = [{"id": conn.id, "open": not conn.closed,
                            "max_concurrent_streams_observed": conn.max_open_streams_observed}
                           for conn in self._connections.values()]
            counts = dict(self._counts)
        return {**counts, "connections_opened": len(connections), "connections": connections,
                **self.extra_stats()}

    def reset(self):
        """Forget requests, counters and script; subscriptions, channels, tokens stay."""
        self.journal.clear()
        self.answers.clear()
        with self._lock:
            self._connections = {cid: conn for cid, conn in self._connections.items() if not conn.closed}
            self._counts = dict.fromkeys(self._counts, 0)
