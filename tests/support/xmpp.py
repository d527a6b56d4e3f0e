"""XMPP clients for the end-to-end tests (Prosody, ejabberd, the component,
the packages), on slixmpp.

A Client connects to the test server on loopback without TLS (the test
server offers none), optionally with XEP-0198 stream management and
resumption, and records every message it receives, archive results
(XEP-0313) included.

    a = Client("juliet@example.net/phone", "pw", stream_management=True)
    await a.online(port)                          # session started, presence sent
    fields = await a.command("example.net", "register-push-apns", {"token": hex})
    await a.enable(fields["jid"], fields["node"], fields["secret"])
    a.drop()                                      # TCP gone, no </stream>: the session hibernates
    await a.resume(port)                          # XEP-0198 resumption
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import xml.etree.ElementTree as ET

import slixmpp
from slixmpp.exceptions import IqError, IqTimeout  # noqa: F401  (re-exported for the tests)

from tests.support.waiting import wait_until_async

COMMANDS = "http://jabber.org/protocol/commands"
DATA = "jabber:x:data"
PUSH = "urn:xmpp:push:0"
PUSH2 = "urn:xmpp:push2:0"
CHATSTATES = "http://jabber.org/protocol/chatstates"
MUC = "http://jabber.org/protocol/muc"
MAM = "urn:xmpp:mam:2"
FORWARD = "urn:xmpp:forward:0"
STEP_TIMEOUT_S = 20

log = logging.getLogger(__name__)
_query_ids = itertools.count(1)


def form(fields: dict[str, str], form_type: str | None = None, type_: str = "submit") -> ET.Element:
    x = ET.Element(f"{{{DATA}}}x", type=type_)
    items = ([("FORM_TYPE", form_type)] if form_type else []) + list(fields.items())
    for name, value in items:
        field = ET.SubElement(x, f"{{{DATA}}}field", var=name)
        if name == "FORM_TYPE":
            field.set("type", "hidden")
        ET.SubElement(field, f"{{{DATA}}}value").text = value
    return x


def form_values(x: ET.Element | None) -> dict[str, str]:
    if x is None:
        return {}
    return {f.get("var"): f.findtext(f"{{{DATA}}}value") for f in x.findall(f"{{{DATA}}}field")}


class Client(slixmpp.ClientXMPP):
    def __init__(self, jid: str, password: str, *, stream_management: bool = False):
        super().__init__(jid, password)
        # Loopback, no TLS: the test server has no certificate.
        self.enable_direct_tls = False
        self.enable_starttls = False
        self.enable_plaintext = True
        self.plugin["feature_mechanisms"].unencrypted_plain = True
        self.register_plugin("xep_0030")
        if stream_management:
            self.register_plugin("xep_0198")
        self.messages: list[slixmpp.Message] = []
        self.add_event_handler("message", self.messages.append)
        # slixmpp does not raise "message" for archive results (they carry
        # no type and come from the account itself), so they are caught here.
        self.mam_results: list[ET.Element] = []
        self.register_handler(slixmpp.xmlstream.handler.Callback(
            "mam result", slixmpp.xmlstream.matcher.MatchXPath(f"{{jabber:client}}message/{{{MAM}}}result"),
            lambda message: self.mam_results.append(message.xml)))
        self._started: asyncio.Future | None = None
        self._resumed: asyncio.Future | None = None
        self._gone: asyncio.Future | None = None
        self.add_event_handler("session_start", lambda _: self._settle("_started", True))
        self.add_event_handler("session_resumed", lambda _: self._settle("_resumed", True))
        self.add_event_handler("sm_failed", lambda _: self._settle("_resumed", False))
        self.add_event_handler("failed_auth", lambda _: self._settle("_started", False))
        self.add_event_handler("disconnected", lambda _: self._settle("_gone", True))

    def _settle(self, name: str, value) -> None:
        future = getattr(self, name)
        if future is not None and not future.done():
            future.set_result(value)

    @property
    def bodies(self) -> list[str]:
        return [m["body"] for m in self.messages if m["body"]]

    # ---- connection ---------------------------------------------------------

    async def online(self, port: int, *, presence: bool = True) -> None:
        """Connects, authenticates, binds, and (with stream management) enables resumption."""
        self._started = asyncio.get_running_loop().create_future()
        self.connect("127.0.0.1", port)
        ok = await asyncio.wait_for(self._started, STEP_TIMEOUT_S)
        assert ok, f"{self.boundjid}: authentication failed"
        if "xep_0198" in self.plugin:
            await self.until(lambda: self.plugin["xep_0198"].sm_id, "stream management with resumption")
        if presence:
            self.send_presence()
        # A round trip, so that the presence has been processed when this returns.
        await self.ping()

    async def ping(self) -> None:
        iq = self.make_iq_get(ito=self.boundjid.domain)
        ET.SubElement(iq.xml, "{urn:xmpp:ping}ping")
        await iq.send(timeout=STEP_TIMEOUT_S)

    def drop(self) -> None:
        """Loses the TCP connection without </stream>, as a phone going to sleep does."""
        self._gone = asyncio.get_running_loop().create_future()
        self.transport.abort()

    async def dropped(self) -> None:
        await asyncio.wait_for(self._gone, STEP_TIMEOUT_S)

    async def resume(self, port: int) -> None:
        """Reconnects and resumes the hibernating session (XEP-0198)."""
        if self._gone is not None:
            await self.dropped()
        self._resumed = asyncio.get_running_loop().create_future()
        self.connect("127.0.0.1", port)
        ok = await asyncio.wait_for(self._resumed, STEP_TIMEOUT_S)
        assert ok, f"{self.boundjid}: resumption failed"

    async def offline(self) -> None:
        """Closes the stream properly (</stream>)."""
        self._gone = asyncio.get_running_loop().create_future()
        self.disconnect()
        await asyncio.wait_for(self._gone, STEP_TIMEOUT_S)

    async def until(self, predicate, what: str, timeout: float = STEP_TIMEOUT_S):
        return await wait_until_async(predicate, timeout, 0.05, f"{what} (at {self.boundjid})")

    # ---- push ---------------------------------------------------------------

    async def command_reply(self, to: str, node: str, fields: dict[str, str]) -> ET.Element:
        """Executes an ad-hoc command with a submitted form; returns the reply's <command/>."""
        iq = self.make_iq_set(ito=to)
        command = ET.SubElement(iq.xml, f"{{{COMMANDS}}}command", node=node, action="execute")
        command.append(form(fields))
        reply = await iq.send(timeout=STEP_TIMEOUT_S)
        return reply.xml.find(f"{{{COMMANDS}}}command")

    async def command(self, to: str, node: str, fields: dict[str, str]) -> dict[str, str]:
        """Executes an ad-hoc command with a submitted form; returns the fields of the reply's form."""
        return form_values((await self.command_reply(to, node, fields)).find(f"{{{DATA}}}x"))

    async def enable(self, service: str, node: str, secret: str | None, *, to: str | None = None,
                     options: dict[str, str] | None = None):
        """XEP-0357 enable with the app server's secret (None: without) and any
        other options as publish options; returns the reply."""
        iq = self.make_iq_set(ito=to)
        enable = ET.SubElement(iq.xml, f"{{{PUSH}}}enable", jid=service, node=node)
        publish_options = ({"secret": secret} if secret is not None else {}) | (options or {})
        if publish_options:
            enable.append(form(publish_options, form_type="http://jabber.org/protocol/pubsub#publish-options"))
        return await iq.send(timeout=STEP_TIMEOUT_S)

    async def iq_set(self, payload: ET.Element, *, to: str | None = None):
        """Sends any payload in an iq of type set (to the account by default); returns the reply."""
        iq = self.make_iq_set(ito=to)
        iq.xml.append(payload)
        return await iq.send(timeout=STEP_TIMEOUT_S)

    async def disable(self, service: str, node: str | None = None):
        iq = self.make_iq_set()
        disable = ET.SubElement(iq.xml, f"{{{PUSH}}}disable", jid=service)
        if node:
            disable.set("node", node)
        return await iq.send(timeout=STEP_TIMEOUT_S)

    async def raw_iq(self, text: str) -> ET.Element:
        """Sends an iq given as XML in jabber:client (no `to`: the account); returns the reply, error or not."""
        element = ET.fromstring(text.replace("<iq ", "<iq xmlns='jabber:client' ", 1))
        iq = self.Iq(xml=element)
        try:
            reply = await iq.send(timeout=STEP_TIMEOUT_S)
        except IqError as error:
            return error.iq.xml
        return reply.xml

    async def disco_info(self, to: str | None = None) -> ET.Element:
        iq = self.make_iq_get(ito=to)
        ET.SubElement(iq.xml, "{http://jabber.org/protocol/disco#info}query")
        reply = await iq.send(timeout=STEP_TIMEOUT_S)
        return reply.xml

    async def disco_items(self, to: str, node: str | None = None) -> set[str]:
        """The nodes of a disco#items reply."""
        iq = self.make_iq_get(ito=to)
        query = ET.SubElement(iq.xml, "{http://jabber.org/protocol/disco#items}query")
        if node:
            query.set("node", node)
        reply = await iq.send(timeout=STEP_TIMEOUT_S)
        return {item.get("node") for item in reply.xml.iter("{http://jabber.org/protocol/disco#items}item")}

    async def mam_bodies(self) -> list[str]:
        """The bodies of every message in the user's own archive, oldest first."""
        query_id = f"q{next(_query_ids)}"
        await self.raw_iq(f"<iq type='set' id='mam-{query_id}'><query xmlns='{MAM}' queryid='{query_id}'/></iq>")
        bodies = []
        for message in self.mam_results:
            result = message.find(f"{{{MAM}}}result")
            if result is not None and result.get("queryid") == query_id:
                body = result.find(f"{{{FORWARD}}}forwarded/{{jabber:client}}message/{{jabber:client}}body")
                if body is not None:
                    bodies.append(body.text)
        return bodies

    # ---- messages -----------------------------------------------------------

    def say(self, to: str, body: str) -> None:
        self.send_message(mto=to, mbody=body, mtype="chat")

    def join(self, room: str, nick: str) -> None:
        presence = self.make_presence(pto=f"{room}/{nick}")
        presence.xml.append(ET.Element(f"{{{MUC}}}x"))
        presence.send()

    def say_in_room(self, room: str, body: str) -> None:
        self.send_message(mto=room, mbody=body, mtype="groupchat")

    def chat_state(self, to: str, state: str) -> None:
        message = self.make_message(mto=to, mtype="chat")
        message.xml.append(ET.Element(f"{{{CHATSTATES}}}{state}"))
        message.send()


