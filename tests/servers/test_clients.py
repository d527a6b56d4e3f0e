"""Each client's registration and enable, replayed exactly as its public
code builds them (the file is named in each test), on each host (the
`host` fixture: Prosody, then ejabberd), until the push arrives at the
vendor mock. The README's compatibility table points here.

Stanzas are sent as XML text so that nothing of the client library's own
shapes gets in the way.
"""

import asyncio
import base64
import hashlib
import json
import secrets

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from tests.support.devices import ApnsDevice, FcmDevice
from tests.support.push_steps import (DEADLINE_S, DOMAIN, JULIET, PASSWORD, PUSH_HOST, ROMEO, hibernate, offline, online,
                                      pushes_until, run)
from tests.support.vendor_backends import apns_backend
from tests.support.waiting import wait_until_async
from tests.support.xmpp import AppServer, Client, form_values

COMMANDS = "{http://jabber.org/protocol/commands}"
DATA = "{jabber:x:data}"
PUBSUB = "{http://jabber.org/protocol/pubsub}"
STANZAS = "{urn:ietf:params:xml:ns:xmpp-stanzas}"
PUBLISH_OPTIONS = "http://jabber.org/protocol/pubsub#publish-options"


def fields_xml(fields: dict[str, str], typed: bool = False) -> str:
    kind = " type='text-single'" if typed else ""
    return "".join(f"<field var='{name}'{kind}><value>{value}</value></field>" for name, value in fields.items())


def command_iq(to: str, node: str, fields: dict[str, str], typed: bool = False) -> str:
    return (f"<iq type='set' to='{to}' id='{secrets.token_hex(4)}'><command xmlns='http://jabber.org/protocol/commands' "
            f"node='{node}' action='execute'><x xmlns='jabber:x:data' type='submit'>{fields_xml(fields, typed)}</x>"
            f"</command></iq>")


def command_result(reply) -> dict[str, str]:
    assert reply.get("type") == "result", reply
    x = reply.find(f"{COMMANDS}command/{DATA}x")
    return form_values(x) if x is not None else {}


def error_condition(reply) -> str | None:
    error = reply.find("{jabber:client}error")
    if error is None:
        return None
    return next((child.tag.split("}")[1] for child in error if child.tag.startswith(STANZAS) and not child.tag.endswith("text")), None)


def enable_iq(service: str, node: str, options: dict[str, str] | None, hidden_form_type: bool = True) -> str:
    form = ""
    if options is not None:
        kind = " type='hidden'" if hidden_form_type else ""
        form = (f"<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'{kind}><value>{PUBLISH_OPTIONS}</value>"
                f"</field>{fields_xml(options)}</x>")
    return f"<iq type='set' id='{secrets.token_hex(4)}'><enable xmlns='urn:xmpp:push:0' jid='{service}' node='{node}'>{form}</enable></iq>"


def sha1_name(jid: str, android_id: str) -> str:
    return hashlib.sha1(f"{jid}\0{android_id}".encode()).hexdigest()


# ---- Conversations (Android), app server p2 ------------------------------------

