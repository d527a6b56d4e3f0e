"""XEP-0357 push through a real Prosody 0.12 with mod_nudge, end to end:
slixmpp clients on one side, the strict APNs mock on the other.

Every wait is for a condition, with a deadline; nothing is asserted from
elapsed time alone.
"""

import asyncio
import json
import secrets
import subprocess
import time
import xml.etree.ElementTree as ET

import pytest

from devices import ApnsDevice, Push
from prosody_env import DOMAIN, PASSWORD, PUSH_HOST, apns_backend, engine_stats, push_options
from harness import REPO, wait_until
from xmpp import AppServer, Client, IqError, form, form_values

JULIET = f"juliet@{DOMAIN}"
ROMEO = f"romeo@{DOMAIN}"
MERCUTIO = f"mercutio@{DOMAIN}"
DEADLINE_S = 30
COALESCE_WINDOW_S = 2


def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, 180))


async def pushes_until(device, predicate, what: str) -> list[Push]:
    """Polls the device's vendor mock until predicate(pushes) holds; returns the pushes."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE_S
    while True:
        pushes = device.pushes()
        if predicate(pushes):
            return pushes
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}; pushes: {pushes}")
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


async def register_and_enable(client: Client, device) -> dict:
    """Registers the device at the app server (ad-hoc on the domain) and enables push with what it returns."""
    fields = await client.command(DOMAIN, device.command, device.fields())
    assert fields.get("jid") == PUSH_HOST, fields
    assert fields.get("node") and fields.get("secret"), fields
    await client.enable(fields["jid"], fields["node"], fields["secret"])
    return fields


async def hibernate(server, client: Client) -> None:
    """Drops the client's TCP connection and waits until its push-enabled session is pending."""
    client.drop()
    await client.dropped()
    await asyncio.to_thread(server.wait_for_log, rf"Push-enabled session {client.boundjid.full} is pending; kept \d+ s",
                            DEADLINE_S)


# ---- 1. pending session: one push, coalescing, resumption --------------------

def test_pending_session_pushes_once_coalesces_and_resumes_with_every_message(prosody, apns_mock, device):
    server = prosody(push_options(apns_mock, nudge_backends=device.backends()))

    async def scenario():
        a = Client(f"{JULIET}/phone", PASSWORD, stream_management=True)
        b = Client(f"{ROMEO}/desk", PASSWORD)
        await a.online(server.c2s_port)
        await b.online(server.c2s_port)
        await register_and_enable(a, device)
        await hibernate(server, a)
        # The engine asked Prosody to keep the session for its pending timeout.
        assert server.wait_for_log(rf"{a.boundjid.full} is pending; kept 259200 s", 1)

        sent_at = time.time()
        b.say(JULIET, "message 1")
        first = await pushes_until(device, lambda p: len(p) >= 1, "the first push")
        assert len(first) == 1
        assert first[0].ok
        assert first[0].count == 1

        for i in range(2, 7):
            b.say(JULIET, f"message {i}")
        await b.ping()   # Prosody has routed all five once B's ping is answered
        # The engine pushed the first message after it was sent, so the burst
        # is inside the window if it was all routed within the window of
        # sending the first message.
        burst_in_window = time.time() - sent_at < COALESCE_WINDOW_S
        # The burst ends in one follow-up push carrying the whole count.
        pushes = await pushes_until(device, lambda p: any(x.count == 6 for x in p),
                                    "the follow-up push with all six messages")
        if burst_in_window:
            assert len(pushes) == 2, pushes
        else:
            # A machine too slow to send five messages within the window:
            # the first of them pushes at once, the rest coalesce.
            assert len(pushes) <= 3, pushes
        # Same burst, same collapse id.
        assert pushes[0].collapse == pushes[-1].collapse
        # Six messages held and judged worth a push; the pushes counted are the ones the mock got.
        stats = await stats_until(server, lambda s: s["held"].get("accepted", 0) >= 6, "the six held messages")
        assert stats["held"] == {"accepted": 6}, stats
        assert sum(stats["pushes"].values()) == len(pushes), stats

        await a.resume(server.c2s_port)
        await a.until(lambda: len(a.bodies) >= 6, "every message after resumption")
        assert sorted(a.bodies) == [f"message {i}" for i in range(1, 7)]
        assert len(device.pushes()) == len(pushes)

        # Resumption reset the summary: the next pending spell counts from one.
        await hibernate(server, a)
        b.say(JULIET, "message 7")
        later = await pushes_until(device, lambda p: len(p) > len(pushes), "the push of the next pending spell")
        assert later[-1].count == 1, later
        await a.resume(server.c2s_port)
        await a.until(lambda: "message 7" in a.bodies, "the seventh message")
        await a.offline()
        await b.offline()

    run(scenario())


