"""The app server and FCM HTTP v1 delivery, end to end: the OAuth
JWT-bearer flow against the mock's token endpoint, the message, and
Google's errors."""

import hashlib
import json

import pytest

from tests.e2e.appserver import (command_xml, config, drain_until_idle, fcm_backend, journal, publish_xml,
                                 register, reply_to, wait_for)
from tests.host import nudge


@pytest.fixture
def engine(tmp_path, fcm_mock):
    e = nudge.Engine(config(tmp_path / "store", [fcm_backend(fcm_mock)]))
    yield e
    e.close()


def sends(mock, answered: bool = True):
    return journal(mock, "send", answered)


def token_requests(mock):
    return [r for r in mock.control.requests() if r["kind"] == "token"]


def register_fcm(engine, token="fcm-registration-token-1", jid="juliet@example.net/phone", android_id=None):
    fields = [("token", token)] + ([("android-id", android_id)] if android_id else [])
    return register(engine, command="register-push-fcm", fields=fields, jid=jid)


def test_a_publish_reaches_fcm_once_with_one_oauth_token(engine, fcm_mock):
    # Conversations registers with its android-id as the device id.
    reg = register_fcm(engine, android_id="0123456789abcdef")
    assert reply_to(engine, publish_xml(reg["node"], reg["secret"], count=2), "pub").get("type") == "result"
    wait_for(lambda: sends(fcm_mock), engine=engine)
    drain_until_idle(engine)
    [send] = sends(fcm_mock)
    assert send["answer"]["status"] == 200
    message = json.loads(send["body"])["message"]
    assert message["token"] == "fcm-registration-token-1"
    assert message["data"]["message-count"] == "2"
    assert message["android"]["priority"] == "high"
    assert message["android"]["collapse_key"].startswith("nudge-")
    assert len(token_requests(fcm_mock)) == 1
    # A second push reuses the cached access token.
    reply_to(engine, publish_xml(reg["node"], reg["secret"], iq_id="pub2", count=3), "pub2")
    wait_for(lambda: len(sends(fcm_mock)) >= 2, engine=engine)
    assert len(token_requests(fcm_mock)) == 1


def test_conversations_account_and_room_pushes_carry_the_names_it_wakes_by(engine, fcm_mock):
    """Conversations registers its account and, with `muc`, each room
    (IqGenerator.pushTokenToAppServer); its PushMessageReceiver reads the
    FCM data's `account`, which it compares with sha1(bare JID, NUL,
    android-id) (CryptoHelper.getAccountFingerprint), and a room push's
    `channel` (sha1 of the room JID, NUL, android-id), which it answers
    with unregister-push-fcm once it has left the room."""
    android_id = "0123456789abcdef"
    account = hashlib.sha1(b"juliet@example.net\0" + android_id.encode()).hexdigest()
    channel = hashlib.sha1(b"room@conference.example.net\0" + android_id.encode()).hexdigest()
    own = register_fcm(engine, android_id=android_id)
    room = register(engine, command="register-push-fcm", fields=[
        ("token", "fcm-registration-token-1"), ("android-id", android_id), ("muc", "room@conference.example.net")])
    assert room["node"] != own["node"]
    reply_to(engine, publish_xml(own["node"], own["secret"]), "pub")
    reply_to(engine, publish_xml(room["node"], room["secret"], iq_id="pub2", sender="room@conference.example.net"), "pub2")
    wait_for(lambda: len(sends(fcm_mock)) >= 2, engine=engine)
    drain_until_idle(engine)
    data = sorted((json.loads(s["body"])["message"]["data"] for s in sends(fcm_mock)), key=lambda d: "channel" in d)
    assert data[0]["account"] == account and "channel" not in data[0]
    assert data[1]["account"] == account and data[1]["channel"] == channel

    # Left the room: Conversations unregisters the channel (unregisterChannelOnAppServer).
    reply = reply_to(engine, command_xml("unregister-push-fcm", [("channel", channel), ("android-id", android_id)]), "c")
    assert reply.get("type") == "result"
    assert reply_to(engine, publish_xml(room["node"], room["secret"], iq_id="pub3"), "pub3").find(
        "error/{urn:ietf:params:xml:ns:xmpp-stanzas}item-not-found") is not None
    assert reply_to(engine, publish_xml(own["node"], own["secret"], iq_id="pub4"), "pub4").get("type") == "result"


def test_unregistered_removes_the_registration(engine, fcm_mock):
    reg = register_fcm(engine)
    fcm_mock.control.script([{"error": "UNREGISTERED"}])
    reply_to(engine, publish_xml(reg["node"], reg["secret"]), "pub")

    def gone():
        engine.events(timeout=0.05)
        return engine.admin({"command": "list", "user": "juliet@example.net"})[1]["registrations"] == []

    wait_for(gone)


def test_quota_exceeded_waits_at_least_what_google_asks(engine, fcm_mock):
    reg = register_fcm(engine)
    fcm_mock.control.script([{"error": "UNAVAILABLE", "retry_after": 2}])
    reply_to(engine, publish_xml(reg["node"], reg["secret"]), "pub")
    wait_for(lambda: len(sends(fcm_mock)) >= 2, timeout=20, engine=engine)
    first, second = sends(fcm_mock)[:2]
    assert first["answer"]["status"] == 503 and second["answer"]["status"] == 200
    assert second["time"] - first["time"] >= 2.0


def test_an_expired_access_token_is_refreshed_once(engine, fcm_mock):
    reg = register_fcm(engine)
    reply_to(engine, publish_xml(reg["node"], reg["secret"]), "pub")
    wait_for(lambda: sends(fcm_mock), engine=engine)
    fcm_mock.control.script([{"expire_tokens": True}])
    reply_to(engine, publish_xml(reg["node"], reg["secret"], iq_id="pub2"), "pub2")
    wait_for(lambda: len([s for s in sends(fcm_mock) if s["answer"]["status"] == 200]) >= 2, timeout=20, engine=engine)
    assert len(token_requests(fcm_mock)) == 2


def test_a_refused_assertion_is_a_configuration_error(tmp_path, fcm_mock):
    # The service account's key does not match what Google (the mock) knows.
    account = json.loads(fcm_mock.account.json_path.read_text())
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    account["private_key"] = other.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                 serialization.NoEncryption()).decode()
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps(account))
    wrong.chmod(0o600)
    e = nudge.Engine(config(tmp_path / "store", [fcm_backend(fcm_mock, service_account_file=str(wrong))]))
    try:
        reg = register_fcm(e)
        reply_to(e, publish_xml(reg["node"], reg["secret"]), "pub")
        events = e.events(timeout=15, until=lambda evs: any(ev.level == nudge.LOG_ERROR for ev in evs))
        errors = [ev.data for ev in events if ev.kind == nudge.EVENT_LOG and ev.level == nudge.LOG_ERROR]
        assert errors and "configuration" in errors[0]
        assert sends(fcm_mock, answered=False) == []
    finally:
        e.close()
