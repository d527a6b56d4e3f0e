"""Several engines on one PostgreSQL database (store.node_id), through the
C ABI: an enablement made on one node is served by another (its
ignore-unknown filter too); a burst for
one user split across two nodes is one push, then one follow-up; a node
killed with delivery jobs in hand loses them to the other once its lease
(store.node_lease_s) runs out, and every accepted publish is delivered; a
killed node's follow-up is sent by the other."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from tests.e2e.appserver import (apns_backend, device_requests, drain_until_idle, enable_xml, publish_xml, register,
                                 reply_to, wait_for)
from tests.host import nudge

pytestmark = pytest.mark.skipif(not nudge.DEFAULT_LIB.exists(),
                                reason=f"{nudge.DEFAULT_LIB} is not built (run `make lib`)")

USER = "juliet@example.net"
PHONE = f"{USER}/phone"
MESSAGE = "<message from='romeo@example.org/orchard' to='juliet@example.net' type='chat' id='{id}'><body>hi</body></message>"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def config(postgres, node: str, backends: list, window: int = 0) -> dict:
    return {"store": {"backend": "postgresql", "url": postgres.url(), "node_id": node, "node_lease_s": 3},
            "server": {"domains": ["example.net"], "coalesce_window_s": window},
            "appserver": {"pubsub_host": "push.example.net", "backends": backends},
            "log": {"level": "debug"}}


def test_an_enablement_made_on_one_node_is_served_by_another(postgres, apns_mock):
    with nudge.Engine(config(postgres, "a", [apns_backend(apns_mock)])) as a, \
         nudge.Engine(config(postgres, "b", [apns_backend(apns_mock)])) as b:
        reg = register(a)
        assert reply_to(a, enable_xml(reg["node"], reg["secret"]), "en").get("type") == "result"
        # b hears of it (NOTIFY) and then takes the session as one to push for.
        wait_for(lambda: b.session_pending(PHONE)[1] > 0, engine=b)
        assert b.stanza_held(PHONE, MESSAGE.format(id="m1"), nudge.HELD_QUEUED) == nudge.OK
        wait_for(lambda: len(device_requests(apns_mock)) == 1, engine=b)
        drain_until_idle(b)
        drain_until_idle(a)
        assert len(device_requests(apns_mock)) == 1
        # A disable on b empties a's index: a's held stanzas are dropped from memory.
        assert reply_to(b, f"<iq type='set' id='dis' from='{PHONE}'><disable xmlns='urn:xmpp:push:0' jid='push.example.net'/></iq>",
                        "dis").get("type") == "result"
        wait_for(lambda: a.session_pending(PHONE)[1] == 0, engine=a)


def test_an_enablement_ignoring_unknown_senders_asks_for_the_roster_on_the_other_node_too(postgres, apns_mock):
    # The other node's index is read from the store (NOTIFY), the filter included.
    with nudge.Engine(config(postgres, "a", [apns_backend(apns_mock)])) as a, \
         nudge.Engine(config(postgres, "b", [apns_backend(apns_mock)])) as b:
        reg = register(a)
        ignoring = enable_xml(reg["node"], reg["secret"]).replace(
            "</enable>", "<ignore-unknown xmlns='tigase:push:filter:ignore-unknown:0'/></enable>")
        assert reply_to(a, ignoring, "en").get("type") == "result"
        assert a.wants_sender_roster(USER) == (nudge.OK, 1)
        wait_for(lambda: b.wants_sender_roster(USER) == (nudge.OK, 1), engine=b)
        assert b.wants_sender_roster(PHONE) == (nudge.OK, 1)


def test_a_burst_across_two_nodes_is_one_push_then_one_follow_up(postgres, apns_mock):
    window = 3
    with nudge.Engine(config(postgres, "a", [apns_backend(apns_mock)], window)) as a, \
         nudge.Engine(config(postgres, "b", [apns_backend(apns_mock)], window)) as b:
        reg = register(a)
        assert reply_to(a, enable_xml(reg["node"], reg["secret"]), "en").get("type") == "result"
        assert a.session_pending(PHONE)[0] == nudge.OK
        wait_for(lambda: b.session_pending(f"{USER}/other")[0] == nudge.OK and b.stats()["users_enabled"] == 1, engine=b)
        started = time.monotonic()
        for i in range(6):
            engine, flags, target = (a, nudge.HELD_QUEUED, PHONE) if i % 2 == 0 else (b, nudge.HELD_OFFLINE, USER)
            assert engine.stanza_held(target, MESSAGE.format(id=f"m{i}"), flags) == nudge.OK
        drain_until_idle(a)
        drain_until_idle(b)
        if time.monotonic() - started < window:
            assert len(device_requests(apns_mock)) == 1   # the summary is shared: the rest wait for the window
        wait_for(lambda: len(device_requests(apns_mock)) == 2, timeout=window + 10, engine=a)
        time.sleep(1)
        drain_until_idle(a)
        drain_until_idle(b)
        assert len(device_requests(apns_mock)) == 2


NODE_B = """
import json, sys
sys.path.insert(0, {root!r})
from tests.host import nudge
from tests.e2e.appserver import publish_xml, reply_to
engine = nudge.Engine(json.loads({cfg!r}))
for node, secret, iq_id in {publishes!r}:
    assert reply_to(engine, publish_xml(node, secret, iq_id=iq_id), iq_id).get("type") == "result"
