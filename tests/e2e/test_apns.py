"""The app server and APNs delivery, end to end: a client registers by
ad-hoc command, a remote server (or this engine's own server side)
publishes, and exactly one correct request reaches the strict APNs mock."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import xml.etree.ElementTree as ET

import pytest

from tests.e2e.appserver import (apns_backend, config, device_requests, drain_until_idle, enable_xml, parse,
                                 publish_xml, register, reply_to, stanzas, wait_for)
from tests.host import nudge
from tests.host.nudge import REPO

TOKEN = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def engine_with(tmp_path):
    engines = []

    def make(cfg):
        e = nudge.Engine(cfg)
        engines.append(e)
        return e

    yield make
    for e in engines:
        e.close()


def test_register_then_a_remote_publish_reaches_apns_once(tmp_path, apns_mock, engine_with):
    engine = engine_with(config(tmp_path / "store", [apns_backend(apns_mock)]))
    reg = register(engine)
    assert reg["jid"] == "push.example.net" and reg["node"] and len(reg["secret"]) >= 24

    reply = reply_to(engine, publish_xml(reg["node"], reg["secret"], count=3), "pub")
    assert reply.get("type") == "result"
    wait_for(lambda: device_requests(apns_mock), engine=engine)
    drain_until_idle(engine)
    requests = device_requests(apns_mock)
    assert len(requests) == 1
    r = requests[0]
    assert r["token"] == TOKEN
    assert r["answer"]["status"] == 200
    assert r["headers"]["apns-topic"] == apns_mock.topics[0]
    assert r["headers"]["apns-push-type"] == "alert"
    assert r["headers"]["apns-priority"] == "10"
    assert len(r["headers"]["apns-collapse-id"]) <= 64
    assert r["jwt"]["header"]["kid"] == apns_mock.keys[0].key_id
    assert r["jwt"]["claims"]["iss"] == apns_mock.team_id
    payload = r["payload"]
    assert payload["message-count"] == 3
    assert "alert" in payload["aps"]
    # The sender was in the summary form, so it may be shown.
    assert payload["last-message-sender"] == "romeo@example.org"
    # The vendor's answer is recorded by the writer after the request; the
    # job then leaves the outbox.
    wait_for(lambda: engine.stats()["deliveries"] == 1, engine=engine)
    stats = engine.stats()
    assert stats["outbox"] == 0 and stats["registrations"] == 1, stats


def test_own_server_side_reaches_apns_without_any_stanza(tmp_path, apns_mock, engine_with):
    engine = engine_with(config(tmp_path / "store", [apns_backend(apns_mock)]))
    reg = register(engine)
    assert reply_to(engine, enable_xml(reg["node"], reg["secret"]), "en").get("type") == "result"
    assert engine.session_pending("juliet@example.net/phone")[0] == nudge.OK
    msg = "<message from='romeo@example.org/orchard' to='juliet@example.net' type='chat' id='m1'><body>hi</body></message>"
    assert engine.stanza_held("juliet@example.net/phone", msg, nudge.HELD_QUEUED) == nudge.OK
    routed = []

    def delivered():
        routed.extend(stanzas(engine.events(timeout=0.05)))
        return device_requests(apns_mock)

    wait_for(delivered)
    routed.extend(stanzas(engine.events(timeout=0.3)))
    assert len(device_requests(apns_mock)) == 1
    assert [s for s in routed if s.tag == "iq" and s.get("type") == "set"] == []   # no XMPP round trip


@pytest.mark.parametrize("enable, condition", [
    (lambda reg: enable_xml("no-such-node", reg["secret"]), "item-not-found"),
    (lambda reg: enable_xml(reg["node"], "guess-0000"), "not-authorized"),
])
def test_an_enable_that_cannot_work_is_refused_and_changes_nothing(tmp_path, apns_mock, engine_with, enable, condition):
    engine = engine_with(config(tmp_path / "store", [apns_backend(apns_mock)]))
    reg = register(engine)
    assert reply_to(engine, enable_xml(reg["node"], reg["secret"]), "en").get("type") == "result"
    code, before = engine.admin({"command": "list", "user": "juliet@example.net"})
    reply = reply_to(engine, enable(reg), "en")
    assert reply.get("type") == "error"
    assert reply.find(f"error/{{urn:ietf:params:xml:ns:xmpp-stanzas}}{condition}") is not None
    assert "guess-0000" not in ET.tostring(reply, encoding="unicode")
    code, after = engine.admin({"command": "list", "user": "juliet@example.net"})
    assert after == before
    # The enablement before still pushes.
    msg = "<message from='romeo@example.org/orchard' id='m1'><body>hi</body></message>"
    assert engine.stanza_held("juliet@example.net", msg, nudge.HELD_OFFLINE) == nudge.OK
    [request] = wait_for(lambda: device_requests(apns_mock), engine=engine)
    assert request["answer"]["status"] == 200


def test_410_removes_the_registration_and_disables_push(tmp_path, apns_mock, engine_with):
    engine = engine_with(config(tmp_path / "store", [apns_backend(apns_mock)]))
    reg = register(engine)
    assert reply_to(engine, enable_xml(reg["node"], reg["secret"]), "en").get("type") == "result"
    apns_mock.control.script([{"status": 410, "reason": "Unregistered", "timestamp": int(time.time() * 1000) + 60_000}])
    msg = "<message from='romeo@example.org/orchard' id='m1'><body>hi</body></message>"
    assert engine.stanza_held("juliet@example.net", msg, nudge.HELD_OFFLINE) == nudge.OK
    events = engine.events(timeout=15, until=lambda evs: any(e.kind == nudge.EVENT_DISABLED for e in evs))
    disabled = [json.loads(e.data) for e in events if e.kind == nudge.EVENT_DISABLED]
    assert len(disabled) == 1 and disabled[0]["node"] == reg["node"]
    code, listing = engine.admin({"command": "list", "user": "juliet@example.net"})
    assert listing["enablements"] == [] and listing["registrations"] == []
    # A remote server's next publish learns it the XEP-0357 way.
    late = reply_to(engine, publish_xml(reg["node"], reg["secret"], iq_id="late"), "late")
    assert late.get("type") == "error"
    assert late.find("error/{urn:ietf:params:xml:ns:xmpp-stanzas}item-not-found") is not None


def test_410_older_than_the_registration_keeps_it(tmp_path, apns_mock, engine_with):
    engine = engine_with(config(tmp_path / "store", [apns_backend(apns_mock)]))
    reg = register(engine)
    apns_mock.control.script([{"status": 410, "reason": "Unregistered", "timestamp": int(time.time() * 1000) - 3_600_000}])
    reply_to(engine, publish_xml(reg["node"], reg["secret"]), "pub")
    wait_for(lambda: device_requests(apns_mock), engine=engine)
    drain_until_idle(engine)
    code, listing = engine.admin({"command": "list", "user": "juliet@example.net"})
    assert len(listing["registrations"]) == 1


@pytest.mark.parametrize("answer", [
    {"status": 429, "reason": "TooManyRequests", "retry_after": 2},
    {"status": 503, "reason": "ServiceUnavailable", "retry_after": 2},
])
def test_retry_after_is_honoured(tmp_path, apns_mock, engine_with, answer):
    engine = engine_with(config(tmp_path / "store", [apns_backend(apns_mock)]))
    reg = register(engine)
    apns_mock.control.script([answer])
    reply_to(engine, publish_xml(reg["node"], reg["secret"]), "pub")
    wait_for(lambda: device_requests(apns_mock), engine=engine)
    # Refused, and waiting the 2 s of Retry-After: still in the outbox.
    assert engine.stats()["outbox"] == 1
    requests = wait_for(lambda: len(device_requests(apns_mock)) >= 2 and device_requests(apns_mock),
                        timeout=20, engine=engine)
    first, second = requests[0], requests[1]
    assert first["answer"]["status"] == answer["status"]
    assert second["answer"]["status"] == 200
    assert second["time"] - first["time"] >= 2.0


def test_an_expired_provider_token_leads_to_a_new_token(tmp_path, engine_with):
    # Tokens that really expire: Apple's hour, shortened to 2 s, and its
    # 20-minute update rule shortened to 1 s.
    from tests.mocks.fixtures import start_apns_mock
    mock = start_apns_mock(tmp_path / "apns", token_max_age_s=2, token_update_min_s=1)
    try:
        engine = engine_with(config(tmp_path / "store", [apns_backend(mock)]))
        reg = register(engine)
        reply_to(engine, publish_xml(reg["node"], reg["secret"], iq_id="p1"), "p1")
        wait_for(lambda: len(device_requests(mock)) >= 1, engine=engine)
        time.sleep(2.5)
        reply_to(engine, publish_xml(reg["node"], reg["secret"], iq_id="p2", count=2), "p2")
        requests = wait_for(lambda: len(device_requests(mock)) >= 3 and device_requests(mock), timeout=20, engine=engine)
        assert [r["answer"]["status"] for r in requests] == [200, 403, 200]
        assert requests[1]["answer"]["reason"] == "ExpiredProviderToken"
        assert requests[1]["headers"]["authorization"] == requests[0]["headers"]["authorization"]
        assert requests[2]["headers"]["authorization"] != requests[1]["headers"]["authorization"]
    finally:
        mock.stop()


def test_many_pushes_share_one_connection(tmp_path, apns_mock, engine_with):
    engine = engine_with(config(tmp_path / "store", [apns_backend(apns_mock)]))
    nodes = []
    for i in range(20):
        nodes.append(register(engine, fields=(("token", f"{i:032x}"),), jid=f"user{i}@example.net/phone"))
    for i, reg in enumerate(nodes):
        assert engine.handle_stanza(publish_xml(reg["node"], reg["secret"], iq_id=f"p{i}")) == nudge.OK
    wait_for(lambda: len(device_requests(apns_mock)) >= 20, timeout=20, engine=engine)
    assert len({r["connection"] for r in device_requests(apns_mock)}) <= 2
    assert all(r["answer"]["status"] == 200 for r in device_requests(apns_mock))


# Run with `python -c` from the top of the repository, which puts this package within reach.
CHILD = textwrap.dedent("""
    import json, os
    from tests.host import nudge
    from tests.e2e.appserver import register, publish_xml, reply_to
    engine = nudge.Engine(json.loads(os.environ["CONFIG"]))
    reg = register(engine)
    for i in range(30):
        reply = reply_to(engine, publish_xml(reg["node"], reg["secret"], iq_id=f"p{i}", count=i + 1), f"p{i}")
        assert reply.get("type") == "result"
        print(f"ACK {i}", flush=True)
    print("DONE", flush=True)
    import time
    while True:
        engine.events(timeout=1)
