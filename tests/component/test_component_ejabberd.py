"""nudge-component next to a real ejabberd 23.01 (Debian's) that uses its
own mod_push: ejabberd publishes to the component over its ejabberd_service
listener, the component delivers to the strict APNs mock; the component
survives ejabberd restarting; a wrong secret is refused.

Every wait is for a condition, with a deadline."""

import secrets

from tests.component.component_flow import push_while_pending, refused_log, run, start_component
from tests.component.component_process import PUSH_HOST

# mod_stream_mgmt, when the phone's TCP connection is gone and its session kept.
HIBERNATING = r"Closing c2s connection for juliet@example\.net/{resource}.*waiting \d+ seconds"


def test_mod_push_publishes_through_the_component_and_survives_an_ejabberd_restart(ejabberd, component, apns_mock):
    server = ejabberd()
    c = start_component(component, server, apns_mock)
    token = secrets.token_hex(32)
    fields = run(push_while_pending(server, apns_mock, token, None, "before the restart", "phone", HIBERNATING))

    server.restart()
    c.wait_for_log(r"^<5>reconnected to 127\.0\.0\.1:\d+ as push\.example\.net")
    run(push_while_pending(server, apns_mock, token, fields, "after the restart", "phone2", HIBERNATING))
    stats = c.stats_until(lambda s: s["deliveries"] >= 2, "the engine to count both deliveries")
    assert stats["component"]["connections"] == 2 and stats["component"]["refused"] == 0, stats
    assert c.stop() == 0


def test_a_wrong_secret_is_refused_by_ejabberd_with_exit_77(ejabberd, component):
    log = refused_log(component, ejabberd(), "not-ejabberds-secret")
    assert "not-ejabberds-secret" not in log and PUSH_HOST in log
