"""tests/prosody/xmpp.py's Client, with the two requests the ejabberd tests
add: an iq from raw XML (to send what a well-behaved client library would
refuse to build) and a query of the user's own archive (XEP-0313)."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET

import slixmpp

import xmpp
from xmpp import STEP_TIMEOUT_S, AppServer, IqError, form_values  # noqa: F401  (re-exported)

MAM = "urn:xmpp:mam:2"
FORWARD = "urn:xmpp:forward:0"
_ids = itertools.count(1)


class Client(xmpp.Client):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # slixmpp does not raise "message" for archive results (they carry
        # no type and come from the account itself), so they are caught here.
        self.mam_results: list[ET.Element] = []
        self.register_handler(slixmpp.xmlstream.handler.Callback(
            "mam result", slixmpp.xmlstream.matcher.MatchXPath(f"{{jabber:client}}message/{{{MAM}}}result"),
            lambda message: self.mam_results.append(message.xml)))

    async def raw_iq(self, text: str) -> ET.Element:
        """Sends an iq given as XML in jabber:client (no `to`: the account); returns the reply, error or not."""
        element = ET.fromstring(text.replace("<iq ", "<iq xmlns='jabber:client' ", 1))
        iq = self.Iq(xml=element)
        try:
            reply = await iq.send(timeout=STEP_TIMEOUT_S)
        except IqError as error:
            return error.iq.xml
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
        query_id = f"q{next(_ids)}"
        await self.raw_iq(f"<iq type='set' id='mam-{query_id}'><query xmlns='{MAM}' queryid='{query_id}'/></iq>")
        bodies = []
        for message in self.mam_results:
            result = message.find(f"{{{MAM}}}result")
            if result is not None and result.get("queryid") == query_id:
                body = result.find(f"{{{FORWARD}}}forwarded/{{jabber:client}}message/{{jabber:client}}body")
                if body is not None:
                    bodies.append(body.text)
        return bodies
