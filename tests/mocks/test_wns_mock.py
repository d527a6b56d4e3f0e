"""The WNS mock behaves as login.live.com and WNS do, seen through httpx over HTTP/2."""

from __future__ import annotations

import ssl
import time

import httpx
import pytest

from tests.mocks.fixtures import start_wns_mock

TOAST = b'<toast><visual><binding template="ToastGeneric"><text>Juliet</text></binding></visual></toast>'


# ---- helpers ------------------------------------------------------------------------

def trusting(mock) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(mock.tls.ca))


@pytest.fixture
def client(wns_mock):
    with httpx.Client(http2=True, verify=trusting(wns_mock), timeout=10) as client:
        yield client


def token_request(client, mock, **fields):
    """The client-credentials form; keyword fields override (None drops one)."""
    form = {"grant_type": "client_credentials", "client_id": mock.package_sid, "client_secret": mock.client_secret,
            "scope": "notify.windows.com"}
    form.update(fields)
    return client.post(mock.token_url, data={name: value for name, value in form.items() if value is not None})


def access_token(client, mock) -> str:
    response = token_request(client, mock)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def send(client, uri: str, token: str | None, body: bytes = b'{"unread":1}', **headers):
    """A raw notification by default; keyword headers override (x_wns_type -> x-wns-type, None drops one)."""
    wire = {"x-wns-type": "wns/raw", "content-type": "application/octet-stream"}
    if token is not None:
        wire["authorization"] = f"Bearer {token}"
    wire.update({name.replace("_", "-"): value for name, value in headers.items()})
    return client.post(uri, content=body, headers={name: value for name, value in wire.items() if value is not None})


# ---- the token endpoint ---------------------------------------------------------------------

def test_token_flow(client, wns_mock):
    response = token_request(client, wns_mock)
    assert response.http_version == "HTTP/2" and response.status_code == 200
    document = response.json()
    assert set(document) == {"access_token", "token_type", "expires_in"}
    assert (document["token_type"], document["expires_in"]) == ("bearer", 86400)
    assert wns_mock.token_url == f"{wns_mock.url}/accesstoken.srf"
    assert wns_mock.package_sid.startswith("ms-app://s-1-15-2-")


BAD_TOKEN_REQUESTS = {
    "wrong secret": ({"client_secret": "guess"}, "invalid_client"),
    "wrong package SID": ({"client_id": "ms-app://s-1-15-2-1"}, "invalid_client"),
    "wrong scope": ({"scope": "s.notify.live.net"}, "invalid_scope"),
    "wrong grant": ({"grant_type": "password"}, "unsupported_grant_type"),
    "no secret": ({"client_secret": None}, "invalid_request"),
    "no scope": ({"scope": None}, "invalid_request"),
}


@pytest.mark.parametrize("case", BAD_TOKEN_REQUESTS, ids=list(BAD_TOKEN_REQUESTS))
def test_bad_token_requests(client, wns_mock, case):
    fields, error = BAD_TOKEN_REQUESTS[case]
    response = token_request(client, wns_mock, **fields)
    assert (response.status_code, response.json()["error"]) == (400, error)
    assert response.json()["error_description"]
    assert wns_mock.control.stats()["tokens_issued"] == 0


def test_token_request_must_be_a_form(client, wns_mock):
    response = client.post(wns_mock.token_url, json={"grant_type": "client_credentials"})
    assert (response.status_code, response.json()["error"]) == (400, "invalid_request")


def test_given_credentials_are_used(tmp_path):
    mock = start_wns_mock(tmp_path, package_sid="ms-app://s-1-15-2-42", client_secret="s3cret")
    try:
        with httpx.Client(http2=True, verify=trusting(mock)) as client:
            assert token_request(client, mock, client_id="ms-app://s-1-15-2-42",
                                 client_secret="s3cret").status_code == 200
            assert token_request(client, mock, client_secret="other").status_code == 400
    finally:
        mock.stop()


# ---- notifications ------------------------------------------------------------------------

def test_raw_notification_is_received(client, wns_mock):
    uri = wns_mock.channel()
    assert uri.startswith(f"{wns_mock.url}/channel/")
    response = send(client, uri, access_token(client, wns_mock), x_wns_ttl="60", x_wns_cache_policy="no-cache")
    assert response.status_code == 200
    assert response.headers["x-wns-status"] == "received"
    assert len(response.headers["x-wns-msg-id"]) == 16
    assert "x-wns-deviceconnectionstatus" not in response.headers
    entry = wns_mock.control.requests()[-1]
    assert entry["channel"] == uri.rsplit("/", 1)[1]
    assert entry["notification"]["type"] == "wns/raw" and entry["notification"]["ttl"] == 60
    assert entry["payload"] == '{"unread":1}'