# ---- a phone asleep on a connection the server still thinks alive -----------

def test_a_session_that_stops_acknowledging_pushes_and_acknowledging_ends_it(prosody, apns_mock):
    server = prosody(global_options={"smacks_max_ack_delay": 1})
    device = ApnsDevice(apns_mock)

    async def scenario():
        a = Client(f"{JULIET}/phone", PASSWORD, stream_management=True)
        b = Client(f"{ROMEO}/desk", PASSWORD)
        await a.online(server.c2s_port)
        await b.online(server.c2s_port)
        await register_and_enable(a, device)
        # The phone sleeps: its connection stays open but nothing is read,
        # so nothing is acknowledged.
        a.transport.pause_reading()
        b.say(JULIET, "are you awake?")
        await asyncio.to_thread(server.wait_for_log, rf"{a.boundjid.full} stopped acknowledging stanzas", DEADLINE_S)
        pushes = await pushes_until(device, lambda p: len(p) >= 1, "the push for the unacknowledged message")
        assert len(pushes) == 1 and pushes[0].count == 1
        await stats_until(server, lambda s: s["sessions_pending"] == 1, "the session to be pending")

        # It wakes up, reads and acknowledges: no longer pending, and what
        # comes next is delivered without a push.
        a.transport.resume_reading()
        await a.until(lambda: "are you awake?" in a.bodies, "the message")
        await stats_until(server, lambda s: s["sessions_pending"] == 0, "the acknowledgement to end pending")
        b.say(JULIET, "good morning")
        await a.until(lambda: "good morning" in a.bodies, "the next message")
        await b.ping()
        assert len(device.pushes()) == 1
        await a.offline()
        await b.offline()

    run(scenario())


def test_a_message_unacknowledged_when_the_connection_dies_pushes_at_hibernation(prosody, apns_mock):
    server = prosody()   # smacks_max_ack_delay: mod_smacks' 30 s, longer than this test waits for it
    device = ApnsDevice(apns_mock)

    async def scenario():
        a = Client(f"{JULIET}/phone", PASSWORD, stream_management=True)
        b = Client(f"{ROMEO}/desk", PASSWORD)
        await a.online(server.c2s_port)
        await b.online(server.c2s_port)
        await register_and_enable(a, device)
        a.transport.pause_reading()
        b.say(JULIET, "sent into a dying connection")
        await b.ping()
        assert device.pushes() == []
        # The connection dies with the message unacknowledged, and no
        # message comes after it: the push is for the one in the queue.
        await hibernate(server, a)
        pushes = await pushes_until(device, lambda p: len(p) >= 1, "the push for the queued message")
        assert len(pushes) == 1 and pushes[0].count == 1
        await a.resume(server.c2s_port)
        await a.until(lambda: "sent into a dying connection" in a.bodies, "the message after resumption")
        await a.offline()
        await b.offline()

    run(scenario())


# ---- 2. offline user: one push, not two --------------------------------------

def test_offline_message_pushes_once_although_stored_and_archived(prosody, apns_mock):
    server = prosody()
    device = ApnsDevice(apns_mock)

    async def scenario():
        a = Client(f"{JULIET}/phone", PASSWORD)
        b = Client(f"{ROMEO}/desk", PASSWORD)
        await a.online(server.c2s_port)
        await register_and_enable(a, device)
        await a.offline()
        await asyncio.to_thread(server.wait_for_log, rf"Unbinding resource for {JULIET}/phone", DEADLINE_S)

        await b.online(server.c2s_port)
        b.say(JULIET, "are you there?")
        pushes = await pushes_until(device, lambda p: len(p) >= 1, "the push")
        # mod_offline stored it and mod_mam archived it: reported twice,
        # taken once.
        stats = await stats_until(server, lambda s: s["held"].get("accepted", 0) + s["held"].get("duplicate", 0) >= 2,
                                  "both reports of the message")
        assert stats["held"] == {"accepted": 1, "duplicate": 1}
        assert len(device.pushes()) == 1
        assert pushes[0].count == 1

        # A message without an id is recognised by the archive's stanza-id.
        b.send_raw(f"<message to='{JULIET}' type='chat'><body>no id</body></message>")
        stats = await stats_until(server, lambda s: s["held"].get("accepted", 0) + s["held"].get("duplicate", 0) >= 4,
                                  "both reports of the message without id")
        assert stats["held"] == {"accepted": 2, "duplicate": 2}

        # The messages wait in offline storage for the next session.
        a2 = Client(f"{JULIET}/phone", PASSWORD)
        await a2.online(server.c2s_port)
        await a2.until(lambda: len(a2.bodies) >= 2, "the offline messages")
        assert a2.bodies == ["are you there?", "no id"]
        await a2.offline()
        await b.offline()

    run(scenario())


