"""The APNs mock behaves as VENDORS.md says Apple does, seen by an independent HTTP/2 client."""

from __future__ import annotations

import json
import time
import uuid

import h2.errors
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, utils
from cryptography.hazmat.primitives import hashes

from tests.mocks import apns_answers
from tests.mocks import keys
from tests.mocks.fixtures import DEFAULT_TOPIC, start_apns_mock
from tests.mocks.h2_client import ConnectionClosed, H2Client

DEVICE = "a1" * 32
PAYLOAD = b'{"aps":{"alert":"hello"}}'


# ---- helpers ------------------------------------------------------------------

def provider_token(mock, iat: int | None = None, *, key=None, signer=None, kid: str | None = None,
                   team: str | None = None) -> str:
    """A provider token of the mock's first key (or `key`); signer/kid/team override to forge bad ones."""
    key = key or mock.keys[0]
    claims = {"iss": team or mock.team_id, "iat": int(time.time()) if iat is None else iat}
    return jwt.encode(claims, signer or key.private_key, algorithm="ES256", headers={"kid": kid or key.key_id})


def connect(mock, **options) -> H2Client:
    return H2Client("127.0.0.1", mock.port, mock.tls.ca, **options)


def push(client, token: str | None, *, device: str = DEVICE, body: bytes = PAYLOAD, method: str = "POST",
         path: str | None = None, **headers):
    """One request; keyword headers use underscores (apns_topic=…); None removes a default."""
    wire = {"apns-topic": DEFAULT_TOPIC, "apns-push-type": "alert"}
    if token is not None:
        wire["authorization"] = f"bearer {token}"
    wire.update({name.replace("_", "-"): value for name, value in headers.items()})
    pairs = [(name, value) for name, value in wire.items() if value is not None]
    return client.request(method, path or f"/3/device/{device}", pairs, body)


def reason(response) -> str:
    return response.json()["reason"]


# ---- success and the stream rule ----------------------------------------------

def test_valid_push_gets_200_with_a_fresh_lowercase_apns_id(apns_mock):
    with connect(apns_mock) as client:
        response = push(client, provider_token(apns_mock))
    assert response.status == 200
    assert response.body == b""
    assert str(uuid.UUID(response.headers["apns-id"])) == response.headers["apns-id"]


def test_given_apns_id_is_echoed(apns_mock):
    given = str(uuid.uuid4())
    with connect(apns_mock) as client:
        response = push(client, provider_token(apns_mock), apns_id=given)
    assert (response.status, response.headers["apns-id"]) == (200, given)


def test_one_stream_until_a_token_succeeded_then_1000(apns_mock):
    with connect(apns_mock) as client:
        assert client.max_concurrent_streams == 1
        refused = push(client, provider_token(apns_mock, int(time.time()) - 7200))
        assert refused.status == 403
        assert client.max_concurrent_streams == 1
        assert push(client, provider_token(apns_mock)).status == 200
        client.wait_for(lambda: client.max_streams_announced[-1] == 1000)
        assert client.max_streams_announced == [1, 1000]
    (connection,) = apns_mock.control.stats()["connections"]
    assert connection["authenticated"] and connection["max_concurrent_streams_advertised"] == 1000


def test_each_new_connection_starts_with_one_stream(apns_mock):
    token = provider_token(apns_mock)
    with connect(apns_mock) as first:
        assert push(first, token).status == 200
        with connect(apns_mock) as second:
            assert second.max_concurrent_streams == 1
    assert apns_mock.control.stats()["connections_opened"] == 2


def test_a_second_stream_before_authentication_is_a_protocol_error(apns_mock):
    with connect(apns_mock) as client:
        assert client.max_concurrent_streams == 1
        client.ignore_stream_limit()
        headers = [("apns-topic", DEFAULT_TOPIC), ("authorization", f"bearer {provider_token(apns_mock)}")]
        for _ in range(2):
            client.start("POST", f"/3/device/{DEVICE}", headers, finish=False)
        client.wait_for(lambda: client.goaway is not None or client.closed)
    assert client.goaway is not None and client.goaway.error_code == h2.errors.ErrorCodes.PROTOCOL_ERROR
    (connection,) = apns_mock.control.stats()["connections"]
    assert connection["protocol_errors"]


