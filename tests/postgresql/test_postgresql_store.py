"""The engine with store.backend "postgresql", through the C ABI: a push
reaches the APNs mock with the state in PostgreSQL; the password comes
from store.password_file and never shows; with the server stopped, a call
that needs a commit fails with NUDGE_ESTORE and the reason while the hot
path still answers; with the server back, the engine reconnects by itself
and nothing acknowledged is lost."""

from __future__ import annotations

import ctypes
import json
import time

import pytest

from tests.e2e.appserver import apns_backend, device_requests, drain_until_idle, enable_xml, register, reply_to, wait_for
from tests.host import nudge
from tests.support.postgres import PASSWORD

pytestmark = pytest.mark.skipif(not nudge.DEFAULT_LIB.exists(),
                                reason=f"{nudge.DEFAULT_LIB} is not built (run `make lib`)")

USER = "juliet@example.net"
PHONE = f"{USER}/phone"
MESSAGE = "<message from='romeo@example.org/orchard' to='juliet@example.net' type='chat' id='{id}'><body>hi</body></message>"


def config(store: dict, backends: list) -> dict:
    return {"store": {"backend": "postgresql", "node_id": "n1", **store},
            "server": {"domains": ["example.net"], "coalesce_window_s": 0},
            "appserver": {"pubsub_host": "push.example.net", "backends": backends},
            "log": {"level": "debug"}}


def logs(events) -> list[str]:
    return [e.data for e in events if e.kind == nudge.EVENT_LOG]


def enable_and_go_pending(engine) -> dict:
    reg = register(engine)
    assert reply_to(engine, enable_xml(reg["node"], reg["secret"]), "en").get("type") == "result"
    assert engine.session_pending(PHONE)[0] == nudge.OK
    return reg


def push(engine, apns_mock, message_id: str) -> None:
    """A held message for the pending session reaches the APNs mock."""
    before = len(device_requests(apns_mock))
    assert engine.stanza_held(PHONE, MESSAGE.format(id=message_id), nudge.HELD_QUEUED) == nudge.OK
    wait_for(lambda: len(device_requests(apns_mock)) > before, engine=engine)


def check_config(document: dict) -> tuple[int, str]:
    lib = ctypes.CDLL(str(nudge.DEFAULT_LIB))
    lib.nudge_check_config.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]
    lib.nudge_free.argtypes = [ctypes.c_void_p]
    out = ctypes.c_void_p()
    code = lib.nudge_check_config(json.dumps(document).encode(), ctypes.byref(out))
    message = ctypes.string_at(out.value).decode() if out.value else ""
    lib.nudge_free(out)
    return code, message


def test_a_push_with_the_state_in_postgresql_over_a_host_list(tmp_path, postgres, apns_mock):
    password_file = tmp_path / "pg-password"
    password_file.write_text(PASSWORD + "\n")
    password_file.chmod(0o640)
    # The first host refuses: libpq tries the next, as after a failover.
    url = f"postgresql://nudge@127.0.0.1:1,127.0.0.1:{postgres.port}/nudge"
    cfg = config({"url": url, "password_file": str(password_file)}, [apns_backend(apns_mock)])
    assert check_config(cfg) == (nudge.OK, "")
    engine = nudge.Engine(cfg)
    try:
        opened = logs(engine.events(timeout=0.5))
        assert f"store: PostgreSQL database nudge@127.0.0.1,127.0.0.1:1,{postgres.port}/nudge, node n1" in opened
        assert any(f"store.password_file: {password_file} is readable by others (mode 0640); run chmod 600" in line
                   for line in opened), opened
        reg = enable_and_go_pending(engine)
        push(engine, apns_mock, "m1")
        drain_until_idle(engine)
        assert engine.stats()["registrations"] == 1
        everything = opened + logs(engine.events(timeout=0.2))
        assert not [line for line in everything if PASSWORD in line]
    finally:
        engine.close()
    # The state is in the database: the tables and the clean-shutdown flag.
    assert postgres.psql("SELECT count(*) FROM nudge_enable").strip() == "1"
    assert postgres.psql("SELECT encode(value, 'hex') FROM nudge_meta WHERE key = 'clean.n1'::bytea").strip() == "01"
    # A second engine finds it all.
    with nudge.Engine(cfg) as again:
        code, listing = again.admin({"command": "list", "user": USER})
        assert code == nudge.OK and [e["node"] for e in listing["enablements"]] == [reg["node"]]


