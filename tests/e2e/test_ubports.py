"""UBports (Ubuntu Touch) push end to end: no credentials (any user may
use the backend), the notify API, and unknown-token."""

import json

import pytest

from tests.e2e.appserver import config, drain_until_idle, journal, publish_xml, register, reply_to, wait_for
from tests.host import nudge

APPID = "chatninja.example_chatninja"


@pytest.fixture
def engine(tmp_path, ubports_mock):
    e = nudge.Engine(config(tmp_path / "store", [{"type": "ubuntu", "endpoint": ubports_mock.url,
                                                  "ca_file": str(ubports_mock.tls.ca)}]))
    yield e
    e.close()


def notifies(mock, answered: bool = True):
    return journal(mock, "notify", answered)


def test_a_notification_reaches_ubports(engine, ubports_mock):
    reg = register(engine, command="register-push-ubuntu",
                   fields=[("token", ubports_mock.token(APPID)), ("application-id", APPID)])
    reply_to(engine, publish_xml(reg["node"], reg["secret"], count=3), "pub")
    wait_for(lambda: notifies(ubports_mock), engine=engine)
    drain_until_idle(engine)
    [notify] = notifies(ubports_mock)
    assert notify["answer"]["status"] == 200
    assert notify["headers"]["content-type"] == "application/json"


def test_unknown_token_removes_the_registration(engine, ubports_mock):
    reg = register(engine, command="register-push-ubuntu",
                   fields=[("token", ubports_mock.token(APPID)), ("application-id", APPID)])
    ubports_mock.control.script([{"error": "unknown-token"}])
    reply_to(engine, publish_xml(reg["node"], reg["secret"]), "pub")

    def gone():
        engine.events(timeout=0.05)
        return engine.admin({"command": "list", "user": "juliet@example.net"})[1]["registrations"] == []

    wait_for(gone)