def test_streams_run_concurrently_once_authenticated(apns_mock):
    with connect(apns_mock) as client:
        token = provider_token(apns_mock)
        assert push(client, token).status == 200
        client.wait_for(lambda: client.max_concurrent_streams == 1000)
        apns_mock.control.script([{"status": 200, "delay_ms": 300}] * 3)
        headers = [("apns-topic", DEFAULT_TOPIC), ("authorization", f"bearer {token}")]
        streams = [client.start("POST", f"/3/device/{DEVICE}", headers, PAYLOAD) for _ in range(3)]
        assert [client.response(stream).status for stream in streams] == [200, 200, 200]
    assert apns_mock.control.stats()["max_concurrent_streams_observed"] == 3


def test_pings_are_answered_and_counted(apns_mock):
    with connect(apns_mock) as client:
        client.ping()
        push(client, provider_token(apns_mock))
    (connection,) = apns_mock.control.stats()["connections"]
    assert connection["pings_received"] == 1


def test_a_client_without_h2_alpn_is_refused(apns_mock):
    with pytest.raises((ConnectionClosed, OSError)):
        with connect(apns_mock, alpn=("http/1.1",)) as client:
            push(client, provider_token(apns_mock))


# ---- provider tokens --------------------------------------------------------------

def _der_signed(mock) -> str:
    """A token whose signature is DER-encoded, the classic ES256 mistake."""
    good = provider_token(mock)
    signing_input = good.rsplit(".", 1)[0].encode()
    der = mock.keys[0].private_key.sign(signing_input, ec.ECDSA(hashes.SHA256()))
    utils.decode_dss_signature(der)  # it is DER indeed
    return f"{signing_input.decode()}.{jwt.utils.base64url_encode(der).decode()}"


TOKEN_FAILURES = {
    "expired": (lambda m: provider_token(m, int(time.time()) - 3601), 403, "ExpiredProviderToken"),
    "wrong team": (lambda m: provider_token(m, team="OTHERTEAM1"), 403, "InvalidProviderToken"),
    "unknown kid": (lambda m: provider_token(m, kid="NOSUCHKEY1"), 403, "InvalidProviderToken"),
    "bad signature": (lambda m: provider_token(m, signer=ec.generate_private_key(ec.SECP256R1())),
                      403, "InvalidProviderToken"),
    "DER signature": (_der_signed, 403, "InvalidProviderToken"),
    "no iat": (lambda m: jwt.encode({"iss": m.team_id}, m.keys[0].private_key, algorithm="ES256",
                                    headers={"kid": m.keys[0].key_id}), 403, "InvalidProviderToken"),
    "iat in the future": (lambda m: provider_token(m, int(time.time()) + 600), 403, "InvalidProviderToken"),
    "HS256": (lambda m: jwt.encode({"iss": m.team_id, "iat": int(time.time())}, "secret" * 6,
                                   algorithm="HS256", headers={"kid": m.keys[0].key_id}),
              403, "InvalidProviderToken"),
    "garbage": (lambda m: "not-a-jwt", 403, "InvalidProviderToken"),
}


@pytest.mark.parametrize("case", TOKEN_FAILURES, ids=list(TOKEN_FAILURES))
def test_provider_token_failures(apns_mock, case):
    make, status, expected = TOKEN_FAILURES[case]
    with connect(apns_mock) as client:
        response = push(client, make(apns_mock))
    assert (response.status, reason(response)) == (status, expected)
    assert apns_mock.control.requests()[0]["answer"]["reason"] == expected


def test_missing_provider_token(apns_mock):
    with connect(apns_mock) as client:
        response = push(client, None)
    assert (response.status, reason(response)) == (403, "MissingProviderToken")


def test_authorization_must_be_a_bearer(apns_mock):
    with connect(apns_mock) as client:
        response = push(client, None, authorization=f"basic {provider_token(apns_mock)}")
    assert (response.status, reason(response)) == (403, "InvalidProviderToken")


def test_every_configured_key_id_is_accepted(tmp_path):
    two = [keys.make_apns_key(tmp_path, "KEYAAAAAA1"), keys.make_apns_key(tmp_path, "KEYBBBBBB2")]
    mock = start_apns_mock(tmp_path, apns_keys=two)
    try:
        for key in two:
            with connect(mock) as client:
                assert push(client, provider_token(mock, key=key)).status == 200
    finally:
        mock.stop()


