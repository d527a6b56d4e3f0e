"""Prosody as a PushHost (tests/support/push_host.py): options named
nudge_*, the admin shell (prosodyctl shell "nudge:list('…')"), mod_smacks'
hibernation time, a failed module logged while Prosody runs on, and the
metrics at mod_http_openmetrics' endpoint."""

from __future__ import annotations

import re
import urllib.request

from tests.prosody.harness import ProsodyServer, prosody_available
from tests.prosody.prosody_env import PROSODY, USERS, admin, push_options
from tests.support import openmetrics
from tests.support.push_host import PushHost
from tests.support.push_steps import DEADLINE_S, logged

MUC = 'Component "conference.example.net" "muc"\n    muc_room_locking = false'
METRICS_MODULES = ["roster", "saslauth", "disco", "carbons", "mam", "smacks", "offline", "ping", "adhoc",
                   "admin_shell", "http", "http_openmetrics"]
METRICS_OPTIONS = {"statistics": "internal", "statistics_interval": "manual", "openmetrics_allow_ips": ["127.0.0.1"]}


def quoted(*args: str) -> str:
    return ", ".join(f"'{arg}'" for arg in args)


class ProsodyHost(PushHost):
    name = "prosody"
    kind = PROSODY
    require_variable = "NUDGE_REQUIRE_PROSODY"
    option_prefix = "nudge_"
    engine_open = r"Push engine \S+ open for"

    @staticmethod
    def unavailable() -> str | None:
        return prosody_available()

    def options(self, **changes) -> dict:
        return push_options(self.apns_mock, **self.native(**changes))

    def start_server(self, options: dict | None = None, *, wait: bool = True, **kwargs) -> ProsodyServer:
        """A ProsodyServer with these mod_nudge options (None: the defaults); kwargs go to ProsodyServer."""
        server = ProsodyServer(self.next_directory(), options=options or self.options(), users=USERS, **kwargs)
        return self.started(server).start(wait=wait)

    def start(self, options=None, *, wait=True, muc=False, resume_timeout_s=None, components=None, metrics=False):
        global_options = dict(METRICS_OPTIONS) if metrics else {}
        if resume_timeout_s is not None:
            global_options["smacks_hibernation_time"] = resume_timeout_s
        return self.start_server(options, wait=wait, extra_config=MUC if muc else "", global_options=global_options,
                                 external_components=components, modules=METRICS_MODULES if metrics else None)

    def admin(self, server, command, *args):
        return server.shell(f"nudge:{command}({quoted(*args)})")

    def listing(self, server, jid):
        return admin(server, f"nudge:list('{jid}')")

    def delete_account(self, server, jid):
        return server.shell(f"user:delete('{jid}')")

    def says(self, text):
        return text

    def refused_at_start(self, server, text):
        # Prosody runs on without the module; the error is in its log.
        server.wait_for_log(re.escape(text), DEADLINE_S)

    async def session_timed_out(self, server, jid):
        await logged(server, rf"Unbinding resource for {jid} .*Hibernating too long")

    def metrics(self, server):
        with urllib.request.urlopen(f"http://127.0.0.1:{server.http_port}/metrics", timeout=10) as response:
            assert response.headers["Content-Type"].startswith("application/openmetrics-text")
            return openmetrics.parse(response.read().decode()), "prosody_mod_nudge__"
