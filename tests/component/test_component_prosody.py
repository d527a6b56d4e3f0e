"""nudge-component next to a real Prosody 0.12 that cannot load mod_nudge:
Prosody's own XEP-0357 support (mod_cloud_notify from prosody-modules)
publishes to the component, the component delivers to the strict APNs
mock. Also: Prosody restarting under the component, the component stopping
and starting on its store, a wrong secret, and the SIGUSR1 stats line.

Every wait is for a condition, with a deadline."""

import secrets
import signal

from component_process import PUSH_HOST
from component_flow import push_while_pending, refused_log, run, start_component

# mod_smacks, when the phone's TCP connection is gone and its session kept.
HIBERNATING = "Session going into hibernation"


def test_cloud_notify_publishes_through_the_component_and_survives_a_prosody_restart(prosody, component, apns_mock):
    server = prosody()
    c = start_component(component, server, apns_mock)
    token = secrets.token_hex(32)

    fields = run(push_while_pending(server, apns_mock, token, None, "before the restart", "phone", HIBERNATING))
    # The component's result went back through Prosody to mod_cloud_notify.
    server.wait_for_log(r"Received\[component\]: <iq [^>]*type='result'[^>]*to='example\.net'|"
                        r"Received\[component\]: <iq [^>]*to='example\.net'[^>]*type='result'")

    server.restart()
    c.wait_for_log(r"^<5>reconnected to 127\.0\.0\.1:\d+ as push\.example\.net")
    run(push_while_pending(server, apns_mock, token, fields, "after the restart", "phone2", HIBERNATING))

    stats = c.stats_until(lambda s: s["deliveries"] >= 2, "the engine to count both deliveries")
    assert stats["component"]["state"] == "connected" and stats["component"]["connections"] == 2, stats
    # register-push-apns, then at least one publish before the restart and one after.
    assert stats["component"]["stanzas_in"] >= 3 and stats["component"]["refused"] == 0, stats
    assert c.stop() == 0


def test_registrations_survive_the_component_stopping_on_sigterm(prosody, component, apns_mock):
    server = prosody()
    c = start_component(component, server, apns_mock)
    token = secrets.token_hex(32)
    fields = run(push_while_pending(server, apns_mock, token, None, "before the restart", "phone", HIBERNATING))

    c.signal(signal.SIGTERM)
    assert c.process.wait(30) == 0, c.log_text()
    c.wait_for_log(r"^<5>stopped$")
    server.wait_for_log(r"component disconnected: push\.example\.net")

    # The same store: the node and secret Juliet enabled with still deliver.
    c.start()
    c.wait_for_log(r"^<5>connected to 127\.0\.0\.1:\d+ as push\.example\.net", count=2)
    run(push_while_pending(server, apns_mock, token, fields, "after the restart", "phone2", HIBERNATING))


def test_a_wrong_secret_is_refused_by_prosody_with_exit_77(prosody, component):
    log = refused_log(component, prosody(), "not-prosodys-secret")
    assert "check component.secret_file" in log and "not-prosodys-secret" not in log
    assert PUSH_HOST in log
