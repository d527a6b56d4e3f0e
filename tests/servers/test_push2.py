"""Push 2.0 (urn:xmpp:push2:0) on each host (the `host` fixture: Prosody,
then ejabberd), with a push service as an XEP-0114 component.

The enable is the Snikket SDK's, replayed as its public code builds it:
borogove/queries/Push2Enable.hx (one `important` match, `<grace>` when
positive, a `<filter>` per filtered chat with `<mention/>` and `<reply/>`,
the `sce+rfc8291+rfc8292` send profile with base64 `ua-public`,
`auth-secret`, `jwt-alg` ES256, the PKCS#8 `jwt-key` and an `aud`
claim), sent to the account's bare JID by borogove/Client.hx
(`enablePush`); the disable is borogove/queries/Push2Disable.hx. What the
push service gets is checked independently of Nudge's code: the payload
is decrypted with the `http_ece` package as a Web Push user agent would,
and the JWT verified with PyJWT against the key the notification names.
What the SDK reads from the payload is borogove/Push.hx (`receive`): an
XEP-0420 envelope, its content an XEP-0297 forwarded jabber:client
message with a `to`.
"""

import asyncio
import base64
import secrets
import xml.etree.ElementTree as ET

import http_ece
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.mocks.keys import make_vapid_key
from tests.support.push_steps import DOMAIN, JULIET, PASSWORD, ROMEO, hibernate, logged, offline, online, run
from tests.support.waiting import wait_until_async
from tests.support.xmpp import Client, PushService

PUSH2 = "{urn:xmpp:push2:0}"
SCE = "{urn:xmpp:sce:1}"
FORWARD = "{urn:xmpp:forward:0}"
CLIENT = "{jabber:client}"
STANZAS = "{urn:ietf:params:xml:ns:xmpp-stanzas}"
SERVICE = "push2.example.net"
ENDPOINT = "https://updates.push.example.org/wpush/v2/gAAAAABk-test"
FEATURES = {"urn:xmpp:push2:0", "urn:xmpp:push2:match:all", "urn:xmpp:push2:match:important",
            "urn:xmpp:push2:match:archived", "urn:xmpp:push2:match:archived-with-body",
            "urn:xmpp:push2:send:notify-only:0", "urn:xmpp:push2:send:sce+rfc8291+rfc8292:0"}


class Subscription:
    """What a browser's PushManager and the SDK's VAPID key pair give
    Client.hx's enablePush: p256dh, auth, and the private key as PKCS#8."""

    def __init__(self):
        self.ua = ec.generate_private_key(ec.SECP256R1())
        self.auth = secrets.token_bytes(16)
        self.vapid = ec.generate_private_key(ec.SECP256R1())

    @property
    def p256dh(self) -> bytes:
        return self.ua.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)

    @property
    def pkcs8(self) -> bytes:
        return self.vapid.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption())


def push2_enable(sub: Subscription, grace: int = -1, filters=(), profile: str = "urn:xmpp:push2:match:important") -> str:
    """Push2Enable.hx's stanza: `grace` only when positive, filters in order."""
    grace_xml = f"<grace>{grace}</grace>" if grace > 0 else ""
    filters_xml = "".join(f"<filter jid='{jid}'>{'<mention/>' if mention else ''}{'<reply/>' if reply else ''}</filter>"
                          for jid, mention, reply in filters)
    b64 = lambda b: base64.b64encode(b).decode()  # noqa: E731  (haxe.crypto.Base64.encode: standard, padded)
    return (f"<iq type='set' to='{JULIET}' id='{secrets.token_hex(4)}'><enable xmlns='urn:xmpp:push2:0'>"
            f"<service>{SERVICE}</service><client>{ENDPOINT}</client><match profile='{profile}'>{grace_xml}{filters_xml}"
            f"<send xmlns='urn:xmpp:push2:send:sce+rfc8291+rfc8292:0'><ua-public>{b64(sub.p256dh)}</ua-public>"
            f"<auth-secret>{b64(sub.auth)}</auth-secret><jwt-alg>ES256</jwt-alg><jwt-key>{b64(sub.pkcs8)}</jwt-key>"
            f"<jwt-claim name='aud'>updates.push.example.org</jwt-claim></send></match></enable></iq>")