def test_conversations_registers_its_account_and_a_room_and_the_push_names_the_account(host, fcm_mock):
    """Conversations `IqGenerator.pushTokenToAppServer` (register-push-fcm:
    token, android-id; with `muc` for a room), `IqGenerator.enablePush`
    (FORM_TYPE hidden, secret), `unregisterChannelOnAppServer`
    (unregister-push-fcm: channel, android-id); `PushMessageReceiver`
    reads the FCM data's `account`, which `XmppConnectionService` compares
    with sha1(bare JID, NUL, android-id) (`CryptoHelper.getAccountFingerprint`)."""
    device = FcmDevice(fcm_mock)
    server = host.start(host.options(backends=device.backends()))
    room = "balcony@conference.example.net"

    async def scenario():
        a, b = host.kind.phone(), host.kind.desk()
        await online(server, a, b)
        account = command_result(await a.raw_iq(command_iq(PUSH_HOST, "register-push-fcm", device.fields())))
        assert account["jid"] == PUSH_HOST and account["node"] and account["secret"]
        enabled = await a.raw_iq(enable_iq(account["jid"], account["node"], {"secret": account["secret"]}))
        assert enabled.get("type") == "result", enabled

        # A room of its own: another node, and the account's keeps its secret.
        channel = command_result(await a.raw_iq(command_iq(PUSH_HOST, "register-push-fcm", device.fields() | {"muc": room})))
        assert channel["node"] != account["node"]

        await hibernate(server, a)
        b.say(JULIET, "hello from the desk")
        [push] = await pushes_until(device, lambda p: len(p) >= 1, "the FCM push for the account")
        assert push.ok and push.summary["account"] == sha1_name(JULIET, device.android_id)
        assert "channel" not in push.summary
        assert push.summary["message-count"] == "1"

        # Back online, it has left the room: it unregisters the channel, once.
        await a.resume(server.c2s_port)
        name = sha1_name(room, device.android_id)
        removed = await a.raw_iq(command_iq(PUSH_HOST, "unregister-push-fcm", {"channel": name, "android-id": device.android_id}))
        assert command_result(removed)["nodes"] == channel["node"]
        again = await a.raw_iq(command_iq(PUSH_HOST, "unregister-push-fcm", {"channel": name, "android-id": device.android_id}))
        assert error_condition(again) == "item-not-found"
        await offline(a, b)

    run(scenario())


# ---- Monal (iOS), app server fpush ---------------------------------------------

def test_monal_sandbox_builds_reach_the_sandbox_backend_with_the_same_key(host, tmp_path, apns_mock):
    """Monal `XMPPIQ.m` setPushEnableWithNode: no registration, the APNs
    token as the node, publish-options `pushModule` = monalProdiOS, with
    `-sandbox` for a sandbox build. Two backends share one key, one per
    environment (two APNs mocks with the same team and key stand for
    Apple's two services); the sandbox token reaches only the sandbox one."""
    from tests.mocks.fixtures import start_apns_mock
    sandbox = start_apns_mock(tmp_path / "sandbox", team_id=apns_mock.team_id, apns_keys=apns_mock.keys,
                              topics=apns_mock.topics)
    try:
        backends = [apns_backend(apns_mock, app="monalProdiOS"),
                    apns_backend(sandbox, app="monalProdiOS-sandbox", environment="sandbox")]
        server = host.start(host.options(backends=backends, token_nodes=True))
        production_device, sandbox_device = ApnsDevice(apns_mock), ApnsDevice(sandbox)

        async def scenario():
            a, b = host.kind.phone(), host.kind.desk()
            await online(server, a, b)
            enabled = await a.raw_iq(enable_iq(PUSH_HOST, sandbox_device.token, {"pushModule": "monalProdiOS-sandbox"}))
            assert enabled.get("type") == "result", enabled
            await hibernate(server, a)
            b.say(JULIET, "to the sandbox build")
            [push] = await pushes_until(sandbox_device, lambda p: len(p) >= 1, "the push at the sandbox service")
            assert push.ok and push.count == 1
            assert production_device.pushes() == [] and apns_mock.control.requests() == []
            await a.resume(server.c2s_port)
            await offline(a, b)

        run(scenario())
    finally:
        sandbox.stop()


# ---- Siskin and Snikket iOS (Tigase) --------------------------------------------

