"""The FCM mock behaves as Google's token endpoint and FCM v1 do, seen through httpx over HTTP/2."""

from __future__ import annotations

import json
import re
import ssl
import time

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.mocks import google_errors
from tests.mocks.fcm_oauth import FCM_SCOPE, JWT_BEARER
from tests.mocks.fixtures import DEFAULT_PROJECT, start_fcm_mock

DEVICE = "fcm-registration-token-1"


# ---- helpers ------------------------------------------------------------------------

def trusting(mock) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(mock.tls.ca))


@pytest.fixture
def client(fcm_mock):
    with httpx.Client(http2=True, verify=trusting(fcm_mock), timeout=10) as client:
        yield client


def assertion(mock, *, signer=None, alg="RS256", kid=None, **claims) -> str:
    """A service-account assertion as google-auth makes it; keyword claims override (None drops one)."""
    account = mock.account
    now = int(time.time())
    body = {"iss": account.client_email, "scope": FCM_SCOPE, "aud": account.token_uri, "iat": now, "exp": now + 3600}
    body.update(claims)
    body = {name: value for name, value in body.items() if value is not None}
    headers = {"kid": kid or account.private_key_id}
    return jwt.encode(body, signer or account.private_key, algorithm=alg, headers=headers)


def token_request(client, mock, jwt_assertion: str, grant_type: str = JWT_BEARER):
    return client.post(f"{mock.url}/token", data={"grant_type": grant_type, "assertion": jwt_assertion})


def access_token(client, mock) -> str:
    response = token_request(client, mock, assertion(mock))
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def send(client, mock, token: str | None, message: dict | None = None, project: str = DEFAULT_PROJECT, **options):
    headers = {} if token is None else {"authorization": f"Bearer {token}"}
    document = {"message": message if message is not None else {"token": DEVICE, "data": {"k": "v"}}}
    return client.post(f"{mock.url}/v1/projects/{project}/messages:send", headers=headers, json=document, **options)


def fcm_error_code(response) -> str:
    details = response.json()["error"]["details"]
    (fcm,) = [detail for detail in details if detail["@type"] == google_errors.FCM_ERROR_TYPE]
    return fcm["errorCode"]


# ---- the token endpoint ---------------------------------------------------------------------

def test_token_flow_over_http2(client, fcm_mock):
    response = token_request(client, fcm_mock, assertion(fcm_mock))
    assert response.http_version == "HTTP/2"
    assert response.status_code == 200
    document = response.json()
    assert set(document) == {"access_token", "expires_in", "token_type"}
    assert document["token_type"] == "Bearer" and document["expires_in"] == 3599
    assert fcm_mock.control.stats()["tokens_issued"] == 1


def test_service_account_file_points_at_the_mock(fcm_mock):
    document = json.loads(fcm_mock.account.json_path.read_text())
    assert document["token_uri"] == f"{fcm_mock.url}/token"


BAD_ASSERTIONS = {
    "wrong kid": (lambda m: assertion(m, kid="0" * 40), "invalid_grant"),
    "RS384": (lambda m: assertion(m, alg="RS384"), "invalid_grant"),
    "other key": (lambda m: assertion(m, signer=rsa.generate_private_key(public_exponent=65537, key_size=2048)),
                  "invalid_grant"),
    "wrong issuer": (lambda m: assertion(m, iss="someone@else.iam.gserviceaccount.com"), "invalid_grant"),
    "Google's audience": (lambda m: assertion(m, aud="https://oauth2.googleapis.com/token"), "invalid_grant"),
    "no scope": (lambda m: assertion(m, scope=None), "invalid_scope"),
    "other scope": (lambda m: assertion(m, scope="https://www.googleapis.com/auth/userinfo.email"), "invalid_scope"),
    "span over an hour": (lambda m: assertion(m, exp=int(time.time()) + 3601), "invalid_grant"),
    "expired": (lambda m: assertion(m, iat=int(time.time()) - 7200, exp=int(time.time()) - 3600), "invalid_grant"),
    "issued in the future": (lambda m: assertion(m, iat=int(time.time()) + 600, exp=int(time.time()) + 1200),
                             "invalid_grant"),
    "no exp": (lambda m: assertion(m, exp=None), "invalid_grant"),
    "garbage": (lambda m: "not.a.jwt", "invalid_grant"),
}


