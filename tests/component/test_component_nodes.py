"""Two nudge-component instances as nodes of one PostgreSQL store
(store.node_id), both joined to one ejabberd as push.example.net (its
ejabberd_service listener takes several connections for one component
host): a device registered through one is pushed by the other; one killed
with the publishes it accepted undelivered (its vendor never answers)
loses them to the other once its lease has run out."""

import asyncio
import secrets
import socket
import time

import pytest

from tests.component.component_flow import device_pushes, push_with_body, push_while_pending, register, enable, run, start_component
from tests.component.component_process import DOMAIN
from tests.component.component_servers import PASSWORD
from tests.support.postgres import PostgresServer, postgres_unavailable
from tests.support.vendor_backends import apns_backend
from tests.support.xmpp import Client

pytestmark = pytest.mark.skipif(postgres_unavailable() is not None, reason=str(postgres_unavailable()))

HIBERNATING = r"Closing c2s connection for juliet@example\.net/{resource}.*waiting \d+ seconds"


@pytest.fixture
def postgres():
    server = PostgresServer()
    try:
        yield server.start()
    finally:
        server.close()


def node(postgres, name: str) -> dict:
    return {"store": {"backend": "postgresql", "url": postgres.url(), "node_id": name, "node_lease_s": 3},
            "server": {"domains": [DOMAIN], "coalesce_window_s": 0}}


def test_a_device_registered_through_one_node_is_pushed_by_the_other(ejabberd, component, apns_mock, postgres):
    server = ejabberd()
    a = start_component(component, server, apns_mock, engine=node(postgres, "a"))
    b = start_component(component, server, apns_mock, engine=node(postgres, "b"))
    token = secrets.token_hex(32)
    # Both are connected: ejabberd routes to either. Then only b is left.
    fields = run(push_while_pending(server, apns_mock, token, None, "with both", "phone", HIBERNATING))
    assert a.stop() == 0
    run(push_while_pending(server, apns_mock, token, fields, "with b alone", "phone2", HIBERNATING))
    stats = b.stats_until(lambda s: s["deliveries"] >= 1, "b to deliver")
    assert stats["registrations"] == 1, stats
    assert postgres.psql("SELECT count(*) FROM nudge_reg").strip() == "1"


async def burst_then_kill(server, apns_mock, postgres, token: str, a, start_b) -> None:
    phone = Client(f"juliet@{DOMAIN}/phone", PASSWORD, stream_management=True)
    romeo = Client(f"romeo@{DOMAIN}/desk", PASSWORD)
    await phone.online(server.c2s_port)
    await romeo.online(server.c2s_port)
    await enable(phone, await register(phone, token))
    pattern = HIBERNATING.format(resource="phone")
    phone.drop()
    await phone.dropped()
    await asyncio.to_thread(server.wait_for_log, pattern, 30, 1)
    bodies = [f"burst {i}" for i in range(5)]
    for body in bodies:
        romeo.say(f"juliet@{DOMAIN}", body)
    # a accepted the publishes and holds one job for the device (later
    # summaries replace its payload), which its vendor never answers.
    held = "SELECT count(*) FROM nudge_outbox WHERE lease_node = 'a' AND position('burst 4'::bytea IN value) > 0"
    deadline = time.monotonic() + 30
    while postgres.psql(held).strip() != "1":
        assert time.monotonic() < deadline, postgres.psql("SELECT key, lease_node FROM nudge_outbox")
        await asyncio.sleep(0.1)
    assert device_pushes(apns_mock, token) == []
    a.kill()
    killed = time.monotonic()
    start_b()
    push = await push_with_body(apns_mock, token, bodies[-1])
    assert push["answer"]["status"] == 200
    assert time.monotonic() - killed >= 2   # b waited for a's lease
    await romeo.offline()


def test_a_node_killed_mid_burst_leaves_its_accepted_publishes_to_the_other(ejabberd, component, apns_mock, postgres):
    server = ejabberd()
    black_hole = socket.socket()
    black_hole.bind(("127.0.0.1", 0))
    black_hole.listen(64)
    try:
        silent = apns_backend(apns_mock, endpoint=f"https://127.0.0.1:{black_hole.getsockname()[1]}")
        a = component(server_port=server.component_port, backends=[silent], engine=node(postgres, "a")).start()
        a.wait_for_log(r"^<5>connected to 127\.0\.0\.1:\d+ as push\.example\.net")
        token = secrets.token_hex(32)
        b = []
        run(burst_then_kill(server, apns_mock, postgres, token, a,
                            lambda: b.append(start_component(component, server, apns_mock, engine=node(postgres, "b")))))
        b[0].stats_until(lambda s: s["outbox"] == 0, "b to finish the job")
        assert postgres.psql("SELECT count(*) FROM nudge_outbox").strip() == "0"
    finally:
        black_hole.close()
