"""The component's XEP-0114 stream against a server played by the test
(xep0114.py): the handshake digest, the stream parsed incrementally,
stanzas the engine emits while the server is away kept until it returns,
reconnection with backoff, refusals, oversized stanzas, and the stream
closed on SIGTERM."""

import signal
import time

import pytest

from tests.component.component_builds import Build, build_with_reparse_declaration, build_without_reparse_declaration
from tests.component.component_process import BINARY, EX_NOPERM, PUSH_HOST
from tests.component.component_xep0114 import ComponentListener

DISCO = ("<iq type='get' id='{id}' from='example.net' to='push.example.net'>"
         "<query xmlns='http://jabber.org/protocol/disco#info'/></iq>")


def disco(iq_id: str) -> bytes:
    return DISCO.format(id=iq_id).encode()


def reply_pattern(iq_id: str) -> bytes:
    return rf"<iq [^>]*id='{iq_id}'[^>]*>.*?</iq>".encode()


BUILDS = {"without XML_SetReparseDeferralEnabled": build_without_reparse_declaration,
          "with XML_SetReparseDeferralEnabled": build_with_reparse_declaration}


@pytest.fixture(scope="module")
def expat_builds(tmp_path_factory):
    made = {}

    def get(name: str) -> Build:
        if name not in made:
            made[name] = BUILDS[name](tmp_path_factory.mktemp(name.split()[0] + "-reparse-switch"))
        return made[name]
    return get


@pytest.fixture(params=["as built", *BUILDS])
def build(request, expat_builds):
    """The byte-by-byte tests run with the component as built here, and as
    built against an expat with and without the deferral switch
    (component_builds.py)."""
    return Build(BINARY) if request.param == "as built" else expat_builds(request.param)


@pytest.fixture
def listener():
    server = ComponentListener("component-secret")
    yield server
    server.close()


def test_connects_when_the_server_comes_up_and_answers_with_the_engine(component, listener):
    port = listener.port
    listener.close()      # nothing listens yet: the component must keep trying
    c = component(server_port=port).start()
    c.wait_for_log(r"^<5>cannot connect to 127\.0\.0\.1:\d+: Connection refused; retrying in", count=2)
    server = ComponentListener("component-secret", port=port)
    try:
        conn = server.accept()
        assert conn.digest_ok, "the handshake is not hex SHA-1 of the stream id and the secret"
        c.wait_for_log(r"^<5>connected to 127\.0\.0\.1:\d+ as push\.example\.net")
        conn.send(disco("d1"))
        reply = conn.read_until(reply_pattern("d1")).group(0)
        assert b"type='result'" in reply and f"from='{PUSH_HOST}'".encode() in reply and b"to='example.net'" in reply
        assert b"<feature var='urn:xmpp:push:0'/>" in reply
    finally:
        server.close()


def test_a_reply_due_while_the_server_is_gone_is_sent_after_reconnecting(component, listener):
    c = component(server_port=listener.port).start()
    first = listener.accept()
    c.wait_for_log(r"^<5>connected to")
    # The iq and the end of the stream in one segment: the component reads
    # both before the engine's reply can come out, so the reply is emitted
    # while the component has no server.
    first.send(disco("gone") + b"</stream:stream>")
    first.wait_closed()
    first.close()
    assert b"id='gone'" not in first.received
    second = listener.accept()
    reply = second.read_until(reply_pattern("gone")).group(0)
    assert b"type='result'" in reply
    c.wait_for_log(r"^<5>reconnected to 127\.0\.0\.1:\d+ as push\.example\.net \(1 stanza waiting\)")


def test_stanzas_split_anywhere_and_keepalives_between_them(component, listener, build):
    c = component(server_port=listener.port, binary=build.binary).start(env=build.env)
    conn = listener.accept()
    c.wait_for_log(r"^<5>connected to")
    data = b" \n" + disco("s1") + b"\n \n" + disco("s2") + b" "
    for i in range(len(data)):
        conn.send(data[i:i + 1])
    for iq_id in ("s1", "s2"):
        assert b"type='result'" in conn.read_until(reply_pattern(iq_id)).group(0)