@pytest.mark.parametrize("case", BAD_ASSERTIONS, ids=list(BAD_ASSERTIONS))
def test_bad_assertions_get_googles_oauth_errors(client, fcm_mock, case):
    make, error = BAD_ASSERTIONS[case]
    response = token_request(client, fcm_mock, make(fcm_mock))
    assert response.status_code == 400
    assert response.json()["error"] == error
    assert response.json()["error_description"]
    assert fcm_mock.control.stats()["tokens_issued"] == 0


def test_extra_scopes_are_fine(client, fcm_mock):
    scopes = f"https://www.googleapis.com/auth/cloud-platform {FCM_SCOPE}"
    assert token_request(client, fcm_mock, assertion(fcm_mock, scope=scopes)).status_code == 200


def test_wrong_grant_type(client, fcm_mock):
    response = token_request(client, fcm_mock, assertion(fcm_mock), grant_type="client_credentials")
    assert (response.status_code, response.json()["error"]) == (400, "unsupported_grant_type")


def test_token_request_must_be_a_form(client, fcm_mock):
    response = client.post(f"{fcm_mock.url}/token", json={"grant_type": JWT_BEARER, "assertion": assertion(fcm_mock)})
    assert (response.status_code, response.json()["error"]) == (400, "invalid_request")
    missing = client.post(f"{fcm_mock.url}/token", data={"grant_type": JWT_BEARER})
    assert (missing.status_code, missing.json()["error"]) == (400, "invalid_request")


def test_access_tokens_expire_after_their_lifetime(tmp_path):
    mock = start_fcm_mock(tmp_path, token_lifetime_s=1)
    try:
        with httpx.Client(http2=True, verify=trusting(mock)) as client:
            response = token_request(client, mock, assertion(mock))
            assert response.json()["expires_in"] == 1
            token = response.json()["access_token"]
            assert send(client, mock, token).status_code == 200
            time.sleep(1.2)
            assert send(client, mock, token).status_code == 401
    finally:
        mock.stop()


# ---- messages:send --------------------------------------------------------------------------

def test_send_with_a_live_token(client, fcm_mock):
    response = send(client, fcm_mock, access_token(client, fcm_mock))
    assert response.status_code == 200
    assert re.fullmatch(rf"projects/{DEFAULT_PROJECT}/messages/0:\d+%[0-9a-f]+", response.json()["name"])


def test_send_without_a_token_is_unauthenticated(client, fcm_mock):
    response = send(client, fcm_mock, None)
    assert response.status_code == 401
    error = response.json()["error"]
    assert (error["code"], error["status"]) == (401, "UNAUTHENTICATED")
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_send_with_an_unknown_token_is_unauthenticated(client, fcm_mock):
    response = send(client, fcm_mock, "ya29.forged")
    assert (response.status_code, response.json()["error"]["status"]) == (401, "UNAUTHENTICATED")


def test_send_to_another_project_is_permission_denied(client, fcm_mock):
    response = send(client, fcm_mock, access_token(client, fcm_mock), project="someone-else")
    assert (response.status_code, response.json()["error"]["status"]) == (403, "PERMISSION_DENIED")


def test_validate_only(client, fcm_mock):
    token = access_token(client, fcm_mock)
    response = client.post(f"{fcm_mock.url}/v1/projects/{DEFAULT_PROJECT}/messages:send",
                           headers={"authorization": f"Bearer {token}"},
                           json={"validate_only": True, "message": {"topic": "news"}})
    assert response.json()["name"].endswith("/messages/fake_message_id")


