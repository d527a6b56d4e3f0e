"""The UBports mock answers /notify as push.ubports.com does, seen through httpx over HTTP/2."""

from __future__ import annotations

import base64
import datetime
import json
import ssl

import httpx
import pytest

from tests.mocks import ubports_rules

APPID = "chat.example_chat"
DATA = {"notification": {"card": {"summary": "Juliet", "body": "Art thou there?", "popup": True}}}


def later(**delta) -> str:
    moment = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(**(delta or {"hours": 1}))
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def client(ubports_mock):
    with httpx.Client(http2=True, verify=ssl.create_default_context(cafile=str(ubports_mock.tls.ca)),
                      timeout=10) as client:
        yield client


def notify(client, mock, document: dict | None = None, *, token: str | None = None, content: bytes | None = None,
           content_type: str | None = "application/json", **fields):
    """POST /notify; keyword fields override the default document (None drops one)."""
    if content is None:
        document = document or {"appid": APPID, "token": token or mock.token(APPID), "expire_on": later(),
                                "data": DATA}
        document.update(fields)
        content = json.dumps({name: value for name, value in document.items() if value is not None}).encode()
    headers = {} if content_type is None else {"content-type": content_type}
    return client.post(mock.notify_url, content=content, headers=headers)


def test_notification_is_accepted_and_journaled(client, ubports_mock):
    token = ubports_mock.token(APPID)
    assert base64.b64decode(token).decode().startswith(f"{APPID}::")
    response = notify(client, ubports_mock, token=token, clear_pending=True, replace_tag="chat-1")
    assert response.http_version == "HTTP/2"
    assert (response.status_code, response.json()) == (200, {"ok": True})
    assert response.headers["content-type"] == "application/json"
    entry = ubports_mock.control.requests()[-1]
    assert entry["notification"]["token"] == token and entry["notification"]["data"] == DATA
    assert entry["notification"]["clear_pending"] is True and entry["notification"]["replace_tag"] == "chat-1"
    assert entry["notification"]["data_length"] == len(json.dumps(DATA))
    stats = ubports_mock.control.stats()
    assert (stats["notifies"], stats["notifies_ok"], stats["tokens"]) == (1, 1, 1)


def test_data_of_2048_bytes_as_sent_fits(client, ubports_mock):
    token = ubports_mock.token(APPID)
    data = json.dumps({"blob": "x" * (2048 - len('{"blob": ""}'))})
    body = f'{{"appid":"{APPID}","token":"{token}","expire_on":"{later()}","data":{data}}}'.encode()
    assert len(data) == 2048
    assert notify(client, ubports_mock, content=body).status_code == 200
    padded = body.replace(b'"data":{', b'"data":{ ')          # one more byte of whitespace, as sent
    response = notify(client, ubports_mock, content=padded)
    assert (response.status_code, response.json()["message"]) == (400, "Data too large")


def _doc(**fields):
    document = {"appid": APPID, "expire_on": later(), "data": DATA}
    document.update(fields)
    return json.dumps({name: value for name, value in document.items() if value is not None}).encode()


# name -> (body maker(token) or field overrides, content type, status, label, message words)
BAD_REQUESTS = {
    "text/plain": (lambda t: _doc(token=t), "text/plain", 415, "invalid-request", "content type"),
    "json with charset": (lambda t: _doc(token=t), "application/json; charset=utf-8", 415, "invalid-request",
                          "content type"),
    "no content type": (lambda t: _doc(token=t), None, 415, "invalid-request", "content type"),
    "empty body": (lambda t: b"", "application/json", 400, "invalid-request", "empty"),
    "body over 4096": (lambda t: _doc(token=t, pad="x" * 4096), "application/json", 413, "invalid-request",
                       "too large"),
    "not JSON": (lambda t: b"{appid: 1}", "application/json", 400, "invalid-request", "Malformed"),
    "a JSON array": (lambda t: b"[]", "application/json", 400, "invalid-request", "Malformed"),
    "trailing garbage": (lambda t: _doc(token=t) + b"}", "application/json", 400, "invalid-request", "Malformed"),
    "appid a number": (lambda t: _doc(token=t, appid=7), "application/json", 400, "invalid-request", "Malformed"),
    "clear_pending a string": (lambda t: _doc(token=t, clear_pending="yes"), "application/json", 400,
                               "invalid-request", "Malformed"),
    "replace_tag a number": (lambda t: _doc(token=t, replace_tag=1), "application/json", 400, "invalid-request",
                             "Malformed"),
    "no appid": (lambda t: _doc(token=t, appid=None), "application/json", 400, "invalid-request", "Missing id"),
    "no token": (lambda t: _doc(), "application/json", 400, "invalid-request", "Missing id"),
    "no data": (lambda t: _doc(token=t, data=None), "application/json", 400, "invalid-request", "Missing data"),
    "data a string": (lambda t: _doc(token=t, data="hello"), "application/json", 400, "invalid-request", "object"),
    "data over 2048": (lambda t: _doc(token=t, data={"b": "x" * 2048}), "application/json", 400,
                       "invalid-request", "Data too large"),
    "no expire_on": (lambda t: _doc(token=t, expire_on=None), "application/json", 400, "invalid-request",
                     "Invalid expiration"),
    "expire_on without zone": (lambda t: _doc(token=t, expire_on=later()[:-1]), "application/json", 400,
                               "invalid-request", "Invalid expiration"),
    "expire_on a date": (lambda t: _doc(token=t, expire_on=later()[:10]), "application/json", 400,
                         "invalid-request", "Invalid expiration"),
    "expire_on month 13": (lambda t: _doc(token=t, expire_on="2999-13-01T00:00:00Z"), "application/json", 400,
                           "invalid-request", "Invalid expiration"),
    "expire_on past": (lambda t: _doc(token=t, expire_on=later(minutes=-1)), "application/json", 400,
                       "invalid-request", "Past expiration"),
    "unknown token": (lambda t: _doc(token=base64.b64encode(f"{APPID}::nope".encode()).decode()),
                      "application/json", 400, "unknown-token", "Unknown token"),
    "token of another app": (lambda t: _doc(token=t, appid="other.example_other"), "application/json", 400,
                             "unknown-token", "Unknown token"),
}


