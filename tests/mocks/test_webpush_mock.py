"""The Web Push mock behaves as a strict push service (and its browser), seen through httpx over HTTP/2.

Requests are built with independent implementations: `http_ece` encrypts
as a sender, `py_vapid` signs VAPID as pywebpush does, PyJWT forges the bad
tokens py_vapid refuses to make.
"""

from __future__ import annotations

import base64
import ssl
import stat
import struct
import time

import http_ece
import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_pem_private_key
from py_vapid import Vapid02

from tests.mocks import keys
from tests.mocks import vapid_check
from tests.mocks import webpush_crypto
from tests.mocks.fixtures import start_webpush_mock

CONTACT = "mailto:ops@example.net"


# ---- helpers ------------------------------------------------------------------------

def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.fixture
def client(webpush_mock):
    with httpx.Client(http2=True, verify=ssl.create_default_context(cafile=str(webpush_mock.tls.ca)),
                      timeout=10) as client:
        yield client


@pytest.fixture
def vapid_key(tmp_path):
    return keys.make_vapid_key(tmp_path)


def encrypt(subscription: dict, plaintext: bytes, rs: int = 4096) -> bytes:
    """An RFC 8291 body for a subscription, with a fresh sender key."""
    return http_ece.encrypt(plaintext, private_key=ec.generate_private_key(ec.SECP256R1()),
                            dh=unb64(subscription["p256dh"]), auth_secret=unb64(subscription["auth"]),
                            version="aes128gcm", rs=rs)


def vapid(mock, key: keys.VapidKey) -> str:
    """A correct Authorization header, signed by py_vapid."""
    claims = {"aud": mock.origin, "sub": CONTACT, "exp": int(time.time()) + 12 * 3600}
    return Vapid02(key.private_key).sign(claims)["Authorization"]


def forged(mock, key: keys.VapidKey, *, k: str | None = None, alg: str = "ES256", signer=None,
           headers: dict | None = None, **claims) -> str:
    """A vapid header with chosen claims (None drops one), signed by PyJWT."""
    body = {"aud": mock.origin, "sub": CONTACT, "exp": int(time.time()) + 3600}
    body.update(claims)
    body = {name: value for name, value in body.items() if value is not None}
    token = jwt.encode(body, signer if signer is not None else key.private_key, algorithm=alg, headers=headers)
    return f"vapid t={token}, k={k or key.public_key}"


def push(client, subscription: dict, body: bytes, authorization: str | None, **headers):
    """POST a message; keyword headers override the defaults (None drops one)."""
    wire = {"ttl": "60", "content-encoding": "aes128gcm", "urgency": "normal"}
    if authorization is not None:
        wire["authorization"] = authorization
    wire.update({name.replace("_", "-"): value for name, value in headers.items()})
    wire = {name: value for name, value in wire.items() if value is not None}
    return client.post(subscription["endpoint"], content=body, headers=wire)


def good_push(client, mock, key, text: str = "hello", **headers):
    subscription = mock.subscribe()
    return subscription, push(client, subscription, encrypt(subscription, text.encode()), vapid(mock, key), **headers)


# ---- the happy path --------------------------------------------------------------------------

