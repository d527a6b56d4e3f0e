"""XEP-0357 push through a real XMPP server with mod_nudge, end to end, on
each host (the `host` fixture: Debian's Prosody 0.12, then its ejabberd
23.01): slixmpp clients on one side, the strict vendor mocks on the other.
What only one host has is tested in tests/prosody and tests/ejabberd.

Every wait is for a condition, with a deadline; nothing is asserted from
elapsed time alone.
"""

import asyncio
import secrets
import xml.etree.ElementTree as ET

import pytest

from tests.servers import push_scenarios
from tests.support import openmetrics
from tests.support.devices import ApnsDevice
from tests.support.push_steps import (DEADLINE_S, DOMAIN, JULIET, PASSWORD, PENDING_TIMEOUT_S, PUSH_HOST, ROMEO,
                                      hibernate, offline, online, pushes_until, run)
from tests.support.waiting import wait_until
from tests.support.xmpp import Client, IqError, form

MERCUTIO = f"mercutio@{DOMAIN}"
ROOM = "balcony@conference.example.net"


# ---- 1. pending session: one push, coalescing, resumption --------------------

def test_pending_session_pushes_once_coalesces_and_resumes_with_every_message(host, device):
    server = host.start(host.options(backends=device.backends()))

    async def scenario():
        a, b = await host.kind.enabled(server, device)
        # The engine asks the host to keep the session for its pending timeout.
        await hibernate(server, a, kept_s=PENDING_TIMEOUT_S)

        pushes = await push_scenarios.burst_pushes_once_then_coalesces(host.kind, server, a, b, device)

        # Resumption reset the summary: the next pending spell counts from one.
        await hibernate(server, a)
        b.say(JULIET, "message 7")
        later = await pushes_until(device, lambda p: len(p) > len(pushes), "the push of the next pending spell")
        assert later[-1].count == 1, later
        await a.resume(server.c2s_port)
        await a.until(lambda: "message 7" in a.bodies, "the seventh message")
        await offline(a, b)

    run(scenario())


def test_a_message_unacknowledged_when_the_connection_dies_pushes_at_hibernation(host):
    # The stream management queue at hibernation: mod_smacks' at
    # smacks-hibernation-start, mod_stream_mgmt's at c2s_session_pending
    # (smacks_max_ack_delay: mod_smacks' 30 s, longer than this test waits for it).
    run(push_scenarios.a_message_unacknowledged_when_the_connection_dies_pushes_at_hibernation(
        host.kind, host.start(), ApnsDevice(host.apns_mock)))


# ---- 2. offline user: one push, not two --------------------------------------

def test_offline_message_pushes_once_although_stored_and_archived(host):
    server = host.start()
    device = ApnsDevice(host.apns_mock)

    async def scenario():
        await host.kind.registered_then_offline(server, device)
        b = host.kind.desk()
        await b.online(server.c2s_port)
        await push_scenarios.an_offline_message_pushes_once(host.kind, server, b, device)

        # Both wait in offline storage for the next session, and are in the archive.
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

def test_chat_states_and_receipts_alone_do_not_push(host):
    server = host.start()
    device = ApnsDevice(host.apns_mock)

    async def scenario():
        a, b = await host.kind.enabled_and_pending(server, device)

        for state in ("active", "composing", "paused", "inactive"):
            b.chat_state(JULIET, state)
        b.send_raw(f"<message to='{JULIET}' id='r1'><received xmlns='urn:xmpp:receipts' id='m0'/></message>")
        b.send_raw(f"<message to='{JULIET}' id='d1'><displayed xmlns='urn:xmpp:chat-markers:0' id='m0'/></message>")
        await b.ping()
        await host.kind.stats_until(server, lambda s: s["held"].get("not_important", 0) >= 6,
                                    "the chat states and receipts to be judged")
        assert device.pushes() == []

        # A message after them is the first thing pushed, and counts alone.
        b.say(JULIET, "now with a body")
        pushes = await pushes_until(device, lambda p: len(p) >= 1, "the push for the message")
        assert len(pushes) == 1 and pushes[0].count == 1
        await a.resume(server.c2s_port)
        await a.until(lambda: "now with a body" in a.bodies, "the message after resumption")
        await offline(a, b)

    run(scenario())


# ---- 4. nobody enables push for someone else; malformed enables change nothing --

