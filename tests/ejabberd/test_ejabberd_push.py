"""XEP-0357 push through a real ejabberd 23.01 with mod_nudge, end to end:
slixmpp clients on one side, the strict APNs mock on the other. The same
scenarios as tests/prosody/test_prosody_push.py.

Every wait is for a condition, with a deadline; nothing is asserted from
elapsed time alone.
"""

import asyncio
import re
import secrets

import pytest

from tests.ejabberd.ejabberd_env import (DOMAIN, EJABBERD, PASSWORD, PUSH_HOST, USERS, engine_stats, listing, modules,
                                         nudge_options, wait_offline)
from tests.support import openmetrics, push_scenarios
from tests.support.devices import ApnsDevice
from tests.support.push_steps import DEADLINE_S, hibernate, offline, online, pushes_until, run
from tests.support.waiting import wait_until
from tests.support.xmpp import Client, IqError

JULIET = f"juliet@{DOMAIN}"
ROMEO = f"romeo@{DOMAIN}"
MERCUTIO = f"mercutio@{DOMAIN}"
stats_until = EJABBERD.stats_until
register_and_enable = EJABBERD.register_and_enable


# ---- 1. pending session: one push, coalescing, resumption --------------------

def test_pending_session_pushes_once_coalesces_and_resumes_with_every_message(ejabberd, apns_mock):
    server = ejabberd()
    device = ApnsDevice(apns_mock)

    async def scenario():
        a, b = await EJABBERD.enabled_and_pending(server, device)

        await push_scenarios.burst_pushes_once_then_coalesces(EJABBERD, server, a, b, device)
        await offline(a, b)

    run(scenario())


# ---- 2. offline user: one push, not two --------------------------------------