def test_encrypted_signed_push_is_accepted_decrypted_and_journaled(client, webpush_mock, vapid_key):
    subscription = webpush_mock.subscribe()
    assert subscription["endpoint"].startswith(f"{webpush_mock.url}/push/")
    assert len(unb64(subscription["p256dh"])) == 65 and len(unb64(subscription["auth"])) == 16
    body = encrypt(subscription, '{"unread":3,"from":"juliet@capulet.lit"}'.encode())
    response = push(client, subscription, body, vapid(webpush_mock, vapid_key), topic="chat-1", urgency="high")
    assert response.http_version == "HTTP/2"
    assert response.status_code == 201
    assert response.headers["location"].startswith(f"{webpush_mock.url}/message/")
    assert response.headers["ttl"] == "60"

    (entry,) = webpush_mock.control.requests()
    assert entry["subscription"] == subscription["endpoint"].rsplit("/", 1)[1]
    assert entry["plaintext"] == '{"unread":3,"from":"juliet@capulet.lit"}'
    assert entry["body_length"] == len(body)
    assert entry["record"]["rs"] == 4096 and entry["record"]["idlen"] == 65
    assert entry["record"]["salt"] == b64(body[:16]) and entry["record"]["keyid"] == b64(body[21:86])
    assert entry["vapid"]["k"] == vapid_key.public_key
    assert entry["vapid"]["claims"]["aud"] == webpush_mock.origin
    assert entry["vapid"]["claims"]["sub"] == CONTACT
    assert (entry["ttl"], entry["urgency"], entry["topic"]) == (60, "high", "chat-1")
    assert entry["headers"]["content-encoding"] == "aes128gcm"
    assert entry["answer"]["status"] == 201
    assert response.headers["location"].endswith(entry["message_id"])
    stats = webpush_mock.control.stats()
    assert (stats["pushes"], stats["pushes_accepted"], stats["pushes_refused"]) == (1, 1, 0)


def test_the_largest_body_fits(client, webpush_mock, vapid_key):
    subscription = webpush_mock.subscribe()
    body = encrypt(subscription, b"x" * 3993)
    assert len(body) == 4096
    assert push(client, subscription, body, vapid(webpush_mock, vapid_key)).status_code == 201


def test_ttl_is_echoed_and_capped(client, webpush_mock, vapid_key):
    _, zero = good_push(client, webpush_mock, vapid_key, ttl="0")
    _, huge = good_push(client, webpush_mock, vapid_key, ttl="99999999")
    assert (zero.status_code, zero.headers["ttl"]) == (201, "0")
    assert (huge.status_code, huge.headers["ttl"]) == (201, str(28 * 24 * 3600))


def test_vapid_with_a_space_after_the_comma_as_rfc_8292_writes_it(client, webpush_mock, vapid_key):
    subscription = webpush_mock.subscribe()
    token, k = vapid_check.parse(vapid(webpush_mock, vapid_key))
    header = f"vapid t={token}, k={k}"
    assert push(client, subscription, encrypt(subscription, b"x"), header).status_code == 201


def test_restricted_subscription_takes_only_its_key(client, webpush_mock, vapid_key, tmp_path):
    subscription = webpush_mock.subscribe(application_server_key=vapid_key.public_key)
    other = keys.make_vapid_key(tmp_path, "other")
    accepted = push(client, subscription, encrypt(subscription, b"x"), vapid(webpush_mock, vapid_key))
    refused = push(client, subscription, encrypt(subscription, b"x"), vapid(webpush_mock, other))
    assert accepted.status_code == 201
    assert refused.status_code == 403 and "applicationServerKey" in refused.json()["message"]


def test_vapid_is_optional_when_not_required(tmp_path, vapid_key):
    mock = start_webpush_mock(tmp_path, require_vapid=False)
    try:
        with httpx.Client(http2=True, verify=ssl.create_default_context(cafile=str(mock.tls.ca))) as client:
            subscription = mock.subscribe()
            assert push(client, subscription, encrypt(subscription, b"x"), None).status_code == 201
            expired = forged(mock, vapid_key, exp=int(time.time()) - 10)
            assert push(client, subscription, encrypt(subscription, b"x"), expired).status_code == 403
            restricted = mock.subscribe(application_server_key=vapid_key.public_key)
            assert push(client, restricted, encrypt(restricted, b"x"), None).status_code == 401
            assert mock.control.requests()[0]["vapid"] is None
    finally:
        mock.stop()


# ---- the browser's side, checked against the RFCs' own examples ------------------------------

