"""What the engine decides for hosts through nudge.h: account deletion,
the account's disco#info contribution, the routing facts of nudge_info(),
and the answer to an iq it cannot read. Bindings pass these through; the
same answers on every host come from here."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from tests.host import nudge

pytestmark = pytest.mark.skipif(not nudge.DEFAULT_LIB.exists(),
                                reason=f"{nudge.DEFAULT_LIB} is not built (run `make lib`)")

USER = "juliet@example.net"
PHONE = f"{USER}/phone"
DISCO = "{http://jabber.org/protocol/disco#info}"
DATA = "{jabber:x:data}"
STANZAS = "{urn:ietf:params:xml:ns:xmpp-stanzas}"
# XEP-0357, and Tigase's enable extensions that the engine serves (what
# Siskin looks for: Martin `PushNotificationsModule.isSupported`).
ACCOUNT_FEATURES = ["urn:xmpp:push:0", "tigase:push:encrypt:0", "tigase:push:encrypt:aes-128-gcm", "tigase:push:priority:0",
                    "tigase:push:jingle:0", "tigase:push:filter:muted:0", "tigase:push:filter:groupchat:0",
                    "tigase:push:filter:ignore-unknown:0",
                    "urn:xmpp:push2:0", "urn:xmpp:push2:match:all", "urn:xmpp:push2:match:important",
                    "urn:xmpp:push2:match:archived", "urn:xmpp:push2:match:archived-with-body",
                    "urn:xmpp:push2:send:notify-only:0", "urn:xmpp:push2:send:sce+rfc8291+rfc8292:0"]
APPID = "chatninja.example_chatninja"


def config(tmp_path, appserver: bool = True) -> dict:
    doc = {"store": {"path": str(tmp_path / "store"), "sync": False},
           "server": {"domains": ["example.net", "example.org"]}}
    if appserver:
        # No request ever reaches the endpoint: nothing is published here.
        doc["appserver"] = {"pubsub_host": "push.example.net",
                            "backends": [{"type": "ubuntu", "endpoint": "https://push.ubports.invalid"}]}
    return doc


@pytest.fixture
def engine(tmp_path):
    with nudge.Engine(config(tmp_path)) as engine:
        yield engine


def stanzas(events) -> list[ET.Element]:
    return [ET.fromstring(e.data) for e in events if e.kind == nudge.EVENT_STANZA]


def reply(engine, xml: str, iq_id: str) -> ET.Element:
    assert engine.handle_stanza(xml) == nudge.OK
    found: list[ET.Element] = []

    def done(events):
        found[:] = [s for s in stanzas(events) if s.get("id") == iq_id]
        return bool(found)

    engine.events(timeout=10, until=done)
    assert found, f"no reply to {iq_id}"
    return found[0]


def register(engine, to: str) -> dict:
    answer = reply(engine, f"<iq type='set' id='reg' from='{PHONE}' to='{to}'>"
                           "<command xmlns='http://jabber.org/protocol/commands' node='register-push-ubuntu' action='execute'>"
                           "<x xmlns='jabber:x:data' type='submit'>"
                           f"<field var='token'><value>tok-{to}</value></field>"
                           f"<field var='application-id'><value>{APPID}</value></field>"
                           f"<field var='device-id'><value>dev-{to}</value></field></x></command></iq>", "reg")
    assert answer.get("type") == "result", ET.tostring(answer)
    form = answer.find("{http://jabber.org/protocol/commands}command/" + DATA + "x")
    return {f.get("var"): f.findtext(f"{DATA}value") for f in form.findall(f"{DATA}field")}


def enable(engine, node: str, secret: str) -> None:
    answer = reply(engine, f"<iq type='set' id='en' from='{PHONE}'><enable xmlns='urn:xmpp:push:0' jid='push.example.net' "
                           f"node='{node}'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'>"
                           "<value>http://jabber.org/protocol/pubsub#publish-options</value></field>"
                           f"<field var='secret'><value>{secret}</value></field></x></enable></iq>", "en")
    assert answer.get("type") == "result", ET.tostring(answer)


# ---- nudge_info -------------------------------------------------------------------------


def test_info_names_the_hosts_the_commands_and_the_id_rule(engine, tmp_path):
    info = nudge.info(config(tmp_path))
    assert info["server"] == {"domains": ["example.net", "example.org"], "account_features": ACCOUNT_FEATURES}
    assert info["id_prefix"] == "nudge-"
    app = info["appserver"]
    assert app["pubsub_host"] == "push.example.net"
    # By default both where Conversations sends them (the app server) and
    # where mod_push's clients do (their own domain).
    assert app["register_hosts"] == ["push.example.net", "example.net", "example.org"]
    assert [c["node"] for c in app["commands"]] == ["register-push-ubuntu", "list-push-registrations", "unregister-push"]
    assert app["commands"][0]["name"].startswith("Register a device with Ubuntu Push")
    assert app["vendors"] == ["ubuntu"]
    version, *_ = engine.version()
    assert info["version"] == version


def test_a_configured_register_host_is_the_only_one(tmp_path):
    doc = config(tmp_path)
    doc["appserver"]["register_host"] = "register.example.net"
    assert nudge.info(doc)["appserver"]["register_hosts"] == ["register.example.net"]
    with nudge.Engine(doc) as engine:
        answer = reply(engine, f"<iq type='set' id='reg' from='{PHONE}' to='example.net'>"
                               "<command xmlns='http://jabber.org/protocol/commands' node='register-push-ubuntu' "
                               "action='execute'/></iq>", "reg")
        assert answer.get("type") == "error"


def test_without_an_app_server_info_says_so(tmp_path):
    assert nudge.info(config(tmp_path, appserver=False))["appserver"] is None


def test_info_needs_no_engine_and_names_the_bad_key(tmp_path):
    doc = config(tmp_path)
    doc["appserver"]["pubsub_host"] = "not a domain@"
    with pytest.raises(nudge.NudgeError) as refused:
        nudge.info(doc)
    assert refused.value.code == nudge.ECONFIG and "appserver.pubsub_host" in refused.value.message
    assert not (tmp_path / "store").exists()   # nothing was opened


def test_registration_commands_work_at_the_app_server_and_at_the_users_domain(engine):
    at_domain = register(engine, "example.net")
    at_app_server = register(engine, "push.example.net")
    assert at_domain["node"] != at_app_server["node"]
    code, listing = engine.admin({"command": "list", "user": USER})
    assert code == nudge.OK and len(listing["registrations"]) == 2
    items = reply(engine, f"<iq type='get' id='items' from='{PHONE}' to='push.example.net'>"
                          "<query xmlns='http://jabber.org/protocol/disco#items' node='http://jabber.org/protocol/commands'/></iq>",
                  "items")
    jids = {item.get("jid") for item in items.iter("{http://jabber.org/protocol/disco#items}item")}
    assert jids == {"push.example.net"}   # each host lists the commands at itself


# ---- nudge_user_removed --------------------------------------------------------------


def test_a_deleted_account_leaves_nothing_behind(engine):
    reg = register(engine, "example.net")
    enable(engine, reg["node"], reg["secret"])
    assert engine.session_pending(PHONE)[0] == nudge.OK
    romeo = register_for(engine, "romeo@example.net/pc")

    assert engine.user_removed(USER) == nudge.OK
    events = engine.events(timeout=10, until=lambda es: any(e.kind == nudge.EVENT_DISABLED for e in es)
                           and any(e.kind == nudge.EVENT_LOG and "deleted account" in e.data for e in es))
    [disabled] = [json.loads(e.data) for e in events if e.kind == nudge.EVENT_DISABLED]
    assert disabled["user"] == USER and disabled["reason"] == "the account was deleted"
    code, listing = engine.admin({"command": "list", "user": USER})
    assert code == nudge.OK
    assert listing["enablements"] == [] and listing["registrations"] == []
    # A publish to the removed node is refused, as for any unknown node.
    gone = reply(engine, f"<iq type='set' id='pub' from='example.net' to='push.example.net'><pubsub "
                         f"xmlns='http://jabber.org/protocol/pubsub'><publish node='{reg['node']}'><item><notification "
                         "xmlns='urn:xmpp:push:0'/></item></publish></pubsub></iq>", "pub")
    assert gone.get("type") == "error"
    # Another user keeps everything.
    assert engine.admin({"command": "list", "user": "romeo@example.net"})[1]["registrations"][0]["node"] == romeo


def register_for(engine, jid: str) -> str:
    answer = reply(engine, f"<iq type='set' id='reg2' from='{jid}' to='example.net'>"
                           "<command xmlns='http://jabber.org/protocol/commands' node='register-push-ubuntu' action='execute'>"
                           "<x xmlns='jabber:x:data' type='submit'><field var='token'><value>tok-romeo</value></field>"
                           f"<field var='application-id'><value>{APPID}</value></field></x></command></iq>", "reg2")
    form = answer.find("{http://jabber.org/protocol/commands}command/" + DATA + "x")
    return next(f.findtext(f"{DATA}value") for f in form.findall(f"{DATA}field") if f.get("var") == "node")


@pytest.mark.parametrize(("jid", "code"), [("juliet@example.net/phone", "EJID"), ("example.net", "EJID"),
                                           ("not a jid@", "EJID"), ("juliet@elsewhere.example", "ENOTFOR")])
def test_user_removed_refuses_what_is_not_one_of_its_accounts(engine, jid, code):
    assert engine.user_removed(jid) == getattr(nudge, code)


# ---- nudge_account_disco ---------------------------------------------------------------


def test_the_account_disco_shows_the_options_to_the_user_only(engine):
    code, text = engine.account_disco(USER, PHONE)
    assert code == nudge.OK
    query = ET.fromstring(text)
    assert query.tag == f"{DISCO}query"
    assert [f.get("var") for f in query.findall(f"{DISCO}feature")] == ACCOUNT_FEATURES
    [form] = query.findall(f"{DATA}x")
    fields = {f.get("var"): f.findtext(f"{DATA}value") for f in form.findall(f"{DATA}field")}
    assert fields["FORM_TYPE"] == "urn:xmpp:push:options"
    assert set(fields) == {"FORM_TYPE", "include-senders", "include-message-count",
                           "include-subscription-count", "include-message-bodies"}

    for stranger in ("romeo@example.org/orchard", None):
        code, text = engine.account_disco(USER, stranger)
        query = ET.fromstring(text)
        assert [f.get("var") for f in query.findall(f"{DISCO}feature")] == ACCOUNT_FEATURES
        assert query.findall(f"{DATA}x") == []


def test_the_engines_own_disco_answer_holds_the_same(engine):
    answer = reply(engine, f"<iq type='get' id='d' from='{PHONE}' to='{USER}'>"
                           "<query xmlns='http://jabber.org/protocol/disco#info'/></iq>", "d")
    own = ET.fromstring(engine.account_disco(USER, PHONE)[1])
    query = answer.find(f"{DISCO}query")
    for child in own:
        assert any(ET.tostring(child) == ET.tostring(c) for c in query), ET.tostring(child)


@pytest.mark.parametrize(("account", "code"), [("example.net", "EJID"), (PHONE, "EJID"), ("a@elsewhere.example", "ENOTFOR")])
def test_account_disco_refuses_what_is_not_an_account(engine, account, code):
    result, text = engine.account_disco(account, PHONE)
    assert result == getattr(nudge, code) and text is None


# ---- iqs the engine cannot read ---------------------------------------------------------


def error_of(stanza: ET.Element) -> tuple[str, str]:
    error = stanza.find("error")
    [condition] = [c.tag.removeprefix(STANZAS) for c in error if c.tag != f"{STANZAS}text"]
    return error.get("type"), condition


def test_an_oversized_iq_is_answered_policy_violation(tmp_path):
    doc = config(tmp_path)
    doc["limits"] = {"max_stanza_bytes": 1024}
    with nudge.Engine(doc) as engine:
        big = (f"<iq type='set' id='big' from='{PHONE}' to='push.example.net'><pubsub xmlns='http://jabber.org/protocol/pubsub'>"
               + "<x>" + "a" * 2000 + "</x></pubsub></iq>")
        assert engine.handle_stanza(big) == nudge.ETOOBIG
        [answer] = stanzas(engine.events(timeout=5, until=stanzas))
        assert (answer.get("type"), answer.get("id"), answer.get("to")) == ("error", "big", PHONE)
        assert error_of(answer) == ("modify", "policy-violation")
        assert "limits.max_stanza_bytes" in answer.find("error").findtext(f"{STANZAS}text")


def test_malformed_and_too_deep_iqs_are_answered_and_results_are_not(engine):
    assert engine.handle_stanza(f"<iq type='get' id='bad' from='{PHONE}' to='{USER}'><query></iq>") == nudge.EXML
    [answer] = stanzas(engine.events(timeout=5, until=stanzas))
    assert answer.get("id") == "bad" and error_of(answer) == ("modify", "bad-request")

    deep = f"<iq type='set' id='deep' from='{PHONE}'>" + "<a>" * 100 + "</a>" * 100 + "</iq>"
    assert engine.handle_stanza(deep) == nudge.ELIMIT
    [answer] = stanzas(engine.events(timeout=5, until=stanzas))
    assert answer.get("id") == "deep" and error_of(answer) == ("modify", "policy-violation")

    # Never answer an answer, nor a stanza without a valid sender.
    assert engine.handle_stanza(f"<iq type='result' id='r' from='{PHONE}'><query></iq>") == nudge.EXML
    assert engine.handle_stanza("<iq type='get' id='anon'><query></iq>") == nudge.EXML
    assert engine.handle_stanza("<iq type='get' id='x' from='a@b@c'><query></iq>") == nudge.EXML
    assert stanzas(engine.events(timeout=0.3)) == []
