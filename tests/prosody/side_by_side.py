"""The same scenarios against mod_nudge and against mod_cloud_notify (Debian's
prosody-modules), so that bindings/prosody/README.md can say what each does.

Both modules publish to the same remote app server, a slixmpp component that
records every publish and answers it, so what is compared is what the XMPP
server sends, whatever the vendor. Each scenario uses its own pair of
accounts on one server per module, and returns what it observed.

    rows = asyncio.run(observe("nudge", directory, apns_mock))   # {scenario: observation}

`bench/prosody_side_by_side.py` prints the table; tests/prosody/
test_side_by_side.py checks that the README's table is still what happens.
"""

from __future__ import annotations

import asyncio
import secrets
import xml.etree.ElementTree as ET
from pathlib import Path

from tests.prosody.harness import ProsodyServer
from tests.prosody.prosody_env import DOMAIN, PASSWORD, push_options
from tests.support.xmpp import AppServer, Client, IqError, form_values

APPS = "apps.example.net"
ROOM_SERVICE = "conference.example.net"
SETTLE_S = 3          # longer than mod_nudge's coalescing window in these runs (2 s)
RETRY_WAIT_S = 15     # longer than mod_nudge's first retry of a publish (5 s ± 20 %)
PUBSUB = "{http://jabber.org/protocol/pubsub}"
MODULES = ("nudge", "cloud_notify")
SCENARIOS = (
    "pending: first message",
    "pending: 5 more right after the first push",
    "pending: chat states only",
    "connected, not acknowledging for smacks_max_ack_delay: a message",
    "unacknowledged when the connection dies, nothing after it",
    "offline: one message (stored offline and archived)",
    "group chat: a message not mentioning the user",
    "group chat: a message mentioning the user's nick",
    "pending: message-count in the last push",
    "summary: other fields with a value",
    "another user's JID in enable",
    "enable without node",
    "app server answers item-not-found",
    "pending at shutdown: after restart",
)
USERS = {f"{role}{i}": PASSWORD for i in range(len(SCENARIOS)) for role in ("a", "b")}


def start_server(module: str, directory: Path, apns_mock, secret: str) -> ProsodyServer:
    common = dict(users=USERS, external_components={APPS: secret}, global_options={"smacks_max_ack_delay": 1},
                  extra_config=f'Component "{ROOM_SERVICE}" "muc"\n    muc_room_locking = false')
    if module == "nudge":
        server = ProsodyServer(directory / module, options=push_options(apns_mock), **common)
    else:
        server = ProsodyServer(directory / module, component=None, host_modules=[module], **common)
    return server.start()


class Run:
    """One module's server, its app server, and a fresh pair of accounts per scenario."""

    def __init__(self, server: ProsodyServer, app: AppServer):
        self.server, self.app = server, app
        self.index = 0

    async def pair(self, *, stream_management: bool = True) -> tuple[Client, Client, str]:
        a_name, b_name = f"a{self.index}", f"b{self.index}"
        self.index += 1
        a = Client(f"{a_name}@{DOMAIN}/phone", PASSWORD, stream_management=stream_management)
        b = Client(f"{b_name}@{DOMAIN}/desk", PASSWORD)
        await a.online(self.server.c2s_port)
        await b.online(self.server.c2s_port)
        node = secrets.token_hex(8)
        await a.enable(APPS, node, "node-secret")
        return a, b, node

    def publishes(self, node: str) -> list[ET.Element]:
        return [iq for iq in self.app.publishes
                if (iq.find(f"{PUBSUB}pubsub/{PUBSUB}publish") is not None
                    and iq.find(f"{PUBSUB}pubsub/{PUBSUB}publish").get("node") == node)]

    async def settled(self, node: str) -> int:
        """The publishes for node once nothing more is on its way."""
        await asyncio.sleep(SETTLE_S)
        return len(self.publishes(node))

    async def pending(self, a: Client) -> None:
        """Drops A's TCP connection and waits until mod_smacks hibernates the session."""
        hibernating = "Session going into hibernation"
        before = self.server.log_text().count(hibernating)
        a.drop()
        await a.dropped()
        await asyncio.to_thread(self.server.wait_for_log, hibernating, 20, before + 1)


async def _pending_messages(run: Run, out: dict) -> None:
    a, b, node = await run.pair()
    await run.pending(a)
    b.say(a.boundjid.bare, "message 1")
    await run.app.until(lambda: run.publishes(node), "the first publish")
    # At once, so that they fall within mod_nudge's coalescing window.
    for i in range(2, 7):
        b.say(a.boundjid.bare, f"message {i}")
    await b.ping()
    total = await run.settled(node)
    out["pending: first message"] = 1
    out["pending: 5 more right after the first push"] = total - 1
    summaries = [form_values(iq.find(f"{PUBSUB}pubsub/{PUBSUB}publish/{PUBSUB}item/"
                                     "{urn:xmpp:push:0}notification/{jabber:x:data}x"))
                 for iq in run.publishes(node)]
    out["pending: message-count in the last push"] = summaries[-1].get("message-count")
    values = sorted({f"{k}={v}" for s in summaries for k, v in s.items() if k not in ("FORM_TYPE", "message-count") and v})
    out["summary: other fields with a value"] = ", ".join(values) or "(none)"
    await a.resume(run.server.c2s_port)
    await a.offline()
    await b.offline()


