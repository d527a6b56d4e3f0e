"""XEP-0357 push through a real Prosody 0.12 with mod_nudge, end to end:
slixmpp clients on one side, the strict APNs mock on the other.

Every wait is for a condition, with a deadline; nothing is asserted from
elapsed time alone.
"""

import asyncio
import secrets
import subprocess
import urllib.request
import xml.etree.ElementTree as ET

import pytest

from tests.prosody.harness import REPO
from tests.prosody.prosody_env import DOMAIN, PASSWORD, PROSODY, PUSH_HOST, enablements, engine_stats, push_options
from tests.support import openmetrics
from tests.support import push_scenarios
from tests.support.devices import ApnsDevice
from tests.support.push_steps import DEADLINE_S, hibernate, logged, offline, pushes_until, run
from tests.support.waiting import wait_until
from tests.support.xmpp import Client, IqError, form

JULIET = f"juliet@{DOMAIN}"
ROMEO = f"romeo@{DOMAIN}"
MERCUTIO = f"mercutio@{DOMAIN}"

stats_until = PROSODY.stats_until
register_and_enable = PROSODY.register_and_enable


# ---- 1. pending session: one push, coalescing, resumption --------------------

def test_pending_session_pushes_once_coalesces_and_resumes_with_every_message(prosody, apns_mock, device):
    server = prosody(push_options(apns_mock, nudge_backends=device.backends()))

    async def scenario():
        a, b = await PROSODY.enabled(server, device)
        # The engine asks Prosody to keep the session for its pending timeout.
        await hibernate(server, a, kept_s=259200)

        pushes = await push_scenarios.burst_pushes_once_then_coalesces(PROSODY, server, a, b, device)

        # Resumption reset the summary: the next pending spell counts from one.
        await hibernate(server, a)
        b.say(JULIET, "message 7")
        later = await pushes_until(device, lambda p: len(p) > len(pushes), "the push of the next pending spell")
        assert later[-1].count == 1, later
        await a.resume(server.c2s_port)
        await a.until(lambda: "message 7" in a.bodies, "the seventh message")
        await offline(a, b)

    run(scenario())


# ---- a phone asleep on a connection the server still thinks alive -----------

def test_a_session_that_stops_acknowledging_pushes_and_acknowledging_ends_it(prosody, apns_mock):
    server = prosody(global_options={"smacks_max_ack_delay": 1})
    device = ApnsDevice(apns_mock)

    async def scenario():
        a, b = await PROSODY.enabled(server, device)
        # The phone sleeps: its connection stays open but nothing is read,
        # so nothing is acknowledged.
        a.transport.pause_reading()
        b.say(JULIET, "are you awake?")
        await logged(server, rf"{a.boundjid.full} stopped acknowledging stanzas")
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
        await offline(a, b)

    run(scenario())


def test_a_message_unacknowledged_when_the_connection_dies_pushes_at_hibernation(prosody, apns_mock):
    # smacks_max_ack_delay: mod_smacks' 30 s, longer than this test waits for it
    run(push_scenarios.a_message_unacknowledged_when_the_connection_dies_pushes_at_hibernation(
        PROSODY, prosody(), ApnsDevice(apns_mock)))


# ---- 2. offline user: one push, not two --------------------------------------

def test_offline_message_pushes_once_although_stored_and_archived(prosody, apns_mock):
    server = prosody()
    device = ApnsDevice(apns_mock)

    async def scenario():
        await PROSODY.registered_then_offline(server, device)
        b = PROSODY.desk()
        await b.online(server.c2s_port)
        await push_scenarios.an_offline_message_pushes_once(PROSODY, server, b, device)

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
        a, b = await PROSODY.enabled_and_pending(server, device)

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
        await offline(a, b)

    run(scenario())


# ---- 4. nobody enables push for someone else ---------------------------------

def test_another_user_cannot_enable_push_for_an_account(prosody, apns_mock):
    server = prosody()
    device = ApnsDevice(apns_mock)

    async def scenario():
        b = PROSODY.desk()
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


# ---- an enable that cannot work is refused at enable time -------------------

def test_an_enable_that_cannot_work_is_refused_and_push_stays_as_it_was(prosody, apns_mock):
    run(push_scenarios.an_enable_that_cannot_work_is_refused_and_push_stays_as_it_was(
        PROSODY, prosody(), ApnsDevice(apns_mock)))