# ---- 3. chat states alone push nothing ---------------------------------------

def test_chat_states_alone_do_not_push(prosody, apns_mock):
    server = prosody()
    device = ApnsDevice(apns_mock)

    async def scenario():
        a = Client(f"{JULIET}/phone", PASSWORD, stream_management=True)
        b = Client(f"{ROMEO}/desk", PASSWORD)
        await a.online(server.c2s_port)
        await b.online(server.c2s_port)
        await register_and_enable(a, device)
        await hibernate(server, a)

        for state in ("active", "composing", "paused", "inactive"):
            b.chat_state(JULIET, state)
        await b.ping()
        await stats_until(server, lambda s: s["held"].get("not_important", 0) >= 4, "the chat states to be judged")
        assert device.pushes() == []

        # A message after them is the first thing pushed, and counts alone.
        b.say(JULIET, "now with a body")
        pushes = await pushes_until(device, lambda p: len(p) >= 1, "the push for the message")
        assert len(pushes) == 1 and pushes[0].count == 1
        await a.resume(server.c2s_port)
        await a.offline()
        await b.offline()

    run(scenario())


# ---- 4. nobody enables push for someone else ---------------------------------

def test_another_user_cannot_enable_push_for_an_account(prosody, apns_mock):
    server = prosody()
    device = ApnsDevice(apns_mock)

    async def scenario():
        b = Client(f"{ROMEO}/desk", PASSWORD)
        await b.online(server.c2s_port)
        fields = await b.command(DOMAIN, device.command, device.fields())
        with pytest.raises(IqError) as refused:
            await b.enable(fields["jid"], fields["node"], fields["secret"], to=JULIET)
        error = refused.value.iq["error"]
        assert error["condition"] == "forbidden", error

        # On its own account B may: enable, list its devices, disable.
        await b.enable(fields["jid"], fields["node"], fields["secret"])
        listing = await b.command_reply(DOMAIN, "list-push-registrations", {})
        assert listing.get("status") == "completed"
        assert fields["node"] in {v.text for v in listing.iter("{jabber:x:data}value")}
        code, output = await asyncio.to_thread(server.shell, f"nudge:list('{ROMEO}')")
        assert fields["node"] in output and '"resource":"desk"' in output, output
        await b.disable(fields["jid"], fields["node"])
        await b.offline()

    run(scenario())
    for user in (JULIET, ROMEO):
        code, output = server.shell(f"nudge:list('{user}')")
        assert code == 0, output
        assert '"enablements":[]' in output, output


def enable_element(attributes: dict[str, str], *forms: ET.Element) -> ET.Element:
    enable = ET.Element("{urn:xmpp:push:0}enable", attributes)
    enable.extend(forms)
    return enable


PUBLISH_OPTIONS = "http://jabber.org/protocol/pubsub#publish-options"
MALFORMED_ENABLES = [
    ("no jid", enable_element({"node": "n1"}), "bad-request"),
    ("no node", enable_element({"jid": PUSH_HOST}), "bad-request"),
    ("a jid that is not one", enable_element({"jid": "a@b@c", "node": "n1"}), "jid-malformed"),
    ("an empty jid", enable_element({"jid": "", "node": "n1"}), "bad-request"),
    ("a node too long to store", enable_element({"jid": PUSH_HOST, "node": "n" * 600}), "bad-request"),
    ("two publish-options forms", enable_element({"jid": PUSH_HOST, "node": "n1"},
                                                 form({"secret": "a"}, form_type=PUBLISH_OPTIONS),
                                                 form({"secret": "b"}, form_type=PUBLISH_OPTIONS)), "bad-request"),
    ("a form that is not a data form", enable_element({"jid": PUSH_HOST, "node": "n1"},
                                                      ET.fromstring("<x xmlns='jabber:x:data' type='submit'>"
                                                                    "<field><value>no var</value></field></x>")),
     "bad-request"),
]


