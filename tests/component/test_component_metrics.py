"""nudge-component's OpenMetrics endpoint (component.metrics_address) on
its own: its configuration errors, and how it answers what is not a
scrape. No XMPP server is needed: the component serves it while it tries
to connect. The scrape after a push is in test_component_prosody.py."""

import socket
import time

import pytest

from tests.component.metrics_scrape import get, metrics_component, request
from tests.support import openmetrics
from tests.support.ports import free_port

EX_CONFIG = 78


@pytest.mark.parametrize("address,message", [
    ("0.0.0.0:9464", "component.metrics_address: 0.0.0.0 is not a loopback address"),
    ("[2001:db8::1]:9464", "component.metrics_address: 2001:db8::1 is not a loopback address"),
    ("localhost:9464", "component.metrics_address: \"localhost\" is not a numeric IP address"),
    ("127.0.0.1", "component.metrics_address: expected \"ADDRESS:PORT\""),
    ("127.0.0.1:0", "component.metrics_address: expected a port from 1 to 65535"),
    ("127.0.0.1:http", "component.metrics_address: expected a port from 1 to 65535"),
    (9464, "component.metrics_address: expected a non-empty string, got a number"),
])
def test_a_bad_metrics_address_is_named_and_exits_78(component, address, message):
    c = component(server_port=free_port(), component={"metrics_address": address})
    code, log = c.run()
    assert code == EX_CONFIG, log
    assert message in log, log


def test_an_address_in_use_is_named_and_exits_78(component):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        c = component(server_port=free_port(), component={"metrics_address": f"127.0.0.1:{port}"})
        code, log = c.run()
    assert code == EX_CONFIG, log
    assert f"component.metrics_address: cannot listen on 127.0.0.1:{port}: Address already in use" in log, log


def test_the_endpoint_serves_openmetrics_and_refuses_other_paths_and_methods(component):
    c, port = metrics_component(component, server_port=free_port())
    c.start()
    c.wait_for_log(r"^<6>metrics: serving GET /metrics on 127\.0\.0\.1:\d+")

    status, headers, body = get(port)
    assert status == 200, body
    assert headers["content-type"] == "application/openmetrics-text; version=1.0.0; charset=utf-8"
    samples = openmetrics.parse(body.decode())
    assert openmetrics.value(samples, "nudge_component_connected") == 0
    assert openmetrics.value(samples, "nudge_deliveries_total") == 0
    assert openmetrics.value(samples, "nudge_stanza_to_vendor_latency_seconds_count") == 0
    openmetrics.assert_fixed_labels(samples, "nudge_")

    assert get(port, "/metrics?format=x")[0] == 200
    assert get(port, "/")[0] == 404
    assert get(port, "/metricsx")[0] == 404
    status, headers, _ = get(port, method="POST")
    assert status == 405 and headers["allow"] == "GET, HEAD"
    status, _, body = get(port, method="HEAD")
    assert status == 200 and body == b""
    assert request(port, b"nonsense\r\n\r\n")[0] == 400
    assert request(port, b"GET /metrics HTTP/1.1\r\nX: " + b"a" * 8000 + b"\r\n\r\n")[0] == 431
    assert c.running()


def test_a_silent_client_does_not_stall_the_loop_and_is_dropped_after_its_deadline(component):
    c, port = metrics_component(component, server_port=free_port())
    c.start()
    c.wait_for_log(r"^<6>metrics: serving")
    with socket.create_connection(("127.0.0.1", port), timeout=10) as silent:
        silent.sendall(b"GET /metr")
        # The loop goes on while the client holds the endpoint: SIGUSR1 is answered.
        assert "deliveries" in c.fresh_stats()
        started = time.monotonic()
        assert silent.recv(100) == b""   # closed at the deadline, unanswered
        assert time.monotonic() - started < 10
    assert get(port)[0] == 200


def test_the_ipv6_loopback_address_serves_too(component):
    port = free_port()
    c = component(server_port=free_port(), component={"metrics_address": f"[::1]:{port}"})
    c.start()
    c.wait_for_log(r"^<6>metrics: serving GET /metrics on \[::1\]:\d+")
    with socket.create_connection(("::1", port), timeout=10) as s:
        s.sendall(b"GET /metrics HTTP/1.0\r\n\r\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    assert data.startswith(b"HTTP/1.1 200 OK\r\n") and data.endswith(b"# EOF\n"), data[:200]