PUSH2_DISABLE = f"<iq type='set' to='{JULIET}' id='dis'><disable xmlns='urn:xmpp:push2:0'/></iq>"


def opened(notification: ET.Element, sub: Subscription) -> ET.Element:
    """The forwarded message inside a notification's payload, decrypted
    with http_ece; asserts the envelope around it."""
    payload = notification.find(f"{PUSH2}notification/{{urn:xmpp:sce:rfc8291:0}}encrypted/{{urn:xmpp:sce:rfc8291:0}}payload")
    assert payload is not None, ET.tostring(notification)
    plain = http_ece.decrypt(base64.b64decode(payload.text), private_key=sub.ua, auth_secret=sub.auth, version="aes128gcm")
    envelope = ET.fromstring(plain)
    assert envelope.tag == f"{SCE}envelope", plain
    message = envelope.find(f"{SCE}content/{FORWARD}forwarded/{CLIENT}message")
    assert message is not None and message.get("to"), plain
    return message


def verified_claims(notification: ET.Element) -> dict:
    """The JWT, verified with PyJWT against the public key in its `key`."""
    token = notification.find(f"{PUSH2}notification/{PUSH2}jwt")
    assert token is not None, ET.tostring(notification)
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), base64.b64decode(token.get("key")))
    return jwt.decode(token.text, key=public, algorithms=["ES256"], audience="updates.push.example.org")


def field(notification: ET.Element, name: str) -> ET.Element | None:
    return notification.find(f"{PUSH2}notification/{PUSH2}{name}")


def error_of(reply: ET.Element) -> tuple[str | None, str | None]:
    error = reply.find(f"{CLIENT}error")
    if error is None:
        return None, None
    condition = next((c.tag.split("}")[1] for c in error if c.tag.startswith(STANZAS) and not c.tag.endswith("text")), None)
    text = error.find(f"{STANZAS}text")
    return condition, text.text if text is not None else None


async def started(host, server):
    service = PushService(SERVICE, host.service_secret)
    await service.online(server.component_port)
    a, b = host.kind.phone(), host.kind.desk()
    await online(server, a, b)
    return service, a, b


def start(host):
    host.service_secret = secrets.token_hex(8)
    return host.start(components={SERVICE: host.service_secret})


def test_the_snikket_sdks_enable_pushes_the_message_encrypted_with_its_jwt(host):
    """Disco shows Push 2.0 and its profiles; the SDK's enable is answered
    with a result; with the session pending, Romeo's message reaches the
    push service as `<notification>` from Juliet's bare JID with the
    client string and `<priority>normal`, its payload decrypts (http_ece)
    to the message in an envelope with padding, archive id kept, and its
    JWT verifies (PyJWT) with the client's aud, a `sub` and an `exp`."""
    server = start(host)
    sub = Subscription()

    async def scenario():
        service, a, b = await started(host, server)
        info = await a.disco_info(JULIET)
        features = {f.get("var") for f in info.iter("{http://jabber.org/protocol/disco#info}feature")}
        assert FEATURES <= features, features
        enabled = await a.raw_iq(push2_enable(sub, grace=0))
        assert enabled.get("type") == "result", ET.tostring(enabled)
        await hibernate(server, a)
        b.say(JULIET, "Wherefore art thou, Romeo?")
        await service.until(lambda: service.notifications, "the notification")
        n = service.notifications[0]
        assert n.get("from") == JULIET and n.get("to") == SERVICE and n.get("id", "").startswith("nudge-")
        assert field(n, "client").text == ENDPOINT
        assert field(n, "priority").text == "normal"
        assert field(n, "voip") is None
        assert len(ET.tostring(n)) <= 4096
        message = opened(n, sub)
        assert message.find(f"{CLIENT}body").text == "Wherefore art thou, Romeo?"
        assert message.get("from", "").startswith(ROMEO)
        archive_id = message.find(f"{{urn:xmpp:sid:0}}stanza-id[@by='{JULIET}']")
        assert archive_id is not None and archive_id.get("id"), ET.tostring(message)
        claims = verified_claims(n)
        assert claims["aud"] == "updates.push.example.org"
        # RFC 8292's contact: borogove gives no `sub`, the user's server's https: URI stands in.
        assert claims["sub"] == f"https://{DOMAIN}" and claims["exp"] > 0
        await a.resume(server.c2s_port)
        await offline(a, b)
        service.disconnect()

    run(scenario())


