#!/usr/bin/env python3
"""CPU cost in Prosody of messages to a hibernating push-enabled user:
mod_nudge against mod_cloud_notify (Debian's prosody-modules).

    .venv/bin/python -m bench.prosody_held [--messages 10000] [--users 10] [--runs 1]
        [--modules none,nudge,cloud_notify,nudge-apns] [--mam]

For each module, a fresh Debian Prosody 0.12 (tests/prosody/harness.py) on
loopback:

  1. USERS users enable push (XEP-0357) with stream management, then their
     TCP connections are cut without </stream>: mod_smacks hibernates their
     sessions, as a phone's is;
  2. romeo sends them MESSAGES chat messages with a body, to each in turn;
  3. Prosody's CPU time (utime + stime of every thread, the engine's
     included, and of the engine's threads alone) is read before the first
     message and once the server has handled the last: romeo's ping after
     it answered, mod_nudge's coalescing window closed, and the CPU time no
     longer moving.

Modules:
  none          no push module: the cost of the messages themselves
  nudge         mod_nudge, publishing to a remote app server: a slixmpp
                component that only answers result
  cloud_notify  mod_cloud_notify, publishing to the same component
  nudge-apns    mod_nudge serving the app server itself, pushing to the
                APNs mock (tests/mocks) over HTTP/2 + TLS

smacks_max_queue_size is raised so that long queues do not end the
sessions. Several users (10 by default) keep the queues short: mod_smacks'
cost per queued stanza grows with the queue, and with one user receiving
10,000 messages it hides everything else (--users 1 shows it). mod_mam is off unless --mam (it archives the same messages
whichever module runs).
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import tempfile
from pathlib import Path

from bench.held_cpu import cost_of_messages, engine_thread_cpu_seconds, process_cpu_seconds, run_rounds
from tests.prosody.harness import ProsodyServer, prosody_available
from tests.prosody.prosody_env import DOMAIN, PASSWORD
from tests.support.vendor_backends import apns_backend
from tests.support.xmpp import AppServer, Client

APPS = "apps.example.net"
COALESCE_WINDOW_S = 2
BASE_MODULES = ["roster", "saslauth", "disco", "smacks", "offline", "ping", "adhoc"]


def start_server(name: str, work: Path, users: int, apns, mam: bool, secret: str) -> ProsodyServer:
    modules = BASE_MODULES + (["mam"] if mam else [])
    accounts = {f"user{i}": PASSWORD for i in range(users)} | {"romeo": PASSWORD}
    common = dict(users=accounts, modules=modules,
                  external_components={APPS: secret},
                  global_options={"smacks_max_queue_size": 1000000, "smacks_hibernation_time": 3600},
                  log_level="info")
    if name == "none":
        server = ProsodyServer(work / name, component=None, host_modules=[], **common)
    elif name == "cloud_notify":
        server = ProsodyServer(work / name, component=None, host_modules=["cloud_notify"], **common)
    elif name in ("nudge", "nudge-apns"):
        options = {"nudge_store_path": "nudge-store", "nudge_coalesce_window": COALESCE_WINDOW_S,
                   "nudge_pubsub_host": f"push.{DOMAIN}"}
        if apns is not None:
            options["nudge_backends"] = [apns_backend(apns)]
        server = ProsodyServer(work / name, options=options, **common)
    else:
        raise SystemExit(f"unknown module {name!r}")
    return server.start()


async def measure(name: str, messages: int, users: int, work: Path, apns=None, mam: bool = False) -> dict:
    secret = secrets.token_hex(8)
    server = start_server(name, work, users, apns, mam, secret)
    cpu_seconds = lambda: process_cpu_seconds(server.process.pid)  # noqa: E731
    try:
        app = AppServer(APPS, secret)
        await app.online(server.component_port)
        b = Client(f"romeo@{DOMAIN}/desk", PASSWORD)
        await b.online(server.c2s_port)
        recipients = []
        for i in range(users):
            a = Client(f"user{i}@{DOMAIN}/phone", PASSWORD, stream_management=True)
            await a.online(server.c2s_port)
            if name == "nudge-apns":
                fields = await a.command(DOMAIN, "register-push-apns", {"token": secrets.token_hex(32)})
                await a.enable(fields["jid"], fields["node"], fields["secret"])
            elif name != "none":
                await a.enable(APPS, f"bench-node-{i}", "bench-secret")
            # mod_smacks hibernates the session as soon as Prosody sees the
            # connection gone, well before the server is idle again.
            a.drop()
            await a.dropped()
            recipients.append(a.boundjid.bare)

        async def settle():
            if name.startswith("nudge"):
                await asyncio.sleep(COALESCE_WINDOW_S + 0.5)   # the coalesced follow-up leaves when the window closes

        costs = await cost_of_messages(cpu_seconds, {
            "engine_threads_cpu_s": lambda: engine_thread_cpu_seconds(server.process.pid),
        }, b, recipients, messages, settle)
        result = {"module": name, "mam": mam, "messages": messages, "users": users, **costs,
                  "publishes_at_component": len(app.publishes)}
        if apns is not None:
            result["pushes_at_apns"] = len(apns.control.requests())
        await b.offline()
        app.disconnect()
        return result
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=10000)
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--modules", default="none,nudge,cloud_notify,nudge-apns")
    parser.add_argument("--mam", action="store_true", help="also load mod_mam, which archives every message")
    args = parser.parse_args()
    why = prosody_available()
    if why:
        raise SystemExit(why)
    with tempfile.TemporaryDirectory(prefix="prosody-held-") as tmp:
        run_rounds(args.modules.split(","), args.runs, 0, Path(tmp),
                   lambda name, work, apns: measure(name, args.messages, args.users, work, apns, args.mam))


if __name__ == "__main__":
    main()