def test_a_push_module_nobody_serves_is_refused_at_enable(prosody, apns_mock, tmp_path):
    config = push_scenarios.json_config_file(tmp_path, apns_mock, token_nodes=True)
    run(push_scenarios.a_push_module_nobody_serves_is_refused_at_enable(
        PROSODY, prosody({"nudge_config_file": str(config)}), ApnsDevice(apns_mock)))


# ---- group chat: mentions push, the rest does not -----------------------------

def test_a_group_chat_mention_pushes_and_other_room_messages_do_not(prosody, apns_mock):
    room = "balcony@conference.example.net"
    server = prosody(extra_config='Component "conference.example.net" "muc"\n    muc_room_locking = false')
    run(push_scenarios.a_mention_pushes_and_other_room_messages_do_not(PROSODY, server, ApnsDevice(apns_mock), room))


def test_a_room_message_to_an_absent_members_bare_jid_pushes_for_a_mention(prosody, apns_mock):
    room = "balcony@conference.example.net"
    server = prosody()
    device = ApnsDevice(apns_mock)

    async def scenario():
        await PROSODY.registered_then_offline(server, device)
        # What a room that delivers to absent members sends (here from
        # another account: Prosody routes it to Juliet's bare JID the same way).
        b = PROSODY.desk()
        await b.online(server.c2s_port)
        b.send_raw(f"<message to='{JULIET}' type='groupchat' id='g1'><body>lunch, anyone?</body></message>")
        await stats_until(server, lambda s: s["held"].get("not_important", 0) >= 1, "the room message to be judged")
        assert device.pushes() == []
        b.send_raw(f"<message to='{JULIET}' type='groupchat' id='g2'><body>{JULIET}, are you coming?</body></message>")
        pushes = await pushes_until(device, lambda p: len(p) >= 1, "the push for the mention")
        assert len(pushes) == 1 and pushes[0].count == 1
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


def test_an_old_option_name_still_works_and_is_warned_about_once(prosody, apns_mock):
    server = prosody(push_options(apns_mock, nudge_max_registrations_per_user=1))
    server.wait_for_log(r"Push engine \S+ open for", DEADLINE_S)
    warning = "nudge_max_registrations_per_user is deprecated: it is now nudge_max_enablements_per_user"
    assert server.log_text().count(warning) == 1, server.diagnostics()


def test_the_installed_module_loads_from_debians_plugin_and_lua_paths(prosody, apns_mock, tmp_path):
    staging = tmp_path / "staging"
    subprocess.run(["make", "-s", "-C", str(REPO / "bindings" / "prosody"), "install", f"DESTDIR={staging}"],
                   check=True, capture_output=True)
    plugins = staging / "usr/local/lib/prosody/modules"
    cmodules = staging / "usr/local/lib/lua/5.4"
    assert (plugins / "mod_nudge.lua").is_file() and (cmodules / "nudge.so").is_file()
    helpers = sorted(p.name for p in (REPO / "bindings" / "prosody" / "mod_nudge").glob("*.lib.lua"))
    assert helpers and sorted(p.name for p in (plugins / "mod_nudge").iterdir()) == helpers
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


def test_registration_commands_work_at_the_app_server_and_at_the_domain(prosody, apns_mock):
    push_scenarios.registration_commands_work_at_the_app_server_and_at_the_domain(PROSODY, prosody(), ApnsDevice(apns_mock))


def test_the_account_shows_push_and_its_options_to_its_user(prosody, apns_mock):
    server = prosody()

    async def scenario():
        a = Client(f"{JULIET}/phone", PASSWORD)
        await a.online(server.c2s_port)
        push_scenarios.check_push_options(await a.disco_info())
        await a.offline()

    run(scenario())