class AppServer(slixmpp.ComponentXMPP):
    """A remote XEP-0357 app server as an external component (XEP-0114):
    records every publish it gets and answers it with a result, or with the
    error condition in .answer."""

    def __init__(self, jid: str, secret: str):
        super().__init__(jid, secret)
        self.enable_direct_tls = False
        self.enable_starttls = False
        self.enable_plaintext = True
        self.publishes: list[ET.Element] = []
        self.answer: str | None = None
        self._started: asyncio.Future | None = None
        self.add_event_handler("session_start", lambda _: self._started and not self._started.done()
                               and self._started.set_result(True))
        self.register_handler(slixmpp.xmlstream.handler.Callback(
            "publish", slixmpp.xmlstream.matcher.MatchXPath(
                "{jabber:component:accept}iq/{http://jabber.org/protocol/pubsub}pubsub"),
            self._on_publish))

    async def online(self, port: int) -> None:
        self._started = asyncio.get_running_loop().create_future()
        self.connect("127.0.0.1", port)
        await asyncio.wait_for(self._started, STEP_TIMEOUT_S)

    def _on_publish(self, iq) -> None:
        self.publishes.append(iq.xml)
        reply = iq.reply(clear=True)
        if self.answer:
            reply["type"] = "error"
            reply["error"]["type"] = "cancel"
            reply["error"]["condition"] = self.answer
        reply.send()

    async def until(self, predicate, what: str, timeout: float = STEP_TIMEOUT_S):
        return await Client.until(self, predicate, what, timeout)  # type: ignore[arg-type]