def test_configuration_errors_name_the_key_and_never_show_the_password(tmp_path, postgres):
    secret = "hunter2-not-for-logs"
    for document, code, message in [
        ({"url": f"postgresql://nudge:{secret}@127.0.0.1:{postgres.port}/nudge"}, nudge.ECONFIG,
         "store.url: contains a password: give it in store.password_file or the PGPASSWORD environment variable instead"),
        ({}, nudge.ECONFIG, 'store.url: required with store.backend "postgresql"'),
        ({"url": postgres.url(tcp=True), "password_file": str(tmp_path / "missing")}, nudge.ECONFIG,
         f"store.password_file: cannot read {tmp_path / 'missing'}: No such file or directory"),
    ]:
        with pytest.raises(nudge.NudgeError) as raised:
            nudge.Engine(config(document, []))
        assert raised.value.code == code
        assert raised.value.message.startswith(message), raised.value.message
        assert secret not in raised.value.message
        assert check_config(config(document, []))[0] == code
    # A wrong password is the server's refusal, as NUDGE_ESTORE naming store.url.
    wrong = tmp_path / "wrong"
    wrong.write_text("not-the-password\n")
    wrong.chmod(0o600)
    with pytest.raises(nudge.NudgeError) as raised:
        nudge.Engine(config({"url": postgres.url(tcp=True), "password_file": str(wrong)}, []))
    assert raised.value.code == nudge.ESTORE
    assert raised.value.message.startswith(f"store.url: cannot connect to the PostgreSQL store nudge@127.0.0.1:{postgres.port}/nudge: ")
    assert "password authentication failed" in raised.value.message
    assert "not-the-password" not in raised.value.message


def test_a_second_engine_with_the_node_id_is_refused(postgres):
    cfg = config({"url": postgres.url()}, [])
    with nudge.Engine(cfg):
        with pytest.raises(nudge.NudgeError) as raised:
            nudge.Engine(cfg)
        assert raised.value.code == nudge.ELOCKED
        assert "node n1 is in use by another engine" in raised.value.message


def test_the_server_stops_and_comes_back(postgres, apns_mock):
    engine = nudge.Engine(config({"url": postgres.url()}, [apns_backend(apns_mock)]))
    try:
        reg = enable_and_go_pending(engine)
        push(engine, apns_mock, "m1")
        drain_until_idle(engine)

        postgres.stop()
        # A call that needs a commit fails, with the reason.
        code, reply = engine.admin({"command": "test-push", "user": USER})
        assert code == nudge.ESTORE, reply
        assert reply["ok"] is False
        assert "PostgreSQL store" in reply["error"] and "cannot connect" in reply["error"], reply
        # The hot path answers at once: a stanza for the pending user is
        # taken (its commit fails on the writer thread, logged, not acknowledged).
        started = time.monotonic()
        assert engine.stanza_held(PHONE, MESSAGE.format(id="m2"), nudge.HELD_QUEUED) == nudge.OK
        assert engine.session_online("romeo@example.net/pda") == nudge.OK
        assert time.monotonic() - started < 1.0
        failures = logs(engine.events(timeout=5, until=lambda events: any("not saved" in line for line in logs(events))))
        assert any("not saved, and not acknowledged" in line and "PostgreSQL store" in line for line in failures), failures
        # A request that needs a commit gets an XMPP error, not silence.
        reply = reply_to(engine, enable_xml(reg["node"], reg["secret"], jid=f"{USER}/tablet"), "en")
        assert reply.get("type") == "error"

        postgres.start()
        # Nothing acknowledged was lost, and the engine reconnected by itself.
        code, listing = engine.admin({"command": "list", "user": USER})
        assert code == nudge.OK and [e["resource"] for e in listing["enablements"]] == ["phone"]
        push(engine, apns_mock, "m3")
        reply = reply_to(engine, enable_xml(reg["node"], reg["secret"], jid=f"{USER}/tablet"), "en")
        assert reply.get("type") == "result"
        drain_until_idle(engine)
        code, listing = engine.admin({"command": "list", "user": USER})
        assert [e["resource"] for e in listing["enablements"]] == ["tablet"]   # the same node, enabled again
    finally:
        engine.close()
    assert postgres.psql("SELECT count(*) FROM nudge_enable").strip() == "1"


def test_what_was_committed_survives_a_crash_of_the_server(postgres):
    cfg = config({"url": postgres.url()}, [])
    engine = nudge.Engine(cfg)
    enable = enable_xml("node-1", "secret-1", service="push.elsewhere.example")
    assert reply_to(engine, enable, "en").get("type") == "result"
    # An immediate stop is a crash of the server: what was committed stays.
    postgres.stop(mode="immediate")
    postgres.start()
    code, listing = engine.admin({"command": "list", "user": USER})
    assert code == nudge.OK and len(listing["enablements"]) == 1, listing
    engine.close()