GOOD_NOTIFICATIONS = {
    "toast": ({"x_wns_type": "wns/toast", "content_type": "text/xml"}, TOAST),
    "toast with charset and tag": ({"x_wns_type": "wns/toast", "content_type": "text/xml; charset=utf-8",
                                    "x_wns_tag": "a" * 16, "x_wns_group": "chat",
                                    "x_wns_suppresspopup": "true"}, TOAST),
    "badge": ({"x_wns_type": "wns/badge", "content_type": "text/xml"}, b'<badge value="3"/>'),
    "tile": ({"x_wns_type": "wns/tile", "content_type": "text/xml"}, b"<tile><visual/></tile>"),
    "raw at 5000 bytes": ({}, b"x" * 5000),
    "status requested": ({"x_wns_requestforstatus": "true"}, b"x"),
}


@pytest.mark.parametrize("case", GOOD_NOTIFICATIONS, ids=list(GOOD_NOTIFICATIONS))
def test_valid_notifications(client, wns_mock, case):
    headers, body = GOOD_NOTIFICATIONS[case]
    response = send(client, wns_mock.channel(), access_token(client, wns_mock), body, **headers)
    assert response.status_code == 200, response.headers.get("x-wns-error-description")
    if "x_wns_requestforstatus" in headers:
        assert response.headers["x-wns-deviceconnectionstatus"] == "connected"


BAD_NOTIFICATIONS = {
    "no type": ({"x_wns_type": None}, b"x", 400, "X-WNS-Type"),
    "unknown type": ({"x_wns_type": "wns/push"}, b"x", 400, "X-WNS-Type"),
    "raw as text/xml": ({"content_type": "text/xml"}, b"x", 400, "Content-Type"),
    "toast as octets": ({"x_wns_type": "wns/toast"}, TOAST, 400, "Content-Type"),
    "toast not XML": ({"x_wns_type": "wns/toast", "content_type": "text/xml"}, b"<toast>", 400, "XML"),
    "toast with badge root": ({"x_wns_type": "wns/toast", "content_type": "text/xml"}, b"<badge value='1'/>", 400,
                              "<toast>"),
    "tile with toast root": ({"x_wns_type": "wns/tile", "content_type": "text/xml"}, TOAST, 400, "<tile>"),
    "TTL not a number": ({"x_wns_ttl": "1h"}, b"x", 400, "X-WNS-TTL"),
    "negative TTL": ({"x_wns_ttl": "-5"}, b"x", 400, "X-WNS-TTL"),
    "17-character tag": ({"x_wns_tag": "a" * 17}, b"x", 400, "X-WNS-Tag"),
    "17-character group": ({"x_wns_group": "g" * 17}, b"x", 400, "X-WNS-Group"),
    "cache policy": ({"x_wns_cache_policy": "always"}, b"x", 400, "Cache-Policy"),
    "request for status": ({"x_wns_requestforstatus": "yes"}, b"x", 400, "requestforstatus"),
    "suppress popup on raw": ({"x_wns_suppresspopup": "true"}, b"x", 400, "SuppressPopup"),
    "5001 bytes": ({}, b"x" * 5001, 413, "5000"),
}


@pytest.mark.parametrize("case", BAD_NOTIFICATIONS, ids=list(BAD_NOTIFICATIONS))
def test_invalid_notifications(client, wns_mock, case):
    headers, body, status, words = BAD_NOTIFICATIONS[case]
    wns_mock.control.script([{"status": 500}])
    response = send(client, wns_mock.channel(), access_token(client, wns_mock), body, **headers)
    assert response.status_code == status
    assert words in response.headers["x-wns-error-description"]
    assert response.headers["x-wns-msg-id"]
    assert len(wns_mock.control.pending()) == 1
    assert wns_mock.control.stats()["sends_refused"] == 1