def test_siskin_registers_a_device_and_enables_with_the_node_alone(host, apns_mock):
    """TigaseSwift `TigasePushNotificationsModule.registerDevice`
    (register-device: provider tigase:messenger:apns:1, device-token,
    device-second-token; the reply's form names the node) and the enable
    that follows with the node alone, no secret; `unregisterDevice`
    (unregister-device: provider, device-token). Tigase's clients find the
    service by its disco#info: identity pubsub/push and the provider."""
    device = ApnsDevice(apns_mock)
    server = host.start()

    async def scenario():
        a, b = host.kind.phone(), host.kind.desk()
        await online(server, a, b)
        # findPushComponent: disco#items of the user's domain, then disco#info of each item.
        items = await a.raw_iq(f"<iq type='get' to='{DOMAIN}' id='d0'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>")
        assert PUSH_HOST in {i.get("jid") for i in items.iter("{http://jabber.org/protocol/disco#items}item")}, items
        info = await a.raw_iq(f"<iq type='get' to='{PUSH_HOST}' id='d1'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>")
        features = {f.get("var") for f in info.iter("{http://jabber.org/protocol/disco#info}feature")}
        identities = {(i.get("category"), i.get("type")) for i in info.iter("{http://jabber.org/protocol/disco#info}identity")}
        assert ("pubsub", "push") in identities and "tigase:messenger:apns:1" in features
        fields = {"provider": "tigase:messenger:apns:1", "device-token": device.token,
                  "device-second-token": secrets.token_hex(32)}
        registered = command_result(await a.raw_iq(command_iq(PUSH_HOST, "register-device", fields, typed=True)))
        assert registered["node"] and "secret" not in registered
        enabled = await a.raw_iq(enable_iq(PUSH_HOST, registered["node"], None))
        assert enabled.get("type") == "result", enabled
        await hibernate(server, a)
        b.say(JULIET, "to siskin")
        [push] = await pushes_until(device, lambda p: len(p) >= 1, "the push to the Tigase registration")
        assert push.ok and push.count == 1
        await a.resume(server.c2s_port)
        gone = await a.raw_iq(command_iq(PUSH_HOST, "unregister-device",
                                         {"provider": "tigase:messenger:apns:1", "device-token": device.token}, typed=True))
        assert gone.get("type") == "result", gone
        assert await asyncio.to_thread(host.kind.enablements, server, JULIET) == []
        await offline(a, b)

    run(scenario())


def test_snikket_ios_registers_with_its_own_provider_and_reaches_the_snikket_backend(host, tmp_path):
    """snikket-ios `Snikket/xmpp/SiskinPushNotificationsModule.swift`: its
    `providerId` is `snikket:apns:1`, which `findPushComponent` requires in
    the push service's disco#info (with urn:xmpp:push:0) and
    `registerDeviceAndEnable` sends in TigaseSwift's register-device, then
    enables with the node alone. Two APNs backends, Siskin's and Snikket's
    builds (`tigase_providers`), share one mock: the push goes out with the
    Snikket backend's topic, and nothing with Siskin's."""
    from tests.mocks.fixtures import start_apns_mock
    siskin_topic, snikket_topic = "org.tigase.messenger.mobile", "org.snikket.ios"
    mock = start_apns_mock(tmp_path / "apns", topics=[siskin_topic, snikket_topic])
    try:
        backends = [apns_backend(mock, app="siskin", topic=siskin_topic, tigase_providers=["tigase:messenger:apns:1"]),
                    apns_backend(mock, app="snikket", topic=snikket_topic, tigase_providers=["snikket:apns:1"])]
        server = host.start(host.options(backends=backends))
        device = ApnsDevice(mock)

        async def scenario():
            a, b = host.kind.phone(), host.kind.desk()
            await online(server, a, b)
            info = await a.raw_iq(f"<iq type='get' to='{PUSH_HOST}' id='d1'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>")
            features = {f.get("var") for f in info.iter("{http://jabber.org/protocol/disco#info}feature")}
            assert {"urn:xmpp:push:0", "snikket:apns:1", "tigase:messenger:apns:1"} <= features, features
            fields = {"provider": "snikket:apns:1", "device-token": device.token, "device-second-token": secrets.token_hex(32)}
            registered = command_result(await a.raw_iq(command_iq(PUSH_HOST, "register-device", fields, typed=True)))
            assert registered["node"] and "secret" not in registered
            enabled = await a.raw_iq(enable_iq(PUSH_HOST, registered["node"], None))
            assert enabled.get("type") == "result", enabled
            await hibernate(server, a)
            b.say(JULIET, "to snikket")
            [push] = await pushes_until(device, lambda p: len(p) >= 1, "the push to the Snikket registration")
            assert push.ok and push.count == 1
            topics = [r["headers"].get("apns-topic") for r in mock.control.requests() if r.get("token") == device.token]
            assert topics == [snikket_topic], topics
            await a.resume(server.c2s_port)
            await offline(a, b)

        run(scenario())
    finally:
        mock.stop()


