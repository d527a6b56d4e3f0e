"""XEP-0357 push through a real ejabberd 23.01 with mod_nudge, end to end:
slixmpp clients on one side, the strict APNs mock on the other. The same
scenarios as tests/prosody/test_prosody_push.py.

Every wait is for a condition, with a deadline; nothing is asserted from
elapsed time alone.
"""

import asyncio
import json
import re
import secrets
import time

import pytest

from ejabberd_env import DOMAIN, PASSWORD, PUSH_HOST, USERS, apns_backend, engine_stats, modules, nudge_options
from clients import AppServer, Client, IqError, form_values

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


# ---- 2. offline user: one push, not two --------------------------------------

async def wait_offline(server, user: str) -> None:
    """Until ejabberd has closed every session of the user."""
    def gone():
        code, output = server.ctl("connected_users")
        return code == 0 and user not in output
    await asyncio.to_thread(wait_until, gone, DEADLINE_S, f"{user}'s sessions to close")


def test_offline_message_pushes_once_although_stored_and_archived(ejabberd, apns_mock):
    server = ejabberd()
    token = secrets.token_hex(32)

    async def scenario():
        a = Client(f"{JULIET}/phone", PASSWORD)
        b = Client(f"{ROMEO}/desk", PASSWORD)
        await a.online(server.c2s_port)
        await register_and_enable(a, token)
        await a.offline()
        await wait_offline(server, JULIET)

        await b.online(server.c2s_port)
        b.say(JULIET, "are you there?")
        pushes = await pushes_until(apns_mock, token, lambda p: len(p) >= 1, "the push")
        # mod_offline stored it and mod_mam archived it: reported twice, taken once.
        stats = await stats_until(server, lambda s: s["held"].get("accepted", 0) + s["held"].get("duplicate", 0) >= 2,
                                  "both reports of the message")
        assert stats["held"] == {"accepted": 1, "duplicate": 1}, stats
        assert len(device_pushes(apns_mock, token)) == 1
        assert pushes[0]["payload"]["message-count"] == 1

        # A message without an id is recognised by the archive's stanza-id.
        b.send_raw(f"<message to='{JULIET}' type='chat'><body>no id</body></message>")
        stats = await stats_until(server, lambda s: s["held"].get("accepted", 0) + s["held"].get("duplicate", 0) >= 4,
                                  "both reports of the message without id")
        assert stats["held"] == {"accepted": 2, "duplicate": 2}, stats

        # Both are in offline storage and in the archive.
        a2 = Client(f"{JULIET}/phone", PASSWORD)
        await a2.online(server.c2s_port)
        await a2.until(lambda: len(a2.bodies) >= 2, "the offline messages")
        assert a2.bodies == ["are you there?", "no id"]
        archived = await a2.mam_bodies()
        assert archived == ["are you there?", "no id"], archived
        await a2.offline()
        await b.offline()

    run(scenario())


# ---- 3. chat states and receipts alone push nothing ----------------------------

def test_chat_states_and_receipts_alone_do_not_push(ejabberd, apns_mock):
    server = ejabberd()
    token = secrets.token_hex(32)

    async def scenario():
        a = Client(f"{JULIET}/phone", PASSWORD, stream_management=True)
        b = Client(f"{ROMEO}/desk", PASSWORD)
        await a.online(server.c2s_port)
        await b.online(server.c2s_port)
        await register_and_enable(a, token)
        await hibernate(server, a)

        for state in ("active", "composing", "paused", "inactive"):
            b.chat_state(JULIET, state)
        b.send_raw(f"<message to='{JULIET}' id='r1'><received xmlns='urn:xmpp:receipts' id='m0'/></message>")
        b.send_raw(f"<message to='{JULIET}' id='d1'><displayed xmlns='urn:xmpp:chat-markers:0' id='m0'/></message>")
        await b.ping()
        await stats_until(server, lambda s: s["held"].get("not_important", 0) >= 6,
                          "the chat states and receipts to be judged")
        assert device_pushes(apns_mock, token) == []

        # A message after them is the first thing pushed, and counts alone.
        b.say(JULIET, "now with a body")
        pushes = await pushes_until(apns_mock, token, lambda p: len(p) >= 1, "the push for the message")
        assert len(pushes) == 1 and pushes[0]["payload"]["message-count"] == 1
        await a.resume(server.c2s_port)
        await a.until(lambda: "now with a body" in a.bodies, "the message after resumption")
        await a.offline()
        await b.offline()

    run(scenario())