BAD_MESSAGES = {
    "no target": {"data": {"k": "v"}},
    "two targets": {"token": DEVICE, "topic": "news"},
    "empty token": {"token": ""},
    "bad topic name": {"topic": "news of the day"},
    "number in data": {"token": DEVICE, "data": {"count": 3}},
    "reserved key from": {"token": DEVICE, "data": {"from": "x"}},
    "reserved key gcm": {"token": DEVICE, "data": {"gcm.notification": "x"}},
    "reserved key google": {"token": DEVICE, "data": {"google.c.a.e": "1"}},
    "android priority": {"token": DEVICE, "android": {"priority": "urgent"}},
    "android ttl without s": {"token": DEVICE, "android": {"ttl": "60"}},
    "android ttl in minutes": {"token": DEVICE, "android": {"ttl": "1.5m"}},
    "android ttl 10 decimals": {"token": DEVICE, "android": {"ttl": "1.0000000001s"}},
    "android data number": {"token": DEVICE, "android": {"data": {"n": 1}}},
    "unknown field": {"token": DEVICE, "priority": "high"},
    "apns headers number": {"token": DEVICE, "apns": {"headers": {"apns-priority": 10}}},
    "too big": {"token": DEVICE, "data": {"blob": "x" * 4096}},
}


@pytest.mark.parametrize("case", BAD_MESSAGES, ids=list(BAD_MESSAGES))
def test_invalid_messages(client, fcm_mock, case):
    response = send(client, fcm_mock, access_token(client, fcm_mock), BAD_MESSAGES[case])
    assert response.status_code == 400
    assert response.json()["error"]["status"] == "INVALID_ARGUMENT"
    assert fcm_error_code(response) == "INVALID_ARGUMENT"


GOOD_MESSAGES = {
    "topic": {"topic": "news"},
    "condition": {"condition": "'news' in topics"},
    "android high with ttl": {"token": DEVICE, "android": {"priority": "high", "ttl": "3.5s", "collapse_key": "c"}},
    "android camelCase": {"token": DEVICE, "android": {"priority": "NORMAL", "collapseKey": "c", "ttl": "0s"}},
    "apns and webpush": {"token": DEVICE, "apns": {"headers": {"apns-priority": "10"}, "payload": {"aps": {}}},
                         "webpush": {"headers": {"TTL": "60", "Urgency": "high"}}},
    "notification": {"token": DEVICE, "notification": {"title": "t", "body": "b"}},
    "4096 bytes of payload": {"token": DEVICE, "data": {"blob": "x" * (4096 - len('{"data":{"blob":""}}'))}},
}


@pytest.mark.parametrize("case", GOOD_MESSAGES, ids=list(GOOD_MESSAGES))
def test_valid_messages(client, fcm_mock, case):
    assert send(client, fcm_mock, access_token(client, fcm_mock), GOOD_MESSAGES[case]).status_code == 200


def test_body_must_be_json(client, fcm_mock):
    token = access_token(client, fcm_mock)
    url = f"{fcm_mock.url}/v1/projects/{DEFAULT_PROJECT}/messages:send"
    for content, content_type in ((b"{not json", "application/json"), (b'{"message":{}}', "text/plain")):
        response = client.post(url, content=content, headers={"authorization": f"Bearer {token}",
                                                               "content-type": content_type})
        assert (response.status_code, fcm_error_code(response)) == (400, "INVALID_ARGUMENT")


def test_unknown_path_is_not_found(client, fcm_mock):
    response = client.post(f"{fcm_mock.url}/fcm/send", json={})
    assert (response.status_code, response.json()["error"]["status"]) == (404, "NOT_FOUND")


# ---- scripted errors ------------------------------------------------------------------------