def test_a_new_token_within_20_minutes_on_one_connection_is_refused(apns_mock):
    now = int(time.time())
    first, second = provider_token(apns_mock, now - 5), provider_token(apns_mock, now)
    with connect(apns_mock) as client:
        assert push(client, first).status == 200
        refused = push(client, second)
        assert (refused.status, reason(refused)) == (429, "TooManyProviderTokenUpdates")
        assert push(client, first).status == 200
    with connect(apns_mock) as other:
        assert push(other, second).status == 200
    assert apns_mock.control.stats()["tokens_seen"] == 2


def test_token_update_window_is_configurable(tmp_path):
    mock = start_apns_mock(tmp_path, token_update_min_s=1)
    try:
        with connect(mock) as client:
            assert push(client, provider_token(mock, int(time.time()) - 5)).status == 200
            time.sleep(1.2)
            assert push(client, provider_token(mock)).status == 200
    finally:
        mock.stop()


def test_a_reused_token_expires_with_age(tmp_path):
    mock = start_apns_mock(tmp_path, token_max_age_s=10)
    try:
        token = provider_token(mock, int(time.time()) - 9)
        with connect(mock) as client:
            assert push(client, token).status == 200
            time.sleep(1.5)
            response = push(client, token)
        assert (response.status, reason(response)) == (403, "ExpiredProviderToken")
    finally:
        mock.stop()


# ---- path and headers ----------------------------------------------------------------

HEADER_CASES = {
    "missing topic": (dict(apns_topic=None), 400, "MissingTopic"),
    "foreign topic": (dict(apns_topic="org.other.app"), 400, "TopicDisallowed"),
    "unknown topic suffix": (dict(apns_topic=DEFAULT_TOPIC + ".watch"), 400, "TopicDisallowed"),
    "empty topic": (dict(apns_topic=""), 400, "BadTopic"),
    "unknown push type": (dict(apns_push_type="banana"), 400, "InvalidPushType"),
    "voip without .voip": (dict(apns_push_type="voip"), 400, "DeviceTokenNotForTopic"),
    "alert to .voip": (dict(apns_topic=DEFAULT_TOPIC + ".voip"), 400, "DeviceTokenNotForTopic"),
    "voip to .voip": (dict(apns_push_type="voip", apns_topic=DEFAULT_TOPIC + ".voip"), 200, None),
    "complication": (dict(apns_push_type="complication", apns_topic=DEFAULT_TOPIC + ".complication"), 200, None),
    "push type inferred from topic": (dict(apns_push_type=None, apns_topic=DEFAULT_TOPIC + ".voip"), 200, None),
    "priority 7": (dict(apns_priority="7"), 400, "BadPriority"),
    "priority 1": (dict(apns_priority="1"), 200, None),
    "background at 10": (dict(apns_push_type="background", apns_priority="10"), 400, "BadPriority"),
    "background by default 10": (dict(apns_push_type="background"), 400, "BadPriority"),
    "background at 5": (dict(apns_push_type="background", apns_priority="5"), 200, None),
    "expiration word": (dict(apns_expiration="soon"), 400, "BadExpirationDate"),
    "expiration negative": (dict(apns_expiration="-1"), 400, "BadExpirationDate"),
    "expiration 0": (dict(apns_expiration="0"), 200, None),
    "collapse id 65 bytes": (dict(apns_collapse_id="c" * 65), 400, "BadCollapseId"),
    "collapse id 64 bytes": (dict(apns_collapse_id="é" * 32), 200, None),
    "collapse id 66 bytes of UTF-8": (dict(apns_collapse_id="é" * 33), 400, "BadCollapseId"),
    "upper-case apns-id": (dict(apns_id=str(uuid.uuid4()).upper()), 400, "BadMessageId"),
    "apns-id not a UUID": (dict(apns_id="message-1"), 400, "BadMessageId"),
    "bad path": (dict(path=f"/3/devices/{DEVICE}"), 404, "BadPath"),
    "GET": (dict(method="GET", body=b""), 405, "MethodNotAllowed"),
    "no device token": (dict(path="/3/device/"), 400, "MissingDeviceToken"),
    "token not hex": (dict(device="xyz0"), 400, "BadDeviceToken"),
    "token of odd length": (dict(device="abc"), 400, "BadDeviceToken"),
    "token of 100 bytes": (dict(device="ab" * 100), 200, None),
    "token over 100 bytes": (dict(device="ab" * 101), 400, "BadDeviceToken"),
}