def test_grace_counts_what_another_session_sends_a_call_rings_through_and_a_filtered_chat_pushes_only_replies(host):
    """With `<grace>` and Juliet's desktop connected but idle, Romeo's
    message pushes; once she has written from the desktop, his next
    message does not (within the grace), his call proposal does (high,
    `<voip/>`), and so does its retraction. Enabled again with a filter
    on Romeo asking for replies, a plain message does not push and a
    XEP-0461 reply to her does."""
    server = start(host)
    sub = Subscription()

    async def scenario():
        service, a, b = await started(host, server)
        desktop = Client(f"{JULIET}/desktop", PASSWORD)
        await online(server, desktop)
        assert (await a.raw_iq(push2_enable(sub, grace=600))).get("type") == "result"
        await hibernate(server, a)
        b.say(JULIET, "while the desk is idle")
        await service.until(lambda: service.notifications, "the notification past an idle session")
        assert opened(service.notifications[0], sub).find(f"{CLIENT}body").text == "while the desk is idle"
        # Once Romeo has it, the server has seen the desktop's message go out.
        desktop.say(ROMEO, "at my desk")
        await b.until(lambda: "at my desk" in b.bodies, "the desktop's message")
        b.say(JULIET, "held back by grace")
        b.send_raw(f"<message xmlns='jabber:client' to='{JULIET}' id='call-1'><propose xmlns='urn:xmpp:jingle-message:0' "
                   "id='sid-1'><description xmlns='urn:xmpp:jingle:apps:rtp:1' media='audio'/></propose></message>")
        await service.until(lambda: len(service.notifications) >= 2, "the call's notification")
        # In order: had the message within the grace pushed, it would come first.
        ring = service.notifications[1]
        assert field(ring, "priority").text == "high" and field(ring, "voip") is not None
        assert opened(ring, sub).find("{urn:xmpp:jingle-message:0}propose") is not None
        b.send_raw(f"<message xmlns='jabber:client' to='{JULIET}' id='call-2'>"
                   "<retract xmlns='urn:xmpp:jingle-message:0' id='sid-1'/></message>")
        await service.until(lambda: len(service.notifications) >= 3, "the retraction's notification")
        assert field(service.notifications[2], "voip") is not None
        await desktop.offline()
        await a.resume(server.c2s_port)
        await a.until(lambda: "held back by grace" in a.bodies, "the message")

        assert (await a.raw_iq(push2_enable(sub, filters=[(ROMEO, False, True)]))).get("type") == "result"
        await hibernate(server, a)
        b.say(JULIET, "not a reply")
        b.send_raw(f"<message xmlns='jabber:client' to='{JULIET}' type='chat' id='rep-1'><body>a reply</body>"
                   f"<reply xmlns='urn:xmpp:reply:0' to='{JULIET}' id='orig-1'/></message>")
        await service.until(lambda: len(service.notifications) >= 4, "the reply's notification")
        assert opened(service.notifications[3], sub).find(f"{CLIENT}body").text == "a reply"
        await a.resume(server.c2s_port)
        await offline(a, b)
        service.disconnect()

    run(scenario())