# ---- 4. nobody enables push for someone else; malformed enables change nothing --

def test_another_user_cannot_enable_push_for_an_account(ejabberd, apns_mock):
    server = ejabberd()
    token = secrets.token_hex(32)

    async def scenario():
        b = Client(f"{ROMEO}/desk", PASSWORD)
        await b.online(server.c2s_port)
        fields = await b.command(PUSH_HOST, "register-push-apns", {"token": token})
        with pytest.raises(IqError) as refused:
            await b.enable(fields["jid"], fields["node"], fields["secret"], to=JULIET)
        error = refused.value.iq["error"]
        assert error["condition"] == "forbidden", error

        # On its own account B may: enable, list its devices, disable.
        await b.enable(fields["jid"], fields["node"], fields["secret"])
        reply = await b.command_reply(PUSH_HOST, "list-push-registrations", {})
        assert reply.get("status") == "completed"
        assert fields["node"] in {v.text for v in reply.iter("{jabber:x:data}value")}
        romeo = await asyncio.to_thread(listing, server, "romeo")
        assert [(e["node"], e["resource"]) for e in romeo["enablements"]] == [(fields["node"], "desk")], romeo
        await b.disable(fields["jid"], fields["node"])
        await b.offline()

    run(scenario())
    for user in ("juliet", "romeo"):
        assert listing(server, user)["enablements"] == []


MALFORMED_ENABLES = {
    "no jid": "<enable xmlns='urn:xmpp:push:0' node='n1'/>",
    "not a jid": "<enable xmlns='urn:xmpp:push:0' jid='@@' node='n1'/>",
    "no node": "<enable xmlns='urn:xmpp:push:0' jid='push.example.net'/>",
}


def test_a_malformed_enable_is_refused_and_changes_nothing(ejabberd, apns_mock):
    server = ejabberd()
    token = secrets.token_hex(32)

    async def scenario():
        a = Client(f"{JULIET}/phone", PASSWORD)
        await a.online(server.c2s_port)
        fields = await register_and_enable(a, token)
        before = await asyncio.to_thread(listing, server, "juliet")
        for what, element in MALFORMED_ENABLES.items():
            reply = await a.raw_iq(f"<iq type='set' id='bad-{len(what)}'>{element}</iq>")
            assert reply.get("type") == "error", (what, reply)
            assert await asyncio.to_thread(listing, server, "juliet") == before, what
        assert [e["node"] for e in before["enablements"]] == [fields["node"]]
        await a.offline()

    run(scenario())


# ---- group chat: mentions push, the rest does not -----------------------------

def test_a_group_chat_mention_pushes_and_other_room_messages_do_not(ejabberd, apns_mock):
    room = "balcony@conference.example.net"
    server = ejabberd(module_config=modules(nudge_options(apns_mock), extra={
        "mod_muc": {"host": "conference.@HOST@", "default_room_options": {"mam": False}}}))
    token = secrets.token_hex(32)

    async def scenario():
        a = Client(f"{JULIET}/phone", PASSWORD, stream_management=True)
        b = Client(f"{ROMEO}/desk", PASSWORD)
        await a.online(server.c2s_port)
        await b.online(server.c2s_port)
        await register_and_enable(a, token)
        a.join(room, "Jules")
        await a.ping()
        b.join(room, "Ro")
        await b.ping()
        await hibernate(server, a)

        b.say_in_room(room, "good morning, everyone")
        await b.ping()
        await stats_until(server, lambda s: s["held"].get("not_important", 0) >= 1, "the room message to be judged")
        assert device_pushes(apns_mock, token) == []

        b.say_in_room(room, "Jules, are you coming down?")
        pushes = await pushes_until(apns_mock, token, lambda p: len(p) >= 1, "the push for the mention")
        assert len(pushes) == 1 and pushes[0]["payload"]["message-count"] == 1
        await a.resume(server.c2s_port)
        await a.until(lambda: len([m for m in a.messages if m["type"] == "groupchat" and m["body"]]) >= 2,
                      "both room messages")
        await a.offline()
        await b.offline()

    run(scenario())


