"""The longer scenarios of test_push.py, or parts of them, on a host's
ServerKind (tests/support/push_steps.py): what a test checks beyond these
stays in the test.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

from tests.support.push_steps import DEADLINE_S, DOMAIN, JULIET, PUSH_HOST, hibernate, logged, offline, online, pushes_until, run
from tests.support.vendor_backends import apns_backend
from tests.support.waiting import wait_until
from tests.support.xmpp import AppServer, IqError, form_values

COALESCE_WINDOW_S = 2     # the tests' servers' coalescing window
PUBSUB = "{http://jabber.org/protocol/pubsub}"
DATA = "{jabber:x:data}"


async def burst_pushes_once_then_coalesces(kind, server, a, b, device) -> list:
    """A pending, B writes one message and then five: the first pushes at
    once, the rest end in one follow-up push; A resumes and gets all six.
    Returns the pushes."""
    sent_at = time.time()
    b.say(JULIET, "message 1")
    first = await pushes_until(device, lambda p: len(p) >= 1, "the first push")
    assert len(first) == 1
    assert first[0].ok
    assert first[0].count == 1

    for i in range(2, 7):
        b.say(JULIET, f"message {i}")
    await b.ping()   # the server has routed all five once B's ping is answered
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
    stats = await kind.stats_until(server, lambda s: s["held"].get("accepted", 0) >= 6, "the six held messages")
    assert stats["held"] == {"accepted": 6}, stats
    assert sum(stats["pushes"].values()) == len(pushes), stats

    await a.resume(server.c2s_port)
    await a.until(lambda: len(a.bodies) >= 6, "every message after resumption")
    assert sorted(a.bodies) == [f"message {i}" for i in range(1, 7)]
    assert len(device.pushes()) == len(pushes)
    return pushes


async def an_offline_message_pushes_once(kind, server, b, device) -> None:
    """A offline, B online: B's message is stored (mod_offline) and archived
    (mod_mam), reported twice and taken once; a message without an id too,
    recognised by the archive's stanza-id."""
    b.say(JULIET, "are you there?")
    pushes = await pushes_until(device, lambda p: len(p) >= 1, "the push")
    stats = await kind.stats_until(server, lambda s: s["held"].get("accepted", 0) + s["held"].get("duplicate", 0) >= 2,
                                   "both reports of the message")
    assert stats["held"] == {"accepted": 1, "duplicate": 1}, stats
    assert len(device.pushes()) == 1
    assert pushes[0].count == 1

    b.send_raw(f"<message to='{JULIET}' type='chat'><body>no id</body></message>")
    stats = await kind.stats_until(server, lambda s: s["held"].get("accepted", 0) + s["held"].get("duplicate", 0) >= 4,
                                   "both reports of the message without id")
    assert stats["held"] == {"accepted": 2, "duplicate": 2}, stats


async def a_mention_pushes_and_other_room_messages_do_not(kind, server, device, room: str) -> None:
    """In a room (MUC) A and B are in, with A pending: B's message to all
    pushes nothing, B's mention of A's nick pushes once."""
    a, b = await kind.enabled(server, device)
    a.join(room, "Jules")
    await a.ping()
    b.join(room, "Ro")
    await b.ping()
    await hibernate(server, a)

    b.say_in_room(room, "good morning, everyone")
    await b.ping()
    await kind.stats_until(server, lambda s: s["held"].get("not_important", 0) >= 1, "the room message to be judged")
    assert device.pushes() == []

    b.say_in_room(room, "Jules, are you coming down?")
    pushes = await pushes_until(device, lambda p: len(p) >= 1, "the push for the mention")
    assert len(pushes) == 1 and pushes[0].count == 1
    await a.resume(server.c2s_port)
    # With a body: the room's subject comes as a groupchat message too.
    await a.until(lambda: len([m for m in a.messages if m["type"] == "groupchat" and m["body"]]) >= 2,
                  "both room messages")
    await offline(a, b)