TIGASE_ENCRYPT = "tigase:push:encrypt:0"
TIGASE_PRIORITY = "tigase:push:priority:0"
TIGASE_IGNORE_UNKNOWN = "tigase:push:filter:ignore-unknown:0"
TIGASE_FEATURES = {TIGASE_ENCRYPT, "tigase:push:encrypt:aes-128-gcm", TIGASE_PRIORITY, "tigase:push:jingle:0",
                   "tigase:push:filter:muted:0", "tigase:push:filter:groupchat:0", TIGASE_IGNORE_UNKNOWN}


def siskin_enable(service: str, node: str, key: bytes, alg: str = "aes-128-gcm", max_size: int | None = None,
                  rooms: str = f"<room jid='room@muc.{DOMAIN}' allow='mentioned' nick='juliet'/>",
                  ignore_unknown: bool = False) -> str:
    """Siskin's enable with every extension the account announces, each
    child as TigaseSwift's `TigasePushNotificationsModule.swift` builds it
    (GroupchatFilter, Muted, Priority, Encryption, Jingle), in the order
    Siskin's `SiskinPushNotificationsModule.prepareExtensions` adds them;
    `rooms`: the group chat filter's rules (`groupchatFilterRules`);
    `ignore_unknown`: IgnoreUnknown first, as when the user turned off
    notifications from unknown senders (`Settings.NotificationsFromUnknown`)."""
    size = f" max-size='{max_size}'" if max_size else ""
    unknown = f"<ignore-unknown xmlns='{TIGASE_IGNORE_UNKNOWN}'/>" if ignore_unknown else ""
    return (f"<iq type='set' id='{secrets.token_hex(4)}'><enable xmlns='urn:xmpp:push:0' jid='{service}' node='{node}'>"
            f"{unknown}<groupchat xmlns='tigase:push:filter:groupchat:0'>{rooms}"
            f"</groupchat><muted xmlns='tigase:push:filter:muted:0'><item jid='spam@{DOMAIN}'/></muted>"
            f"<priority xmlns='{TIGASE_PRIORITY}'/>"
            f"<encrypt xmlns='{TIGASE_ENCRYPT}' alg='{alg}'{size}>{base64.b64encode(key).decode()}</encrypt>"
            f"<jingle xmlns='tigase:push:jingle:0'/></enable></iq>")


def decrypt(iv: str, encrypted: str, key: bytes) -> dict:
    """What Siskin's NotificationService does with `encrypted` and `iv`
    (Shared/util/crypto/Cipher+AES.swift: the last 16 bytes are the GCM
    tag), here with the `cryptography` package's AES-GCM."""
    nonce = base64.b64decode(iv)
    assert len(nonce) == 12
    return json.loads(AESGCM(key).decrypt(nonce, base64.b64decode(encrypted), None))


def propose_xml(to: str, sid: str) -> str:
    """A XEP-0353 call proposal as Siskin's JingleManager sends it (a
    `<propose/>` with one RTP description per medium)."""
    return (f"<message xmlns='jabber:client' to='{to}' type='chat' id='{sid}-m'><propose xmlns='urn:xmpp:jingle-message:0' id='{sid}'>"
            "<description xmlns='urn:xmpp:jingle:apps:rtp:1' media='audio'/></propose></message>")


