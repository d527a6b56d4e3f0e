"""Two ejabberd nodes in one cluster (`ejabberdctl join_cluster`), each
with mod_nudge on the same PostgreSQL database under its own node id
(store.node_id, through mod_nudge's config_file): push is enabled on node
A, the phone comes back on node B and hibernates there, and B pushes once
for a message and once more for the rest of a burst, which coalesces.

Both nodes run on this machine, found by each other through an epmd of the
test's own on a private port (tests/support/epmd.py), with one cookie;
Mnesia is shared once B has joined A (the accounts registered on A log in
on B). PostgreSQL is the private server of tests/support/postgres.py,
reached by both over its unix socket. No network namespace is needed: the
nodes need no addresses of their own, only distinct node names and ports.
"""

from __future__ import annotations

import json
import secrets

import pytest

from tests.ejabberd.ejabberd_env import EJABBERD, engine_stats, modules, new_server, wait_offline
from tests.servers.push_scenarios import COALESCE_WINDOW_S, burst_pushes_once_then_coalesces
from tests.support.devices import ApnsDevice
from tests.support.epmd import Epmd, epmd_unavailable
from tests.support.postgres import PostgresServer
from tests.support.push_steps import DEADLINE_S, DOMAIN, JULIET, hibernate, online, run
from tests.support.vendor_backends import apns_backend

NODE_LEASE_S = 5


# Requested before ejabberd_host, so that the database and epmd outlive the nodes.
@pytest.fixture
def postgres():
    with PostgresServer() as server:
        yield server


@pytest.fixture
def epmd():
    reason = epmd_unavailable()
    if reason:
        pytest.fail(reason)   # ejabberd is installed (the folder's skip), so Erlang's epmd is too
    with Epmd() as running:
        yield running


def engine_config(postgres, apns_mock, node_id: str) -> dict:
    """The engine's whole configuration for mod_nudge's config_file: the
    shared database, this node's id; the rest as the other ejabberd tests'."""
    return {"store": {"backend": "postgresql", "url": postgres.url(), "node_id": node_id,
                      "node_lease_s": NODE_LEASE_S},
            "server": {"coalesce_window_s": COALESCE_WINDOW_S},
            "appserver": {"backends": [apns_backend(apns_mock)]},
            "log": {"level": "debug"}}


def start_node(ejabberd_host, postgres, apns_mock, epmd, cookie: str, node_id: str, *, users: bool):
    directory = ejabberd_host.next_directory()
    directory.mkdir(parents=True, exist_ok=True)
    config_file = directory / "nudge.json"
    config_file.write_text(json.dumps(engine_config(postgres, apns_mock, node_id), indent=2))
    server = new_server(directory, modules({"config_file": str(config_file)}), epmd_port=epmd.port, cookie=cookie)
    if not users:
        server.users = {}   # B gets its accounts from A's Mnesia when it joins
    return ejabberd_host.started(server).start()


def joined(a, b) -> None:
    """B joins A's cluster with ejabberdctl, as an operator does; ejabberd
    restarts on B, whose engine opens again on the same database."""
    code, output = b.ctl("join_cluster", a.node)
    assert code == 0, output + b.diagnostics()
    b.wait_for_log(r" is started in the node ", DEADLINE_S, count=2)
    b.wait_for_log(r"Push engine \S+ open", DEADLINE_S, count=2)
    for server in (a, b):
        code, output = server.ctl("list_cluster")
        assert code == 0 and a.node in output and b.node in output, output
    # Mnesia is shared: the account registered on A is one of B's.
    code, output = b.ctl("registered_users", DOMAIN)
    assert code == 0 and "juliet" in output.split(), output


def test_enabled_on_one_node_pushed_once_and_coalesced_by_the_other(postgres, epmd, ejabberd_host, apns_mock):
    cookie = secrets.token_hex(16)
    a = start_node(ejabberd_host, postgres, apns_mock, epmd, cookie, "nudge-a", users=True)
    b = start_node(ejabberd_host, postgres, apns_mock, epmd, cookie, "nudge-b", users=False)
    joined(a, b)
    device = ApnsDevice(apns_mock)

    async def scenario():
        # Registered and enabled on A (A's engine is the app server the phone talks to), then gone.
        await EJABBERD.registered_then_offline(a, device)
        # The phone comes back on B and hibernates: B's engine knows the
        # enablement from the database, and keeps the session for it.
        phone = EJABBERD.phone()
        await online(b, phone)
        await hibernate(b, phone)
        # Romeo writes from A; ejabberd routes to the session on B.
        desk = EJABBERD.desk()
        await online(a, desk)
        pushes = await burst_pushes_once_then_coalesces(EJABBERD, b, phone, desk, device)
        # Every push came from B, and A pushed nothing of its own.
        stats_a = engine_stats(a)
        assert sum(stats_a["pushes"].values()) == 0, stats_a
        assert len(device.pushes()) == len(pushes)
        await phone.offline()
        await desk.offline()
        await wait_offline(b, JULIET)

    run(scenario())