@pytest.mark.parametrize("code", sorted(google_errors.FCM_ERRORS))
def test_each_scripted_error_has_googles_shape(client, fcm_mock, code):
    token = access_token(client, fcm_mock)
    fcm_mock.control.script([{"error": code}])
    response = send(client, fcm_mock, token)
    http_status, status, _ = google_errors.FCM_ERRORS[code]
    error = response.json()["error"]
    assert response.status_code == http_status == error["code"]
    assert error["status"] == status and error["message"]
    assert error["details"] == [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": code}]
    if code in ("QUOTA_EXCEEDED", "UNAVAILABLE"):
        assert int(response.headers["retry-after"]) > 0
    else:
        assert "retry-after" not in response.headers


def test_script_sequence_with_retry_after_and_token_expiry(client, fcm_mock):
    token = access_token(client, fcm_mock)
    fcm_mock.control.script([{"error": "UNREGISTERED"}, {"error": "QUOTA_EXCEEDED", "retry_after": 60},
                             {"expire_tokens": True}, {"error": "UNAVAILABLE", "retry_after": 7}])
    gone = send(client, fcm_mock, token)
    assert (gone.status_code, fcm_error_code(gone)) == (404, "UNREGISTERED")
    throttled = send(client, fcm_mock, token)
    assert (throttled.status_code, throttled.headers["retry-after"]) == (429, "60")
    assert fcm_error_code(throttled) == "QUOTA_EXCEEDED"
    assert send(client, fcm_mock, token).status_code == 401
    fresh = access_token(client, fcm_mock)
    unavailable = send(client, fcm_mock, fresh)
    assert (unavailable.status_code, unavailable.headers["retry-after"]) == (503, "7")
    assert send(client, fcm_mock, fresh).status_code == 200


def test_expire_tokens_first_applies_at_once(client, fcm_mock):
    token = access_token(client, fcm_mock)
    fcm_mock.control.script([{"expire_tokens": True}])
    assert fcm_mock.control.pending() == []
    assert send(client, fcm_mock, token).status_code == 401


def test_scripted_answers_skip_invalid_sends(client, fcm_mock):
    token = access_token(client, fcm_mock)
    fcm_mock.control.script([{"error": "INTERNAL"}])
    assert send(client, fcm_mock, token, {"data": {"k": "v"}}).status_code == 400
    assert send(client, fcm_mock, None).status_code == 401
    assert send(client, fcm_mock, token).status_code == 500


def test_scripted_drop_closes_the_connection(client, fcm_mock):
    token = access_token(client, fcm_mock)
    fcm_mock.control.script([{"drop": True}])
    with pytest.raises(httpx.TransportError):
        send(client, fcm_mock, token)
    assert fcm_mock.control.requests()[-1]["answer"] == {"dropped": True}


@pytest.mark.parametrize("entry", [{"error": "NOT_A_CODE"}, {"error": "UNAVAILABLE", "retry_after": -1},
                                   {"ok": True, "status": 200}, {}, [1]], ids=str)
def test_script_refuses_what_fcm_never_answers(fcm_mock, entry):
    with pytest.raises(ValueError):
        fcm_mock.control.script([entry])


# ---- inspection -----------------------------------------------------------------------------

def test_requests_and_stats(client, fcm_mock):
    token = access_token(client, fcm_mock)
    send(client, fcm_mock, token, {"token": DEVICE, "android": {"priority": "high"}})
    send(client, fcm_mock, None)
    token_entry, ok_entry, refused_entry = fcm_mock.control.requests()
    assert token_entry["kind"] == "token"
    assert token_entry["assertion"]["claims"]["scope"] == FCM_SCOPE
    assert token_entry["assertion"]["header"]["kid"] == fcm_mock.account.private_key_id
    assert ok_entry["kind"] == "send" and ok_entry["message"]["android"] == {"priority": "high"}
    assert ok_entry["headers"]["authorization"] == f"Bearer {token}"
    assert refused_entry["answer"]["status"] == 401
    stats = fcm_mock.control.stats()
    assert (stats["token_requests"], stats["sends"], stats["sends_ok"], stats["sends_refused"]) == (1, 2, 1, 1)
    fcm_mock.control.reset()
    assert fcm_mock.control.requests() == [] and fcm_mock.control.stats()["sends"] == 0