def test_match_all_pushes_a_chat_state_low(host):
    """`urn:xmpp:push2:match:all` pushes what `important` would not: a chat state, at `<priority>low`."""
    server = start(host)
    sub = Subscription()

    async def scenario():
        service, a, b = await started(host, server)
        assert (await a.raw_iq(push2_enable(sub, profile="urn:xmpp:push2:match:all"))).get("type") == "result"
        await hibernate(server, a)
        b.chat_state(JULIET, "composing")
        await service.until(lambda: service.notifications, "the chat state's notification")
        n = service.notifications[0]
        assert field(n, "priority").text == "low"
        assert opened(n, sub).find("{http://jabber.org/protocol/chatstates}composing") is not None
        await a.resume(server.c2s_port)
        await offline(a, b)
        service.disconnect()

    run(scenario())


def test_archived_with_body_pushes_what_the_archive_kept_with_a_body(host):
    """`urn:xmpp:push2:match:archived-with-body`: a chat state (never
    archived) does not push; the message after it, archived by the host's
    MAM with the user's stanza-id, does."""
    server = start(host)
    sub = Subscription()

    async def scenario():
        service, a, b = await started(host, server)
        profile = "urn:xmpp:push2:match:archived-with-body"
        assert (await a.raw_iq(push2_enable(sub, profile=profile))).get("type") == "result"
        await hibernate(server, a)
        b.chat_state(JULIET, "composing")
        b.say(JULIET, "kept in the archive")
        await service.until(lambda: service.notifications, "the message's notification")
        message = opened(service.notifications[0], sub)
        assert message.find(f"{CLIENT}body").text == "kept in the archive"
        assert message.find(f"{{urn:xmpp:sid:0}}stanza-id[@by='{JULIET}']") is not None
        await a.resume(server.c2s_port)
        await offline(a, b)
        service.disconnect()

    run(scenario())


def test_a_wait_error_is_retried_and_any_other_disables(host):
    """The push service answers `wait`: the notification comes again (the
    engine's backoff); it answers `item-not-found`: the registration is
    disabled (the host logs it, the listing is empty) and the next message
    sends nothing."""
    server = start(host)
    sub = Subscription()

    async def scenario():
        service, a, b = await started(host, server)
        assert (await a.raw_iq(push2_enable(sub))).get("type") == "result"
        await hibernate(server, a)
        service.answer = ("wait", "resource-constraint")
        b.say(JULIET, "try again")
        await service.until(lambda: len(service.notifications) >= 2, "the retried notification", timeout=60)
        assert opened(service.notifications[1], sub).find(f"{CLIENT}body").text == "try again"
        service.answer = ("cancel", "item-not-found")
        await service.until(lambda: len(service.notifications) >= 3, "the next retry")
        await logged(server, rf"Push disabled for {JULIET}")
        assert await asyncio.to_thread(host.kind.enablements, server, JULIET) == []
        await a.resume(server.c2s_port)
        await offline(a, b)
        service.disconnect()

    run(scenario())


def test_malformed_enables_are_refused_and_disable_ends_push(host):
    """Refusals name their condition and leave the registration as it was;
    Push2Disable.hx's disable removes it."""
    server = start(host)
    sub = Subscription()

    async def scenario():
        service, a, b = await started(host, server)
        assert (await a.raw_iq(push2_enable(sub))).get("type") == "result"
        listed = await asyncio.to_thread(host.kind.enablements, server, JULIET)
        assert len(listed) == 1, listed
        for bad, condition, text in [
            (push2_enable(sub).replace(f"<service>{SERVICE}</service>", ""), "bad-request", "enable needs exactly one <service/>"),
            (push2_enable(sub, profile="urn:example:mine"), "feature-not-implemented", "match profile 'urn:example:mine' is not served here"),
            (push2_enable(sub).replace("ES256", "HS256"), "feature-not-implemented", "only ES256 is"),
            (push2_enable(sub).replace(base64.b64encode(sub.auth).decode(), base64.b64encode(b"short").decode()),
             "not-acceptable", "send: auth-secret is 5 bytes, not 16"),
        ]:
            condition_got, text_got = error_of(await a.raw_iq(bad))
            assert condition_got == condition and text in (text_got or ""), (condition_got, text_got)
        assert await asyncio.to_thread(host.kind.enablements, server, JULIET) == listed
        assert (await a.raw_iq(PUSH2_DISABLE)).get("type") == "result"
        assert await asyncio.to_thread(host.kind.enablements, server, JULIET) == []
        await offline(a, b)
        service.disconnect()

    run(scenario())