# ---- configuration, discovery, administration -----------------------------------

def test_a_wrong_option_is_rejected_at_config_load(ejabberd, apns_mock):
    server = ejabberd(nudge_options(apns_mock, coalesce_window="soon"), wait=False)
    assert server.wait_exit() != 0
    text = server.diagnostics()
    assert "Invalid value of option modules->mod_nudge->coalesce_window" in text, text
    assert "Push engine" not in server.log_text()


def test_an_unknown_option_is_rejected_at_config_load(ejabberd, apns_mock):
    server = ejabberd(nudge_options(apns_mock, coalesce_windows=2), wait=False)
    assert server.wait_exit() != 0
    text = server.diagnostics()
    assert ("Invalid value of option modules->mod_nudge: Unknown option: coalesce_windows. "
            "Did you mean coalesce_window?") in text, text


def test_an_option_the_engine_refuses_is_named_and_the_module_does_not_start(ejabberd, apns_mock):
    # ejabberd aborts its start when a module fails to start.
    server = ejabberd(nudge_options(apns_mock, pending_timeout=30, wake_before_timeout=60), wait=False)
    assert server.wait_exit() != 0
    # The log file or the console (the last lines before a halt may reach only one of them).
    text = server.diagnostics()
    assert re.search(r"mod_nudge on example\.net: .*server\.wake_before_timeout_s: must be less than", text), text
    assert "Push engine" not in text


def test_the_account_shows_push_and_its_options_to_its_user(ejabberd, apns_mock):
    server = ejabberd()

    async def scenario():
        a = Client(f"{JULIET}/phone", PASSWORD)
        await a.online(server.c2s_port)
        info = await a.disco_info(JULIET)
        features = {f.get("var") for f in info.iter("{http://jabber.org/protocol/disco#info}feature")}
        assert "urn:xmpp:push:0" in features
        options = [x for x in info.iter("{jabber:x:data}x") if form_values(x).get("FORM_TYPE") == "urn:xmpp:push:options"]
        assert len(options) == 1
        assert form_values(options[0])["include-senders"] == "0"
        assert form_values(options[0])["include-message-count"] == "1"
        await a.offline()

    run(scenario())


def test_ejabberdctl_lists_tests_and_removes(ejabberd, apns_mock):
    server = ejabberd()
    token = secrets.token_hex(32)

    async def scenario():
        a = Client(f"{JULIET}/phone", PASSWORD)
        await a.online(server.c2s_port)
        fields = await register_and_enable(a, token)
        await a.offline()
        return fields

    fields = run(scenario())
    assert [e["node"] for e in listing(server, "juliet")["enablements"]] == [fields["node"]]

    code, output = server.ctl("nudge_test_push", "juliet", DOMAIN)
    assert code == 0 and '"queued":1' in output, output
    wait_until(lambda: device_pushes(apns_mock, token), DEADLINE_S, "the test push")

    code, output = server.ctl("nudge_remove", "juliet", DOMAIN, PUSH_HOST, fields["node"])
    assert code == 0 and '"removed":1' in output, output
    assert listing(server, "juliet")["enablements"] == []
    code, output = server.ctl("nudge_test_push", "juliet", DOMAIN)
    assert code != 0, output
    code, output = server.ctl("nudge_remove", "juliet", DOMAIN, PUSH_HOST, fields["node"])
    assert code != 0, output
    stats = engine_stats(server)
    assert "pushes" in stats and "held" in stats, stats