def test_siskins_encrypted_enable_pushes_what_its_notification_service_decrypts(host):
    """Siskin finds Tigase's extensions in the account's disco#info
    (Martin `PushNotificationsModule.isSupported`) and enables with them
    (`siskin_enable`); the server then publishes, instead of the summary,
    `<encrypted iv=…>` as tigase-server's
    `EncryptedPushNotificationExtension.java` does, with `<priority>high`
    (`PriorityExtension.java`); a call proposal is `type='voip'` with the
    caller's full JID, sid and media, as Siskin's `CallManager.swift`
    (`VoIPPayload`) reads it, and its retraction without media, which
    Siskin takes as the call's end. Malformed extensions are refused with
    their reason and leave the enablement as it was."""
    apps, apps_secret = "apps.example.net", secrets.token_hex(8)
    server = host.start(components={apps: apps_secret})
    key = secrets.token_bytes(16)

    async def scenario():
        app = AppServer(apps, apps_secret)
        await app.online(server.component_port)
        a, b = host.kind.phone(), host.kind.desk()
        await online(server, a, b)
        info = await a.raw_iq(f"<iq type='get' to='{JULIET}' id='d0'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>")
        features = {f.get("var") for f in info.iter("{http://jabber.org/protocol/disco#info}feature")}
        assert TIGASE_FEATURES <= features, features
        enabled = await a.raw_iq(siskin_enable(apps, "siskin-node", key))
        assert enabled.get("type") == "result", enabled
        listed = await asyncio.to_thread(host.kind.enablements, server, JULIET)
        for bad, condition, text in [
            (siskin_enable(apps, "siskin-node", key, alg="aes-256-gcm"), "not-acceptable",
             "encrypt: algorithm 'aes-256-gcm' is not supported; only aes-128-gcm is"),
            (siskin_enable(apps, "siskin-node", secrets.token_bytes(32)), "bad-request",
             "encrypt: an aes-128-gcm key is 16 bytes; this one is 32"),
            (siskin_enable(apps, "siskin-node", key, max_size=10), "bad-request",
             "encrypt: max-size '10' is not a number of bytes of at least 128"),
        ]:
            refused = await a.raw_iq(bad)
            assert error_condition(refused) == condition, refused
            assert refused.find(f"{{jabber:client}}error/{STANZAS}text").text == text
        assert await asyncio.to_thread(host.kind.enablements, server, JULIET) == listed

        await hibernate(server, a)
        b.say(JULIET, "Wherefore art thou, Romeo?")
        await app.until(lambda: app.publishes, "the publish")
        notification = app.publishes[0].find(f"{PUBSUB}pubsub/{PUBSUB}publish/{PUBSUB}item/{{urn:xmpp:push:0}}notification")
        assert notification.find(f"{DATA}x") is None, "the summary form must not travel in the clear"
        assert notification.find(f"{{{TIGASE_PRIORITY}}}priority").text == "high"
        encrypted = notification.find(f"{{{TIGASE_ENCRYPT}}}encrypted")
        assert encrypted.get("type") is None
        # Encrypted with the first key: the refused enables changed nothing.
        assert decrypt(encrypted.get("iv"), encrypted.text, key) == {"unread": 1, "sender": ROMEO, "type": "chat",
                                           "message": "Wherefore art thou, Romeo?"}

        b.send_raw(propose_xml(JULIET, "call-7"))
        await app.until(lambda: len(app.publishes) >= 2, "the call's publish")
        call = app.publishes[1].find(f"{PUBSUB}pubsub/{PUBSUB}publish/{PUBSUB}item/{{urn:xmpp:push:0}}notification/"
                                     f"{{{TIGASE_ENCRYPT}}}encrypted")
        assert call.get("type") == "voip"
        assert decrypt(call.get("iv"), call.text, key) == {"unread": 2, "sender": b.boundjid.full, "type": "call", "sid": "call-7",
                                      "media": ["audio"]}
        # The caller hangs up before she answers: the phone is told to stop
        # ringing (a sid without media, tigase-server's
        # `JinglePushNotificationsExtension.java`).
        b.send_raw(f"<message xmlns='jabber:client' to='{JULIET}' type='chat' id='r7'>"
                   "<retract xmlns='urn:xmpp:jingle-message:0' id='call-7'/></message>")
        await app.until(lambda: len(app.publishes) >= 3, "the retraction's publish")
        end = app.publishes[2].find(f"{PUBSUB}pubsub/{PUBSUB}publish/{PUBSUB}item/{{urn:xmpp:push:0}}notification/"
                                    f"{{{TIGASE_ENCRYPT}}}encrypted")
        assert end.get("type") == "voip"
        assert decrypt(end.get("iv"), end.text, key) == {"unread": 2, "sender": b.boundjid.full, "type": "call",
                                                        "sid": "call-7"}
        await a.resume(server.c2s_port)
        await offline(a, b)
        app.disconnect()

    run(scenario())


