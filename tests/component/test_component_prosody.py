"""nudge-component next to a real Prosody 0.12 that cannot load mod_nudge:
Prosody's own XEP-0357 support (mod_cloud_notify from prosody-modules)
publishes to the component, the component delivers to the strict APNs
mock. Also: Prosody restarting under the component, the component stopping
and starting on its store, a wrong secret, and the SIGUSR1 stats line.

Every wait is for a condition, with a deadline."""

import asyncio
import secrets
import signal

from component_process import DOMAIN, PUSH_HOST
from prosody_env import apns_backend
from component_flow import enable, pushes_until, register, run
from component_servers import PASSWORD
from xmpp import Client

JULIET = f"juliet@{DOMAIN}"
ROMEO = f"romeo@{DOMAIN}"
EX_NOPERM = 77


def start_component(component, server, apns_mock, **kwargs):
    c = component(server_port=server.component_port, backends=[apns_backend(apns_mock)], **kwargs).start()
    c.wait_for_log(r"^<5>connected to 127\.0\.0\.1:\d+ as push\.example\.net")
    return c


async def push_while_pending(server, mock, token: str, fields: dict | None, count: int, resource: str) -> dict:
    """Juliet's phone (registered and enabled) goes pending; Romeo writes; push number `count` arrives."""
    a = Client(f"{JULIET}/{resource}", PASSWORD, stream_management=True)
    b = Client(f"{ROMEO}/desk", PASSWORD)
    await a.online(server.c2s_port)
    await b.online(server.c2s_port)
    if fields is None:
        fields = await register(a, token)
    await enable(a, fields)
    hibernating = len([1 for line in server.log_text().splitlines() if "Session going into hibernation" in line])
    a.drop()
    await a.dropped()
    await asyncio.to_thread(server.wait_for_log, "Session going into hibernation", 30, hibernating + 1)
    b.say(JULIET, f"message {count}")
    pushes = await pushes_until(mock, token, count)
    assert pushes[-1]["answer"]["status"] == 200, pushes[-1]
    assert pushes[-1]["headers"]["apns-topic"] == mock.topics[0]
    # Back online and then properly offline: no session is left pending to
    # push again when Prosody stops, so every push counted is one of these.
    await a.resume(server.c2s_port)
    await a.offline()
    await b.offline()
    assert len(await pushes_until(mock, token, count)) == count
    return fields


def test_cloud_notify_publishes_through_the_component_and_survives_a_prosody_restart(prosody, component, apns_mock):
    server = prosody()
    c = start_component(component, server, apns_mock)
    token = secrets.token_hex(32)

    fields = run(push_while_pending(server, apns_mock, token, None, 1, "phone"))
    # The component's result went back through Prosody to mod_cloud_notify.
    server.wait_for_log(r"Received\[component\]: <iq [^>]*type='result'[^>]*to='example\.net'|"
                        r"Received\[component\]: <iq [^>]*to='example\.net'[^>]*type='result'")

    server.restart()
    c.wait_for_log(r"^<5>reconnected to 127\.0\.0\.1:\d+ as push\.example\.net")
    run(push_while_pending(server, apns_mock, token, fields, 2, "phone2"))

    stats = c.stats_until(lambda s: s["deliveries"] >= 2, "the engine to count both deliveries")
    assert stats["component"]["state"] == "connected" and stats["component"]["connections"] == 2, stats
    # register-push-apns, then one publish before the restart and one after.
    assert stats["component"]["stanzas_in"] == 3 and stats["component"]["refused"] == 0, stats
    assert stats["deliveries"] == 2, stats
    assert c.stop() == 0


def test_registrations_survive_the_component_stopping_on_sigterm(prosody, component, apns_mock):
    server = prosody()
    c = start_component(component, server, apns_mock)
    token = secrets.token_hex(32)
    fields = run(push_while_pending(server, apns_mock, token, None, 1, "phone"))

    c.signal(signal.SIGTERM)
    assert c.process.wait(30) == 0, c.log_text()
    c.wait_for_log(r"^<5>stopped$")
    server.wait_for_log(r"component disconnected: push\.example\.net")

    # The same store: the node and secret Juliet enabled with still deliver.
    c.start()
    c.wait_for_log(r"^<5>connected to 127\.0\.0\.1:\d+ as push\.example\.net", count=2)
    run(push_while_pending(server, apns_mock, token, fields, 2, "phone2"))


def test_a_wrong_secret_is_refused_by_prosody_with_exit_77(prosody, component):
    server = prosody()
    c = component(server_port=server.component_port, secret="not-prosodys-secret").start()
    code = c.process.wait(30)
    log = c.log_text()
    assert code == EX_NOPERM, log
    assert "refused the component: stream error not-authorized" in log, log
    assert "check component.secret_file" in log and "not-prosodys-secret" not in log
    assert PUSH_HOST in log
