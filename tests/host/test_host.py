"""The ctypes host drives the built libnudge.so through its C ABI."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from tests.host import nudge

pytestmark = pytest.mark.skipif(not nudge.DEFAULT_LIB.exists(),
                                reason=f"{nudge.DEFAULT_LIB} is not built (run `make lib`)")

USER = "juliet@example.net"
PHONE = f"{USER}/phone"
APP_SERVER = "push.chatninja.example"
NODE = "yxs32uqsflafdk3iuqo"
ENABLE = (f"<iq type='set' id='enable-1' from='{PHONE}'>"
          f"<enable xmlns='urn:xmpp:push:0' jid='{APP_SERVER}' node='{NODE}'>"
          "<x xmlns='jabber:x:data' type='submit'>"
          "<field var='FORM_TYPE'><value>http://jabber.org/protocol/pubsub#publish-options</value></field>"
          "<field var='secret'><value>eruio234vzxc2kla-91</value></field></x></enable></iq>")
MESSAGE = (f"<message from='romeo@example.org/orchard' to='{USER}' type='chat' id='m1'>"
           "<body>Wherefore art thou?</body></message>")


def config(tmp_path, **server) -> dict:
    return {"store": {"path": str(tmp_path / "store"), "sync": False},
            "server": {"domains": ["example.net"], **server}}


def stanzas(events):
    return [event for event in events if event.kind == nudge.EVENT_STANZA]


@pytest.fixture
def engine(tmp_path):
    with nudge.Engine(config(tmp_path)) as engine:
        yield engine


def enable(engine) -> nudge.Event:
    assert engine.handle_stanza(ENABLE) == nudge.OK
    (reply,) = stanzas(engine.events(timeout=5, until=stanzas))
    return reply


def test_constants_come_from_the_header():
    header = nudge.HEADER.read_text()
    defined = set(re.findall(r"^#define\s+(NUDGE_[A-Z0-9_]+)\s+\S", header, re.M)) - {"NUDGE_H"}
    enumerated = set(re.findall(r"^\s+(NUDGE_[A-Z0-9_]+)\s*=", header, re.M))
    assert enumerated == {"NUDGE_HELD_QUEUED", "NUDGE_HELD_OFFLINE", "NUDGE_HELD_ARCHIVED", "NUDGE_HELD_FROM_CONTACT",
                          "NUDGE_HELD_FROM_STRANGER"}
    assert set(nudge.CONSTANTS) == defined | enumerated
    assert (nudge.EBUSY, nudge.HELD_ARCHIVED, nudge.EVENT_LOG) == (-11, 0x4, 3)
    assert nudge.LAST_ERRCODE == min(v for k, v in nudge.CONSTANTS.items() if k.startswith("NUDGE_E") and v < 0)


def test_version_matches_the_header(engine):
    text, major, minor, patch = engine.version()
    assert text == f"{major}.{minor}.{patch}"
    assert (major, minor) == (nudge.VERSION_MAJOR, nudge.VERSION_MINOR)
    assert engine.strerror(nudge.ELOCKED)


def test_enable_is_acknowledged_and_listed(engine):
    reply = enable(engine)
    assert reply.target == PHONE
    iq = ET.fromstring(reply.data)
    assert (iq.get("type"), iq.get("id"), iq.get("to")) == ("result", "enable-1", PHONE)
    code, listing = engine.admin({"command": "list", "user": USER})
    assert code == nudge.OK and listing["ok"] is True
    (enablement,) = listing["enablements"]
    assert (enablement["jid"], enablement["node"], enablement["resource"]) == (APP_SERVER, NODE, "phone")
    stats = engine.stats()
    assert (stats["users_enabled"], stats["enablements"]) == (1, 1)


def test_pending_session_gets_the_push_timeout_and_a_held_message_publishes(engine):
    enable(engine)
    code, timeout = engine.session_pending(PHONE)
    assert code == nudge.OK and timeout == 259200
    assert engine.stanza_held(PHONE, MESSAGE, nudge.HELD_QUEUED) == nudge.OK
    (publish,) = stanzas(engine.events(timeout=5, until=stanzas))
    assert publish.target == APP_SERVER
    assert "urn:xmpp:push:0" in publish.data and NODE in publish.data


def test_session_without_push_keeps_the_hosts_timeout(engine):
    assert engine.session_online("romeo@example.net/pda") == nudge.OK
    assert engine.session_pending("romeo@example.net/pda") == (nudge.OK, 0)
    assert engine.session_resumed("romeo@example.net/pda") == nudge.OK
    assert engine.session_closed("romeo@example.net/pda") == nudge.OK
    assert engine.set_room_nick(USER, "room@muc.example.net", "jules") == nudge.OK
    assert engine.set_room_nick(USER, "room@muc.example.net", None) == nudge.OK


def test_the_sender_roster_is_wanted_only_where_an_enablement_ignores_unknown_senders(engine):
    """nudge_wants_sender_roster: 0 for a plain enablement, 1 once one asks
    for tigase:push:filter:ignore-unknown:0 (for that session's full JID
    and the bare JID), EJID for a domain; both sender flags at once are
    EINVAL."""
    enable(engine)
    assert engine.wants_sender_roster(USER) == (nudge.OK, 0)
    ignoring = ENABLE.replace("</enable>", "<ignore-unknown xmlns='tigase:push:filter:ignore-unknown:0'/></enable>")
    assert ignoring != ENABLE and engine.handle_stanza(ignoring) == nudge.OK
    stanzas(engine.events(timeout=5, until=stanzas))
    assert engine.wants_sender_roster(USER) == (nudge.OK, 1)
    assert engine.wants_sender_roster(PHONE) == (nudge.OK, 1)
    assert engine.wants_sender_roster("example.net") == (nudge.EJID, 0)
    both = nudge.HELD_OFFLINE | nudge.HELD_FROM_CONTACT | nudge.HELD_FROM_STRANGER
    assert engine.stanza_held(USER, "<message from='r@example.org/x' id='1'><body>hi</body></message>", both) == nudge.EINVAL
    assert engine.stanza_held(USER, "<message from='r@example.org/x' id='1'><body>hi</body></message>",
                              nudge.HELD_OFFLINE | nudge.HELD_FROM_CONTACT) == nudge.OK


def test_session_activity_is_wanted_only_where_a_push2_registration_has_a_grace_period(engine):
    """nudge_wants_session_activity: 0 for a XEP-0357 enablement (and the
    message is not even read), 1 once a Push 2.0 registration has a
    `<grace>`, for any session of the user; a bare JID is no session and
    an unreadable message EXML."""
    enable(engine)
    desk = USER + "/desk"
    assert engine.wants_session_activity(desk) == (nudge.OK, 0)
    assert engine.session_activity(desk, "<message") == nudge.OK
    grace = (f"<iq type='set' id='p2' from='{USER}/tablet'><enable xmlns='urn:xmpp:push2:0'><service>push2.example</service>"
             "<client>c</client><match profile='urn:xmpp:push2:match:important'><grace>60</grace>"
             "<send xmlns='urn:xmpp:push2:send:notify-only:0'/></match></enable></iq>")
    assert engine.handle_stanza(grace) == nudge.OK
    stanzas(engine.events(timeout=5, until=stanzas))
    assert engine.wants_session_activity(desk) == (nudge.OK, 1)
    assert engine.wants_session_activity("example.net") == (nudge.EJID, 0)
    assert engine.session_activity(desk, "<message to='r@example.org'><body>hi</body></message>") == nudge.OK
    assert engine.session_activity(USER, "<message/>") == nudge.EJID
    assert engine.session_activity(desk, "<message") == nudge.EXML


def test_bad_inputs_return_the_headers_codes(engine):
    assert engine.session_online("not a jid@@") == nudge.EJID
    assert engine.handle_stanza(MESSAGE) == nudge.ENOTFOR
    assert engine.handle_stanza("<iq type='set'") == nudge.EXML
    logs = [event for event in engine.events(timeout=2) if event.kind == nudge.EVENT_LOG]
    assert logs and logs[0].target is None and logs[0].level in nudge.LOG_LEVELS
    assert engine.stanza_held(PHONE, MESSAGE, nudge.HELD_QUEUED | nudge.HELD_OFFLINE) == nudge.EINVAL


def test_admin_errors_still_reply(engine):
    code, reply = engine.admin({"command": "no-such-command"})
    assert code == nudge.EINVAL and reply["ok"] is False and reply["error"]


def test_bad_config_raises_with_the_key_named(tmp_path):
    with pytest.raises(nudge.NudgeError) as raised:
        nudge.Engine(config(tmp_path, coalesce_window_s="x"))
    assert raised.value.code == nudge.ECONFIG
    assert "coalesce_window_s" in raised.value.message


def test_a_second_engine_on_the_same_store_is_refused_until_close_and_the_store_persists(tmp_path):
    first = nudge.Engine(config(tmp_path))
    assert enable(first).target == PHONE
    with pytest.raises(nudge.NudgeError) as raised:
        nudge.Engine(config(tmp_path))
    assert raised.value.code == nudge.ELOCKED
    first.close()
    first.close()
    with pytest.raises(nudge.NudgeError):
        first.stats()
    with nudge.Engine(config(tmp_path)) as again:
        code, listing = again.admin({"command": "list", "user": USER})
        assert code == nudge.OK and len(listing["enablements"]) == 1