def test_a_push_session_outlives_resume_timeout_and_gets_a_wake_push(ejabberd, apns_mock):
    # mod_stream_mgmt would keep hibernating sessions 1 s; the engine asks
    # for 30 for sessions with push (as mod_push_keepalive would, but a
    # message does not cut it back), and wakes the phone 28 s before that
    # runs out.
    server = ejabberd(nudge_options(apns_mock, pending_timeout=30, wake_before_timeout=28),
                      stream_mgmt={"resume_timeout": 1})
    token = secrets.token_hex(32)

    async def scenario():
        a = Client(f"{JULIET}/phone", PASSWORD, stream_management=True)
        b = Client(f"{ROMEO}/desk", PASSWORD)
        c = Client(f"{MERCUTIO}/laptop", PASSWORD, stream_management=True)   # no push
        await a.online(server.c2s_port)
        await b.online(server.c2s_port)
        await c.online(server.c2s_port)
        await register_and_enable(a, token)
        await hibernate(server, a, timeout_s=30)
        c.drop()
        await c.dropped()
        # mod_stream_mgmt's own timeout ends the session without push (and
        # would have ended A's, which went to sleep first)...
        await wait_offline(server, MERCUTIO)
        # ... A's stays, through a message and its push, and gets its wake push.
        b.say(JULIET, "still there?")
        pushes = await pushes_until(apns_mock, token, lambda p: any(x["payload"].get("wake-reason") for x in p),
                                    "the wake push")
        assert [p["payload"].get("wake-reason") for p in pushes].count("timeout") == 1, [p["payload"] for p in pushes]
        assert any(p["payload"].get("message-count") == 1 for p in pushes), [p["payload"] for p in pushes]
        await a.resume(server.c2s_port)
        await a.until(lambda: a.bodies == ["still there?"], "the message after resumption")
        await a.offline()
        await b.offline()

    run(scenario())


def test_a_session_pending_at_shutdown_gets_a_restart_wake(ejabberd, apns_mock):
    server = ejabberd()
    token = secrets.token_hex(32)

    async def scenario():
        a = Client(f"{JULIET}/phone", PASSWORD, stream_management=True)
        await a.online(server.c2s_port)
        await register_and_enable(a, token)
        await hibernate(server, a)

    run(scenario())
    assert server.stop() == 0
    assert device_pushes(apns_mock, token) == []
    # The same spool and store, started again.
    server.start()
    pushes = wait_until(lambda: device_pushes(apns_mock, token), DEADLINE_S, "the restart wake")
    assert pushes[0]["payload"].get("wake-reason") == "restart", pushes[0]["payload"]


# ---- a remote app server (XEP-0114 component) --------------------------------

PUBSUB = "{http://jabber.org/protocol/pubsub}"
DATA = "{jabber:x:data}"