def test_rfc_8291_appendix_a_message_decrypts():
    scalar = int.from_bytes(unb64("q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94"), "big")
    subscription = webpush_crypto.Subscription("rfc", ec.derive_private_key(scalar, ec.SECP256R1()),
                                               unb64("BTBZMqHH6r4Tts7J_aSIgg"))
    assert b64(subscription.public_key) == ("BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7"
                                            "Vd8pZGH6SRpkNtoIAiw4")
    body = unb64("DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8"
                 "wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN")
    record, plaintext = webpush_crypto.decrypt(body, subscription)
    assert plaintext == b"When I grow up, I want to be a watermelon"
    assert record["salt"] == "DGv6ra1nlYgDCS1FRnbzlw" and record["rs"] == 4096
    assert record["keyid"].startswith("BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIg")
    with pytest.raises(webpush_crypto.CannotDecrypt):
        webpush_crypto.decrypt(body[:-1], subscription)


RFC_8292_T = ("eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzI1NiJ9.eyJhdWQiOiJodHRwczovL3B1c2guZXhhbXBsZS5uZXQiLCJleHAiOjE0NTM1MjM3Njg"
              "sInN1YiI6Im1haWx0bzpwdXNoQGV4YW1wbGUuY29tIn0.i3CYb7t4xfxCDquptFOepC9GAu_HLGkMlMuCGSK2rpiUfnK9ojFwDXb1JrE"
              "rtmysazNjjvW2L9OkSSHzvoD1oA")
RFC_8292_K = "BA1Hxzyi1RUM1b5wjxsn7nGxAszw2u61m164i3MrAIxHF6YK5h4SDYic-dRuU_RCPCfA5aq9ojSwk5Y2EmClBPs"


def test_rfc_8292_example_token_verifies_at_its_time_and_is_expired_now():
    header = f"vapid t={RFC_8292_T}, k={RFC_8292_K}"
    checked = vapid_check.verify(header, "https://push.example.net", now=1453523768 - 3600)
    assert checked["claims"]["sub"] == "mailto:push@example.com"
    with pytest.raises(vapid_check.VapidRejected, match="expired") as expired:
        vapid_check.verify(header, "https://push.example.net")
    assert expired.value.status == 403
    with pytest.raises(vapid_check.VapidRejected, match="aud"):
        vapid_check.verify(header, "https://127.0.0.1:1", now=1453523768 - 3600)


# ---- validation failures ------------------------------------------------------------------

def _two_records(subscription):
    return encrypt(subscription, b"y" * 100, rs=64)


def _keyid_cut(subscription):
    body = encrypt(subscription, b"x")
    return body[:20] + bytes([0]) + body[86:]


def _for_someone_else(mock):
    return encrypt(mock.subscribe(), b"not for you")


# name -> (body maker(mock, subscription), header overrides, status, words in the reason)
BAD_PUSHES = {
    "no TTL": (None, {"ttl": None}, 400, "TTL"),
    "negative TTL": (None, {"ttl": "-1"}, 400, "TTL"),
    "fractional TTL": (None, {"ttl": "1.5"}, 400, "TTL"),
    "unknown Urgency": (None, {"urgency": "urgent"}, 400, "Urgency"),
    "upper-case Urgency": (None, {"urgency": "HIGH"}, 400, "Urgency"),
    "33-character Topic": (None, {"topic": "a" * 33}, 400, "Topic"),
    "Topic outside base64url": (None, {"topic": "new message"}, 400, "Topic"),
    "empty Topic": (None, {"topic": ""}, 400, "Topic"),
    "aesgcm encoding": (None, {"content_encoding": "aesgcm"}, 415, "Content-Encoding"),
    "no encoding": (None, {"content_encoding": None}, 415, "Content-Encoding"),
    "oversize": (lambda m, s: encrypt(s, b"x" * 3994), {}, 413, "4096"),
    "garbage body": (lambda m, s: b"hello, not encrypted", {}, 400, "cannot decrypt"),
    "other subscription's keys": (lambda m, s: _for_someone_else(m), {}, 400, "cannot decrypt"),
    "two records": (lambda m, s: _two_records(s), {}, 400, "one record"),
    "no keyid": (lambda m, s: _keyid_cut(s), {}, 400, "keyid"),
}