def test_admin_shell_lists_tests_and_removes(prosody, apns_mock):
    server = prosody()
    device = ApnsDevice(apns_mock)

    fields = run(PROSODY.registered_then_offline(server, device))
    code, output = server.shell(f"nudge:list('{JULIET}')")
    assert code == 0 and fields["node"] in output, output

    code, output = server.shell(f"nudge:test_push('{JULIET}')")
    assert code == 0 and '"queued":1' in output, output
    wait_until(device.pushes, DEADLINE_S, what="the test push")

    code, output = server.shell(f"nudge:remove('{JULIET}', '{PUSH_HOST}', '{fields['node']}')")
    assert code == 0 and '"removed":1' in output, output
    code, output = server.shell(f"nudge:list('{JULIET}')")
    assert '"enablements":[]' in output, output
    code, output = server.shell(f"nudge:test_push('{JULIET}')")
    assert code != 0, output


def test_a_deleted_account_leaves_no_push_state(prosody, apns_mock):
    server = prosody()
    device = ApnsDevice(apns_mock)

    fields = run(PROSODY.registered_then_offline(server, device))
    code, output = server.shell(f"user:delete('{JULIET}')")
    assert code == 0, output
    server.wait_for_log(rf"deleted account {JULIET}: removed 1 enablement\(s\) and 1 registration\(s\)", DEADLINE_S)
    code, output = server.shell(f"nudge:list('{JULIET}')")
    assert '"enablements":[]' in output and '"registrations":[]' in output and fields["node"] not in output, output


def test_admin_shell_verifies_and_backs_up_the_store(prosody, apns_mock, tmp_path):
    server = prosody()
    device = ApnsDevice(apns_mock)
    run(PROSODY.registered_then_offline(server, device))
    push_scenarios.verify_and_back_up(lambda: server.shell("nudge:verify()"),
                                      lambda path: server.shell(f"nudge:backup('{path}')"), tmp_path / "backup")
    code, output = server.shell("nudge:backup('')")
    assert code != 0 and "path: required" in output, output


def test_a_push_session_outlives_smacks_hibernation_time_and_gets_a_wake_push(prosody, apns_mock):
    # mod_smacks would keep hibernating sessions 1 s; the engine asks for 30
    # for sessions with push, and wakes the phone 28 s before that runs out.
    server = prosody(push_options(apns_mock, nudge_pending_timeout=30, nudge_wake_before_timeout=28),
                     global_options={"smacks_hibernation_time": 1})
    device = ApnsDevice(apns_mock)

    async def scenario():
        a = PROSODY.phone()
        c = Client(f"{MERCUTIO}/laptop", PASSWORD, stream_management=True)   # no push
        await a.online(server.c2s_port)
        await c.online(server.c2s_port)
        await register_and_enable(a, device)
        await hibernate(server, a, kept_s=30)
        c.drop()
        await c.dropped()
        # mod_smacks' own timeout ends the session without push (and would
        # have ended A's, which went to sleep first)...
        await logged(server, rf"Unbinding resource for {MERCUTIO}/laptop .*Hibernating too long")
        # ... A gets its wake push and can still resume.
        pushes = await pushes_until(device, lambda p: len(p) >= 1, "the wake push")
        assert pushes[0].summary.get("wake-reason") == "timeout", pushes[0].summary
        await a.resume(server.c2s_port)
        await a.offline()

    run(scenario())


def test_a_session_pending_at_shutdown_gets_a_restart_wake(prosody, apns_mock):
    # The same data directory and store, started again.
    push_scenarios.a_session_pending_at_shutdown_gets_a_restart_wake(PROSODY, prosody(), ApnsDevice(apns_mock))


# ---- a remote app server (XEP-0114 component) --------------------------------

def test_a_remote_app_server_gets_the_publish_and_its_refusal_disables_push(prosody, apns_mock):
    apps, apps_secret = "apps.example.net", secrets.token_hex(8)
    server = prosody(external_components={apps: apps_secret})
    run(push_scenarios.a_remote_app_server_gets_the_publish_and_its_refusal_disables_push(
        PROSODY, server, apps, apps_secret, apns_mock))


def test_the_whole_configuration_from_a_json_file(prosody, apns_mock, tmp_path):
    config = push_scenarios.json_config_file(tmp_path, apns_mock)
    server = prosody({"nudge_config_file": str(config)})
    assert (tmp_path / "json-store").is_dir()
    device = ApnsDevice(apns_mock)

    async def scenario():
        await PROSODY.registered_then_offline(server, device)
        await PROSODY.desk_writes(server, device, "from a JSON-configured server")

    run(scenario())