""")


def test_jobs_in_the_outbox_survive_sigkill(tmp_path, apns_mock):
    # The first process cannot reach APNs (nothing listens there), so its
    # acknowledged jobs stay in the outbox when it is killed.
    dead_endpoint = apns_backend(apns_mock, endpoint="https://127.0.0.1:9")
    cfg = config(tmp_path / "store", [dead_endpoint])
    env = dict(os.environ, CONFIG=json.dumps(cfg))
    child = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, text=True, env=env, cwd=REPO)
    acks = 0
    for line in child.stdout:
        if line.startswith("ACK"):
            acks += 1
        if line.startswith("DONE"):
            break
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert acks == 30
    assert device_requests(apns_mock, answered=False) == []

    engine = nudge.Engine(config(tmp_path / "store", [apns_backend(apns_mock)]))
    try:
        wait_for(lambda: len(device_requests(apns_mock)) >= 1, timeout=20, engine=engine)
        drain_until_idle(engine, timeout=20)
        # Thirty acknowledged publishes for one device: all delivered (the
        # newest summary last), nothing left in the outbox.
        counts = [r["payload"]["message-count"] for r in device_requests(apns_mock) if r["answer"]["status"] == 200]
        assert counts and max(counts) == 30
        wait_for(lambda: engine.stats()["deliveries"] >= len(counts), timeout=10, engine=engine)
    finally:
        engine.close()


@pytest.mark.parametrize("publish, condition", [
    (lambda reg: publish_xml("no-such-node", reg["secret"]), "item-not-found"),
    (lambda reg: publish_xml(reg["node"], "wrong-secret"), "not-authorized"),
    (lambda reg: publish_xml(reg["node"], None), "not-authorized"),
    (lambda reg: publish_xml(reg["node"], reg["secret"]).replace("<notification xmlns='urn:xmpp:push:0'>", "<notification xmlns='urn:example'>"), "bad-request"),
])
def test_bad_publishes_are_refused_and_change_nothing(tmp_path, apns_mock, engine_with, publish, condition):
    engine = engine_with(config(tmp_path / "store", [apns_backend(apns_mock)]))
    reg = register(engine)
    reply = reply_to(engine, publish(reg), "pub")
    assert reply.get("type") == "error"
    assert reply.find(f"error/{{urn:ietf:params:xml:ns:xmpp-stanzas}}{condition}") is not None
    drain_until_idle(engine)
    assert device_requests(apns_mock, answered=False) == []


@pytest.mark.parametrize("fields, condition", [
    ((("token", "t" * 5000),), "bad-request"),
    ((("device-name", "no token"),), "bad-request"),
    ((("token", "abcd"), ("app", "unknown-app")), "item-not-found"),
])
def test_bad_registrations_are_refused(tmp_path, apns_mock, engine_with, fields, condition):
    engine = engine_with(config(tmp_path / "store", [apns_backend(apns_mock)]))
    from tests.e2e.appserver import form_xml
    reply = reply_to(engine, "<iq type='set' id='reg' from='juliet@example.net/phone' to='example.net'>"
                             "<command xmlns='http://jabber.org/protocol/commands' node='register-push-apns' action='execute'>"
                             f"{form_xml(list(fields))}</command></iq>", "reg")
    assert reply.find(f"error/{{urn:ietf:params:xml:ns:xmpp-stanzas}}{condition}") is not None
    code, listing = engine.admin({"command": "list", "user": "juliet@example.net"})
    assert listing["registrations"] == []


def test_a_backend_with_an_unreadable_key_fails_open_naming_the_key(tmp_path, apns_mock):
    with pytest.raises(nudge.NudgeError) as failure:
        nudge.Engine(config(tmp_path / "store", [apns_backend(apns_mock, key_file=str(tmp_path / "missing.p8"))]))
    assert "appserver.backends[0].key_file" in str(failure.value)


def test_monal_fpush_dialect_publishes_to_the_device_token(tmp_path, apns_mock, engine_with):
    cfg = config(tmp_path / "store", [apns_backend(apns_mock)])
    cfg["appserver"]["token_nodes"] = True
    engine = engine_with(cfg)
    token = "fe" * 32
    xml = ("<iq type='set' id='f1' from='someone@monal.example' to='push.example.net'>"
           "<pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='" + token + "'><item>"
           "<notification xmlns='urn:xmpp:push:0'/></item></publish><publish-options>"
           "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'>"
           "<value>http://jabber.org/protocol/pubsub#publish-options</value></field>"
           "<field var='pushModule'><value>chatninja</value></field></x></publish-options></pubsub></iq>")
    assert reply_to(engine, xml, "f1").get("type") == "result"
    [request] = wait_for(lambda: device_requests(apns_mock), engine=engine)
    assert request["token"] == token and request["answer"]["status"] == 200


@pytest.mark.parametrize("grace_s, answered_before_close", [(10, True), (0, False)])
def test_a_delivery_in_flight_at_close_gets_the_shutdown_grace(tmp_path, apns_mock, grace_s, answered_before_close):
    cfg = config(tmp_path / "store", [apns_backend(apns_mock)])
    cfg["appserver"]["shutdown_grace_s"] = grace_s
    engine = nudge.Engine(cfg)
    reg = register(engine)
    apns_mock.control.script([{"status": 200, "delay_ms": 1500}])
    reply_to(engine, publish_xml(reg["node"], reg["secret"]), "pub")
    wait_for(lambda: device_requests(apns_mock, answered=False), engine=engine)   # sent; Apple answers in 1.5 s
    engine.close()
    # Within the grace the answer is recorded before close returns; without
    # it the job stays in the outbox and is sent again at the next start.
    engine = nudge.Engine(cfg)
    try:
        assert engine.stats()["outbox"] == (0 if answered_before_close else 1)
        if not answered_before_close:
            requests = wait_for(lambda: len(device_requests(apns_mock, answered=False)) >= 2
                                and device_requests(apns_mock), engine=engine)
            assert requests[-1]["answer"]["status"] == 200
            wait_for(lambda: engine.stats()["outbox"] == 0, engine=engine)
    finally:
        engine.close()
