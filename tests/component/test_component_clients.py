"""Clients through nudge-component, behind each host's own XEP-0357 module
(Prosody's mod_cloud_notify, ejabberd's mod_push): the client's own
registration at the component, the enable at its server, and the push at
the APNs mock. The README's compatibility table's component column points
here.

Every wait is for a condition, with a deadline."""

import asyncio
import re
import secrets

import pytest

from tests.component.component_flow import push_with_body, run, start_component
from tests.component.component_process import DOMAIN, PUSH_HOST
from tests.component.component_servers import PASSWORD
from tests.servers.test_clients import command_iq, command_result, error_condition, sha1_name
from tests.support.devices import FcmDevice
from tests.support.push_steps import DEADLINE_S, pushes_until
from tests.support.vendor_backends import apns_backend
from tests.support.xmpp import Client

# How each host logs the phone's session going pending.
HIBERNATING = {"prosody": "Session going into hibernation",
               "ejabberd": r"Closing c2s connection for juliet@example\.net/phone.*waiting \d+ seconds"}


@pytest.fixture(params=["prosody", "ejabberd"])
def host_server(request):
    """(name, a started server with the host's own push module and the component listener)."""
    return request.param, request.getfixturevalue(request.param)()


async def pending_then_push(server, pattern: str, enable, body: str, arrived):
    """Juliet's phone enables push with `enable(client)`, goes pending,
    Romeo writes `body`; returns its push, once `arrived()` has it."""
    a = Client(f"juliet@{DOMAIN}/phone", PASSWORD, stream_management=True)
    b = Client(f"romeo@{DOMAIN}/desk", PASSWORD)
    await a.online(server.c2s_port)
    await b.online(server.c2s_port)
    await enable(a)
    before = len(re.findall(pattern, server.log_text()))
    a.drop()
    await a.dropped()
    await asyncio.to_thread(server.wait_for_log, pattern, DEADLINE_S, before + 1)
    b.say(f"juliet@{DOMAIN}", body)
    push = await arrived()
    await a.resume(server.c2s_port)
    await a.offline()
    await b.offline()
    return push


def test_siskins_register_device_through_the_component(host_server, component, apns_mock):
    """TigaseSwift `TigasePushNotificationsModule.registerDevice`
    (register-device: provider, device-token) at the component, then the
    enable with the node alone at the user's server, whose own module
    publishes to the component."""
    name, server = host_server
    start_component(component, server, apns_mock)
    token = secrets.token_hex(32)

    async def enable(a):
        fields = {"provider": "tigase:messenger:apns:1", "device-token": token}
        registered = command_result(await a.raw_iq(command_iq(PUSH_HOST, "register-device", fields, typed=True)))
        reply = await a.enable(PUSH_HOST, registered["node"], None)
        assert reply["type"] == "result", reply

    body = "to siskin via the component"
    push = run(pending_then_push(server, HIBERNATING[name], enable, body, lambda: push_with_body(apns_mock, token, body)))
    assert push["answer"]["status"] == 200, push


def test_snikket_ios_provider_reaches_its_backend_through_the_component(host_server, component, tmp_path):
    """snikket-ios `Snikket/xmpp/SiskinPushNotificationsModule.swift`
    (`providerId` `snikket:apns:1` in TigaseSwift's register-device) at the
    component, whose two APNs backends are Siskin's and Snikket's builds
    (`tigase_providers`): the push goes out with Snikket's topic."""
    from tests.mocks.fixtures import start_apns_mock
    name, server = host_server
    siskin_topic, snikket_topic = "org.tigase.messenger.mobile", "org.snikket.ios"
    mock = start_apns_mock(tmp_path / "apns", topics=[siskin_topic, snikket_topic])
    try:
        backends = [apns_backend(mock, app="siskin", topic=siskin_topic, tigase_providers=["tigase:messenger:apns:1"]),
                    apns_backend(mock, app="snikket", topic=snikket_topic, tigase_providers=["snikket:apns:1"])]
        start_component(component, server, mock, engine={"appserver": {"backends": backends}})
        token = secrets.token_hex(32)

        async def enable(a):
            fields = {"provider": "snikket:apns:1", "device-token": token}
            registered = command_result(await a.raw_iq(command_iq(PUSH_HOST, "register-device", fields, typed=True)))
            reply = await a.enable(PUSH_HOST, registered["node"], None)
            assert reply["type"] == "result", reply

        body = "to snikket via the component"
        push = run(pending_then_push(server, HIBERNATING[name], enable, body, lambda: push_with_body(mock, token, body)))
        assert push["answer"]["status"] == 200 and push["headers"]["apns-topic"] == snikket_topic, push
    finally:
        mock.stop()