def b64url_to_b64(text: str) -> str:
    return base64.b64encode(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))).decode()


def test_the_own_app_server_relays_the_payload_to_web_push_unchanged(host, webpush_mock, tmp_path):
    """Nudge as the push service: the browser's subscription (restricted to
    the SDK's VAPID key) is registered with register-push-webpush, and the
    SDK's enable names this app server with the node as `<client>`, the
    subscription's p256dh and auth as ua-public and auth-secret, and the
    push service's origin as `aud` (a `sub` claim as Client.hx's `claims`
    lets it add). Romeo's message reaches the Web Push mock with the body
    Nudge's server side encrypted, the mock decrypting it with the
    subscription's keys, and the JWT the client's: the mock checks it
    against the subscription's key."""
    vapid = make_vapid_key(tmp_path)
    client_key = ec.generate_private_key(ec.SECP256R1())
    app_key = base64.urlsafe_b64encode(client_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)).rstrip(b"=").decode()
    subscription = webpush_mock.subscribe(app_key)
    backend = {"type": "webpush", "vapid_private_key_file": str(vapid.pem), "subject": "mailto:admin@example.net",
               "ca_file": str(webpush_mock.tls.ca), "allow_private_addresses": True}
    server = host.start(host.options(backends=[backend]))
    pkcs8 = client_key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())

    async def scenario():
        a, b = host.kind.phone(), host.kind.desk()
        await online(server, a, b)
        fields = await a.command(host.kind.register_at, "register-push-webpush",
                                 {key: subscription[key] for key in ("endpoint", "p256dh", "auth")})
        node = fields["node"]
        enable = (f"<iq type='set' to='{JULIET}' id='p2'><enable xmlns='urn:xmpp:push2:0'><service>{fields['jid']}</service>"
                  f"<client>{node}</client><match profile='urn:xmpp:push2:match:important'>"
                  f"<send xmlns='urn:xmpp:push2:send:sce+rfc8291+rfc8292:0'>"
                  f"<ua-public>{b64url_to_b64(subscription['p256dh'])}</ua-public>"
                  f"<auth-secret>{b64url_to_b64(subscription['auth'])}</auth-secret><jwt-alg>ES256</jwt-alg>"
                  f"<jwt-key>{base64.b64encode(pkcs8).decode()}</jwt-key>"
                  f"<jwt-claim name='aud'>{webpush_mock.origin}</jwt-claim>"
                  f"<jwt-claim name='sub'>mailto:juliet@{DOMAIN}</jwt-claim></send></match></enable></iq>")
        assert (await a.raw_iq(enable)).get("type") == "result"
        await hibernate(server, a)
        b.say(JULIET, "through our own push service")
        path = "/" + subscription["endpoint"].split("/", 3)[3]

        def delivered():
            return [r for r in webpush_mock.control.requests()
                    if r.get("kind") == "push" and r.get("path") == path and "plaintext" in r and r.get("answer")]
        [push] = await wait_until_async(delivered, 30, 0.05, "the Web Push request", accept=lambda r: len(r) >= 1)
        assert push["answer"]["status"] == 201, push
        envelope = ET.fromstring(push["plaintext"])
        body = envelope.find(f"{SCE}content/{FORWARD}forwarded/{CLIENT}message/{CLIENT}body")
        assert body is not None and body.text == "through our own push service", push["plaintext"]
        await a.resume(server.c2s_port)
        await offline(a, b)

    run(scenario())
