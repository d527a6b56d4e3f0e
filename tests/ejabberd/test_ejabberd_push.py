"""XEP-0357 push through a real ejabberd 23.01 with mod_nudge, end to end:
slixmpp clients on one side, the strict APNs mock on the other. The same
scenarios as tests/prosody/test_prosody_push.py.

Every wait is for a condition, with a deadline; nothing is asserted from
elapsed time alone.
"""

import asyncio
import json
import secrets
import time

import pytest

from ejabberd_env import DOMAIN, PASSWORD, PUSH_HOST, apns_backend, engine_stats, modules, nudge_options
from xmpp import AppServer, Client, IqError, form_values

JULIET = f"juliet@{DOMAIN}"
ROMEO = f"romeo@{DOMAIN}"
MERCUTIO = f"mercutio@{DOMAIN}"
DEADLINE_S = 30
COALESCE_WINDOW_S = 2


def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, 180))


def wait_until(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


def device_pushes(mock, token: str) -> list[dict]:
    return [r for r in mock.control.requests() if r.get("token") == token]


async def pushes_until(mock, token: str, predicate, what: str) -> list[dict]:
    """Polls the mock until predicate(pushes) holds; returns the pushes."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE_S
    while True:
        pushes = device_pushes(mock, token)
        if predicate(pushes):
            return pushes
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}; pushes: {[p['payload'] for p in pushes]}")
        await asyncio.sleep(0.05)


async def stats_until(server, predicate, what: str) -> dict:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE_S
    while True:
        stats = await asyncio.to_thread(engine_stats, server)
        if predicate(stats):
            return stats
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}; stats: {stats}")
        await asyncio.sleep(0.1)


async def register_and_enable(client: Client, token: str) -> dict:
    """Registers the device at the app server (ad-hoc on its register host) and enables push with what it returns."""
    fields = await client.command(PUSH_HOST, "register-push-apns", {"token": token})
    assert fields.get("jid") == PUSH_HOST, fields
    assert fields.get("node") and fields.get("secret"), fields
    await client.enable(fields["jid"], fields["node"], fields["secret"])
    return fields


async def hibernate(server, client: Client, timeout_s: int = 259200) -> None:
    """Drops the client's TCP connection and waits until its push-enabled session is pending."""
    client.drop()
    await client.dropped()
    await asyncio.to_thread(server.wait_for_log,
                            rf"Push-enabled session {client.boundjid.full} is pending; kept {timeout_s} s", DEADLINE_S)


def listing(server, user: str) -> dict:
    code, output = server.ctl("nudge_list", user, DOMAIN)
    assert code == 0, output
    return json.loads(output.strip().splitlines()[-1])


# ---- 1. pending session: one push, coalescing, resumption --------------------

def test_pending_session_pushes_once_coalesces_and_resumes_with_every_message(ejabberd, apns_mock):
    server = ejabberd()
    token = secrets.token_hex(32)

    async def scenario():
        a = Client(f"{JULIET}/phone", PASSWORD, stream_management=True)
        b = Client(f"{ROMEO}/desk", PASSWORD)
        await a.online(server.c2s_port)
        await b.online(server.c2s_port)
        await register_and_enable(a, token)
        await hibernate(server, a)

        sent_at = time.time()
        b.say(JULIET, "message 1")
        first = await pushes_until(apns_mock, token, lambda p: len(p) >= 1, "the first push")
        assert len(first) == 1
        assert first[0]["answer"]["status"] == 200
        assert first[0]["payload"]["message-count"] == 1

        for i in range(2, 7):
            b.say(JULIET, f"message {i}")
        await b.ping()   # ejabberd has routed all five once B's ping is answered
        burst_in_window = time.time() - sent_at < COALESCE_WINDOW_S
        pushes = await pushes_until(apns_mock, token, lambda p: any(x["payload"]["message-count"] == 6 for x in p),
                                    "the follow-up push with all six messages")
        if burst_in_window:
            assert len(pushes) == 2, [p["payload"] for p in pushes]
        else:
            # A machine too slow to send five messages within the window.
            assert len(pushes) <= 3, [p["payload"] for p in pushes]
        assert pushes[0]["headers"]["apns-collapse-id"] == pushes[-1]["headers"]["apns-collapse-id"]
        stats = await stats_until(server, lambda s: s["held"].get("accepted", 0) >= 6, "the six held messages")
        assert stats["held"] == {"accepted": 6}, stats
        assert sum(stats["pushes"].values()) == len(pushes), stats

        await a.resume(server.c2s_port)
        await a.until(lambda: len(a.bodies) >= 6, "every message after resumption")
        assert sorted(a.bodies) == [f"message {i}" for i in range(1, 7)]
        assert len(device_pushes(apns_mock, token)) == len(pushes)
        await a.offline()
        await b.offline()

    run(scenario())