def test_malformed_enable_requests_are_refused_and_change_nothing(prosody, apns_mock):
    server = prosody()
    device = ApnsDevice(apns_mock)

    async def scenario():
        a = Client(f"{JULIET}/phone", PASSWORD)
        await a.online(server.c2s_port)
        await register_and_enable(a, device)
        code, before = await asyncio.to_thread(server.shell, f"nudge:list('{JULIET}')")
        assert code == 0 and '"enablements":[{' in before, before
        for what, enable, condition in MALFORMED_ENABLES:
            with pytest.raises(IqError) as refused:
                await a.iq_set(enable)
            assert refused.value.iq["error"]["condition"] == condition, what
            assert refused.value.iq["error"]["text"], f"{what}: the error says why"
        # A disable without the app server's JID would disable everything: refused too.
        with pytest.raises(IqError) as refused:
            await a.iq_set(ET.Element("{urn:xmpp:push:0}disable"))
        assert refused.value.iq["error"]["condition"] == "bad-request"
        code, after = await asyncio.to_thread(server.shell, f"nudge:list('{JULIET}')")
        assert after == before
        await a.offline()

    run(scenario())


# ---- group chat: mentions push, the rest does not -----------------------------

def test_a_group_chat_mention_pushes_and_other_room_messages_do_not(prosody, apns_mock):
    room = "balcony@conference.example.net"
    server = prosody(extra_config='Component "conference.example.net" "muc"\n    muc_room_locking = false')
    device = ApnsDevice(apns_mock)

    async def scenario():
        a = Client(f"{JULIET}/phone", PASSWORD, stream_management=True)
        b = Client(f"{ROMEO}/desk", PASSWORD)
        await a.online(server.c2s_port)
        await b.online(server.c2s_port)
        await register_and_enable(a, device)
        a.join(room, "Jules")
        await a.ping()
        b.join(room, "Ro")
        await b.ping()
        await hibernate(server, a)

        b.say_in_room(room, "good morning, everyone")
        await b.ping()
        await stats_until(server, lambda s: s["held"].get("not_important", 0) >= 1, "the room message to be judged")
        assert device.pushes() == []

        b.say_in_room(room, "Jules, are you coming down?")
        pushes = await pushes_until(device, lambda p: len(p) >= 1, "the push for the mention")
        assert len(pushes) == 1 and pushes[0].count == 1
        await a.resume(server.c2s_port)
        await a.until(lambda: len([m for m in a.messages if m["type"] == "groupchat"]) >= 2, "both room messages")
        await a.offline()
        await b.offline()

    run(scenario())


# ---- configuration, discovery, administration -----------------------------------

def test_a_wrong_option_is_named_and_the_module_does_not_load(prosody, apns_mock):
    server = prosody(push_options(apns_mock, nudge_coalesce_window="soon"), wait=False)
    lines = server.wait_for_log(r"nudge_coalesce_window: server\.coalesce_window_s: ", DEADLINE_S)
    assert " error\t" in lines[0] or "\terror\t" in lines[0], lines[0]
    server.wait_for_log(r"Error initializing module 'nudge'|Unable to load module 'nudge'|mod_nudge: nudge_coalesce_window",
                        DEADLINE_S)
    assert "Push engine" not in server.log_text()


def test_the_installed_module_loads_from_debians_plugin_and_lua_paths(prosody, apns_mock, tmp_path):
    staging = tmp_path / "staging"
    subprocess.run(["make", "-s", "-C", str(REPO / "bindings" / "prosody"), "install", f"DESTDIR={staging}"],
                   check=True, capture_output=True)
    plugins = staging / "usr/local/lib/prosody/modules"
    cmodules = staging / "usr/local/lib/lua/5.4"
    assert (plugins / "mod_nudge.lua").is_file() and (cmodules / "nudge.so").is_file()
    # Only the installed copies: nudge.so is not beside the installed mod_nudge.lua.
    server = prosody(plugin_paths=[plugins], lua_cpath=f"{cmodules}/?.so;;")
    assert f"{cmodules}/nudge.so" in open(f"/proc/{server.process.pid}/maps").read()

    async def scenario():
        a = Client(f"{JULIET}/phone", PASSWORD)
        await a.online(server.c2s_port)
        info = await a.disco_info()
        assert "urn:xmpp:push:0" in {f.get("var") for f in info.iter("{http://jabber.org/protocol/disco#info}feature")}
        await a.offline()

    run(scenario())


