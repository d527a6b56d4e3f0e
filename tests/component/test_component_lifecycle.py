"""Stopping and observing nudge-component without an XMPP server of its
own (the test plays the server, component_xep0114.py): SIGTERM while a
delivery is in flight exits 0 and keeps the notification in the store for
the next start; SIGTERM while the server is away exits 0; SIGUSR1 logs one
stats line; the service manager hears READY, STATUS and STOPPING."""

import json
import re
import secrets
import signal
import socket
import xml.etree.ElementTree as ET

import pytest

from tests.component.component_flow import device_pushes
from tests.component.component_xep0114 import ComponentListener
from tests.support.vendor_backends import apns_backend
from tests.support.waiting import wait_until

COMMANDS = "{http://jabber.org/protocol/commands}"
DATA = "{jabber:x:data}"


@pytest.fixture
def listener():
    server = ComponentListener("component-secret")
    yield server
    server.close()


def iq_reply(conn, iq_id: str) -> ET.Element:
    xml = conn.read_until(rf"<iq [^>]*id='{iq_id}'[^>]*>.*?</iq>|<iq [^>]*id='{iq_id}'[^>]*/>".encode()).group(0)
    return ET.fromstring(xml)


def register(conn, token: str) -> dict:
    conn.send(f"<iq type='set' id='reg' from='juliet@example.net/phone' to='push.example.net'>"
              f"<command xmlns='http://jabber.org/protocol/commands' node='register-push-apns' action='execute'>"
              f"<x xmlns='jabber:x:data' type='submit'><field var='token'><value>{token}</value></field></x>"
              f"</command></iq>".encode())
    reply = iq_reply(conn, "reg")
    assert reply.get("type") == "result", ET.tostring(reply)
    form = reply.find(f"{COMMANDS}command/{DATA}x")
    return {f.get("var"): f.findtext(f"{DATA}value") for f in form.findall(f"{DATA}field")}


def publish(conn, fields: dict, iq_id: str) -> ET.Element:
    conn.send(f"<iq type='set' id='{iq_id}' from='example.net' to='push.example.net'>"
              f"<pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='{fields['node']}'><item>"
              f"<notification xmlns='urn:xmpp:push:0'><x xmlns='jabber:x:data' type='submit'>"
              f"<field var='FORM_TYPE'><value>urn:xmpp:push:summary</value></field>"
              f"<field var='message-count'><value>1</value></field></x></notification></item></publish>"
              f"<publish-options><x xmlns='jabber:x:data' type='submit'>"
              f"<field var='FORM_TYPE'><value>http://jabber.org/protocol/pubsub#publish-options</value></field>"
              f"<field var='secret'><value>{fields['secret']}</value></field></x></publish-options>"
              f"</pubsub></iq>".encode())
    return iq_reply(conn, iq_id)


def test_sigterm_with_a_delivery_in_flight_keeps_it_for_the_next_start(component, listener, apns_mock):
    c = component(server_port=listener.port, backends=[apns_backend(apns_mock)]).start()
    conn = listener.accept()
    c.wait_for_log(r"^<5>connected to")
    token = secrets.token_hex(32)
    fields = register(conn, token)
    # Apple takes its time: the answer would come long after the stop.
    apns_mock.control.script([{"status": 200, "delay_ms": 60000}])
    assert publish(conn, fields, "pub1").get("type") == "result"
    wait_until(lambda: [r for r in apns_mock.control.requests() if r.get("token") == token], 30,
               what="the delivery to reach the APNs mock")

    c.signal(signal.SIGTERM)
    assert conn.wait_closed().endswith(b"</stream:stream>")
    assert c.process.wait(60) == 0, c.log_text()
    conn.close()

    # The next start delivers it again, from the store; this time Apple answers.
    c.start()
    second = listener.accept()
    wait_until(lambda: [p for p in device_pushes(apns_mock, token) if p["answer"].get("status") == 200],
               30, what="the notification kept in the store to be delivered after the restart")
    second.close()


def test_sigterm_while_the_server_is_away_exits_0(component, listener):
    port = listener.port
    listener.close()
    c = component(server_port=port).start()
    c.wait_for_log(r"^<5>cannot connect to")
    c.signal(signal.SIGTERM)
    assert c.process.wait(30) == 0, c.log_text()
    c.wait_for_log(r"^<5>stopped$")


def test_sigusr1_logs_one_stats_line(component, listener):
    c = component(server_port=listener.port).start()
    conn = listener.accept()
    c.wait_for_log(r"^<5>connected to")
    conn.send(b"<iq type='get' id='d' from='example.net' to='push.example.net'>"
              b"<query xmlns='http://jabber.org/protocol/disco#info'/></iq>")
    iq_reply(conn, "d")
    stats = c.stats_until(lambda s: s["component"]["stanzas_out"] == 1, "the disco reply to be counted")
    assert stats["component"] == {"state": "connected", "connections": 1, "queued": 0, "queued_bytes": 0, "dropped": 0,
                                  "stanzas_in": 1, "stanzas_out": 1, "refused": 0}
    # The engine's own counters are all there, in the same line.
    for key in ("users_enabled", "sessions_pending", "pushes", "errors", "deliveries", "store"):
        assert key in stats, stats
    lines = [line for line in c.log_text().splitlines() if "stats: " in line]
    assert all(re.match(r"^<6>stats: \{.*\}$", line) and json.loads(line[len("<6>stats: "):]) for line in lines), lines
    conn.close()


def test_the_service_manager_hears_ready_status_and_stopping(component, listener, tmp_path):
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(str(tmp_path / "notify.sock"))
    notify.settimeout(20)
    try:
        c = component(server_port=listener.port).start(env={"NOTIFY_SOCKET": str(tmp_path / "notify.sock")})
        ready = notify.recv(4096).decode()
        assert ready == f"READY=1\nSTATUS=connecting to 127.0.0.1:{listener.port} as push.example.net", ready
        conn = listener.accept()
        assert notify.recv(4096).decode() == f"STATUS=connected to 127.0.0.1:{listener.port} as push.example.net"
        c.signal(signal.SIGTERM)
        assert notify.recv(4096).decode().startswith("STOPPING=1\nSTATUS=stopping")
        assert c.process.wait(30) == 0
        conn.close()
    finally:
        notify.close()