async def _chat_states(run: Run, out: dict) -> None:
    a, b, node = await run.pair()
    await run.pending(a)
    for state in ("active", "composing", "paused", "inactive"):
        b.chat_state(a.boundjid.bare, state)
    await b.ping()
    out["pending: chat states only"] = await run.settled(node)
    await a.resume(run.server.c2s_port)
    await a.offline()
    await b.offline()


async def _unacknowledged(run: Run, out: dict) -> None:
    # A phone asleep on a connection the server still thinks alive: nothing
    # is read, so nothing is acknowledged (smacks_max_ack_delay is 1 s here).
    a, b, node = await run.pair()
    a.transport.pause_reading()
    b.say(a.boundjid.bare, "are you awake?")
    await b.ping()
    out["connected, not acknowledging for smacks_max_ack_delay: a message"] = await run.settled(node)
    a.transport.resume_reading()
    await a.until(lambda: "are you awake?" in a.bodies, "the message")
    await a.offline()
    # The connection dies while a message is unacknowledged, and nothing
    # comes after it; the ack delay is not reached before mod_smacks hibernates.
    a, c, node = await run.pair()
    a.transport.pause_reading()
    c.say(a.boundjid.bare, "sent into a dying connection")
    await c.ping()
    await run.pending(a)
    out["unacknowledged when the connection dies, nothing after it"] = await run.settled(node)
    await a.resume(run.server.c2s_port)
    await a.offline()
    await b.offline()
    await c.offline()


async def _offline(run: Run, out: dict) -> None:
    a, b, node = await run.pair(stream_management=False)
    await a.offline()
    await asyncio.to_thread(run.server.wait_for_log, rf"Unbinding resource for {a.boundjid.full}", 20)
    b.say(a.boundjid.bare, "are you there?")
    out["offline: one message (stored offline and archived)"] = await run.settled(node)
    await b.offline()


async def _group_chat(run: Run, out: dict) -> None:
    a, b, node = await run.pair()
    room = f"room{secrets.token_hex(3)}@{ROOM_SERVICE}"
    a.join(room, "Jules")
    await a.ping()
    b.join(room, "Ro")
    await b.ping()
    await run.pending(a)
    b.say_in_room(room, "good morning, everyone")
    out["group chat: a message not mentioning the user"] = await run.settled(node)
    b.say_in_room(room, "Jules, are you coming down?")
    out["group chat: a message mentioning the user's nick"] = (
        await run.settled(node) - out["group chat: a message not mentioning the user"])
    await a.resume(run.server.c2s_port)
    await a.offline()
    await b.offline()


async def _refusals(run: Run, out: dict) -> None:
    a, b, node = await run.pair(stream_management=False)
    try:
        await b.enable(APPS, "someone-elses", "x", to=a.boundjid.bare)
        out["another user's JID in enable"] = "accepted"
    except IqError as refused:
        out["another user's JID in enable"] = f"refused: {refused.iq['error']['condition']}"
    try:
        iq = a.make_iq_set()
        ET.SubElement(iq.xml, "{urn:xmpp:push:0}enable", jid=APPS)
        await iq.send(timeout=20)
        out["enable without node"] = "accepted"
    except IqError as refused:
        out["enable without node"] = f"refused: {refused.iq['error']['condition']}"
    await a.offline()
    await b.offline()


async def _app_server_refuses(run: Run, out: dict) -> None:
    a, b, node = await run.pair()
    await run.pending(a)
    run.app.answer = "item-not-found"
    b.say(a.boundjid.bare, "first")
    await run.app.until(lambda: run.publishes(node), "the publish")
    await asyncio.sleep(SETTLE_S)
    run.app.answer = None
    await a.resume(run.server.c2s_port)
    await asyncio.sleep(0.5)
    await run.pending(a)
    b.say(a.boundjid.bare, "second")
    after = await run.settled(node)
    out["app server answers item-not-found"] = "push disabled" if after == 1 else "push kept"
    await a.resume(run.server.c2s_port)
    await a.offline()
    await b.offline()


async def _restart(run: Run, out: dict, secret: str) -> None:
    a, _b, node = await run.pair()
    await run.pending(a)
    await asyncio.to_thread(run.server.stop)
    run.app.disconnect()
    await asyncio.to_thread(run.server.start)
    run.app = app = AppServer(APPS, secret)
    await app.online(run.server.component_port)
    # Restart wakes may be published before the app server's component is
    # back, and come again after the server's retry (5 s).
    try:
        await app.until(lambda: run.publishes(node), "a wake", timeout=RETRY_WAIT_S)
    except AssertionError:
        pass
    wakes = await run.settled(node)   # the new app server saw only what came after the restart
    out["pending at shutdown: after restart"] = f"{wakes} wake push" + ("" if wakes == 1 else "es")


async def observe(module: str, directory: Path, apns_mock) -> dict[str, object]:
    """Runs every scenario against one module; {scenario: observation}."""
    secret = secrets.token_hex(8)
    server = await asyncio.to_thread(start_server, module, directory, apns_mock, secret)
    try:
        app = AppServer(APPS, secret)
        await app.online(server.component_port)
        run = Run(server, app)
        out: dict[str, object] = {}
        for scenario in (_pending_messages, _chat_states, _unacknowledged, _offline, _group_chat, _refusals,
                         _app_server_refuses):
            await scenario(run, out)
        await _restart(run, out, secret)
        run.app.disconnect()
        return out
    finally:
        await asyncio.to_thread(server.stop)