@pytest.mark.parametrize("case", BAD_PUSHES, ids=list(BAD_PUSHES))
def test_invalid_pushes_are_refused_with_a_reason(client, webpush_mock, vapid_key, case):
    make_body, headers, status, words = BAD_PUSHES[case]
    webpush_mock.control.script([{"status": 500}])
    subscription = webpush_mock.subscribe()
    body = make_body(webpush_mock, subscription) if make_body else encrypt(subscription, b"hello")
    response = push(client, subscription, body, vapid(webpush_mock, vapid_key), **headers)
    assert response.status_code == status
    assert words in response.json()["message"]
    assert response.json()["code"] == status
    assert webpush_mock.control.pending() == [{"kind": "error", "status": 500, "retry_after": None,
                                               "message": "scripted 500", "delay_ms": 0}]
    assert webpush_mock.control.stats()["pushes_refused"] == 1
    assert webpush_mock.control.requests()[-1]["answer"]["status"] == status


def test_unknown_subscription_is_not_found(client, webpush_mock, vapid_key):
    subscription = webpush_mock.subscribe()
    gone = dict(subscription, endpoint=f"{webpush_mock.url}/push/nosuchsubscription")
    response = push(client, gone, encrypt(subscription, b"x"), vapid(webpush_mock, vapid_key))
    assert (response.status_code, response.json()["message"]) == (404, "no such subscription")


def test_unsubscribed_subscription_is_gone(client, webpush_mock, vapid_key):
    subscription = webpush_mock.subscribe()
    webpush_mock.unsubscribe(subscription["endpoint"])
    response = push(client, subscription, encrypt(subscription, b"x"), vapid(webpush_mock, vapid_key))
    assert response.status_code == 410
    assert webpush_mock.control.stats()["subscriptions"] == 0


def _other_key():
    return ec.generate_private_key(ec.SECP256R1())


# name -> (header maker(mock, key), status, words in the reason)
BAD_VAPID = {
    "missing": (lambda m, key: None, 401, "missing"),
    "legacy WebPush scheme": (lambda m, key: "WebPush " + forged(m, key).split("t=")[1].split(",")[0], 401,
                              "scheme"),
    "Bearer scheme": (lambda m, key: "Bearer abc", 401, "scheme"),
    "no k": (lambda m, key: forged(m, key).split(",")[0], 403, "k="),
    "expired": (lambda m, key: forged(m, key, exp=int(time.time()) - 5), 403, "expired"),
    "more than 24 h ahead": (lambda m, key: forged(m, key, exp=int(time.time()) + 24 * 3600 + 120), 403,
                             "24 hours"),
    "no exp": (lambda m, key: forged(m, key, exp=None), 403, "exp"),
    "wrong aud": (lambda m, key: forged(m, key, aud="https://push.example.net"), 403, "aud"),
    "aud with a path": (lambda m, key: forged(m, key, aud=m.origin + "/"), 403, "aud"),
    "aud as a list": (lambda m, key: forged(m, key, aud=[m.origin]), 403, "aud"),
    "sub not a contact": (lambda m, key: forged(m, key, sub="ops@example.net"), 403, "sub"),
    "no sub": (lambda m, key: forged(m, key, sub=None), 403, "sub"),
    "signed by another key": (lambda m, key: forged(m, key, signer=_other_key()), 403, "signature"),
    "k of another key": (lambda m, key: forged(m, key, k=b64(_other_key().public_key().public_bytes(
        Encoding.X962, PublicFormat.UncompressedPoint))), 403, "signature"),
    "HS256": (lambda m, key: forged(m, key, alg="HS256", signer="a-shared-secret-of-32-bytes-long!"), 403,
              "ES256"),
    "typ missing": (lambda m, key: forged(m, key, headers={"typ": None}), 403, "typ"),
    "padded k": (lambda m, key: forged(m, key, k=key.public_key + "="), 403, "k is not"),
    "compressed k": (lambda m, key: forged(m, key, k=b64(key.private_key.public_key().public_bytes(
        Encoding.X962, PublicFormat.CompressedPoint))), 403, "k is not"),
    "garbage token": (lambda m, key: f"vapid t=not-a-jwt, k={key.public_key}", 403, "compact JWS"),
}