@pytest.mark.parametrize("case", BAD_REQUESTS, ids=list(BAD_REQUESTS))
def test_invalid_requests_get_the_servers_errors(client, ubports_mock, case):
    make, content_type, status, label, words = BAD_REQUESTS[case]
    ubports_mock.control.script([{"error": "internal"}])
    response = notify(client, ubports_mock, content=make(ubports_mock.token(APPID)), content_type=content_type)
    assert response.status_code == status
    assert response.json()["error"] == label
    assert words.lower() in response.json()["message"].lower()
    assert len(ubports_mock.control.pending()) == 1
    assert ubports_mock.control.stats()["notifies_refused"] == 1


def test_expiry_with_offset_and_fraction_is_rfc_3339(client, ubports_mock):
    future = (datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=2))) + datetime.timedelta(hours=1))
    stamp = future.strftime("%Y-%m-%dT%H:%M:%S.123456789+02:00")
    assert notify(client, ubports_mock, expire_on=stamp).status_code == 200


def test_only_post_to_notify(client, ubports_mock):
    response = client.get(ubports_mock.notify_url)
    assert (response.status_code, response.json()["error"]) == (405, "invalid-request")
    assert client.post(f"{ubports_mock.url}/broadcast", content=b"{}").status_code == 404


def test_a_body_without_content_length_is_refused(ubports_mock):
    def chunks():
        yield _doc(token=ubports_mock.token(APPID))

    with httpx.Client(http2=True, verify=ssl.create_default_context(cafile=str(ubports_mock.tls.ca))) as client:
        response = client.post(ubports_mock.notify_url, content=chunks(), headers={"content-type": "application/json"})
    assert (response.status_code, response.json()["message"]) == (411, "A Content-Length must be provided")


# ---- scripted answers ------------------------------------------------------------------------

@pytest.mark.parametrize("label,status", [("unknown-token", 400), ("unknown-channel", 400), ("unauthorized", 401),
                                          ("too-many-pending", 413), ("unavailable", 503), ("internal", 500)])
def test_each_scripted_label(client, ubports_mock, label, status):
    ubports_mock.control.script([{"error": label}])
    response = notify(client, ubports_mock)
    assert response.status_code == status
    assert response.json()["error"] == label and response.json()["message"]
    assert notify(client, ubports_mock).status_code == 200


def test_too_many_pending_carries_the_last_payload(client, ubports_mock):
    token = ubports_mock.token(APPID)
    assert notify(client, ubports_mock, token=token, data={"n": 1}).status_code == 200
    ubports_mock.control.script([{"error": "too-many-pending", "message": "full"}])
    response = notify(client, ubports_mock, token=token, data={"n": 2})
    assert response.json() == {"error": "too-many-pending", "message": "full", "extra": {"n": 1}}


def test_scripted_garbage_is_a_200_that_is_not_json(client, ubports_mock):
    ubports_mock.control.script([{"garbage": True}])
    response = notify(client, ubports_mock)
    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()


def test_scripted_drop_closes_the_connection(client, ubports_mock):
    ubports_mock.control.script([{"drop": True}])
    with pytest.raises(httpx.TransportError):
        notify(client, ubports_mock)
    assert ubports_mock.control.requests()[-1]["answer"] == {"dropped": True}


@pytest.mark.parametrize("entry", [{"error": "too-large"}, {"error": "invalid-request"}, {"status": 400},
                                   {"ok": True, "delay_ms": -1}, {}, [1]], ids=str)
def test_script_refuses_labels_the_server_does_not_have(ubports_mock, entry):
    with pytest.raises(ValueError):
        ubports_mock.control.script([entry])


def test_token_control_needs_an_appid(ubports_mock):
    with pytest.raises(ValueError, match="400"):
        ubports_mock.control.post("/tokens", {})


def test_stats_and_reset(client, ubports_mock):
    notify(client, ubports_mock)
    notify(client, ubports_mock, content_type="text/plain")
    stats = ubports_mock.control.stats()
    assert (stats["notifies"], stats["notifies_ok"], stats["notifies_refused"]) == (2, 1, 1)
    ubports_mock.control.reset()
    assert ubports_mock.control.requests() == [] and ubports_mock.control.stats()["notifies"] == 0


# ---- the raw-member scanner --------------------------------------------------------------------

def test_members_keep_the_exact_text_and_the_last_duplicate():
    found = ubports_rules.members(' {"a" : [1, 2] ,"b":{"c":"\\u00e9"},"a":3} \n')
    assert found == {"a": (3, "3"), "b": ({"c": "é"}, '{"c":"\\u00e9"}')}
    assert ubports_rules.members("{}") == {}
    for bad in ('{"a":1,}', '{"a":1} x', '{"a":NaN}', '{"a" 1}', "[]", ""):
        with pytest.raises(ValueError):
            ubports_rules.members(bad)
