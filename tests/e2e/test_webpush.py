"""Web Push and UnifiedPush (which is Web Push to a distributor's
endpoint), end to end: a browser-style subscription registers, a publish is
encrypted (RFC 8291) and signed (VAPID, RFC 8292), and the mock push
service decrypts it and checks the token."""

import json

import pytest

from tests.e2e.appserver import config, drain_until_idle, form_xml, journal, publish_xml, register, reply_to, wait_for
from tests.host import nudge
from tests.mocks import keys
from tests.mocks.fixtures import start_webpush_mock


@pytest.fixture
def vapid(tmp_path):
    return keys.make_vapid_key(tmp_path)


def webpush_backend(mock, vapid, **extra) -> dict:
    backend = {"type": "webpush", "vapid_private_key_file": str(vapid.pem), "subject": "mailto:admin@example.net",
               "ca_file": str(mock.tls.ca), "allow_private_addresses": True}   # the mock lives on loopback
    backend.update(extra)
    return backend


def pushes(mock, answered: bool = True):
    return journal(mock, "push", answered)


def subscribe_and_register(engine, mock):
    sub = mock.subscribe()
    reg = register(engine, command="register-push-webpush",
                   fields=[("endpoint", sub["endpoint"]), ("p256dh", sub["p256dh"]), ("auth", sub["auth"])])
    return sub, reg


def test_an_encrypted_signed_push_reaches_the_push_service(webpush_mock, vapid, engine_for):
    engine = engine_for([webpush_backend(webpush_mock, vapid)])
    sub, reg = subscribe_and_register(engine, webpush_mock)
    assert reply_to(engine, publish_xml(reg["node"], reg["secret"], count=5), "pub").get("type") == "result"
    wait_for(lambda: pushes(webpush_mock), engine=engine)
    drain_until_idle(engine)
    [push] = pushes(webpush_mock)
    assert push["answer"]["status"] == 201
    summary = json.loads(push["plaintext"])          # the mock decrypted it with the subscriber's keys
    assert summary["message-count"] in (5, "5")
    assert push["vapid"]["claims"]["aud"] == webpush_mock.origin
    assert push["vapid"]["claims"]["sub"] == "mailto:admin@example.net"
    assert push["headers"]["ttl"].isdigit()
    assert push["headers"]["urgency"] in ("normal", "high", "low")
    assert 0 < len(push["headers"]["topic"]) <= 32
    wait_for(lambda: engine.stats()["deliveries"] == 1, engine=engine)


@pytest.mark.parametrize("status", [404, 410])
def test_a_gone_subscription_removes_the_registration(webpush_mock, vapid, engine_for, status):
    engine = engine_for([webpush_backend(webpush_mock, vapid)])
    sub, reg = subscribe_and_register(engine, webpush_mock)
    webpush_mock.control.script([{"status": status}])
    reply_to(engine, publish_xml(reg["node"], reg["secret"]), "pub")

    def gone():
        engine.events(timeout=0.05)
        return engine.admin({"command": "list", "user": "juliet@example.net"})[1]["registrations"] == []

    wait_for(gone)


def test_429_waits_for_retry_after(webpush_mock, vapid, engine_for):
    engine = engine_for([webpush_backend(webpush_mock, vapid)])
    sub, reg = subscribe_and_register(engine, webpush_mock)
    webpush_mock.control.script([{"status": 429, "retry_after": 2}])
    reply_to(engine, publish_xml(reg["node"], reg["secret"]), "pub")
    wait_for(lambda: len(pushes(webpush_mock)) >= 2, timeout=20, engine=engine)
    first, second = pushes(webpush_mock)[:2]
    assert first["answer"]["status"] == 429 and second["answer"]["status"] == 201
    assert second["time"] - first["time"] >= 2.0


def test_a_redirect_is_not_followed(webpush_mock, vapid, engine_for):
    engine = engine_for([webpush_backend(webpush_mock, vapid)])
    sub, reg = subscribe_and_register(engine, webpush_mock)
    other = webpush_mock.subscribe()
    webpush_mock.control.script([{"redirect": other["endpoint"]}])
    reply_to(engine, publish_xml(reg["node"], reg["secret"]), "pub")
    wait_for(lambda: pushes(webpush_mock), engine=engine)
    drain_until_idle(engine)
    assert len(pushes(webpush_mock)) == 1   # the redirect target never saw a request


@pytest.mark.parametrize("endpoint, allow, condition", [
    ("http://127.0.0.1:1/push/x", {}, "not-acceptable"),                                  # not https
    ("https://10.1.2.3/push/x", {"allow_private_addresses": False}, "not-acceptable"),    # a private address
    ("https://localhost/push/x", {"allow_private_addresses": False}, "not-acceptable"),
    ("https://user:pass@push.example/x", {}, "not-acceptable"),
    ("https:nohost", {}, "not-acceptable"),
    ("not a url", {}, "bad-request"),    # not even a token: spaces
])
def test_endpoints_are_checked_at_registration(webpush_mock, vapid, engine_for, endpoint, allow, condition):
    engine = engine_for([webpush_backend(webpush_mock, vapid, **allow)])
    sub = webpush_mock.subscribe()
    reply = reply_to(engine, "<iq type='set' id='reg' from='juliet@example.net/phone' to='example.net'>"
                             "<command xmlns='http://jabber.org/protocol/commands' node='register-push-webpush' action='execute'>"
                             + form_xml([("endpoint", endpoint), ("p256dh", sub["p256dh"]), ("auth", sub["auth"])])
                             + "</command></iq>", "reg")
    assert reply.get("type") == "error"
    error = reply.find("error")
    assert error.find(f"{{urn:ietf:params:xml:ns:xmpp-stanzas}}{condition}") is not None
    assert error.findtext("{urn:ietf:params:xml:ns:xmpp-stanzas}text")
    assert engine.admin({"command": "list", "user": "juliet@example.net"})[1]["registrations"] == []


def test_private_addresses_are_refused_at_connect_time_too(tmp_path, vapid, engine_for):
    # A registration made while loopback was allowed, then the operator
    # turned it off: the name resolves to 127.0.0.1 and is refused.
    mock = start_webpush_mock(tmp_path / "wp")
    try:
        store = tmp_path / "shared-store"
        allowed = nudge.Engine(config(store, [webpush_backend(mock, vapid)]))
        sub, reg = subscribe_and_register(allowed, mock)
        allowed.close()
        strict = nudge.Engine(config(store, [webpush_backend(mock, vapid, allow_private_addresses=False)]))
        try:
            reply_to(strict, publish_xml(reg["node"], reg["secret"]), "pub")

            def gone():
                strict.events(timeout=0.05)
                return strict.admin({"command": "list", "user": "juliet@example.net"})[1]["registrations"] == []

            wait_for(gone)
            assert pushes(mock, answered=False) == []
        finally:
            strict.close()
    finally:
        mock.stop()
