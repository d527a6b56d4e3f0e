"""ejabberd's own mod_push + mod_push_keepalive in the same harness, on the
scenarios of tests/servers/test_push.py, so that bindings/ejabberd/README.md's
comparison table states what was observed rather than what was read.

The app server is a slixmpp component (XEP-0114) that records each publish
and answers result (mod_push has no app server of its own).
"""

import asyncio
import secrets

from tests.ejabberd.ejabberd_env import DOMAIN, PASSWORD, modules
from tests.support.push_steps import logged, offline, run
from tests.support.xmpp import AppServer, Client, form_values

JULIET = f"juliet@{DOMAIN}"
ROMEO = f"romeo@{DOMAIN}"
APPS = "apps.example.net"
PUBSUB = "{http://jabber.org/protocol/pubsub}"
DATA = "{jabber:x:data}"


def mod_push_server(ejabberd, stream_mgmt: dict | None = None, **keepalive):
    """ejabberd with mod_push and mod_push_keepalive, and the app server's
    component listener; returns (server, the component's secret)."""
    secret = secrets.token_hex(8)
    config = modules(None, stream_mgmt=stream_mgmt, extra={"mod_push": {}, "mod_push_keepalive": keepalive})
    return ejabberd(module_config=config, components={APPS: secret}), secret


async def connected(server, secret: str, *, sm: bool = True, enable: bool = True):
    """The app server, Juliet's phone (push enabled at the app server's
    node-1 unless enable is false) and Romeo's desk, online."""
    app = AppServer(APPS, secret)
    await app.online(server.component_port)
    a = Client(f"{JULIET}/phone", PASSWORD, stream_management=sm)
    b = Client(f"{ROMEO}/desk", PASSWORD)
    await a.online(server.c2s_port)
    await b.online(server.c2s_port)
    if enable:
        await a.enable(APPS, "node-1", "node-secret")
    return app, a, b


async def hibernate(server, client: Client) -> str:
    """Drops the client's TCP connection; returns mod_stream_mgmt's line about keeping the session."""
    client.drop()
    await client.dropped()
    lines = await logged(server, rf"Closing c2s connection for {client.boundjid.full}: .*waiting (\d+) seconds")
    return lines[-1]


def summary(iq) -> dict:
    return form_values(iq.find(f"{PUBSUB}pubsub/{PUBSUB}publish/{PUBSUB}item/{{urn:xmpp:push:0}}notification/{DATA}x"))


async def settle(b: Client, app: AppServer) -> int:
    """B's ping answered, then the component's count stops moving for a second; returns it."""
    await b.ping()
    count = -1
    while count != len(app.publishes):
        count = len(app.publishes)
        await asyncio.sleep(1)
    return count


def test_mod_push_publishes_every_queued_stanza_without_coalescing_and_keeps_the_session(ejabberd, apns_mock):
    server, secret = mod_push_server(ejabberd)

    async def scenario():
        app, a, b = await connected(server, secret)
        line = await hibernate(server, a)
        # mod_push_keepalive's resume_timeout (72 h) for the push session.
        assert "waiting 300 seconds" in line, line     # logged before the hook adjusts it
        # mod_push also publishes at hibernation when stanzas were still
        # unacknowledged (0 or 1 here, depending on timing).
        base = await settle(b, app)
        for i in range(1, 7):
            b.say(JULIET, f"message {i}")
        assert await settle(b, app) - base == 6        # one publish per message, no coalescing
        assert all(summary(iq).get("message-count") is None for iq in app.publishes)
        assert summary(app.publishes[-1]).get("last-message-body") == "New message"

        # Chat states are published too.
        for state in ("active", "composing", "paused", "inactive"):
            b.chat_state(JULIET, state)
        assert await settle(b, app) - base == 10

        await a.resume(server.c2s_port)
        await a.until(lambda: len(a.bodies) >= 6, "every message after resumption")
        await offline(a, b)

    run(scenario())