def test_native_options_and_a_config_file_do_not_mix(prosody, apns_mock, tmp_path):
    config = tmp_path / "nudge.json"
    config.write_text("{}")
    server = prosody({"nudge_config_file": str(config), "nudge_coalesce_window": 5}, wait=False)
    server.wait_for_log(r"nudge_coalesce_window: not allowed together with nudge_config_file", DEADLINE_S)


def test_the_engine_counters_are_prosody_metrics(prosody, apns_mock):
    server = prosody(global_options={"statistics": "internal", "statistics_interval": "manual"})
    device = ApnsDevice(apns_mock)

    run(PROSODY.delivered_offline(server, device, "counted"))
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


# ---- another push module on the same host --------------------------------------

def test_mod_nudge_next_to_mod_cloud_notify_is_refused_naming_it(prosody, apns_mock):
    server = prosody(host_modules=["nudge", "cloud_notify"], component=None, wait=False)
    server.wait_for_log(r"Error initializing module 'nudge' on 'example\.net': mod_nudge: mod_cloud_notify is loaded "
                        r"on example\.net too, and both would push for every message; remove one of them", DEADLINE_S)
    assert "Push engine" not in server.log_text()


def test_mod_cloud_notify_loaded_next_to_mod_nudge_is_unloaded(prosody, apns_mock):
    server = prosody()
    server.shell("module:load('cloud_notify', 'example.net')")
    server.wait_for_log(r"mod_cloud_notify cannot run next to mod_nudge on example\.net: .*unloading mod_cloud_notify",
                        DEADLINE_S)
    code, output = server.shell(">require 'core.modulemanager'.is_loaded('example.net', 'cloud_notify') "
                                "and 'still loaded' or 'not loaded'")
    assert code == 0 and "not loaded" in output, output
    assert engine_stats(server)["ok"]


def test_prosodys_openmetrics_endpoint_shows_the_push_figures(prosody, apns_mock):
    modules = ["roster", "saslauth", "disco", "carbons", "mam", "smacks", "offline", "ping", "adhoc", "admin_shell",
               "http", "http_openmetrics"]
    server = prosody(modules=modules, global_options={"statistics": "internal", "statistics_interval": "manual",
                                                      "openmetrics_allow_ips": ["127.0.0.1"]})
    device = ApnsDevice(apns_mock)

    run(PROSODY.delivered_offline(server, device, "scraped"))
    with urllib.request.urlopen(f"http://127.0.0.1:{server.http_port}/metrics", timeout=10) as response:
        assert response.headers["Content-Type"].startswith("application/openmetrics-text")
        text = response.read().decode()
        samples = openmetrics.parse(text)
    p = "prosody_mod_nudge__"
    assert openmetrics.value(samples, p + "deliveries_total") == 1
    assert openmetrics.value(samples, p + "vendor_answers_total", vendor="apns", verdict="delivered", status="200") == 1
    assert openmetrics.value(samples, p + "pushes_total", reason="message") >= 1
    assert openmetrics.value(samples, p + "held_stanzas_judged_total", outcome="accepted") >= 1
    assert openmetrics.value(samples, p + "outbox") == 0
    assert openmetrics.value(samples, p + "stanza_to_vendor_latency_seconds_count") == 1
    assert openmetrics.value(samples, p + "stanza_to_vendor_latency_seconds_bucket", le="+Inf") == 1
    assert openmetrics.value(samples, p + "stanza_to_vendor_latency_seconds_bucket", le="300") == 1
    # Replayed into Prosody's histogram, the engine's figures stay exact.
    engine = engine_stats(server)["stanza_to_vendor_latency"]
    assert openmetrics.value(samples, p + "stanza_to_vendor_latency_seconds_sum") == pytest.approx(engine["sum_ms"] / 1000)
    for bound_ms, count in zip(engine["bounds_ms"], engine["buckets"]):
        assert openmetrics.value(samples, p + "stanza_to_vendor_latency_seconds_bucket", le=f"{bound_ms / 1000:g}") == count
    names = openmetrics.assert_fixed_labels(samples, p)
    assert {"vendor_answers", "stanza_to_vendor_latency_seconds", "pushes", "outbox", "retries"} - names <= {"retries"}, names