def test_siskins_encrypted_push_reaches_apns_as_its_extensions_read_it(host, apns_mock):
    """At this engine's own app server: Siskin asks for encryption only when
    register-device's reply names `tigase:push:encrypt:0` in `features`
    (TigaseSwift `RegistrationResult`, Siskin
    `SiskinPushNotificationsModule.enable`); the APNs request then carries
    `account`, `encrypted` and `iv` with `mutable-content`, the keys Siskin's
    `NotificationService.swift` decrypts, and a call goes to the PushKit
    token (`device-second-token`) on the `.voip` topic, as Siskin's
    `CallManager.swift` (`pushRegistry(_:didReceiveIncomingPushWith:)`)
    takes it."""
    device = ApnsDevice(apns_mock)
    voip_token = secrets.token_hex(32)
    key = secrets.token_bytes(16)
    server = host.start()

    async def scenario():
        a, b = host.kind.phone(), host.kind.desk()
        await online(server, a, b)
        fields = {"provider": "tigase:messenger:apns:1", "device-token": device.token, "device-second-token": voip_token}
        reply = await a.raw_iq(command_iq(PUSH_HOST, "register-device", fields, typed=True))
        registered = command_result(reply)
        features = reply.find(f"{COMMANDS}command/{DATA}x/{DATA}field[@var='features']")
        assert features.get("type") == "text-multi" and [v.text for v in features] == [TIGASE_ENCRYPT]
        enabled = await a.raw_iq(siskin_enable(PUSH_HOST, registered["node"], key))
        assert enabled.get("type") == "result", enabled
        await hibernate(server, a)

        b.say(JULIET, "to siskin, sealed")
        [push] = await pushes_until(device, lambda p: len(p) >= 1, "the encrypted push")
        assert push.ok
        payload = push.summary
        assert payload["aps"]["mutable-content"] == 1 and payload["account"] == JULIET
        assert "last-message-body" not in payload and "to siskin" not in json.dumps(payload)
        assert decrypt(payload["iv"], payload["encrypted"], key) == {"unread": 1, "sender": ROMEO, "type": "chat", "message": "to siskin, sealed"}
        [request] = [r for r in apns_mock.control.requests() if r.get("token") == device.token]
        assert request["headers"]["apns-priority"] == "10" and request["headers"]["apns-push-type"] == "alert"

        b.send_raw(propose_xml(JULIET, "call-9"))
        [call] = await wait_until_async(lambda: [r for r in apns_mock.control.requests()
                                                 if r.get("token") == voip_token and r.get("answer")],
                                        DEADLINE_S, 0.05, "the VoIP push", accept=lambda p: len(p) >= 1, describe=repr)
        assert call["answer"]["status"] == 200, call
        assert call["headers"]["apns-push-type"] == "voip" and call["headers"]["apns-topic"].endswith(".voip")
        assert call["payload"]["aps"] == {} and call["payload"]["account"] == JULIET
        assert decrypt(call["payload"]["iv"], call["payload"]["encrypted"], key) == {"unread": 2, "sender": b.boundjid.full, "type": "call", "sid": "call-9",
                                         "media": ["audio"]}
        await a.resume(server.c2s_port)
        await offline(a, b)

    run(scenario())


