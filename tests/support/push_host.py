"""An XMPP server with mod_nudge as the tests that every host runs alike
(tests/servers) see it: how to start one, and the host's own way of doing
and saying what both do. tests/prosody/prosody_host.py and
tests/ejabberd/ejabberd_host.py are the two; the root conftest makes each a
fixture (prosody_host, ejabberd_host), and tests/servers' `host` fixture is
one, then the other.

    server = host.start(host.options(coalesce_window=5), muc=True)
    code, output = host.admin(server, "list", JULIET)     # nudge:list / nudge_list
    host.refused_at_start(server, f"{host.option('coalesce_window')}: ...")

Every server a host started is stopped after the test, with its logs shown
if the test failed.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path

from tests.support.push_steps import ServerKind
from tests.support.server_fixtures import stop_servers


class PushHost(ABC):
    name: str                 # the test id: prosody, ejabberd
    kind: ServerKind          # what the shared steps need (push_steps.py)
    require_variable: str     # =1 in the environment: a missing server fails instead of skipping
    option_prefix: str        # of mod_nudge's native options (nudge_coalesce_window, coalesce_window)
    engine_open: str          # the log line of the engine opened, as a pattern

    def __init__(self, directory: Path, apns_mock):
        self.directory = directory
        self.apns_mock = apns_mock    # the defaults' APNs backend points at it
        self.servers: list = []

    @staticmethod
    @abstractmethod
    def unavailable() -> str | None:
        """Why this host's tests cannot run here, or None."""

    # ---- options ---------------------------------------------------------------

    def option(self, key: str) -> str:
        """The native option of an engine option (coalesce_window, config_file, ...)."""
        return self.option_prefix + key

    def native(self, **options) -> dict:
        """Just these options, by their native names."""
        return {self.option(key): value for key, value in options.items()}

    @abstractmethod
    def options(self, **changes) -> dict:
        """The tests' default options (store, 2 s coalescing, APNs at the mock) with these changes, native."""

    # ---- servers ---------------------------------------------------------------

    @abstractmethod
    def start(self, options: dict | None = None, *, wait: bool = True, muc: bool = False,
              resume_timeout_s: int | None = None, components: dict[str, str] | None = None,
              metrics: bool = False):
        """Starts a server with these native options (None: the defaults), juliet, romeo and mercutio;
        muc: conference.example.net; resume_timeout_s: the host's own limit on a hibernating session;
        components: XEP-0114 listeners (JID -> secret); metrics: what the host needs to expose them."""

    def started(self, server):
        """Keeps the server to stop after the test; returns it."""
        self.servers.append(server)
        return server

    def next_directory(self) -> Path:
        return self.directory / f"run{len(self.servers)}"

    def stop_all(self, request) -> None:
        stop_servers(self.servers, request, lambda: f"===== APNs mock log =====\n{self.apns_mock.log()[-4000:]}\n")

    # ---- what the host says and does its own way -------------------------------------

    @abstractmethod
    def admin(self, server, command: str, *args: str) -> tuple[int, str]:
        """An admin command of mod_nudge (list, test_push, remove, verify, backup, stats), with the
        user's bare JID first where it takes one; returns (exit code, output)."""

    @abstractmethod
    def listing(self, server, jid: str) -> dict:
        """The admin listing of a user (a bare JID): enablements, options, registrations."""

    @abstractmethod
    def delete_account(self, server, jid: str) -> tuple[int, str]:
        """Deletes the user's account (a bare JID) the host's way; returns (exit code, output)."""

    @abstractmethod
    def says(self, text: str) -> str:
        """How the host's log shows a line of mod_nudge's."""

    @abstractmethod
    def refused_at_start(self, server, text: str) -> None:
        """Asserts that mod_nudge refused to start, with this text."""

    @abstractmethod
    async def session_timed_out(self, server, jid: str) -> None:
        """Until the host's own stream management limit has ended the session (a full JID)."""

    @abstractmethod
    def metrics(self, server) -> tuple[dict, str]:
        """The push figures as OpenMetrics (openmetrics.parse()), and the prefix of their names."""
