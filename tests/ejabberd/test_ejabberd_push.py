"""XEP-0357 push through a real ejabberd 23.01 with mod_nudge, end to end:
what is ejabberd's own (its option checks, reload_config, virtual hosts,
mod_push next to mod_nudge, the process that owns the engine). What every
host does is tested in tests/servers/test_push.py.

Every wait is for a condition, with a deadline; nothing is asserted from
elapsed time alone.
"""

import re

from tests.ejabberd.ejabberd_env import (DOMAIN, EJABBERD, PASSWORD, PUSH_HOST, USERS, listing, modules, nudge_options,
                                        wait_offline)
from tests.support.devices import ApnsDevice
from tests.support.push_steps import DEADLINE_S, pushes_until, run
from tests.support.waiting import wait_until
from tests.support.xmpp import Client

JULIET = f"juliet@{DOMAIN}"
register_and_enable = EJABBERD.register_and_enable


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


def test_an_old_and_a_new_option_name_together_are_refused(ejabberd, apns_mock):
    server = ejabberd(nudge_options(apns_mock, max_registrations_per_user=1, max_enablements_per_user=2), wait=False)
    assert server.wait_exit() != 0
    text = server.diagnostics()
    assert ("mod_nudge on example.net: max_registrations_per_user: the old name of max_enablements_per_user, "
            "which is set too; keep only max_enablements_per_user") in text, text


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


def test_a_mucsub_subscriber_with_no_session_is_pushed_as_her_group_chat_filter_says(ejabberd, apns_mock):
    """ejabberd's own rooms reach a member who is not in the room through
    MucSub (XEP-0045 extension `urn:xmpp:mucsub:0`): mod_muc_room wraps each
    message as a pubsub event of `urn:xmpp:mucsub:nodes:messages` to the
    subscriber's bare JID, and mod_offline stores it. The engine judges the
    room message inside, here by the group chat filter of a Tigase client's
    enable (TigaseSwift `TigasePushNotificationsModule.GroupchatFilter`:
    `<room jid=… allow='always'/>`, as Snikket iOS sets its rooms)."""
    room = f"balcony@conference.{DOMAIN}"
    muc = {"mod_muc": {"host": "conference.@HOST@",
                       "default_room_options": {"mam": False, "allow_subscription": True, "persistent": True}}}
    server = ejabberd(module_config=modules(nudge_options(apns_mock, coalesce_window=0), extra=muc))
    device = ApnsDevice(apns_mock)

    async def scenario():
        b = EJABBERD.desk()
        await b.online(server.c2s_port)
        b.join(room, "romeo")
        await b.ping()
        a = Client(f"{JULIET}/phone", PASSWORD)
        await a.online(server.c2s_port)
        subscribed = await a.raw_iq(f"<iq type='set' to='{room}' id='s1'><subscribe xmlns='urn:xmpp:mucsub:0' nick='juliet'>"
                                    "<event node='urn:xmpp:mucsub:nodes:messages'/></subscribe></iq>")
        assert subscribed.get("type") == "result", subscribed
        fields = {"provider": "tigase:messenger:apns:1", "device-token": device.token}
        reply = await a.raw_iq(f"<iq type='set' to='{PUSH_HOST}' id='r1'><command xmlns='http://jabber.org/protocol/commands' "
                               "node='register-device' action='execute'><x xmlns='jabber:x:data' type='submit'>"
                               + "".join(f"<field var='{k}'><value>{v}</value></field>" for k, v in fields.items())
                               + "</x></command></iq>")
        node = reply.find("{http://jabber.org/protocol/commands}command/{jabber:x:data}x/{jabber:x:data}field[@var='node']/"
                          "{jabber:x:data}value").text
        enabled = await a.raw_iq(f"<iq type='set' id='e1'><enable xmlns='urn:xmpp:push:0' jid='{PUSH_HOST}' node='{node}'>"
                                 f"<groupchat xmlns='tigase:push:filter:groupchat:0'><room jid='{room}' allow='always'/>"
                                 "</groupchat></enable></iq>")
        assert enabled.get("type") == "result", enabled
        await a.offline()
        await wait_offline(server, JULIET)

        b.say_in_room(room, "hello all")
        [push] = await pushes_until(device, lambda p: len(p) >= 1, "the push for the room message")
        assert push.ok and push.count == 1
        await b.offline()

    run(scenario())