@pytest.mark.parametrize("case", HEADER_CASES, ids=list(HEADER_CASES))
def test_request_validation(apns_mock, case):
    options, status, expected = HEADER_CASES[case]
    with connect(apns_mock) as client:
        response = push(client, provider_token(apns_mock), **options)
    assert response.status == status
    if expected:
        assert reason(response) == expected
        assert "apns-id" in response.headers


def test_duplicate_headers(apns_mock):
    token = provider_token(apns_mock)
    headers = [("authorization", f"bearer {token}"), ("apns-topic", DEFAULT_TOPIC), ("apns-topic", DEFAULT_TOPIC)]
    with connect(apns_mock) as client:
        response = client.request("POST", f"/3/device/{DEVICE}", headers, PAYLOAD)
    assert (response.status, reason(response)) == (400, "DuplicateHeaders")


# ---- payload ---------------------------------------------------------------------------

def _payload_of(size: int) -> bytes:
    skeleton = b'{"aps":{"alert":""}}'
    return b'{"aps":{"alert":"' + b"x" * (size - len(skeleton)) + b'"}}'


PAYLOAD_CASES = {
    "empty": (b"", {}, 400, "PayloadEmpty"),
    "4096 bytes": (_payload_of(4096), {}, 200, None),
    "4097 bytes": (_payload_of(4097), {}, 413, "PayloadTooLarge"),
    "voip 5120 bytes": (_payload_of(5120), dict(apns_push_type="voip", apns_topic=DEFAULT_TOPIC + ".voip"),
                        200, None),
    "voip 5121 bytes": (_payload_of(5121), dict(apns_push_type="voip", apns_topic=DEFAULT_TOPIC + ".voip"),
                        413, "PayloadTooLarge"),
    "not JSON": (b"{aps}", {}, 400, "BadPayload"),
    "no aps": (b'{"alert":"x"}', {}, 400, "BadPayload"),
    "JSON array": (b'[{"aps":{}}]', {}, 400, "BadPayload"),
}


@pytest.mark.parametrize("case", PAYLOAD_CASES, ids=list(PAYLOAD_CASES))
def test_payload_validation(apns_mock, case):
    body, options, status, expected = PAYLOAD_CASES[case]
    with connect(apns_mock) as client:
        response = push(client, provider_token(apns_mock), body=body, **options)
    assert response.status == status
    if expected:
        assert reason(response) == expected


# ---- scripted answers ----------------------------------------------------------------------

def test_scripted_410_carries_its_timestamp(apns_mock):
    apns_mock.control.script([{"status": 410, "reason": "Unregistered", "timestamp": 1700000000000},
                              {"status": 410, "reason": "ExpiredToken"}])
    with connect(apns_mock) as client:
        token = provider_token(apns_mock)
        first, second = push(client, token), push(client, token)
    assert (first.status, first.json()) == (410, {"reason": "Unregistered", "timestamp": 1700000000000})
    assert second.json()["reason"] == "ExpiredToken"
    assert abs(second.json()["timestamp"] - time.time() * 1000) < 60_000


def test_scripted_429_with_retry_after_then_503_then_200(apns_mock):
    apns_mock.control.script([{"status": 429, "reason": "TooManyRequests", "retry_after": 3},
                              {"status": 503, "reason": "ServiceUnavailable"}, {"status": 200}])
    with connect(apns_mock) as client:
        token = provider_token(apns_mock)
        throttled, unavailable, ok, unscripted = (push(client, token) for _ in range(4))
    assert (throttled.status, reason(throttled), throttled.headers["retry-after"]) == (429, "TooManyRequests", "3")
    assert (unavailable.status, reason(unavailable)) == (503, "ServiceUnavailable")
    assert ok.status == 200 and unscripted.status == 200
    assert apns_mock.control.pending() == []


def test_scripted_goaway_answers_503_shutdown_then_goaway_with_reason(apns_mock):
    apns_mock.control.script([{"goaway": True, "reason": "Shutdown"}])
    with connect(apns_mock) as client:
        response = push(client, provider_token(apns_mock))
        client.wait_for(lambda: client.goaway is not None)
        goaway = client.goaway
    assert (response.status, reason(response)) == (503, "Shutdown")
    assert json.loads(goaway.additional_data) == {"reason": "Shutdown"}
    assert goaway.error_code == h2.errors.ErrorCodes.NO_ERROR
    assert goaway.last_stream_id == 1
    assert apns_mock.control.requests()[0]["answer"]["goaway"] is True