print("accepted", flush=True)
while True:
    engine.events(timeout=1)
"""


def test_a_killed_nodes_jobs_are_delivered_by_the_other(postgres, apns_mock):
    # b's vendor never answers: its jobs stay claimed, in flight, when it is killed.
    black_hole = socket.socket()
    black_hole.bind(("127.0.0.1", 0))
    black_hole.listen(64)
    try:
        with nudge.Engine(config(postgres, "a", [apns_backend(apns_mock)])) as a:
            # Three devices, so that three jobs are b's (one per device: coalescing).
            regs = [register(a, fields=(("token", f"{i:032x}"),), jid=f"u{i}@example.net/phone") for i in range(3)]
            cfg = config(postgres, "b", [apns_backend(apns_mock, endpoint=f"https://127.0.0.1:{black_hole.getsockname()[1]}")])
            publishes = [(reg["node"], reg["secret"], f"p{i}") for i, reg in enumerate(regs)]
            script = NODE_B.format(root=ROOT, cfg=json.dumps(cfg), publishes=publishes)
            b = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
            try:
                assert b.stdout.readline().strip() == "accepted"
                assert postgres.psql("SELECT count(*) FROM nudge_outbox WHERE lease_node = 'b'").strip() == "3"
                time.sleep(0.5)
                assert device_requests(apns_mock) == []
                os.kill(b.pid, signal.SIGKILL)
                b.wait()
                # a takes them over once b's lease (3 s) has run out, at its next sweep.
                killed = time.monotonic()
                wait_for(lambda: len(device_requests(apns_mock)) == 3, timeout=20, engine=a)
                assert time.monotonic() - killed >= 2
                drain_until_idle(a)
                assert len(device_requests(apns_mock)) == 3
                assert postgres.psql("SELECT count(*) FROM nudge_outbox").strip() == "0"
            finally:
                if b.poll() is None:
                    b.kill()
                    b.wait()
    finally:
        black_hole.close()


HOLDER = """
import json, sys
sys.path.insert(0, {root!r})
from tests.host import nudge
engine = nudge.Engine(json.loads({cfg!r}))
for i, message in enumerate({messages!r}):
    assert engine.stanza_held({user!r}, message, nudge.HELD_OFFLINE) == nudge.OK
print("held", flush=True)
while True:
    engine.events(timeout=1)
"""


def test_a_killed_nodes_follow_up_is_sent_by_the_other(postgres, apns_mock):
    window = 3
    with nudge.Engine(config(postgres, "a", [apns_backend(apns_mock)], window)) as a:
        reg = register(a)
        assert reply_to(a, enable_xml(reg["node"], reg["secret"]), "en").get("type") == "result"
        # b pushes the first message at once and keeps the second for the follow-up, then dies.
        cfg = config(postgres, "b", [apns_backend(apns_mock)], window)
        messages = [MESSAGE.format(id="m1"), MESSAGE.format(id="m2")]
        b = subprocess.Popen([sys.executable, "-c", HOLDER.format(root=ROOT, cfg=json.dumps(cfg), messages=messages, user=USER)],
                             stdout=subprocess.PIPE, text=True)
        try:
            assert b.stdout.readline().strip() == "held"
            wait_for(lambda: len(device_requests(apns_mock)) == 1
                     and postgres.psql("SELECT count(*) FROM nudge_summary WHERE follow_up_at IS NOT NULL").strip() == "1",
                     engine=a)
            os.kill(b.pid, signal.SIGKILL)
            b.wait()
            # a sends it once it is overdue by more than a lease (3 s).
            wait_for(lambda: len(device_requests(apns_mock)) == 2, timeout=30, engine=a)
            drain_until_idle(a)
            assert len(device_requests(apns_mock)) == 2
            assert postgres.psql("SELECT count(*) FROM nudge_summary WHERE follow_up_at IS NOT NULL").strip() == "0"
        finally:
            if b.poll() is None:
                b.kill()
                b.wait()


def test_a_second_engine_with_the_same_node_id_is_refused(postgres):
    with nudge.Engine(config(postgres, "a", [])):
        with pytest.raises(nudge.NudgeError) as raised:
            nudge.Engine(config(postgres, "a", []))
        assert raised.value.code == nudge.ELOCKED
        assert "node a is in use by another engine" in raised.value.message
        with nudge.Engine(config(postgres, "b", [])):
            pass


@pytest.mark.parametrize("node_id, problem", [
    ("", "must not be empty"),
    ("x" * 65, "must be 1 to 64 characters (got 65)"),
    ("node one", "may hold only ASCII letters, digits, '.', '_' and '-'"),
])
def test_a_bad_node_id_is_a_configuration_error_naming_the_key(postgres, node_id, problem):
    with pytest.raises(nudge.NudgeError) as raised:
        nudge.Engine(config(postgres, node_id, []))
    assert raised.value.code == nudge.ECONFIG
    assert raised.value.message == f"store.node_id: {problem}"