def test_a_remote_app_server_gets_the_publish_and_its_refusal_disables_push(ejabberd, apns_mock):
    apps, apps_secret = "apps.example.net", secrets.token_hex(8)
    server = ejabberd(components={apps: apps_secret})

    async def scenario():
        app = AppServer(apps, apps_secret)
        await app.online(server.component_port)
        a = Client(f"{JULIET}/phone", PASSWORD, stream_management=True)
        b = Client(f"{ROMEO}/desk", PASSWORD)
        await a.online(server.c2s_port)
        await b.online(server.c2s_port)
        await a.enable(apps, "device-node-1", "node-secret")
        await hibernate(server, a)

        b.say(JULIET, "hello")
        await app.until(lambda: app.publishes, "the publish")
        iq = app.publishes[0]
        assert iq.get("from") == JULIET and iq.get("to") == apps and iq.get("type") == "set"
        assert iq.get("id", "").startswith("nudge-")
        publish = iq.find(f"{PUBSUB}pubsub/{PUBSUB}publish")
        assert publish.get("node") == "device-node-1"
        summary = form_values(publish.find(f"{PUBSUB}item/{{urn:xmpp:push:0}}notification/{DATA}x"))
        assert summary["FORM_TYPE"] == "urn:xmpp:push:summary" and summary["message-count"] == "1"
        options = form_values(iq.find(f"{PUBSUB}pubsub/{PUBSUB}publish-options/{DATA}x"))
        assert options["secret"] == "node-secret"
        # The answer came back to the user's bare JID and reached the engine.
        await stats_until(server, lambda s: s["publishes_in_flight"] == 0, "the answer to the publish")

        # The app server no longer knows the node: push is disabled.
        app.answer = "item-not-found"
        b.say(JULIET, "hello again")
        await app.until(lambda: len(app.publishes) >= 2, "the follow-up publish")
        await asyncio.to_thread(server.wait_for_log, rf"Push disabled for {JULIET}", DEADLINE_S)
        assert (await asyncio.to_thread(listing, server, "juliet"))["enablements"] == []
        assert apns_mock.control.requests() == []
        await a.resume(server.c2s_port)
        await a.until(lambda: len(a.bodies) >= 2, "both messages")
        await a.offline()
        await b.offline()
        app.disconnect()

    run(scenario())


def test_the_whole_configuration_from_a_json_file(ejabberd, apns_mock, tmp_path):
    config = tmp_path / "nudge.json"
    config.write_text(json.dumps({
        "store": {"path": str(tmp_path / "json-store"), "sync": False},
        "server": {"coalesce_window_s": 2},       # server.domains: the hosts that load mod_nudge
        "appserver": {"pubsub_host": PUSH_HOST, "backends": [apns_backend(apns_mock)]},
    }))
    server = ejabberd({"config_file": str(config)})
    assert (tmp_path / "json-store").is_dir()
    token = secrets.token_hex(32)

    async def scenario():
        a = Client(f"{JULIET}/phone", PASSWORD)
        await a.online(server.c2s_port)
        await register_and_enable(a, token)
        await a.offline()
        await wait_offline(server, JULIET)
        b = Client(f"{ROMEO}/desk", PASSWORD)
        await b.online(server.c2s_port)
        b.say(JULIET, "from a JSON-configured server")
        await pushes_until(apns_mock, token, lambda p: len(p) >= 1, "the push")
        await b.offline()

    run(scenario())


def test_native_options_and_a_config_file_do_not_mix(ejabberd, apns_mock, tmp_path):
    config = tmp_path / "nudge.json"
    config.write_text("{}")
    server = ejabberd({"config_file": str(config), "coalesce_window": 5}, wait=False)
    assert server.wait_exit() != 0
    text = server.diagnostics()
    assert "mod_nudge on example.net: coalesce_window: not allowed together with config_file" in text, text


def test_reload_config_with_changed_options_reopens_the_engine_and_keeps_the_store(ejabberd, apns_mock):
    server = ejabberd()
    token = secrets.token_hex(32)

    async def enable():
        a = Client(f"{JULIET}/phone", PASSWORD)
        await a.online(server.c2s_port)
        fields = await register_and_enable(a, token)
        await a.offline()
        return fields

    fields = run(enable())
    server.modules["mod_nudge"] = dict(server.modules["mod_nudge"], coalesce_window=5)
    server.write_config()
    code, output = server.ctl("reload_config")
    assert code == 0, output
    server.wait_for_log(r"Push engine configuration changed; reopening", DEADLINE_S)
    server.wait_for_log(r"Push engine .* open", DEADLINE_S, count=2)
    assert [e["node"] for e in listing(server, "juliet")["enablements"]] == [fields["node"]]
    code, output = server.ctl("nudge_test_push", "juliet", DOMAIN)
    assert code == 0 and '"queued":1' in output, output
    wait_until(lambda: device_pushes(apns_mock, token), DEADLINE_S, "the test push through the reopened engine")