class PushService(slixmpp.ComponentXMPP):
    """A Push 2.0 push service (push2.markdown) as an external component
    (XEP-0114): records every `<notification xmlns='urn:xmpp:push2:0'>`
    message it gets. A notification is never answered when it arrives;
    with .answer = (type, condition) each one gets that error back, as a
    push service that cannot deliver says so."""

    def __init__(self, jid: str, secret: str):
        super().__init__(jid, secret)
        self.enable_direct_tls = False
        self.enable_starttls = False
        self.enable_plaintext = True
        self.notifications: list[ET.Element] = []
        self.answer: tuple[str, str] | None = None
        self._started: asyncio.Future | None = None
        self.add_event_handler("session_start", lambda _: self._started and not self._started.done()
                               and self._started.set_result(True))
        self.register_handler(slixmpp.xmlstream.handler.Callback(
            "push2 notification", slixmpp.xmlstream.matcher.MatchXPath(
                f"{{jabber:component:accept}}message/{{{PUSH2}}}notification"),
            self._on_notification))

    async def online(self, port: int) -> None:
        self._started = asyncio.get_running_loop().create_future()
        self.connect("127.0.0.1", port)
        await asyncio.wait_for(self._started, STEP_TIMEOUT_S)

    def _on_notification(self, message) -> None:
        self.notifications.append(message.xml)
        if self.answer:
            kind, condition = self.answer
            self.send_raw(f"<message xmlns='jabber:component:accept' type='error' from='{message.xml.get('to')}' "
                          f"to='{message.xml.get('from')}' id='{message.xml.get('id')}'><error type='{kind}'>"
                          f"<{condition} xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>")

    async def until(self, predicate, what: str, timeout: float = STEP_TIMEOUT_S):
        return await Client.until(self, predicate, what, timeout)  # type: ignore[arg-type]
