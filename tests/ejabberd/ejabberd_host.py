"""ejabberd as a PushHost (tests/support/push_host.py): options named as in
ejabberd.yml's mod_nudge section, ejabberdctl's nudge_* commands,
mod_stream_mgmt's resume_timeout, a module that fails stopping ejabberd's
start, and the metrics from `ejabberdctl nudge_metrics`."""

from __future__ import annotations

from tests.ejabberd.ejabberd_env import (DOMAIN, EJABBERD, binding_missing, listing, modules, new_server,
                                        nudge_options, wait_offline)
from tests.support import openmetrics
from tests.support.ejabberd_server import EjabberdServer, ejabberd_available
from tests.support.push_host import PushHost

MUC = {"mod_muc": {"host": "conference.@HOST@", "default_room_options": {"mam": False}}}
# The commands that take the user first, as USER HOST.
FOR_A_USER = {"list", "test_push", "remove"}


class EjabberdHost(PushHost):
    name = "ejabberd"
    kind = EJABBERD
    require_variable = "NUDGE_REQUIRE_EJABBERD"
    option_prefix = ""
    engine_open = r"Push engine \S+ open"

    @staticmethod
    def unavailable() -> str | None:
        return ejabberd_available() or binding_missing()

    def options(self, **changes) -> dict:
        return nudge_options(self.apns_mock, **changes)

    def start_server(self, nudge: dict | None = None, *, module_config: dict | None = None, wait: bool = True,
                     stream_mgmt: dict | None = None, **kwargs) -> EjabberdServer:
        """An ejabberd with these mod_nudge options (None: the defaults); module_config= replaces the
        whole modules section; other keywords go to EjabberdServer."""
        config = module_config or modules(nudge if nudge is not None else self.options(), stream_mgmt=stream_mgmt)
        return self.started(new_server(self.next_directory(), config, **kwargs)).start(wait=wait)

    def start(self, options=None, *, wait=True, muc=False, resume_timeout_s=None, components=None, metrics=False):
        stream_mgmt = {"resume_timeout": resume_timeout_s} if resume_timeout_s is not None else None
        config = modules(options if options is not None else self.options(), stream_mgmt=stream_mgmt,
                         extra=MUC if muc else None)
        return self.start_server(module_config=config, wait=wait, components=components)

    def admin(self, server, command, *args):
        if command in FOR_A_USER:
            user, _, host = args[0].partition("@")
            args = (user, host, *args[1:])
        return server.ctl(f"nudge_{command}", *args)

    def listing(self, server, jid):
        user, _, host = jid.partition("@")
        return listing(server, user, host)

    def delete_account(self, server, jid):
        user, _, host = jid.partition("@")
        return server.ctl("unregister", user, host)

    def says(self, text):
        return f"mod_nudge: {text}"

    def refused_at_start(self, server, text):
        # ejabberd stops its start when a module fails to start.
        assert server.wait_exit() != 0
        diagnostics = server.diagnostics()
        assert f"mod_nudge on {DOMAIN}: {text}" in diagnostics, diagnostics

    async def session_timed_out(self, server, jid):
        await wait_offline(server, jid.partition("/")[0])

    def metrics(self, server):
        code, output = server.ctl("nudge_metrics")
        assert code == 0, output
        return openmetrics.parse(output), "nudge_"
