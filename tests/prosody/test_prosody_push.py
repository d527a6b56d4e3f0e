"""XEP-0357 push through a real Prosody 0.12 with mod_nudge, end to end:
what is Prosody's own (mod_smacks' acknowledgements, its routing to a bare
JID, its module loading and statistics, mod_cloud_notify next to
mod_nudge). What every host does is tested in tests/servers/test_push.py.

Every wait is for a condition, with a deadline; nothing is asserted from
elapsed time alone.
"""

import subprocess

from tests.prosody.harness import REPO
from tests.prosody.prosody_env import PASSWORD, PROSODY, engine_stats, push_options
from tests.support.devices import ApnsDevice
from tests.support.push_steps import DEADLINE_S, JULIET, logged, offline, pushes_until, run
from tests.support.xmpp import Client

stats_until = PROSODY.stats_until


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
