"""WNS end to end: the OAuth client-credentials token, raw and toast
notifications, and the channel answers."""


import pytest

from tests.e2e.appserver import config, drain_until_idle, journal, publish_xml, register, reply_to, wait_for
from tests.host import nudge


def wns_backend(mock, **extra) -> dict:
    backend = {"type": "wns", "app": "chatninja", "package_sid": mock.package_sid, "client_secret": mock.client_secret,
               "token_endpoint": mock.token_url, "endpoint": mock.url, "ca_file": str(mock.tls.ca)}
    backend.update(extra)
    return backend


def sends(mock, answered: bool = True):
    return journal(mock, "send", answered)


@pytest.mark.parametrize("wns_type, header", [("raw", "wns/raw"), ("toast", "wns/toast")])
def test_a_notification_reaches_the_channel(wns_mock, engine_for, wns_type, header):
    engine = engine_for([wns_backend(wns_mock, wns_type=wns_type)])
    reg = register(engine, command="register-push-wns", fields=[("token", wns_mock.channel())])
    reply_to(engine, publish_xml(reg["node"], reg["secret"], count=2), "pub")
    wait_for(lambda: sends(wns_mock), engine=engine)
    drain_until_idle(engine)
    [send] = sends(wns_mock)
    assert send["answer"]["status"] == 200
    assert send["headers"]["x-wns-type"] == header
    assert len([r for r in wns_mock.control.requests() if r["kind"] == "token"]) == 1


def test_an_expired_token_is_refreshed(wns_mock, engine_for):
    engine = engine_for([wns_backend(wns_mock)])
    reg = register(engine, command="register-push-wns", fields=[("token", wns_mock.channel())])
    reply_to(engine, publish_xml(reg["node"], reg["secret"]), "pub")
    wait_for(lambda: sends(wns_mock), engine=engine)
    wns_mock.control.script([{"expire_tokens": True}])
    reply_to(engine, publish_xml(reg["node"], reg["secret"], iq_id="pub2"), "pub2")
    wait_for(lambda: len([s for s in sends(wns_mock) if s["answer"]["status"] == 200]) >= 2, timeout=20, engine=engine)


@pytest.mark.parametrize("status", [404, 410])
def test_a_dead_channel_removes_the_registration(wns_mock, engine_for, status):
    engine = engine_for([wns_backend(wns_mock)])
    reg = register(engine, command="register-push-wns", fields=[("token", wns_mock.channel())])
    wns_mock.control.script([{"status": status}])
    reply_to(engine, publish_xml(reg["node"], reg["secret"]), "pub")

    def gone():
        engine.events(timeout=0.05)
        return engine.admin({"command": "list", "user": "juliet@example.net"})[1]["registrations"] == []

    wait_for(gone)


def test_throttling_backs_off(wns_mock, engine_for):
    engine = engine_for([wns_backend(wns_mock)])
    reg = register(engine, command="register-push-wns", fields=[("token", wns_mock.channel())])
    wns_mock.control.script([{"status": 406, "retry_after": 2}])
    reply_to(engine, publish_xml(reg["node"], reg["secret"]), "pub")
    wait_for(lambda: len(sends(wns_mock)) >= 2, timeout=20, engine=engine)
    first, second = sends(wns_mock)[:2]
    assert first["answer"]["status"] == 406 and second["answer"]["status"] == 200
    assert second["time"] - first["time"] >= 2.0