def test_the_account_shows_push_and_its_options_to_its_user(prosody, apns_mock):
    server = prosody()

    async def scenario():
        a = Client(f"{JULIET}/phone", PASSWORD)
        await a.online(server.c2s_port)
        info = await a.disco_info()
        features = {f.get("var") for f in info.iter("{http://jabber.org/protocol/disco#info}feature")}
        assert "urn:xmpp:push:0" in features
        options = [x for x in info.iter("{jabber:x:data}x") if form_values(x).get("FORM_TYPE") == "urn:xmpp:push:options"]
        assert len(options) == 1
        assert form_values(options[0])["include-senders"] == "0"
        assert form_values(options[0])["include-message-count"] == "1"
        await a.offline()

    run(scenario())


def test_admin_shell_lists_tests_and_removes(prosody, apns_mock):
    server = prosody()
    device = ApnsDevice(apns_mock)

    async def scenario():
        a = Client(f"{JULIET}/phone", PASSWORD)
        await a.online(server.c2s_port)
        fields = await register_and_enable(a, device)
        await a.offline()
        return fields

    fields = run(scenario())
    code, output = server.shell(f"nudge:list('{JULIET}')")
    assert code == 0 and fields["node"] in output, output

    code, output = server.shell(f"nudge:test_push('{JULIET}')")
    assert code == 0 and '"queued":1' in output, output
    wait_until(lambda: device.pushes(), DEADLINE_S, what="the test push")

    code, output = server.shell(f"nudge:remove('{JULIET}', '{PUSH_HOST}', '{fields['node']}')")
    assert code == 0 and '"removed":1' in output, output
    code, output = server.shell(f"nudge:list('{JULIET}')")
    assert '"enablements":[]' in output, output
    code, output = server.shell(f"nudge:test_push('{JULIET}')")
    assert code != 0, output


def test_a_push_session_outlives_smacks_hibernation_time_and_gets_a_wake_push(prosody, apns_mock):
    # mod_smacks would keep hibernating sessions 1 s; the engine asks for 30
    # for sessions with push, and wakes the phone 28 s before that runs out.
    server = prosody(push_options(apns_mock, nudge_pending_timeout=30, nudge_wake_before_timeout=28),
                     global_options={"smacks_hibernation_time": 1})
    device = ApnsDevice(apns_mock)

    async def scenario():
        a = Client(f"{JULIET}/phone", PASSWORD, stream_management=True)
        c = Client(f"{MERCUTIO}/laptop", PASSWORD, stream_management=True)   # no push
        await a.online(server.c2s_port)
        await c.online(server.c2s_port)
        await register_and_enable(a, device)
        await hibernate(server, a)
        server.wait_for_log(rf"{a.boundjid.full} is pending; kept 30 s", 1)
        c.drop()
        await c.dropped()
        # mod_smacks' own timeout ends the session without push (and would
        # have ended A's, which went to sleep first)...
        await asyncio.to_thread(server.wait_for_log, rf"Unbinding resource for {MERCUTIO}/laptop .*Hibernating too long",
                                DEADLINE_S)
        # ... A gets its wake push and can still resume.
        pushes = await pushes_until(device, lambda p: len(p) >= 1, "the wake push")
        assert pushes[0].summary.get("wake-reason") == "timeout", pushes[0].summary
        await a.resume(server.c2s_port)
        await a.offline()

    run(scenario())


def test_a_session_pending_at_shutdown_gets_a_restart_wake(prosody, apns_mock, tmp_path):
    server = prosody()
    device = ApnsDevice(apns_mock)

    async def scenario():
        a = Client(f"{JULIET}/phone", PASSWORD, stream_management=True)
        await a.online(server.c2s_port)
        await register_and_enable(a, device)
        await hibernate(server, a)

    run(scenario())
    assert server.stop() == 0
    assert device.pushes() == []
    # The same data directory and store, started again.
    server.start()
    pushes = wait_until(lambda: device.pushes(), DEADLINE_S, what="the restart wake")
    assert pushes[0].summary.get("wake-reason") == "restart", pushes[0].summary