def test_missing_unknown_and_expired_tokens_are_unauthorized(client, tmp_path):
    mock = start_wns_mock(tmp_path, token_lifetime_s=1)
    try:
        with httpx.Client(http2=True, verify=trusting(mock)) as client:
            uri = mock.channel()
            for token in (None, "forged"):
                response = send(client, uri, token)
                assert response.status_code == 401 and response.headers["x-wns-error-description"]
                assert response.headers["www-authenticate"].startswith("Bearer")
            token = access_token(client, mock)
            assert send(client, uri, token).status_code == 200
            time.sleep(1.2)
            assert send(client, uri, token).status_code == 401
    finally:
        mock.stop()


def test_unknown_channel_is_not_found(client, wns_mock):
    response = send(client, f"{wns_mock.url}/channel/nosuchchannel", access_token(client, wns_mock))
    assert response.status_code == 404 and "channel" in response.headers["x-wns-error-description"]


def test_only_post_to_channels(client, wns_mock):
    assert client.get(wns_mock.channel()).status_code == 405
    assert client.post(f"{wns_mock.url}/?token=abc", content=b"x").status_code == 404


# ---- scripted answers ------------------------------------------------------------------------

@pytest.mark.parametrize("status", [401, 404, 406, 410, 413, 500, 503])
def test_each_scripted_status(client, wns_mock, status):
    token = access_token(client, wns_mock)
    wns_mock.control.script([{"status": status, "retry_after": 60} if status == 503 else {"status": status}])
    response = send(client, wns_mock.channel(), token)
    assert response.status_code == status
    assert response.headers["x-wns-error-description"]
    assert response.content == b""
    if status == 406:
        assert response.headers["x-wns-status"] == "channelthrottled"
    if status == 503:
        assert response.headers["retry-after"] == "60"
    assert send(client, wns_mock.channel(), token).status_code == 200


def test_scripted_description_and_dropped_status(client, wns_mock):
    token = access_token(client, wns_mock)
    wns_mock.control.script([{"status": 410, "description": "Channel expired on 2024-01-01"},
                             {"wns_status": "dropped"}])
    uri = wns_mock.channel()
    assert send(client, uri, token).headers["x-wns-error-description"] == "Channel expired on 2024-01-01"
    dropped = send(client, uri, token)
    assert (dropped.status_code, dropped.headers["x-wns-status"]) == (200, "dropped")


def test_expire_tokens_forces_a_refresh(client, wns_mock):
    token = access_token(client, wns_mock)
    uri = wns_mock.channel()
    wns_mock.control.script([{"ok": True}, {"expire_tokens": True}, {"status": 503}])
    assert send(client, uri, token).status_code == 200
    assert send(client, uri, token).status_code == 401
    assert wns_mock.control.stats()["live_tokens"] == 0
    fresh = access_token(client, wns_mock)
    assert send(client, uri, fresh).status_code == 503
    assert send(client, uri, fresh).status_code == 200


def test_scripted_drop_closes_the_connection(client, wns_mock):
    token = access_token(client, wns_mock)
    wns_mock.control.script([{"drop": True}])
    with pytest.raises(httpx.TransportError):
        send(client, wns_mock.channel(), token)
    assert wns_mock.control.requests()[-1]["answer"] == {"dropped": True}


@pytest.mark.parametrize("entry", [{"status": 200}, {"status": 429}, {"wns_status": "channelthrottled"},
                                   {"status": 503, "retry_after": "soon"}, {"reason": "x"}, {}, [1]], ids=str)
def test_script_refuses_what_wns_never_answers(wns_mock, entry):
    with pytest.raises(ValueError):
        wns_mock.control.script([entry])


def test_requests_stats_and_reset(client, wns_mock):
    token = access_token(client, wns_mock)
    uri = wns_mock.channel()
    send(client, uri, token)
    send(client, uri, None)
    kinds = [entry["kind"] for entry in wns_mock.control.requests()]
    assert kinds == ["token", "send", "send"]
    stats = wns_mock.control.stats()
    assert (stats["token_requests"], stats["sends"], stats["sends_ok"], stats["sends_refused"]) == (1, 2, 1, 1)
    assert stats["channels"] == 1 and stats["live_tokens"] == 1
    wns_mock.control.reset()
    assert wns_mock.control.requests() == [] and wns_mock.control.stats()["sends"] == 0
    assert send(client, uri, token).status_code == 200


def test_a_secret_that_looks_like_an_option(tmp_path):
    mock = start_wns_mock(tmp_path, client_secret="-starts-with-a-dash")
    try:
        with httpx.Client(http2=True, verify=trusting(mock)) as client:
            assert token_request(client, mock).status_code == 200
    finally:
        mock.stop()
