"""What the Prosody end-to-end tests share: the test domain and users, the
mod_nudge options pointing at the APNs mock, and the engine's counters and
a user's enablements read through the admin shell."""

import json

# The users' domain and password and the app server, as in the ejabberd tests.
from tests.support.push_steps import DOMAIN, PASSWORD, PUSH_HOST, ServerKind, logged  # noqa: F401  (re-exported)
from tests.support.vendor_backends import apns_backend

USERS = {"juliet": PASSWORD, "romeo": PASSWORD, "mercutio": PASSWORD}


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


def admin(server, command: str) -> dict:
    """The JSON answer of a mod_nudge admin shell command (nudge:stats(), nudge:list('…'))."""
    code, output = server.shell(command)
    assert code == 0, output
    for line in output.splitlines():
        if line.startswith("{"):
            return json.loads(line)
    raise AssertionError(f"no JSON in the shell's output:\n{output}")


def engine_stats(server) -> dict:
    """The engine's counters, through the admin shell (nudge:stats())."""
    return admin(server, "nudge:stats()")


def enablements(server, jid: str) -> list:
    """The user's push enablements, through the admin shell (nudge:list())."""
    return admin(server, f"nudge:list('{jid}')")["enablements"]


# What is Prosody's own: the counters and enablements come through the
# admin shell, devices register with ad-hoc commands on the user's own
# domain, and mod_c2s logs the end of a session.
PROSODY = ServerKind(read_stats=engine_stats, register_at=DOMAIN, enablements=enablements,
                     session_closed=lambda server, jid: logged(server, rf"Unbinding resource for {jid}"))