@pytest.mark.parametrize("case", BAD_VAPID, ids=list(BAD_VAPID))
def test_bad_vapid_is_refused_with_a_reason(client, webpush_mock, vapid_key, case):
    make_header, status, words = BAD_VAPID[case]
    subscription = webpush_mock.subscribe()
    response = push(client, subscription, encrypt(subscription, b"x"), make_header(webpush_mock, vapid_key))
    assert response.status_code == status
    assert words in response.json()["message"]
    if status == 401:
        assert response.headers["www-authenticate"] == "vapid"
    assert "plaintext" not in webpush_mock.control.requests()[-1]


def test_refused_vapid_is_journaled_unverified(client, webpush_mock, vapid_key):
    subscription = webpush_mock.subscribe()
    push(client, subscription, encrypt(subscription, b"x"), forged(webpush_mock, vapid_key, aud="https://x"))
    entry = webpush_mock.control.requests()[-1]
    assert entry["vapid"]["claims"]["aud"] == "https://x" and entry["vapid"]["k"] == vapid_key.public_key


def test_only_post_to_push_resources(client, webpush_mock):
    subscription = webpush_mock.subscribe()
    assert client.get(subscription["endpoint"]).status_code == 405
    assert client.post(f"{webpush_mock.url}/wpush/v2/abc", content=b"x").status_code == 404


# ---- scripted answers ------------------------------------------------------------------------

@pytest.mark.parametrize("status", [404, 410, 413, 429, 500, 503])
def test_each_scripted_status(client, webpush_mock, vapid_key, status):
    webpush_mock.control.script([{"status": status, "retry_after": 30}])
    subscription, response = good_push(client, webpush_mock, vapid_key)
    assert response.status_code == status and response.json()["code"] == status
    assert response.headers["retry-after"] == "30"
    entry = webpush_mock.control.requests()[-1]
    assert entry["scripted"] is True and entry["plaintext"] == "hello"
    assert push(client, subscription, encrypt(subscription, b"again"),
                vapid(webpush_mock, vapid_key)).status_code == 201


def test_scripted_answers_come_in_order_without_retry_after_unless_given(client, webpush_mock, vapid_key):
    webpush_mock.control.script([{"status": 429}, {"ok": True}, {"status": 503, "retry_after": 0}])
    statuses = [good_push(client, webpush_mock, vapid_key)[1] for _ in range(4)]
    assert [response.status_code for response in statuses] == [429, 201, 503, 201]
    assert "retry-after" not in statuses[0].headers and statuses[2].headers["retry-after"] == "0"


@pytest.mark.parametrize("status", [301, 302])
def test_scripted_redirect_is_answered_and_not_followed_by_the_service(client, webpush_mock, vapid_key, status):
    elsewhere = webpush_mock.subscribe()
    webpush_mock.control.script([{"redirect": elsewhere["endpoint"], "status": status}])
    _, response = good_push(client, webpush_mock, vapid_key)
    assert response.status_code == status
    assert response.headers["location"] == elsewhere["endpoint"]
    assert len(webpush_mock.control.requests()) == 1


def test_redirect_defaults_to_301(webpush_mock):
    webpush_mock.control.script([{"redirect": "https://127.0.0.1:1/push/x"}])
    assert webpush_mock.control.pending()[0]["status"] == 301