def test_snikket_ios_rooms_push_a_member_with_no_session_as_its_filter_says(host, apns_mock):
    """Snikket iOS (snikket-ios `SiskinPushNotificationsModule.swift`
    prepareExtensions; its rooms default to `always`, a room set to
    mentions names the nickname, `groupchatFilterRules`) with no session at
    all: a room that delivers to absent members (Snikket's server loads
    prosody-modules' `mod_muc_offline_delivery`, which sends a copy of each
    room message to the member's bare JID) reaches her bare JID, and the
    group chat filter decides: `always` pushes every message, `mentioned`
    only those naming her nickname, an unlisted room nothing. The room
    service is an external component, so that both hosts receive the same
    stanzas, as from a remote room."""
    rooms, rooms_secret = "rooms.example.org", secrets.token_hex(8)
    server = host.start(host.options(coalesce_window=0), components={rooms: rooms_secret})
    device = ApnsDevice(apns_mock)
    key = secrets.token_bytes(16)
    rules = (f"<room jid='always@{rooms}' allow='always'/>"
             f"<room jid='mentions@{rooms}' allow='mentioned' nick='jules'/>")

    async def scenario():
        room_service = AppServer(rooms, rooms_secret)
        await room_service.online(server.component_port)
        a = Client(f"{JULIET}/phone", PASSWORD)
        await online(server, a)
        fields = {"provider": "tigase:messenger:apns:1", "device-token": device.token}
        registered = command_result(await a.raw_iq(command_iq(PUSH_HOST, "register-device", fields, typed=True)))
        enabled = await a.raw_iq(siskin_enable(PUSH_HOST, registered["node"], key, rooms=rules))
        assert enabled.get("type") == "result", enabled
        await a.offline()
        await host.kind.session_closed(server, a.boundjid.full)

        def room_message(room: str, body: str) -> None:
            room_service.send_raw(f"<message xmlns='jabber:component:accept' from='{room}@{rooms}/romeo' to='{JULIET}' "
                                  f"type='groupchat' id='{secrets.token_hex(4)}'><body>{body}</body></message>")

        # The engine takes them in order: had the first two pushed, their
        # pushes would come before the third's.
        room_message("mentions", "lunch, anyone?")
        room_message("unlisted", "jules?")
        room_message("always", "hello all")
        await pushes_until(device, lambda p: len(p) >= 1, "the push for the always room")
        room_message("mentions", "jules, are you coming?")
        pushes = await pushes_until(device, lambda p: len(p) >= 2, "the push for the mention")
        first, second = (decrypt(p.summary["iv"], p.summary["encrypted"], key) for p in pushes)
        assert first == {"unread": 1, "sender": f"always@{rooms}", "type": "groupchat", "nickname": "romeo",
                         "message": "hello all"}, first
        assert second["sender"] == f"mentions@{rooms}" and second["message"] == "jules, are you coming?", second
        assert len(device.pushes()) == 2
        room_service.disconnect()

    run(scenario())


