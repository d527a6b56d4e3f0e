"""The engine's backend configurations for the vendor mocks (tests/mocks):
what an operator writes, with only `endpoint` and `ca_file` pointing at the mock."""

from __future__ import annotations


def apns_backend(mock, **extra) -> dict:
    key = mock.keys[0]
    backend = {"type": "apns", "app": "chatninja", "topic": mock.topics[0], "key_file": str(key.p8),
               "key_id": key.key_id, "team_id": mock.team_id, "endpoint": mock.url, "ca_file": str(mock.tls.ca)}
    backend.update(extra)
    return backend


def fcm_backend(mock, **extra) -> dict:
    backend = {"type": "fcm", "app": "chatninja", "service_account_file": str(mock.account.json_path),
               "endpoint": mock.url, "ca_file": str(mock.tls.ca)}
    backend.update(extra)
    return backend