def test_mod_push_keepalive_extends_a_push_session_until_its_first_message(ejabberd, apns_mock):
    # mod_stream_mgmt keeps hibernating sessions 1 s; mod_push_keepalive
    # gives push sessions 72 h, but restores the 1 s when a message comes.
    server, secret = mod_push_server(ejabberd, stream_mgmt={"resume_timeout": 1})

    async def scenario():
        app, a, b = await connected(server, secret)
        c = Client(f"mercutio@{DOMAIN}/laptop", PASSWORD, stream_management=True)   # no push
        await c.online(server.c2s_port)
        await hibernate(server, a)
        c.drop()
        await c.dropped()
        await logged(server, rf"Closing c2s session for mercutio@{DOMAIN}/laptop")
        assert f"Closing c2s session for {JULIET}/phone" not in server.log_text()   # A went to sleep first

        base = await settle(b, app)     # a publish at hibernation if stanzas were unacknowledged
        b.say(JULIET, "hello")
        assert await settle(b, app) == base + 1
        # The first message restores the 1 s: the session ends.
        await logged(server, rf"Closing c2s session for {JULIET}/phone")
        await b.offline()

    run(scenario())


def test_mod_push_publishes_an_offline_message_once(ejabberd, apns_mock):
    server, secret = mod_push_server(ejabberd)

    async def scenario():
        app, a, b = await connected(server, secret, sm=False)
        await a.offline()
        await logged(server, rf"Closing c2s session for {JULIET}/phone")
        b.say(JULIET, "are you there?")
        assert await settle(b, app) == 1
        await b.offline()

    run(scenario())


def test_mod_push_enables_for_the_sender_when_asked_for_another_account(ejabberd, apns_mock):
    server, secret = mod_push_server(ejabberd)

    async def scenario():
        app, a, b = await connected(server, secret, sm=False, enable=False)
        # Romeo asks to enable push on Juliet's account: mod_push answers
        # result and enables push for Romeo's own session.
        await b.enable(APPS, "romeo-node", "s", to=JULIET)
        code, output = await asyncio.to_thread(server.rpc, "mod_push_mnesia", "lookup_sessions",
                                               f'[<<"romeo">>, <<"{DOMAIN}">>]')
        assert code == 0 and "romeo-node" in output, output
        code, output = await asyncio.to_thread(server.rpc, "mod_push_mnesia", "lookup_sessions",
                                               f'[<<"juliet">>, <<"{DOMAIN}">>]')
        assert code == 0 and "{ok,[]}" in output.replace(" ", ""), output
        # Malformed: no node is refused (feature-not-implemented), no jid is a bad request.
        for element, condition in (("<enable xmlns='urn:xmpp:push:0' jid='apps.example.net'/>",
                                    "feature-not-implemented"),
                                   ("<enable xmlns='urn:xmpp:push:0' node='n'/>", "bad-request")):
            reply = await a.raw_iq(f"<iq type='set' id='bad'>{element}</iq>")
            assert reply.get("type") == "error" and reply.find(
                f"{{jabber:client}}error/{{urn:ietf:params:xml:ns:xmpp-stanzas}}{condition}") is not None, reply
        await offline(a, b)

    run(scenario())


def test_mod_push_disables_push_when_the_app_server_refuses(ejabberd, apns_mock):
    server, secret = mod_push_server(ejabberd)

    async def scenario():
        app, a, b = await connected(server, secret)
        await hibernate(server, a)
        base = await settle(b, app)     # a publish at hibernation if stanzas were unacknowledged
        app.answer = "item-not-found"
        b.say(JULIET, "hello")
        assert await settle(b, app) == base + 1
        await logged(server, r"rejected notification for .*disabling push")
        b.say(JULIET, "hello again")
        assert await settle(b, app) == base + 1        # no further publish
        await a.resume(server.c2s_port)
        await offline(a, b)

    run(scenario())


def test_mod_push_sends_no_restart_wake_by_default(ejabberd, apns_mock):
    server, secret = mod_push_server(ejabberd)

    async def scenario():
        app, a, b = await connected(server, secret)
        await hibernate(server, a)
        await b.offline()
        app.disconnect()

    run(scenario())
    assert server.stop() == 0
    server.start()

    async def after_restart():
        app = AppServer(APPS, secret)
        await app.online(server.component_port)
        b = Client(f"{ROMEO}/desk", PASSWORD)
        await b.online(server.c2s_port)
        # wake_on_start is false by default; with it, every registered
        # client would be woken, pending or not.
        assert await settle(b, app) == 0
        await b.offline()

    run(after_restart())