def test_a_deleted_account_loses_its_enablements(ejabberd, apns_mock):
    server = ejabberd()
    token = secrets.token_hex(32)

    async def enable():
        a = Client(f"{JULIET}/phone", PASSWORD)
        await a.online(server.c2s_port)
        await register_and_enable(a, token)
        await a.offline()

    run(enable())
    assert len(listing(server, "juliet")["enablements"]) == 1
    code, output = server.ctl("unregister", "juliet", DOMAIN)
    assert code == 0, output
    server.wait_for_log(rf"Removed 1 push enablement\(s\) of deleted account {JULIET}", DEADLINE_S)
    assert listing(server, "juliet")["enablements"] == []


def test_registration_commands_on_the_virtual_host_itself(ejabberd, apns_mock):
    # register_host: the users' own domain (the engine's default, and
    # Prosody's): mod_adhoc owns its commands, mod_nudge takes the engine's.
    server = ejabberd(nudge_options(apns_mock, register_host=DOMAIN))
    token = secrets.token_hex(32)

    async def scenario():
        a = Client(f"{JULIET}/phone", PASSWORD)
        b = Client(f"{ROMEO}/desk", PASSWORD)
        await a.online(server.c2s_port)
        items = await a.disco_items(DOMAIN, "http://jabber.org/protocol/commands")
        assert {"register-push-apns", "list-push-registrations", "unregister-push"} <= items, items
        fields = await a.command(DOMAIN, "register-push-apns", {"token": token})
        assert fields.get("jid") == PUSH_HOST and fields.get("node") and fields.get("secret"), fields
        await a.enable(fields["jid"], fields["node"], fields["secret"])
        reply = await a.command_reply(DOMAIN, "list-push-registrations", {})
        assert reply.get("status") == "completed"
        # mod_adhoc's own commands still answer.
        pong = await a.command_reply(DOMAIN, "ping", {})
        assert pong.get("status") == "completed", pong
        await a.offline()
        await wait_offline(server, JULIET)
        await b.online(server.c2s_port)
        b.say(JULIET, "registered on example.net")
        await pushes_until(apns_mock, token, lambda p: len(p) >= 1, "the push")
        await b.offline()

    run(scenario())


def test_two_virtual_hosts_share_one_engine(ejabberd, apns_mock):
    other = "example.org"
    server = ejabberd(hosts=[DOMAIN, other], users={**{f"{u}@{DOMAIN}": p for u, p in USERS.items()},
                                                     f"juliet@{other}": PASSWORD})
    token = secrets.token_hex(32)

    async def scenario():
        a = Client(f"juliet@{other}/phone", PASSWORD)
        b = Client(f"{ROMEO}/desk", PASSWORD)
        await a.online(server.c2s_port)
        await register_and_enable(a, token)      # at push.example.net: push. and the first host
        await a.offline()
        await wait_offline(server, f"juliet@{other}")
        await b.online(server.c2s_port)
        b.say(f"juliet@{other}", "across hosts")
        pushes = await pushes_until(apns_mock, token, lambda p: len(p) >= 1, "the push")
        assert pushes[0]["payload"]["message-count"] == 1
        await b.offline()

    run(scenario())
    assert len(server.wait_for_log(r"Push engine .* open", 1)) == 1


def test_hosts_with_different_options_are_refused(ejabberd, apns_mock):
    other = "example.org"
    server = ejabberd(hosts=[DOMAIN, other], wait=False, options={"host_config": {other: {"modules": {
        "mod_nudge": nudge_options(apns_mock, coalesce_window=9)}}}})
    assert server.wait_exit() != 0
    text = server.diagnostics()
    assert f"mod_nudge on {other}: the options differ from those of another host" in text, text