# ---- a remote app server (XEP-0114 component) --------------------------------

PUBSUB = "{http://jabber.org/protocol/pubsub}"
DATA = "{jabber:x:data}"


def test_a_remote_app_server_gets_the_publish_and_its_refusal_disables_push(prosody, apns_mock):
    apps, apps_secret = "apps.example.net", secrets.token_hex(8)
    server = prosody(external_components={apps: apps_secret})

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
        code, output = await asyncio.to_thread(server.shell, f"nudge:list('{JULIET}')")
        assert '"enablements":[]' in output, output
        assert apns_mock.control.requests() == []
        await a.resume(server.c2s_port)
        await a.until(lambda: len(a.bodies) >= 2, "both messages")
        await a.offline()
        await b.offline()

    run(scenario())


def test_the_whole_configuration_from_a_json_file(prosody, apns_mock, tmp_path):
    config = tmp_path / "nudge.json"
    config.write_text(json.dumps({
        "store": {"path": str(tmp_path / "json-store"), "sync": False},
        "server": {"coalesce_window_s": 2},       # server.domains: the VirtualHosts that load mod_nudge
        "appserver": {"pubsub_host": PUSH_HOST, "backends": [apns_backend(apns_mock)]},
    }))
    server = prosody({"nudge_config_file": str(config)})
    assert (tmp_path / "json-store").is_dir()
    device = ApnsDevice(apns_mock)

    async def scenario():
        a = Client(f"{JULIET}/phone", PASSWORD)
        await a.online(server.c2s_port)
        await register_and_enable(a, device)
        await a.offline()
        await asyncio.to_thread(server.wait_for_log, rf"Unbinding resource for {JULIET}/phone", DEADLINE_S)
        b = Client(f"{ROMEO}/desk", PASSWORD)
        await b.online(server.c2s_port)
        b.say(JULIET, "from a JSON-configured server")
        await pushes_until(device, lambda p: len(p) >= 1, "the push")
        await b.offline()

    run(scenario())


def test_native_options_and_a_config_file_do_not_mix(prosody, apns_mock, tmp_path):
    config = tmp_path / "nudge.json"
    config.write_text("{}")
    server = prosody({"nudge_config_file": str(config), "nudge_coalesce_window": 5}, wait=False)
    server.wait_for_log(r"nudge_coalesce_window: not allowed together with nudge_config_file", DEADLINE_S)


def test_the_engine_counters_are_prosody_metrics(prosody, apns_mock):
    server = prosody(global_options={"statistics": "internal", "statistics_interval": "manual"})
    device = ApnsDevice(apns_mock)

    async def scenario():
        a = Client(f"{JULIET}/phone", PASSWORD)
        b = Client(f"{ROMEO}/desk", PASSWORD)
        await a.online(server.c2s_port)
        await register_and_enable(a, device)
        await a.offline()
        await asyncio.to_thread(server.wait_for_log, rf"Unbinding resource for {JULIET}/phone", DEADLINE_S)
        await b.online(server.c2s_port)
        b.say(JULIET, "counted")
        await pushes_until(device, lambda p: len(p) >= 1, "the push")
        await stats_until(server, lambda s: s["deliveries"] >= 1, "the delivery")
        await b.offline()

    run(scenario())
    # The shell collects on demand (statistics_interval = "manual"); the
    # gauges show their values, the counters their labels (as rates).
    code, output = server.shell("stats:show('mod_nudge')")
    assert code == 0, output
    lines = {line.split()[0]: line.split()[1:] for line in output.splitlines() if line.strip()}
    assert lines["prosody_mod_nudge/users_enabled"] == ["1"], output
    assert lines["prosody_mod_nudge/enablements"] == ["1"], output
    assert lines["prosody_mod_nudge/sessions_pending"] == ["0"], output
    for label in ("reason=message", "outcome=accepted", "outcome=duplicate", "kind=used"):
        assert label in lines, f"{label} missing:\n{output}"
    assert "prosody_mod_nudge/deliveries" in lines, output
