"""What the end-to-end tests do as a client, a remote server and an
operator would: configure an engine, register devices by ad-hoc command,
enable, publish."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET

from tests.host import nudge
from tests.support.vendor_backends import apns_backend, fcm_backend  # noqa: F401  (re-exported for the tests)
from tests.support.waiting import wait_until

DATA = "{jabber:x:data}"
COMMANDS = "{http://jabber.org/protocol/commands}"


def config(store, backends, **server) -> dict:
    return {"store": {"path": str(store)},
            "server": {"domains": ["example.net"], "coalesce_window_s": 1, **server},
            "appserver": {"pubsub_host": "push.example.net", "backends": backends},
            "log": {"level": "debug"}}


def parse(xml: str) -> ET.Element:
    return ET.fromstring(xml)


def stanzas(events) -> list[ET.Element]:
    return [parse(e.data) for e in events if e.kind == nudge.EVENT_STANZA]


def reply_to(engine, xml: str, iq_id: str, timeout: float = 10) -> ET.Element:
    """Sends an iq to the engine and returns the reply with that id."""
    assert engine.handle_stanza(xml) == nudge.OK
    found = []

    def done(events):
        found[:] = [s for s in stanzas(events) if s.get("id") == iq_id and s.get("type") in ("result", "error")]
        return bool(found)

    engine.events(timeout=timeout, until=done)
    assert found, f"no reply to {iq_id}"
    return found[0]


def form_xml(fields: list[tuple[str, str]]) -> str:
    values: dict[str, list[str]] = {}
    for name, value in fields:
        values.setdefault(name, []).append(value)
    inner = "".join(f"<field var='{n}'>" + "".join(f"<value>{v}</value>" for v in vs) + "</field>" for n, vs in values.items())
    return f"<x xmlns='jabber:x:data' type='submit'>{inner}</x>"


def command_xml(command: str, fields, jid="juliet@example.net/phone", iq_id="c", to="example.net") -> str:
    """An ad-hoc command executed in one step with a submitted form."""
    return (f"<iq type='set' id='{iq_id}' from='{jid}' to='{to}'>"
            f"<command xmlns='http://jabber.org/protocol/commands' node='{command}' action='execute'>"
            f"{form_xml(list(fields))}</command></iq>")


def register(engine, command="register-push-apns", fields=(("token", "0123456789abcdef0123456789abcdef"),),
             jid="juliet@example.net/phone") -> dict:
    reply = reply_to(engine, command_xml(command, fields, jid=jid, iq_id="reg"), "reg")
    assert reply.get("type") == "result", ET.tostring(reply)
    form = reply.find(f"{COMMANDS}command/{DATA}x")
    return {f.get("var"): f.findtext(f"{DATA}value") for f in form.findall(f"{DATA}field")}


def publish_xml(node: str, secret: str | None, iq_id="pub", count=1, sender="romeo@example.org") -> str:
    options = "" if secret is None else (
        "<publish-options>" + form_xml([("FORM_TYPE", "http://jabber.org/protocol/pubsub#publish-options"),
                                        ("secret", secret)]) + "</publish-options>")
    summary = form_xml([("FORM_TYPE", "urn:xmpp:push:summary"), ("message-count", str(count)),
                        ("last-message-sender", sender)])
    return (f"<iq type='set' id='{iq_id}' from='user@remote.example' to='push.example.net'>"
            f"<pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='{node}'><item>"
            f"<notification xmlns='urn:xmpp:push:0'>{summary}</notification></item></publish>{options}</pubsub></iq>")


def enable_xml(node: str, secret: str, jid="juliet@example.net/phone", service="push.example.net") -> str:
    options = form_xml([("FORM_TYPE", "http://jabber.org/protocol/pubsub#publish-options"), ("secret", secret)])
    return (f"<iq type='set' id='en' from='{jid}'><enable xmlns='urn:xmpp:push:0' jid='{service}' node='{node}'>"
            f"{options}</enable></iq>")


def wait_for(predicate, timeout: float = 15, interval: float = 0.05, engine=None):
    """Polls until predicate() is truthy (draining the engine's events
    meanwhile, as a host would), returning its value."""
    pause = time.sleep if engine is None else (lambda seconds: engine.events(timeout=seconds))
    return wait_until(predicate, timeout, interval, "the condition", pause=pause)


def drain_until_idle(engine, timeout: float = 15) -> list:
    """Drains the engine's events until it has nothing left to do, and
    returns them: no change waiting for the writer, no delivery in the
    outbox, no publish awaiting an answer, no event queued, on two polls in
    a row. A vendor mock has then seen every request it will get for what
    was published so far, so "exactly one" can be asserted without a sleep."""
    collected: list = []
    deadline = time.monotonic() + timeout
    quiet = 0
    while True:
        collected += engine.events(timeout=0.05)
        stats = engine.stats()
        busy = {k: stats[k] for k in ("writer_queue", "outbox", "publishes_in_flight", "events_waiting") if stats[k]}
        quiet = 0 if busy else quiet + 1
        if quiet >= 2:
            return collected
        if time.monotonic() > deadline:
            raise AssertionError(f"the engine was still busy after {timeout} s: {busy}")


def journal(mock, kind: str | None, answered: bool = True) -> list[dict]:
    """The requests of this kind (None: any) a mock got. The mock journals a request
    before it answers it: by default one counts once answered, so that its
    answer can be read; answered=False also counts the ones in flight."""
    return [r for r in mock.control.requests()
            if (kind is None or r.get("kind") == kind) and (not answered or r.get("answer"))]


def device_requests(mock, answered: bool = True) -> list[dict]:
    """The pushes the APNs mock got (journal())."""
    return [r for r in journal(mock, None, answered) if r.get("path", "").startswith("/3/device/")]