def a_session_pending_at_shutdown_gets_a_restart_wake(kind, server, device) -> None:
    """A pending when the server stops; started again on the same data, the engine wakes it."""
    async def pending():
        a = kind.phone()
        await online(server, a)
        await kind.register_and_enable(a, device)
        await hibernate(server, a)

    run(pending())
    assert server.stop() == 0
    assert device.pushes() == []
    server.start()
    pushes = wait_until(device.pushes, DEADLINE_S, what="the restart wake")
    assert pushes[0].summary.get("wake-reason") == "restart", pushes[0].summary


async def a_message_unacknowledged_when_the_connection_dies_pushes_at_hibernation(kind, server, device) -> None:
    """A's connection stops reading, B writes, the connection dies with the
    message unacknowledged and nothing after it: at hibernation the binding
    reports the stream management queue to the engine, which pushes once."""
    a, b = await kind.enabled(server, device)
    a.transport.pause_reading()
    b.say(JULIET, "sent into a dying connection")
    await b.ping()
    assert device.pushes() == []
    await hibernate(server, a)
    pushes = await pushes_until(device, lambda p: len(p) >= 1, "the push for the queued message")
    assert len(pushes) == 1 and pushes[0].count == 1
    await a.resume(server.c2s_port)
    await a.until(lambda: "sent into a dying connection" in a.bodies, "the message after resumption")
    await offline(a, b)


def registration_commands_work_at_the_app_server_and_at_the_domain(kind, server, device) -> None:
    """Conversations and Tigase's clients send the commands to the app
    server's JID, mod_push's clients to their own domain: both work, and
    each lists the commands at itself (the engine decides: nudge_info)."""
    async def scenario():
        a = kind.phone()
        await online(server, a)
        for host in (PUSH_HOST, DOMAIN):
            fields = await a.command(host, device.command, device.fields())
            assert fields.get("jid") == PUSH_HOST and fields.get("node") and fields.get("secret"), (host, fields)
        await offline(a)

    run(scenario())


def check_push_options(info) -> None:
    """The account's disco#info: XEP-0357 and mod_nudge's push options form."""
    features = {f.get("var") for f in info.iter("{http://jabber.org/protocol/disco#info}feature")}
    assert "urn:xmpp:push:0" in features
    options = [x for x in info.iter(f"{DATA}x") if form_values(x).get("FORM_TYPE") == "urn:xmpp:push:options"]
    assert len(options) == 1
    assert form_values(options[0])["include-senders"] == "0"
    assert form_values(options[0])["include-message-count"] == "1"


async def a_remote_app_server_gets_the_publish_and_its_refusal_disables_push(kind, server, apps: str,
                                                                              secret: str, apns_mock) -> None:
    """A remote app server (an XEP-0114 component) gets the publish for A's
    message, as XEP-0357 says; when it answers item-not-found, push is
    disabled for A and nothing reaches APNs."""
    app = AppServer(apps, secret)
    await app.online(server.component_port)
    a, b = kind.phone(), kind.desk()
    await online(server, a, b)
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
    await kind.stats_until(server, lambda s: s["publishes_in_flight"] == 0, "the answer to the publish")

    # The app server no longer knows the node: push is disabled.
    app.answer = "item-not-found"
    b.say(JULIET, "hello again")
    await app.until(lambda: len(app.publishes) >= 2, "the follow-up publish")
    await logged(server, rf"Push disabled for {JULIET}")
    assert await asyncio.to_thread(kind.enablements, server, JULIET) == []
    assert apns_mock.control.requests() == []
    await a.resume(server.c2s_port)
    await a.until(lambda: len(a.bodies) >= 2, "both messages")
    await offline(a, b)
    app.disconnect()


async def refused_at_enable(client, error_type: str, condition: str, service: str, node: str, secret: str | None,
                            **options: str) -> str:
    """An enable that the server answers with this XMPP error at once; returns its text."""
    try:
        await client.enable(service, node, secret, options=options)
    except IqError as refused:
        error = refused.iq["error"]
        assert (error["type"], error["condition"]) == (error_type, condition), error
        assert error["text"], f"{condition}: the error says why"
        return error["text"]
    raise AssertionError(f"enable of node {node} at {service} was answered with a result, not {condition}")


