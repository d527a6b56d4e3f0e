"""nudge-component next to a real Prosody 0.12 that cannot load mod_nudge:
Prosody's own XEP-0357 support (mod_cloud_notify from prosody-modules)
publishes to the component, the component delivers to the strict APNs
mock. Also: Prosody restarting under the component, the component stopping
and starting on its store, a wrong secret, and the SIGUSR1 stats line.

Every wait is for a condition, with a deadline."""

import secrets
import signal

from tests.component.component_flow import push_while_pending, refused_log, run, start_component
from tests.component.component_process import PUSH_HOST
from tests.component.metrics_scrape import get
from tests.support import openmetrics
from tests.support.ports import free_port

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


def test_the_metrics_endpoint_shows_the_push(prosody, component, apns_mock):
    server = prosody()
    port = free_port()
    c = start_component(lambda **kw: component(component={"metrics_address": f"127.0.0.1:{port}"}, **kw), server,
                        apns_mock)
    run(push_while_pending(server, apns_mock, secrets.token_hex(32), None, "scraped", "phone", HIBERNATING))
    c.stats_until(lambda s: s["deliveries"] >= 1, "the engine to count the delivery")

    status, headers, body = get(port)
    assert status == 200 and headers["content-type"].startswith("application/openmetrics-text; version=1.0.0")
    samples = openmetrics.parse(body.decode())
    assert openmetrics.value(samples, "nudge_deliveries_total") == 1
    assert openmetrics.value(samples, "nudge_vendor_answers_total", vendor="apns", verdict="delivered", status="200") == 1
    assert openmetrics.value(samples, "nudge_registrations") == 1
    assert openmetrics.value(samples, "nudge_outbox") == 0
    assert openmetrics.value(samples, "nudge_stanza_to_vendor_latency_seconds_count") == 1
    assert openmetrics.value(samples, "nudge_stanza_to_vendor_latency_seconds_bucket", le="+Inf") == 1
    assert 0 < openmetrics.value(samples, "nudge_stanza_to_vendor_latency_seconds_sum") < 300
    assert openmetrics.value(samples, "nudge_component_connected") == 1
    assert openmetrics.value(samples, "nudge_component_stanzas_in_total") >= 2
    names = openmetrics.assert_fixed_labels(samples, "nudge_")
    assert {"vendor_answers", "stanza_to_vendor_latency_seconds", "outbox", "deliveries", "component_connected"} <= names


def test_the_metrics_count_a_vendor_error_by_its_status_and_the_latency_from_the_stanza(prosody, component, apns_mock):
    server = prosody()
    port = free_port()
    c = start_component(lambda **kw: component(component={"metrics_address": f"127.0.0.1:{port}"}, **kw), server,
                        apns_mock)
    apns_mock.control.script([{"status": 503, "reason": "ServiceUnavailable", "retry_after": 1}, {"status": 200}])
    run(push_while_pending(server, apns_mock, secrets.token_hex(32), None, "after a 503", "phone", HIBERNATING, 503))
    c.stats_until(lambda s: s["deliveries"] >= 1, "the engine to count the delivery after the retry")

    samples = openmetrics.parse(get(port)[2].decode())
    answers = {dict(labels)["status"]: (dict(labels)["verdict"], v) for (name, labels), v in samples.items()
               if name == "nudge_vendor_answers_total"}
    assert answers == {"503": ("retry", 1), "200": ("delivered", 1)}, answers
    # One observation, from the held stanza: it spans the second the vendor asked to wait.
    assert openmetrics.value(samples, "nudge_stanza_to_vendor_latency_seconds_count") == 1
    assert openmetrics.value(samples, "nudge_stanza_to_vendor_latency_seconds_bucket", le="0.5") == 0
    assert 1 <= openmetrics.value(samples, "nudge_stanza_to_vendor_latency_seconds_sum") < 300
    openmetrics.assert_fixed_labels(samples, "nudge_")