def test_scripted_drop_closes_without_answer(apns_mock):
    apns_mock.control.script([{"drop": True}])
    with connect(apns_mock) as client:
        with pytest.raises(ConnectionClosed):
            push(client, provider_token(apns_mock))
    assert apns_mock.control.requests()[0]["answer"] == {"dropped": True, "scripted": True}
    with connect(apns_mock) as again:
        assert push(again, provider_token(apns_mock)).status == 200


def test_every_status_and_reason_of_apples_table_is_producible(apns_mock):
    pairs = sorted((status, reason_) for status, reasons in apns_answers.REASONS.items() for reason_ in reasons)
    apns_mock.control.script([{"status": status, "reason": reason_} for status, reason_ in pairs])
    with connect(apns_mock) as client:
        token = provider_token(apns_mock)
        answers = [push(client, token) for _ in pairs]
    assert [(response.status, reason(response)) for response in answers] == pairs


def test_scripted_answers_skip_requests_that_fail_validation(apns_mock):
    apns_mock.control.script([{"status": 410, "reason": "Unregistered"}])
    with connect(apns_mock) as client:
        token = provider_token(apns_mock)
        assert reason(push(client, token, apns_priority="7")) == "BadPriority"
        assert push(client, token).status == 410


@pytest.mark.parametrize("entry", [
    {"status": 410, "reason": "Shutdown"},
    {"status": 418, "reason": "Teapot"},
    {"status": 200, "reason": "Unregistered"},
    {"status": 503, "reason": "Shutdown", "timestamp": 1},
    {"status": 200, "colour": "red"},
    {"goaway": True, "reason": "NoSuchReason"},
    "410",
], ids=str)
def test_script_refuses_what_apple_never_answers(apns_mock, entry):
    with pytest.raises(ValueError):
        apns_mock.control.script([entry])
    assert apns_mock.control.pending() == []


# ---- inspection ----------------------------------------------------------------------------

def test_requests_record_what_was_sent_and_answered(apns_mock):
    token = provider_token(apns_mock)
    with connect(apns_mock) as client:
        push(client, token, apns_priority="5", apns_collapse_id="burst-1")
    (entry,) = apns_mock.control.requests()
    assert entry["token"] == DEVICE and entry["path"] == f"/3/device/{DEVICE}"
    assert entry["headers"]["apns-priority"] == "5" and entry["headers"]["apns-collapse-id"] == "burst-1"
    assert entry["payload"] == json.loads(PAYLOAD)
    assert entry["jwt"]["claims"]["iss"] == apns_mock.team_id
    assert entry["jwt"]["header"] == {"alg": "ES256", "kid": apns_mock.keys[0].key_id, "typ": "JWT"}
    assert (entry["connection"], entry["stream"]) == (1, 1)
    assert entry["answer"]["status"] == 200 and entry["answer"]["scripted"] is False


def test_reset_forgets_requests_tokens_and_script(apns_mock):
    apns_mock.control.script([{"status": 503, "reason": "ServiceUnavailable"}] * 2)
    with connect(apns_mock) as client:
        push(client, provider_token(apns_mock))
    apns_mock.control.reset()
    assert apns_mock.control.requests() == []
    assert apns_mock.control.pending() == []
    assert apns_mock.control.stats()["tokens_seen"] == 0


# ---- certificate authentication -------------------------------------------------------------

def test_certificate_auth_needs_no_token_and_gets_1000_streams(apns_cert_mock):
    cert = apns_cert_mock.client_cert
    with connect(apns_cert_mock, cert=cert.cert, key=cert.key) as client:
        assert client.max_concurrent_streams == 1000
        ok = push(client, None, apns_topic=None)
        voip = push(client, None, apns_topic=cert.topic + ".voip", apns_push_type="voip")
        foreign = push(client, None, apns_topic="org.other.app")
    assert ok.status == 200 and voip.status == 200
    assert (foreign.status, reason(foreign)) == (400, "TopicDisallowed")
    assert apns_cert_mock.control.requests()[0]["client_certificate_cn"] == cert.topic


def test_certificate_auth_refuses_a_client_without_certificate(apns_cert_mock):
    with pytest.raises((ConnectionClosed, OSError)):
        with connect(apns_cert_mock) as client:
            push(client, None)