def test_siskin_ignoring_unknown_senders_is_pushed_for_its_contacts_only(host, apns_mock):
    """Siskin with notifications from unknown senders turned off
    (`SiskinPushNotificationsModule.prepareExtensions` adds TigaseSwift's
    `IgnoreUnknown` when the account announces it): as tigase-server's
    `IgnoreFromUnknownFilter.java`, a sender not in her roster (or there
    with only his own subscription request pending) pushes nothing, one in
    it does, whatever the subscription, and a room's message is exempt. The
    host reads the roster (Prosody's rostermanager, ejabberd's mod_roster)
    only because the engine asks for it."""
    rooms, rooms_secret = "rooms.example.org", secrets.token_hex(8)
    server = host.start(host.options(coalesce_window=0), components={rooms: rooms_secret})
    device = ApnsDevice(apns_mock)
    key = secrets.token_bytes(16)
    mercutio = f"mercutio@{DOMAIN}"

    async def scenario():
        room_service = AppServer(rooms, rooms_secret)
        await room_service.online(server.component_port)
        a, b, c = Client(f"{JULIET}/phone", PASSWORD), host.kind.desk(), Client(f"{mercutio}/street", PASSWORD)
        await online(server, a, b, c)
        # Romeo is in her roster with no subscription either way.
        added = await a.raw_iq(f"<iq type='set' id='r1'><query xmlns='jabber:iq:roster'><item jid='{ROMEO}'/></query></iq>")
        assert added.get("type") == "result", added
        fields = {"provider": "tigase:messenger:apns:1", "device-token": device.token}
        registered = command_result(await a.raw_iq(command_iq(PUSH_HOST, "register-device", fields, typed=True)))
        rules = f"<room jid='always@{rooms}' allow='always'/>"
        enabled = await a.raw_iq(siskin_enable(PUSH_HOST, registered["node"], key, rooms=rules, ignore_unknown=True))
        assert enabled.get("type") == "result", enabled
        await a.offline()
        await host.kind.session_closed(server, a.boundjid.full)

        # Mercutio, a stranger, asks for her presence (now pending in her
        # roster) and writes.
        c.send_raw(f"<presence to='{JULIET}' type='subscribe'/>")
        c.say(JULIET, "buy my potions")
        # (His message is reported twice, stored and archived; Prosody also
        # reports his request.)
        await host.kind.stats_until(server, lambda s: sum(s["held"].values()) >= 2, "Mercutio's message to be taken")
        b.say(JULIET, "it is the east")
        [first] = await pushes_until(device, lambda p: len(p) >= 1, "the push for Romeo's message")
        payload = decrypt(first.summary["iv"], first.summary["encrypted"], key)
        assert payload["sender"] == ROMEO, payload
        room_service.send_raw(f"<message xmlns='jabber:component:accept' from='always@{rooms}/tybalt' to='{JULIET}' "
                              "type='groupchat' id='g1'><body>a plague</body></message>")
        pushes = await pushes_until(device, lambda p: len(p) >= 2, "the push for the room's message")
        assert decrypt(pushes[1].summary["iv"], pushes[1].summary["encrypted"], key)["sender"] == f"always@{rooms}"
        assert len(device.pushes()) == 2
        await offline(b, c)
        room_service.disconnect()

    run(scenario())


# ---- ChatSecure (iOS) -------------------------------------------------------------

def test_chatsecures_enable_reaches_its_own_push_server_with_its_options(host):
    """ChatSecure `XMPPIQ+XEP_0357.m` enableNotificationsElementWithJID,
    called from `OTRXMPPManager.m` with `token` and `endpoint`: its
    FORM_TYPE field has no type='hidden', and the app server is
    ChatSecure's own (here an XEP-0114 component); every publish carries
    the options back."""
    apps, secret = "pubsub.chatsecure.example", "component-secret"
    server = host.start(components={apps: secret})

    async def scenario():
        app = AppServer(apps, secret)
        await app.online(server.component_port)
        a, b = host.kind.phone(), host.kind.desk()
        await online(server, a, b)
        node = "6F9619FF-8B86-D011-B42D-00C04FC964FF"
        options = {"token": secrets.token_hex(16), "endpoint": "https://push.chatsecure.example/api/v1/messages/"}
        enabled = await a.raw_iq(enable_iq(apps, node, options, hidden_form_type=False))
        assert enabled.get("type") == "result", enabled
        await hibernate(server, a)
        b.say(JULIET, "to chatsecure")
        await app.until(lambda: app.publishes, "the publish at ChatSecure's push server")
        publish = app.publishes[0].find(f"{PUBSUB}pubsub")
        assert publish.find(f"{PUBSUB}publish").get("node") == node
        sent = form_values(publish.find(f"{PUBSUB}publish-options/{DATA}x"))
        assert sent["FORM_TYPE"] == PUBLISH_OPTIONS
        assert sent["token"] == options["token"] and sent["endpoint"] == options["endpoint"]
        await a.resume(server.c2s_port)
        await offline(a, b)
        app.disconnect()

    run(scenario())
