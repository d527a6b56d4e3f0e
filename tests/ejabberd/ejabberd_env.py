"""What the ejabberd end-to-end tests share: the test domain and users,
the ejabberd configuration with mod_nudge pointing at the APNs mock, and
the engine's counters and a user's enablements read with ejabberdctl."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from tests.support.ejabberd_server import DEFAULT_MODULES, EjabberdServer
# The users' domain and password and the app server, as in the Prosody
# tests. PUSH_HOST is mod_nudge's default pubsub (and register) host, push.@HOST@.
from tests.support.push_steps import DEADLINE_S, DOMAIN, PASSWORD, PUSH_HOST, ServerKind
from tests.support.vendor_backends import apns_backend
from tests.support.waiting import wait_until_async

REPO = Path(__file__).resolve().parents[2]
BINDING = REPO / "bindings" / "ejabberd"
EBIN = BINDING / "_build" / "nudge" / "ebin"
NIF = BINDING / "_build" / "nudge" / "priv" / "lib" / "nudge_nif.so"

USERS = {"juliet": PASSWORD, "romeo": PASSWORD, "mercutio": PASSWORD}


def binding_missing() -> str | None:
    if not (EBIN / "mod_nudge.beam").exists() or not NIF.exists():
        return "bindings/ejabberd is not built (make lib && make -C bindings/ejabberd)"
    return None


def nudge_options(mock, **extra) -> dict:
    """mod_nudge's options (ejabberd.yml, modules: mod_nudge:)."""
    options = {
        "store_path": "nudge-store",
        "coalesce_window": 2,
        "backends": [apns_backend(mock)],
        "log_level": "debug",
    }
    options.update(extra)
    return {k: v for k, v in options.items() if v is not None}


def modules(nudge: dict | None, *, stream_mgmt: dict | None = None, extra: dict | None = None) -> dict:
    """ejabberd's modules: the usual ones, mod_nudge with these options (None: without it)."""
    mods = dict(DEFAULT_MODULES)
    if stream_mgmt is not None:
        mods["mod_stream_mgmt"] = stream_mgmt
    if nudge is not None:
        mods["mod_nudge"] = nudge
    mods.update(extra or {})
    return mods


def new_server(directory: Path, module_config: dict, *, hosts: list[str] | None = None,
               users: dict[str, str] | None = None, **kwargs) -> EjabberdServer:
    return EjabberdServer(directory, hosts=hosts or [DOMAIN], users=users or USERS, modules=module_config,
                          code_paths=[EBIN], **kwargs)


def engine_stats(server: EjabberdServer) -> dict:
    """The engine's counters, with `ejabberdctl nudge_stats`."""
    code, output = server.ctl("nudge_stats")
    assert code == 0, output
    for line in output.splitlines():
        if line.startswith("{"):
            return json.loads(line)
    raise AssertionError(f"no JSON in nudge_stats' output:\n{output}")


def listing(server: EjabberdServer, user: str, host: str = DOMAIN) -> dict:
    """`ejabberdctl nudge_list`: the user's enablements, options and devices."""
    code, output = server.ctl("nudge_list", user, host)
    assert code == 0, output
    return json.loads(output.strip().splitlines()[-1])


def enablements(server: EjabberdServer, jid: str) -> list:
    user, _, host = jid.partition("@")
    return listing(server, user, host)["enablements"]


async def wait_offline(server, user: str) -> None:
    """Until ejabberd has closed every session of the user (a bare JID)."""
    await wait_until_async(lambda: asyncio.to_thread(server.ctl, "connected_users"), DEADLINE_S, 0.05,
                           f"{user}'s sessions to close", accept=lambda result: result[0] == 0 and user not in result[1])


# What is ejabberd's own: the counters, enablements and sessions come
# through ejabberdctl, and devices register with ad-hoc commands on
# mod_nudge's register host (push.example.net).
EJABBERD = ServerKind(read_stats=engine_stats, register_at=PUSH_HOST, enablements=enablements,
                      session_closed=lambda server, jid: wait_offline(server, jid.partition("/")[0]))