def test_scripted_drop_closes_the_connection(client, webpush_mock, vapid_key):
    webpush_mock.control.script([{"drop": True}])
    with pytest.raises(httpx.TransportError):
        good_push(client, webpush_mock, vapid_key)
    assert webpush_mock.control.requests()[-1]["answer"] == {"dropped": True}


def test_scripted_delay(client, webpush_mock, vapid_key):
    webpush_mock.control.script([{"ok": True, "delay_ms": 400}])
    started = time.monotonic()
    assert good_push(client, webpush_mock, vapid_key)[1].status_code == 201
    assert time.monotonic() - started >= 0.4


@pytest.mark.parametrize("entry", [{"status": 200}, {"status": 400}, {"status": 429, "retry_after": -1},
                                   {"redirect": ""}, {"redirect": "https://x", "status": 303},
                                   {"status": 500, "reason": "x"}, {}, [1]], ids=str)
def test_script_refuses_what_a_push_service_never_answers(webpush_mock, entry):
    with pytest.raises(ValueError):
        webpush_mock.control.script([entry])


# ---- control and keys --------------------------------------------------------------------------

def test_subscription_control_refuses_a_bad_key(webpush_mock):
    with pytest.raises(ValueError, match="400"):
        webpush_mock.subscribe(application_server_key="not a key")
    with pytest.raises(ValueError, match="400"):
        webpush_mock.subscribe(application_server_key=b64(b"\x04" + b"\x01" * 64))
    with pytest.raises(ValueError, match="400"):
        webpush_mock.unsubscribe(f"{webpush_mock.url}/push/unknown")


def test_requests_stats_and_reset(client, webpush_mock, vapid_key):
    good_push(client, webpush_mock, vapid_key)
    subscription = webpush_mock.subscribe()
    push(client, subscription, encrypt(subscription, b"x"), None)
    stats = webpush_mock.control.stats()
    assert (stats["pushes"], stats["pushes_accepted"], stats["pushes_refused"]) == (2, 1, 1)
    assert stats["subscriptions"] == 2 and stats["connections_opened"] == 1
    webpush_mock.control.reset()
    assert webpush_mock.control.requests() == [] and webpush_mock.control.stats()["pushes"] == 0
    assert push(client, subscription, encrypt(subscription, b"x"), vapid(webpush_mock, vapid_key)).status_code == 201


def test_vapid_key_file_is_a_private_pkcs8_p256_pem_that_signs(client, webpush_mock, vapid_key):
    assert stat.S_IMODE(vapid_key.pem.stat().st_mode) == 0o600
    text = vapid_key.pem.read_text()
    assert text.startswith("-----BEGIN PRIVATE KEY-----\n")
    loaded = load_pem_private_key(text.encode(), None)
    assert isinstance(loaded, ec.EllipticCurvePrivateKey) and loaded.curve.name == "secp256r1"
    point = loaded.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    assert vapid_key.public_key == b64(point) and "=" not in vapid_key.public_key
    signer = Vapid02.from_file(str(vapid_key.pem))        # as an engine configured with the file would sign
    subscription = webpush_mock.subscribe(application_server_key=vapid_key.public_key)
    claims = {"aud": webpush_mock.origin, "sub": CONTACT, "exp": int(time.time()) + 600}
    header = signer.sign(claims)["Authorization"]
    assert push(client, subscription, encrypt(subscription, b"x"), header).status_code == 201


def test_record_header_layout_is_what_the_journal_reports():
    body = struct.pack(">16sIB", b"s" * 16, 4096, 65) + b"\x04" + b"k" * 64 + b"c" * 20
    assert webpush_crypto.parse_header(body) == {"salt": b64(b"s" * 16), "rs": 4096, "idlen": 65,
                                                 "keyid": b64(b"\x04" + b"k" * 64)}
