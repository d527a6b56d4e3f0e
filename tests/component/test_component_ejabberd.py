"""nudge-component next to a real ejabberd 23.01 (Debian's) that uses its
own mod_push: ejabberd publishes to the component over its ejabberd_service
listener, the component delivers to the strict APNs mock; the component
survives ejabberd restarting; a wrong secret is refused.

Every wait is for a condition, with a deadline."""

import asyncio
import re
import secrets

from component_process import DOMAIN, PUSH_HOST
from prosody_env import apns_backend
from component_flow import enable, pushes_until, register, run
from component_servers import PASSWORD
from xmpp import Client

JULIET = f"juliet@{DOMAIN}"
ROMEO = f"romeo@{DOMAIN}"
EX_NOPERM = 77
HIBERNATING = r"Closing c2s connection for juliet@example\.net/{resource}.*waiting \d+ seconds"


def start_component(component, server, apns_mock, **kwargs):
    c = component(server_port=server.component_port, backends=[apns_backend(apns_mock)], **kwargs).start()
    c.wait_for_log(r"^<5>connected to 127\.0\.0\.1:\d+ as push\.example\.net")
    return c


def log_count(server, pattern: str) -> int:
    return len(re.findall(pattern, server.log_text()))


async def push_while_pending(server, mock, token: str, fields: dict | None, count: int, resource: str) -> dict:
    """Juliet's phone (registered and enabled) goes pending; Romeo writes; push number `count` arrives."""
    a = Client(f"{JULIET}/{resource}", PASSWORD, stream_management=True)
    b = Client(f"{ROMEO}/desk", PASSWORD)
    await a.online(server.c2s_port)
    await b.online(server.c2s_port)
    if fields is None:
        fields = await register(a, token)
    await enable(a, fields)
    pattern = HIBERNATING.format(resource=resource)
    before = log_count(server, pattern)
    a.drop()
    await a.dropped()
    await asyncio.to_thread(server.wait_for_log, pattern, 30, before + 1)
    b.say(JULIET, f"message {count}")
    pushes = await pushes_until(mock, token, count)
    assert pushes[-1]["answer"]["status"] == 200, pushes[-1]
    assert pushes[-1]["headers"]["apns-topic"] == mock.topics[0]
    await a.resume(server.c2s_port)
    await a.offline()
    await b.offline()
    assert len(await pushes_until(mock, token, count)) == count
    return fields


def test_mod_push_publishes_through_the_component_and_survives_an_ejabberd_restart(ejabberd, component, apns_mock):
    server = ejabberd()
    c = start_component(component, server, apns_mock)
    token = secrets.token_hex(32)
    fields = run(push_while_pending(server, apns_mock, token, None, 1, "phone"))

    server.restart()
    c.wait_for_log(r"^<5>reconnected to 127\.0\.0\.1:\d+ as push\.example\.net")
    run(push_while_pending(server, apns_mock, token, fields, 2, "phone2"))
    stats = c.stats_until(lambda s: s["deliveries"] >= 2, "the engine to count both deliveries")
    assert stats["component"]["connections"] == 2 and stats["component"]["refused"] == 0, stats
    assert stats["deliveries"] == 2, stats
    assert c.stop() == 0


def test_a_wrong_secret_is_refused_by_ejabberd_with_exit_77(ejabberd, component):
    server = ejabberd()
    c = component(server_port=server.component_port, secret="not-ejabberds-secret").start()
    code = c.process.wait(30)
    log = c.log_text()
    assert code == EX_NOPERM, log
    assert "refused the component: stream error not-authorized" in log, log
    assert "not-ejabberds-secret" not in log and PUSH_HOST in log
