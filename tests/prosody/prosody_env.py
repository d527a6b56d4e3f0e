"""What the Prosody end-to-end tests share: the test domain and users, the
mod_nudge options pointing at the APNs mock, and the engine's counters read
through the admin shell."""

import json

DOMAIN = "example.net"
PUSH_HOST = "push.example.net"
PASSWORD = "secret-password"
USERS = {"juliet": PASSWORD, "romeo": PASSWORD, "mercutio": PASSWORD}


def apns_backend(mock) -> dict:
    key = mock.keys[0]
    return {"type": "apns", "app": "chatninja", "topic": mock.topics[0], "key_file": str(key.p8),
            "key_id": key.key_id, "team_id": mock.team_id, "endpoint": mock.url, "ca_file": str(mock.tls.ca)}


def push_options(mock, **extra) -> dict:
    options = {
        "nudge_store_path": "nudge-store",
        "nudge_coalesce_window": 2,
        "nudge_pubsub_host": PUSH_HOST,
        "nudge_backends": [apns_backend(mock)],
        "nudge_log_level": "debug",
    }
    options.update(extra)
    return options


def engine_stats(server) -> dict:
    """The engine's counters, through the admin shell (nudge:stats())."""
    code, output = server.shell("nudge:stats()")
    assert code == 0, output
    for line in output.splitlines():
        if line.startswith("{"):
            return json.loads(line)
    raise AssertionError(f"no JSON in the shell's output:\n{output}")