def test_monals_token_node_through_the_component(host_server, component, apns_mock):
    """Monal `XMPPIQ.m` setPushEnableWithNode: no registration, the APNs
    token as the node, `pushModule` as a publish option, which the host's
    module passes on with every publish (fpush's dialect: the component's
    `appserver.token_nodes`)."""
    name, server = host_server
    backend = apns_backend(apns_mock, app="monalProdiOS")
    start_component(component, server, apns_mock, engine={"appserver": {"backends": [backend], "token_nodes": True}})
    token = secrets.token_hex(32)

    async def enable(a):
        reply = await a.enable(PUSH_HOST, token, None, options={"pushModule": "monalProdiOS"})
        assert reply["type"] == "result", reply

    body = "to monal via the component"
    push = run(pending_then_push(server, HIBERNATING[name], enable, body, lambda: push_with_body(apns_mock, token, body)))
    assert push["answer"]["status"] == 200, push


def test_conversations_register_push_fcm_through_the_component(host_server, component, apns_mock, fcm_mock):
    """Conversations `IqGenerator.pushTokenToAppServer` (register-push-fcm:
    token, android-id) at the component and `IqGenerator.enablePush` (the
    secret) at the user's server; the FCM data names the account as
    Conversations' `PushMessageReceiver` compares it (sha1 of the bare
    JID, NUL, android-id)."""
    name, server = host_server
    device = FcmDevice(fcm_mock)
    start_component(component, server, apns_mock, engine={"appserver": {"backends": device.backends()}})

    async def enable(a):
        fields = command_result(await a.raw_iq(command_iq(PUSH_HOST, "register-push-fcm", device.fields())))
        reply = await a.enable(fields["jid"], fields["node"], fields["secret"])
        assert reply["type"] == "result", reply

    push = run(pending_then_push(server, HIBERNATING[name], enable, "to conversations via the component",
                                 lambda: pushes_until(device, lambda p: len(p) >= 1, "the FCM push")))[0]
    assert push.ok and push.summary["account"] == sha1_name(f"juliet@{DOMAIN}", device.android_id)


def test_conversations_room_channel_and_its_unregistration_through_the_component(host_server, component, apns_mock,
                                                                                   fcm_mock):
    """Conversations `IqGenerator.pushTokenToAppServer` with `muc` (a room's
    own node) and `unregisterChannelOnAppServer` (unregister-push-fcm:
    channel, android-id) at the component: the account's node keeps
    pushing, and the room's channel is removed once."""
    name, server = host_server
    device = FcmDevice(fcm_mock)
    start_component(component, server, apns_mock, engine={"appserver": {"backends": device.backends()}})
    room = "balcony@conference.example.net"
    nodes = {}

    async def enable(a):
        account = command_result(await a.raw_iq(command_iq(PUSH_HOST, "register-push-fcm", device.fields())))
        reply = await a.enable(account["jid"], account["node"], account["secret"])
        assert reply["type"] == "result", reply
        channel = command_result(await a.raw_iq(command_iq(PUSH_HOST, "register-push-fcm", device.fields() | {"muc": room})))
        assert channel["node"] != account["node"]
        nodes["channel"] = channel["node"]

    push = run(pending_then_push(server, HIBERNATING[name], enable, "to conversations' account",
                                 lambda: pushes_until(device, lambda p: len(p) >= 1, "the FCM push")))[0]
    assert push.ok and push.summary["account"] == sha1_name(f"juliet@{DOMAIN}", device.android_id)
    assert "channel" not in push.summary

    async def unregister():
        a = Client(f"juliet@{DOMAIN}/phone", PASSWORD)
        await a.online(server.c2s_port)
        channel = {"channel": sha1_name(room, device.android_id), "android-id": device.android_id}
        removed = await a.raw_iq(command_iq(PUSH_HOST, "unregister-push-fcm", channel))
        assert command_result(removed)["nodes"] == nodes["channel"]
        again = await a.raw_iq(command_iq(PUSH_HOST, "unregister-push-fcm", channel))
        assert error_condition(again) == "item-not-found"
        await a.offline()

    run(unregister())


def test_monal_sandbox_build_through_the_component(host_server, component, apns_mock, tmp_path):
    """Monal `XMPPIQ.m` setPushEnableWithNode with `pushModule`
    monalProdiOS-sandbox: the component's two backends share one key, one
    per environment (two APNs mocks stand for Apple's two services), and
    the sandbox token reaches only the sandbox one."""
    from tests.mocks.fixtures import start_apns_mock
    name, server = host_server
    sandbox = start_apns_mock(tmp_path / "sandbox", team_id=apns_mock.team_id, apns_keys=apns_mock.keys,
                              topics=apns_mock.topics)
    try:
        backends = [apns_backend(apns_mock, app="monalProdiOS"),
                    apns_backend(sandbox, app="monalProdiOS-sandbox", environment="sandbox")]
        start_component(component, server, apns_mock, engine={"appserver": {"backends": backends, "token_nodes": True}})
        token = secrets.token_hex(32)

        async def enable(a):
            reply = await a.enable(PUSH_HOST, token, None, options={"pushModule": "monalProdiOS-sandbox"})
            assert reply["type"] == "result", reply

        body = "to monal's sandbox build via the component"
        push = run(pending_then_push(server, HIBERNATING[name], enable, body, lambda: push_with_body(sandbox, token, body)))
        assert push["answer"]["status"] == 200, push
        assert apns_mock.control.requests() == []
    finally:
        sandbox.stop()