async def an_enable_that_cannot_work_is_refused_and_push_stays_as_it_was(kind, server, device) -> None:
    """A registered and enabled at this server's own app server. Re-enables
    that cannot work (a wrong or missing secret, a node nobody registered)
    get the XMPP error at enable, instead of a result and push disabled at
    the first message; the enablements (nudge:list, nudge_list) are as
    before, and A's next message still pushes with the one that works."""
    a, b = kind.phone(), kind.desk()
    await online(server, a, b)
    fields = await kind.register_and_enable(a, device)
    node, secret = fields["node"], fields["secret"]
    before = await asyncio.to_thread(kind.enablements, server, JULIET)
    assert [e["node"] for e in before] == [node], before

    guess = "guess-" + secret[::-1]
    text = await refused_at_enable(a, "auth", "not-authorized", PUSH_HOST, node, guess)
    assert "wrong or missing secret" in text and guess not in text and secret not in text, text
    await refused_at_enable(a, "auth", "not-authorized", PUSH_HOST, node, None)
    text = await refused_at_enable(a, "cancel", "item-not-found", PUSH_HOST, "no-such-node", secret)
    assert "no such node" in text, text
    await logged(server, r"refused iq from .*would refuse every push to this node", count=3)
    assert await asyncio.to_thread(kind.enablements, server, JULIET) == before

    await hibernate(server, a)
    b.say(JULIET, "still pushed")
    pushes = await pushes_until(device, lambda p: len(p) >= 1, "the push with the enablement before")
    assert pushes[0].ok and pushes[0].count == 1
    assert await asyncio.to_thread(kind.enablements, server, JULIET) == before
    await a.resume(server.c2s_port)
    await a.until(lambda: "still pushed" in a.bodies, "the message after resumption")
    await offline(a, b)


async def a_push_module_nobody_serves_is_refused_at_enable(kind, server, device) -> None:
    """Monal/fpush's dialect (appserver.token_nodes), A's phone enabling
    with its device token as the node: a pushModule no backend serves is
    refused at enable, naming it, and nothing is stored; the app's own
    pushModule is enabled and A's message reaches the token."""
    a, b = kind.phone(), kind.desk()
    await online(server, a, b)
    text = await refused_at_enable(a, "modify", "not-acceptable", PUSH_HOST, device.token, None, pushModule="otherapp")
    assert "'otherapp'" in text and "chatninja" in text, text
    assert await asyncio.to_thread(kind.enablements, server, JULIET) == []

    await a.enable(PUSH_HOST, device.token, None, options={"pushModule": "chatninja"})
    assert [e["node"] for e in await asyncio.to_thread(kind.enablements, server, JULIET)] == [device.token]
    await hibernate(server, a)
    b.say(JULIET, "to the token")
    pushes = await pushes_until(device, lambda p: len(p) >= 1, "the push to the device token")
    assert pushes[0].ok and pushes[0].count == 1
    await a.resume(server.c2s_port)
    await offline(a, b)


def json_config_file(directory: Path, apns_mock, **appserver) -> Path:
    """The whole engine configuration as a JSON file, with its store in
    directory/json-store; server.domains is left out: it is the hosts that
    load mod_nudge. appserver: more keys of its appserver section."""
    config = directory / "nudge.json"
    config.write_text(json.dumps({
        "store": {"path": str(directory / "json-store"), "sync": False},
        "server": {"coalesce_window_s": 2},
        "appserver": {"pubsub_host": PUSH_HOST, "backends": [apns_backend(apns_mock)], **appserver},
    }))
    return config


def verify_and_back_up(verify, backup, target: Path) -> None:
    """The store's admin commands through a server's own tool: verify() and
    backup(path) run them and return (exit code, output). The backup is a
    store (data.mdb and its marker) and is never overwritten."""
    code, output = verify()
    assert code == 0 and '"ok":true' in output and '"enable":1' in output, output
    code, output = backup(str(target))
    assert code == 0 and '"ok":true' in output, output
    assert (target / "data.mdb").stat().st_size > 0 and (target / "nudge-store").exists()
    code, output = backup(str(target))
    assert code != 0 and "is not empty" in output, output