def test_another_user_cannot_enable_push_for_an_account(host):
    server = host.start()
    device = ApnsDevice(host.apns_mock)

    async def scenario():
        b = host.kind.desk()
        await b.online(server.c2s_port)
        fields = await b.command(host.kind.register_at, device.command, device.fields())
        with pytest.raises(IqError) as refused:
            await b.enable(fields["jid"], fields["node"], fields["secret"], to=JULIET)
        error = refused.value.iq["error"]
        assert error["condition"] == "forbidden", error

        # On its own account B may: enable, list its devices, disable.
        await b.enable(fields["jid"], fields["node"], fields["secret"])
        reply = await b.command_reply(host.kind.register_at, "list-push-registrations", {})
        assert reply.get("status") == "completed"
        assert fields["node"] in {v.text for v in reply.iter("{jabber:x:data}value")}
        romeo = await asyncio.to_thread(host.listing, server, ROMEO)
        assert [(e["node"], e["resource"]) for e in romeo["enablements"]] == [(fields["node"], "desk")], romeo
        await b.disable(fields["jid"], fields["node"])
        await b.offline()

    run(scenario())
    for user in (JULIET, ROMEO):
        assert host.listing(server, user)["enablements"] == []


def enable_element(attributes: dict[str, str], *forms: ET.Element) -> ET.Element:
    enable = ET.Element("{urn:xmpp:push:0}enable", attributes)
    enable.extend(forms)
    return enable