def test_offline_message_pushes_once_although_stored_and_archived(ejabberd, apns_mock):
    server = ejabberd()
    device = ApnsDevice(apns_mock)

    async def scenario():
        await EJABBERD.registered_then_offline(server, device)
        b = EJABBERD.desk()
        await b.online(server.c2s_port)
        await push_scenarios.an_offline_message_pushes_once(EJABBERD, server, b, device)

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
    device = ApnsDevice(apns_mock)

    async def scenario():
        a, b = await EJABBERD.enabled_and_pending(server, device)

        for state in ("active", "composing", "paused", "inactive"):
            b.chat_state(JULIET, state)
        b.send_raw(f"<message to='{JULIET}' id='r1'><received xmlns='urn:xmpp:receipts' id='m0'/></message>")
        b.send_raw(f"<message to='{JULIET}' id='d1'><displayed xmlns='urn:xmpp:chat-markers:0' id='m0'/></message>")
        await b.ping()
        await stats_until(server, lambda s: s["held"].get("not_important", 0) >= 6,
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

def test_another_user_cannot_enable_push_for_an_account(ejabberd, apns_mock):
    server = ejabberd()
    device = ApnsDevice(apns_mock)

    async def scenario():
        b = EJABBERD.desk()
        await b.online(server.c2s_port)
        fields = await b.command(PUSH_HOST, device.command, device.fields())
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
    device = ApnsDevice(apns_mock)

    async def scenario():
        a = Client(f"{JULIET}/phone", PASSWORD)
        await a.online(server.c2s_port)
        fields = await register_and_enable(a, device)
        before = await asyncio.to_thread(listing, server, "juliet")
        for what, element in MALFORMED_ENABLES.items():
            reply = await a.raw_iq(f"<iq type='set' id='bad-{len(what)}'>{element}</iq>")
            assert reply.get("type") == "error", (what, reply)
            assert await asyncio.to_thread(listing, server, "juliet") == before, what
        assert [e["node"] for e in before["enablements"]] == [fields["node"]]
        await a.offline()

    run(scenario())


# ---- an enable that cannot work is refused at enable time -------------------

def test_an_enable_that_cannot_work_is_refused_and_push_stays_as_it_was(ejabberd, apns_mock):
    run(push_scenarios.an_enable_that_cannot_work_is_refused_and_push_stays_as_it_was(
        EJABBERD, ejabberd(), ApnsDevice(apns_mock)))


def test_a_push_module_nobody_serves_is_refused_at_enable(ejabberd, apns_mock, tmp_path):
    config = push_scenarios.json_config_file(tmp_path, apns_mock, token_nodes=True)
    run(push_scenarios.a_push_module_nobody_serves_is_refused_at_enable(
        EJABBERD, ejabberd({"config_file": str(config)}), ApnsDevice(apns_mock)))


# ---- group chat: mentions push, the rest does not -----------------------------

def test_a_group_chat_mention_pushes_and_other_room_messages_do_not(ejabberd, apns_mock):
    room = "balcony@conference.example.net"
    server = ejabberd(module_config=modules(nudge_options(apns_mock), extra={
        "mod_muc": {"host": "conference.@HOST@", "default_room_options": {"mam": False}}}))
    run(push_scenarios.a_mention_pushes_and_other_room_messages_do_not(EJABBERD, server, ApnsDevice(apns_mock), room))


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


def test_a_message_unacknowledged_when_the_connection_dies_pushes_at_hibernation(ejabberd, apns_mock):
    # mod_stream_mgmt's queue at c2s_session_pending, as Prosody's binding
    # reports mod_smacks' at smacks-hibernation-start.
    run(push_scenarios.a_message_unacknowledged_when_the_connection_dies_pushes_at_hibernation(
        EJABBERD, ejabberd(), ApnsDevice(apns_mock)))


def test_registration_commands_work_at_the_app_server_and_at_the_domain(ejabberd, apns_mock):
    push_scenarios.registration_commands_work_at_the_app_server_and_at_the_domain(EJABBERD, ejabberd(), ApnsDevice(apns_mock))


def test_the_account_shows_push_and_its_options_to_its_user(ejabberd, apns_mock):
    server = ejabberd()

    async def scenario():
        a = Client(f"{JULIET}/phone", PASSWORD)
        await a.online(server.c2s_port)
        push_scenarios.check_push_options(await a.disco_info(JULIET))
        await a.offline()

    run(scenario())


def test_ejabberdctl_lists_tests_and_removes(ejabberd, apns_mock):
    server = ejabberd()
    device = ApnsDevice(apns_mock)

    fields = run(EJABBERD.registered_then_offline(server, device))
    assert [e["node"] for e in listing(server, "juliet")["enablements"]] == [fields["node"]]

    code, output = server.ctl("nudge_test_push", "juliet", DOMAIN)
    assert code == 0 and '"queued":1' in output, output
    wait_until(device.pushes, DEADLINE_S, what="the test push")

    code, output = server.ctl("nudge_remove", "juliet", DOMAIN, PUSH_HOST, fields["node"])
    assert code == 0 and '"removed":1' in output, output
    assert listing(server, "juliet")["enablements"] == []
    code, output = server.ctl("nudge_test_push", "juliet", DOMAIN)
    assert code != 0, output
    code, output = server.ctl("nudge_remove", "juliet", DOMAIN, PUSH_HOST, fields["node"])
    assert code != 0, output
    stats = engine_stats(server)
    assert "pushes" in stats and "held" in stats, stats


def test_ejabberdctl_verifies_and_backs_up_the_store(ejabberd, apns_mock, tmp_path):
    server = ejabberd()
    device = ApnsDevice(apns_mock)
    run(EJABBERD.registered_then_offline(server, device))
    push_scenarios.verify_and_back_up(lambda: server.ctl("nudge_verify"),
                                      lambda path: server.ctl("nudge_backup", path), tmp_path / "backup")


def test_a_push_session_outlives_resume_timeout_and_gets_a_wake_push(ejabberd, apns_mock):
    # mod_stream_mgmt would keep hibernating sessions 1 s; the engine asks
    # for 30 for sessions with push (as mod_push_keepalive would, but a
    # message does not cut it back), and wakes the phone 28 s before that
    # runs out.
    server = ejabberd(nudge_options(apns_mock, pending_timeout=30, wake_before_timeout=28),
                      stream_mgmt={"resume_timeout": 1})
    device = ApnsDevice(apns_mock)

    async def scenario():
        a, b = EJABBERD.phone(), EJABBERD.desk()
        c = Client(f"{MERCUTIO}/laptop", PASSWORD, stream_management=True)   # no push
        await online(server, a, b, c)
        await register_and_enable(a, device)
        await hibernate(server, a, kept_s=30)
        c.drop()
        await c.dropped()
        # mod_stream_mgmt's own timeout ends the session without push (and
        # would have ended A's, which went to sleep first)...
        await wait_offline(server, MERCUTIO)
        # ... A's stays, through a message and its push, and gets its wake push.
        b.say(JULIET, "still there?")
        pushes = await pushes_until(device, lambda p: any(x.summary.get("wake-reason") for x in p),
                                    "the wake push")
        assert [p.summary.get("wake-reason") for p in pushes].count("timeout") == 1, [p.summary for p in pushes]
        assert any(p.summary.get("message-count") == 1 for p in pushes), [p.summary for p in pushes]
        await a.resume(server.c2s_port)
        await a.until(lambda: a.bodies == ["still there?"], "the message after resumption")
        await offline(a, b)

    run(scenario())


def test_a_session_pending_at_shutdown_gets_a_restart_wake(ejabberd, apns_mock):
    # The same spool and store, started again.
    push_scenarios.a_session_pending_at_shutdown_gets_a_restart_wake(EJABBERD, ejabberd(), ApnsDevice(apns_mock))


# ---- a remote app server (XEP-0114 component) --------------------------------

def test_a_remote_app_server_gets_the_publish_and_its_refusal_disables_push(ejabberd, apns_mock):
    apps, apps_secret = "apps.example.net", secrets.token_hex(8)
    server = ejabberd(components={apps: apps_secret})
    run(push_scenarios.a_remote_app_server_gets_the_publish_and_its_refusal_disables_push(
        EJABBERD, server, apps, apps_secret, apns_mock))


def test_the_whole_configuration_from_a_json_file(ejabberd, apns_mock, tmp_path):
    config = push_scenarios.json_config_file(tmp_path, apns_mock)
    server = ejabberd({"config_file": str(config)})
    assert (tmp_path / "json-store").is_dir()
    device = ApnsDevice(apns_mock)

    async def scenario():
        await EJABBERD.registered_then_offline(server, device)
        await EJABBERD.desk_writes(server, device, "from a JSON-configured server")

    run(scenario())


def test_an_old_option_name_still_works_and_is_warned_about_once(ejabberd, apns_mock):
    server = ejabberd(nudge_options(apns_mock, max_registrations_per_user=1))
    server.wait_for_log(r"Push engine \S+ open", 20)
    warning = "mod_nudge: max_registrations_per_user is deprecated: it is now max_enablements_per_user"
    assert server.log_text().count(warning) == 1, server.diagnostics()


def test_an_old_and_a_new_option_name_together_are_refused(ejabberd, apns_mock):
    server = ejabberd(nudge_options(apns_mock, max_registrations_per_user=1, max_enablements_per_user=2), wait=False)
    assert server.wait_exit() != 0
    text = server.diagnostics()
    assert ("mod_nudge on example.net: max_registrations_per_user: the old name of max_enablements_per_user, "
            "which is set too; keep only max_enablements_per_user") in text, text


def test_native_options_and_a_config_file_do_not_mix(ejabberd, apns_mock, tmp_path):
    config = tmp_path / "nudge.json"
    config.write_text("{}")
    server = ejabberd({"config_file": str(config), "coalesce_window": 5}, wait=False)
    assert server.wait_exit() != 0
    text = server.diagnostics()
    assert "mod_nudge on example.net: coalesce_window: not allowed together with config_file" in text, text


def test_reload_config_with_changed_options_reopens_the_engine_and_keeps_the_store(ejabberd, apns_mock):
    server = ejabberd()
    device = ApnsDevice(apns_mock)

    fields = run(EJABBERD.registered_then_offline(server, device))
    server.modules["mod_nudge"] = dict(server.modules["mod_nudge"], coalesce_window=5)
    server.write_config()
    code, output = server.ctl("reload_config")
    assert code == 0, output
    server.wait_for_log(r"Push engine configuration changed; reopening", DEADLINE_S)
    server.wait_for_log(r"Push engine .* open", DEADLINE_S, count=2)
    assert [e["node"] for e in listing(server, "juliet")["enablements"]] == [fields["node"]]
    code, output = server.ctl("nudge_test_push", "juliet", DOMAIN)
    assert code == 0 and '"queued":1' in output, output
    wait_until(device.pushes, DEADLINE_S, what="the test push through the reopened engine")


def test_a_deleted_account_loses_its_enablements(ejabberd, apns_mock):
    server = ejabberd()
    device = ApnsDevice(apns_mock)

    run(EJABBERD.registered_then_offline(server, device))
    assert len(listing(server, "juliet")["enablements"]) == 1
    code, output = server.ctl("unregister", "juliet", DOMAIN)
    assert code == 0, output
    server.wait_for_log(rf"deleted account {JULIET}: removed 1 enablement\(s\) and 1 registration\(s\)", DEADLINE_S)
    assert listing(server, "juliet")["enablements"] == []


def test_registration_commands_on_the_virtual_host_itself(ejabberd, apns_mock):
    # register_host: the users' own domain (the engine's default, and
    # Prosody's): mod_adhoc owns its commands, mod_nudge takes the engine's.
    server = ejabberd(nudge_options(apns_mock, register_host=DOMAIN))
    device = ApnsDevice(apns_mock)

    async def scenario():
        a = Client(f"{JULIET}/phone", PASSWORD)
        await a.online(server.c2s_port)
        items = await a.disco_items(DOMAIN, "http://jabber.org/protocol/commands")
        assert {"register-push-apns", "list-push-registrations", "unregister-push"} <= items, items
        fields = await a.command(DOMAIN, device.command, device.fields())
        assert fields.get("jid") == PUSH_HOST and fields.get("node") and fields.get("secret"), fields
        await a.enable(fields["jid"], fields["node"], fields["secret"])
        reply = await a.command_reply(DOMAIN, "list-push-registrations", {})
        assert reply.get("status") == "completed"
        # mod_adhoc's own commands still answer.
        pong = await a.command_reply(DOMAIN, "ping", {})
        assert pong.get("status") == "completed", pong
        await a.offline()
        await wait_offline(server, JULIET)
        await EJABBERD.desk_writes(server, device, "registered on example.net")

    run(scenario())


def test_two_virtual_hosts_share_one_engine(ejabberd, apns_mock):
    other = "example.org"
    server = ejabberd(hosts=[DOMAIN, other], users={**{f"{u}@{DOMAIN}": p for u, p in USERS.items()},
                                                     f"juliet@{other}": PASSWORD})
    device = ApnsDevice(apns_mock)

    async def scenario():
        a = Client(f"juliet@{other}/phone", PASSWORD)
        await a.online(server.c2s_port)
        await register_and_enable(a, device)      # at push.example.net: push. and the first host
        await a.offline()
        await wait_offline(server, f"juliet@{other}")
        pushes = await EJABBERD.desk_writes(server, device, "across hosts", to=f"juliet@{other}")
        assert pushes[0].count == 1

    run(scenario())
    assert len(server.wait_for_log(r"Push engine .* open", 1)) == 1


def test_hosts_with_different_options_are_refused(ejabberd, apns_mock):
    other = "example.org"
    server = ejabberd(hosts=[DOMAIN, other], wait=False, options={"host_config": {other: {"modules": {
        "mod_nudge": nudge_options(apns_mock, coalesce_window=9)}}}})
    assert server.wait_exit() != 0
    text = server.diagnostics()
    assert f"mod_nudge on {other}: the options differ from those of another host" in text, text


def test_mod_nudge_next_to_mod_push_and_mod_push_keepalive_is_refused_naming_them(ejabberd, apns_mock):
    # As Debian's default ejabberd.yml has them; both modules would push for every message.
    config = modules(nudge_options(apns_mock), extra={"mod_push": {}, "mod_push_keepalive": {}})
    server = ejabberd(module_config=config, wait=False)
    assert server.wait_exit() != 0
    text = server.diagnostics()
    assert re.search(r"mod_nudge on example\.net: mod_push and mod_push_keepalive are configured on example\.net "
                     r"too, and both would push for every message; remove mod_push and mod_push_keepalive from "
                     r"the modules section of ejabberd\.yml", text), text
    assert "Push engine" not in text


def test_an_event_the_engine_process_cannot_handle_is_logged_once_and_the_next_are_handled(ejabberd, apns_mock):
    # The process that owns the engine handles each event in its own catch:
    # one it cannot handle (here a log level it does not know, as a newer
    # NIF could send) neither ends it, which would close the engine, nor
    # stops the events after it.
    server = ejabberd()
    device = ApnsDevice(apns_mock)
    code, before = server.rpc_eval("whereis(mod_nudge_engine)")
    assert code == 0 and before.startswith("<"), before
    code, output = server.rpc_eval('mod_nudge_engine ! {nudge_event, log, no_such_level, <<"an odd line">>}')
    assert code == 0, output
    server.wait_for_log(r"Error while handling an engine log event", DEADLINE_S)
    assert server.rpc_eval("whereis(mod_nudge_engine)") == (0, before)

    async def scenario():
        await EJABBERD.registered_then_offline(server, device)
        await EJABBERD.desk_writes(server, device, "after the odd event")

    run(scenario())
    log = server.log_text()
    assert log.count("Error while handling an engine log event") == 1, "logged once"
    assert "Push engine closed" not in log


def test_ejabberdctl_nudge_metrics_shows_the_push_figures_as_openmetrics(ejabberd, apns_mock):
    server = ejabberd()
    device = ApnsDevice(apns_mock)

    run(EJABBERD.delivered_offline(server, device, "scraped"))
    code, output = server.ctl("nudge_metrics")
    assert code == 0, output
    samples = openmetrics.parse(output)
    assert openmetrics.value(samples, "nudge_deliveries_total") == 1
    assert openmetrics.value(samples, "nudge_vendor_answers_total", vendor="apns", verdict="delivered", status="200") == 1
    assert openmetrics.value(samples, "nudge_pushes_total", reason="message") >= 1
    assert openmetrics.value(samples, "nudge_held_stanzas_judged_total", outcome="accepted") >= 1
    assert openmetrics.value(samples, "nudge_outbox") == 0
    assert openmetrics.value(samples, "nudge_stanza_to_vendor_latency_seconds_count") == 1
    assert openmetrics.value(samples, "nudge_stanza_to_vendor_latency_seconds_bucket", le="+Inf") == 1
    assert openmetrics.value(samples, "nudge_stanza_to_vendor_latency_seconds_bucket", le="300") == 1
    assert 0 < openmetrics.value(samples, "nudge_stanza_to_vendor_latency_seconds_sum") < 300
    assert openmetrics.value(samples, "nudge_store_bytes", kind="used") > 0
    names = openmetrics.assert_fixed_labels(samples, "nudge_")
    assert {"vendor_answers", "stanza_to_vendor_latency_seconds", "pushes", "outbox", "deliveries", "users_enabled"} <= names