def test_a_stanza_whose_last_segment_is_tiny_is_not_left_waiting(component, listener, build):
    c = component(server_port=listener.port, binary=build.binary).start(env=build.env)
    conn = listener.accept()
    c.wait_for_log(r"^<5>connected to")
    # A long start tag in several segments, the last one a single byte,
    # and then silence: the reply must not wait for the server's next bytes
    # (expat's reparse deferral would hold the tag back).
    stanza = (f"<iq type='get' id='tiny' from='example.net' to='push.example.net' x='{'y' * 6000}'>"
              "<query xmlns='http://jabber.org/protocol/disco#info'/></iq>").encode()
    head = stanza.index(b"><query") + 1
    for i in range(0, head - 1, 1500):
        conn.send(stanza[i:min(i + 1500, head - 1)])
        time.sleep(0.05)
    conn.send(stanza[head - 1:head])
    time.sleep(0.05)
    conn.send(stanza[head:-1])
    time.sleep(0.05)
    conn.send(stanza[-1:])
    assert b"type='result'" in conn.read_until(reply_pattern("tiny")).group(0)


def test_an_oversized_stanza_is_refused_and_the_stream_goes_on(component, listener):
    c = component(server_port=listener.port, engine={"limits": {"max_stanza_bytes": 4096}}).start()
    conn = listener.accept()
    c.wait_for_log(r"^<5>connected to")
    big = ("<iq type='set' id='big' from='juliet@example.net/phone' to='push.example.net'>"
           "<command xmlns='http://jabber.org/protocol/commands' node='register-push-apns'>"
           + "<x>" + "a" * 20000 + "</x></command></iq>").encode()
    for i in range(0, len(big), 1000):
        conn.send(big[i:i + 1000])
    conn.send(disco("after"))
    error = conn.read_until(reply_pattern("big")).group(0)
    assert b"type='error'" in error and b"<policy-violation" in error and b"to='juliet@example.net/phone'" in error
    assert b"type='result'" in conn.read_until(reply_pattern("after")).group(0)
    c.wait_for_log(r"^<4>refused <iq type=set> from juliet@example\.net/phone: larger than limits\.max_stanza_bytes")


def test_a_stanza_the_engine_refuses_to_read_gets_an_error_reply(component, listener):
    c = component(server_port=listener.port, engine={"limits": {"max_depth": 4}}).start()
    conn = listener.accept()
    c.wait_for_log(r"^<5>connected to")
    # Fine for the stream, too deep for the engine's limits.max_depth: the
    # engine cannot read it, so the component answers for it.
    deep = "<a>" * 8 + "</a>" * 8
    conn.send(f"<iq type='get' id='deep' from='example.net' to='push.example.net'>{deep}</iq>".encode() + disco("ok"))
    error = conn.read_until(reply_pattern("deep")).group(0)
    assert b"type='error'" in error and b"<policy-violation" in error and b"to='example.net'" in error
    assert b"type='result'" in conn.read_until(reply_pattern("ok")).group(0)


def test_a_refused_secret_stops_with_77_and_says_which_key(component, listener):
    c = component(server_port=listener.port, secret="not-the-servers-secret").start()
    conn = listener.accept(answer="refuse")
    code = c.process.wait(20)
    conn.close()
    log = c.log_text()
    assert code == EX_NOPERM, log
    assert "<3>127.0.0.1:" in log and "refused the component: stream error not-authorized: bad handshake" in log, log
    assert "component.secret_file" in log
    assert "not-the-servers-secret" not in log


def test_sigterm_closes_the_stream_and_exits_0(component, listener):
    c = component(server_port=listener.port).start()
    conn = listener.accept()
    c.wait_for_log(r"^<5>connected to")
    conn.send(disco("last"))
    conn.read_until(reply_pattern("last"))
    c.signal(signal.SIGTERM)
    received = conn.wait_closed()
    assert received.endswith(b"</stream:stream>"), received[-200:]
    assert c.process.wait(30) == 0
    c.wait_for_log(r"^<5>SIGTERM: stopping")
    c.wait_for_log(r"^<5>stopped$")