PUBLISH_OPTIONS = "http://jabber.org/protocol/pubsub#publish-options"
MALFORMED_ENABLES = [
    ("no jid", enable_element({"node": "n1"}), "bad-request"),
    ("no node", enable_element({"jid": PUSH_HOST}), "bad-request"),
    ("a jid that is not one", enable_element({"jid": "a@b@c", "node": "n1"}), "jid-malformed"),
    ("a jid of nothing but separators", enable_element({"jid": "@@", "node": "n1"}), "jid-malformed"),
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


def test_malformed_enable_requests_are_refused_and_change_nothing(host):
    server = host.start()
    device = ApnsDevice(host.apns_mock)

    async def scenario():
        a = Client(f"{JULIET}/phone", PASSWORD)
        await a.online(server.c2s_port)
        fields = await host.kind.register_and_enable(a, device)
        before = await asyncio.to_thread(host.listing, server, JULIET)
        assert [e["node"] for e in before["enablements"]] == [fields["node"]], before
        for what, enable, condition in MALFORMED_ENABLES:
            with pytest.raises(IqError) as refused:
                await a.iq_set(enable)
            assert refused.value.iq["error"]["condition"] == condition, what
            assert refused.value.iq["error"]["text"], f"{what}: the error says why"
            assert await asyncio.to_thread(host.listing, server, JULIET) == before, what
        # A disable without the app server's JID would disable everything: refused too.
        with pytest.raises(IqError) as refused:
            await a.iq_set(ET.Element("{urn:xmpp:push:0}disable"))
        assert refused.value.iq["error"]["condition"] == "bad-request"
        assert await asyncio.to_thread(host.listing, server, JULIET) == before
        await a.offline()

    run(scenario())


# ---- an enable that cannot work is refused at enable time -------------------

def test_an_enable_that_cannot_work_is_refused_and_push_stays_as_it_was(host):
    run(push_scenarios.an_enable_that_cannot_work_is_refused_and_push_stays_as_it_was(
        host.kind, host.start(), ApnsDevice(host.apns_mock)))


def test_a_push_module_nobody_serves_is_refused_at_enable(host, tmp_path):
    config = push_scenarios.json_config_file(tmp_path, host.apns_mock, token_nodes=True)
    run(push_scenarios.a_push_module_nobody_serves_is_refused_at_enable(
        host.kind, host.start(host.native(config_file=str(config))), ApnsDevice(host.apns_mock)))


# ---- group chat: mentions push, the rest does not -----------------------------

def test_a_group_chat_mention_pushes_and_other_room_messages_do_not(host):
    server = host.start(muc=True)
    run(push_scenarios.a_mention_pushes_and_other_room_messages_do_not(host.kind, server, ApnsDevice(host.apns_mock),
                                                                       ROOM))


# ---- registration, discovery ---------------------------------------------------

def test_registration_commands_work_at_the_app_server_and_at_the_domain(host):
    push_scenarios.registration_commands_work_at_the_app_server_and_at_the_domain(host.kind, host.start(),
                                                                                  ApnsDevice(host.apns_mock))


def test_the_account_shows_push_and_its_options_to_its_user(host):
    server = host.start()

    async def scenario():
        a = Client(f"{JULIET}/phone", PASSWORD)
        await a.online(server.c2s_port)
        # Without a `to` the account answers, as at its bare JID.
        for to in (None, JULIET):
            push_scenarios.check_push_options(await a.disco_info(to))
        await a.offline()

    run(scenario())


# ---- administration ----------------------------------------------------------------

def test_the_admin_commands_list_test_and_remove(host):
    server = host.start()
    device = ApnsDevice(host.apns_mock)

    fields = run(host.kind.registered_then_offline(server, device))
    code, output = host.admin(server, "list", JULIET)
    assert code == 0 and fields["node"] in output, output
    assert [e["node"] for e in host.listing(server, JULIET)["enablements"]] == [fields["node"]]

    code, output = host.admin(server, "test_push", JULIET)
    assert code == 0 and '"queued":1' in output, output
    wait_until(device.pushes, DEADLINE_S, what="the test push")

    code, output = host.admin(server, "remove", JULIET, PUSH_HOST, fields["node"])
    assert code == 0 and '"removed":1' in output, output
    assert host.listing(server, JULIET)["enablements"] == []
    code, output = host.admin(server, "test_push", JULIET)
    assert code != 0, output
    code, output = host.admin(server, "remove", JULIET, PUSH_HOST, fields["node"])
    assert code != 0, output
    stats = host.kind.read_stats(server)
    assert "pushes" in stats and "held" in stats, stats


def test_the_admin_commands_verify_and_back_up_the_store(host, tmp_path):
    server = host.start()
    device = ApnsDevice(host.apns_mock)
    run(host.kind.registered_then_offline(server, device))
    push_scenarios.verify_and_back_up(lambda: host.admin(server, "verify"),
                                      lambda path: host.admin(server, "backup", path), tmp_path / "backup")
    code, output = host.admin(server, "backup", "")
    assert code != 0 and "path: required" in output, output


def test_a_deleted_account_leaves_no_push_state(host):
    server = host.start()
    device = ApnsDevice(host.apns_mock)

    fields = run(host.kind.registered_then_offline(server, device))
    assert len(host.listing(server, JULIET)["enablements"]) == 1
    code, output = host.delete_account(server, JULIET)
    assert code == 0, output
    server.wait_for_log(rf"deleted account {JULIET}: removed 1 enablement\(s\) and 1 registration\(s\)", DEADLINE_S)
    code, output = host.admin(server, "list", JULIET)
    assert '"enablements":[]' in output and '"registrations":[]' in output and fields["node"] not in output, output


def test_the_push_figures_as_openmetrics(host):
    server = host.start(metrics=True)
    device = ApnsDevice(host.apns_mock)

    run(host.kind.delivered_offline(server, device, "scraped"))
    samples, p = host.metrics(server)
    assert openmetrics.value(samples, p + "deliveries_total") == 1
    assert openmetrics.value(samples, p + "vendor_answers_total", vendor="apns", verdict="delivered", status="200") == 1
    assert openmetrics.value(samples, p + "pushes_total", reason="message") >= 1
    assert openmetrics.value(samples, p + "held_stanzas_judged_total", outcome="accepted") >= 1
    assert openmetrics.value(samples, p + "outbox") == 0
    assert openmetrics.value(samples, p + "store_bytes", kind="used") > 0
    assert openmetrics.value(samples, p + "stanza_to_vendor_latency_seconds_count") == 1
    assert openmetrics.value(samples, p + "stanza_to_vendor_latency_seconds_bucket", le="+Inf") == 1
    assert openmetrics.value(samples, p + "stanza_to_vendor_latency_seconds_bucket", le="300") == 1
    assert 0 < openmetrics.value(samples, p + "stanza_to_vendor_latency_seconds_sum") < 300
    # The engine's own figures, exact.
    engine = host.kind.read_stats(server)["stanza_to_vendor_latency"]
    assert openmetrics.value(samples, p + "stanza_to_vendor_latency_seconds_sum") == pytest.approx(engine["sum_ms"] / 1000)
    for bound_ms, count in zip(engine["bounds_ms"], engine["buckets"]):
        assert openmetrics.value(samples, p + "stanza_to_vendor_latency_seconds_bucket", le=f"{bound_ms / 1000:g}") == count
    names = openmetrics.assert_fixed_labels(samples, p)
    assert {"vendor_answers", "stanza_to_vendor_latency_seconds", "pushes", "outbox", "deliveries",
            "users_enabled"} <= names, names


# ---- hibernation and restart ----------------------------------------------------

def test_a_push_session_outlives_the_hosts_own_timeout_and_gets_a_wake_push(host):
    # The host's stream management (mod_smacks, mod_stream_mgmt) would keep
    # hibernating sessions 1 s; the engine asks for 30 for sessions with push
    # (as mod_push_keepalive would, but a message does not cut it back), and
    # wakes the phone 28 s before that runs out.
    server = host.start(host.options(pending_timeout=30, wake_before_timeout=28), resume_timeout_s=1)
    device = ApnsDevice(host.apns_mock)

    async def scenario():
        a, b = host.kind.phone(), host.kind.desk()
        c = Client(f"{MERCUTIO}/laptop", PASSWORD, stream_management=True)   # no push
        await online(server, a, b, c)
        await host.kind.register_and_enable(a, device)
        await hibernate(server, a, kept_s=30)
        c.drop()
        await c.dropped()
        # The host's own timeout ends the session without push (and would
        # have ended A's, which went to sleep first)...
        await host.session_timed_out(server, f"{MERCUTIO}/laptop")
        # ... A's stays, through a message and its push, and gets its wake push.
        b.say(JULIET, "still there?")
        pushes = await pushes_until(device, lambda p: any(x.summary.get("wake-reason") for x in p)
                                    and any(x.summary.get("message-count") == 1 for x in p),
                                    "the wake push and the message's")
        assert [p.summary.get("wake-reason") for p in pushes].count("timeout") == 1, [p.summary for p in pushes]
        assert any(p.summary.get("message-count") == 1 for p in pushes), [p.summary for p in pushes]
        await a.resume(server.c2s_port)
        await a.until(lambda: a.bodies == ["still there?"], "the message after resumption")
        await offline(a, b)

    run(scenario())


def test_a_session_pending_at_shutdown_gets_a_restart_wake(host):
    # The same data directory (spool) and store, started again.
    push_scenarios.a_session_pending_at_shutdown_gets_a_restart_wake(host.kind, host.start(),
                                                                     ApnsDevice(host.apns_mock))


# ---- a remote app server (XEP-0114 component) --------------------------------

def test_a_remote_app_server_gets_the_publish_and_its_refusal_disables_push(host):
    apps, apps_secret = "apps.example.net", secrets.token_hex(8)
    server = host.start(components={apps: apps_secret})
    run(push_scenarios.a_remote_app_server_gets_the_publish_and_its_refusal_disables_push(
        host.kind, server, apps, apps_secret, host.apns_mock))


# ---- configuration ----------------------------------------------------------------

def test_the_whole_configuration_from_a_json_file(host, tmp_path):
    config = push_scenarios.json_config_file(tmp_path, host.apns_mock)
    server = host.start(host.native(config_file=str(config)))
    assert (tmp_path / "json-store").is_dir()
    device = ApnsDevice(host.apns_mock)

    async def scenario():
        await host.kind.registered_then_offline(server, device)
        await host.kind.desk_writes(server, device, "from a JSON-configured server")

    run(scenario())


def test_native_options_and_a_config_file_do_not_mix(host, tmp_path):
    config = tmp_path / "nudge.json"
    config.write_text("{}")
    server = host.start(host.native(config_file=str(config), coalesce_window=5), wait=False)
    host.refused_at_start(server, f"{host.option('coalesce_window')}: not allowed together with "
                                  f"{host.option('config_file')}")


def test_an_old_option_name_still_works_and_is_warned_about_once(host):
    server = host.start(host.options(max_registrations_per_user=1))
    server.wait_for_log(host.engine_open, DEADLINE_S)
    warning = host.says(f"{host.option('max_registrations_per_user')} is deprecated: "
                        f"it is now {host.option('max_enablements_per_user')}")
    assert server.log_text().count(warning) == 1, server.diagnostics()
