#!/usr/bin/env python3
"""CPU cost in ejabberd of messages to a hibernating push-enabled user:
mod_nudge against ejabberd's own mod_push + mod_push_keepalive.

    .venv/bin/python -m bench.ejabberd_held [--messages 10000] [--runs 1] [--warmup 1] [--modules none,nudge,mod_push,nudge-apns]

For each module, a fresh Debian ejabberd 23.01 (tests/support/ejabberd_server.py)
on loopback:

  1. juliet enables push (XEP-0357) with stream management, then her TCP
     connection is cut without </stream>: her session is pending
     (hibernated), as a phone's is;
  2. romeo sends her MESSAGES chat messages with a body;
  3. the beam process's CPU time (utime + stime of /proc/PID/stat, every
     thread: schedulers, dirty schedulers, the engine's threads) is read
     before the first message and after the node has handled the last.

"Handled" means: romeo's ping after the last message was answered, the app
server got what the module publishes (mod_push: one publish per message),
mod_nudge's coalescing window closed (its follow-up push
is counted), and then the node's CPU time stopped moving (two 0.5 s samples under 5 ms
each), so the work still queued in juliet's session process is counted.
The idle CPU of the node over the same wall time is measured beforehand and
reported beside the result, and so is the share of the engine's own threads
(nudge-writer, nudge-http) and of the NIF's event thread (nudge_events);
the rest is ejabberd's schedulers, hooks and NIF calls included.

Modules:
  none        no push module: the cost of the messages themselves
  nudge       mod_nudge, publishing to a remote app server: the slixmpp
              component below, which only answers result (as for mod_push)
  mod_push    mod_push + mod_push_keepalive, publishing to the same component
  nudge-apns  mod_nudge serving the app server itself, pushing to the APNs
              mock (tests/mocks) over HTTP/2 + TLS

mod_stream_mgmt's max_ack_queue is raised so that 10,000 unacknowledged
stanzas do not end the session. mod_mam is off unless --mam: on Debian's
default Mnesia backend (disc_only tables) archiving costs far more than
either push module, and archives the same messages for both.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import tempfile
from pathlib import Path

from bench.held_cpu import cost_of_messages, run_rounds, threads_cpu_seconds
from tests.support.ejabberd_server import DEFAULT_MODULES, EjabberdServer, ejabberd_available
from tests.support.vendor_backends import apns_backend
from tests.support.xmpp import AppServer, Client

DOMAIN = "example.net"
APPS = "apps.example.net"
PASSWORD = "bench-password"
REPO = Path(__file__).resolve().parents[1]
EBIN = REPO / "bindings" / "ejabberd" / "_build" / "nudge" / "ebin"
COALESCE_WINDOW_S = 2


def module_config(name: str, apns=None, mam: bool = False) -> dict:
    mods = dict(DEFAULT_MODULES)
    if not mam:
        del mods["mod_mam"]
    mods["mod_stream_mgmt"] = {"max_ack_queue": 1000000, "resume_timeout": 3600}
    if name == "none":
        pass
    elif name == "mod_push":
        mods["mod_push"] = {}
        mods["mod_push_keepalive"] = {}
    elif name == "nudge":
        mods["mod_nudge"] = {"store_path": "nudge-store", "coalesce_window": COALESCE_WINDOW_S}
    elif name == "nudge-apns":
        mods["mod_nudge"] = {"store_path": "nudge-store", "coalesce_window": COALESCE_WINDOW_S,
                             "backends": [apns_backend(apns, app="bench")]}
    else:
        raise SystemExit(f"unknown module {name!r}")
    return mods


async def measure(name: str, messages: int, work: Path, apns=None, mam: bool = False) -> dict:
    components = {APPS: secrets.token_hex(8)}
    server = EjabberdServer(work / name, hosts=[DOMAIN], users={"juliet": PASSWORD, "romeo": PASSWORD},
                            modules=module_config(name, apns, mam), components=components, code_paths=[EBIN])
    server.start()
    try:
        app = AppServer(APPS, components[APPS])
        await app.online(server.component_port)
        a = Client(f"juliet@{DOMAIN}/phone", PASSWORD, stream_management=True)
        b = Client(f"romeo@{DOMAIN}/desk", PASSWORD)
        await a.online(server.c2s_port)
        await b.online(server.c2s_port)
        if name == "nudge-apns":
            token = secrets.token_hex(32)
            fields = await a.command(f"push.{DOMAIN}", "register-push-apns", {"token": token})
            await a.enable(fields["jid"], fields["node"], fields["secret"])
        elif name != "none":
            await a.enable(APPS, "bench-node", "bench-secret")
        a.drop()
        await a.dropped()
        await asyncio.to_thread(server.wait_for_log, r"waiting \d+ seconds for stream resumption", 30)

        async def settle():
            if name == "mod_push":
                await app.until(lambda: len(app.publishes) >= messages, "a publish per message", timeout=600)
            elif name.startswith("nudge"):
                # The coalesced follow-up push leaves when the window closes.
                await asyncio.sleep(COALESCE_WINDOW_S + 0.5)

        pid = server.beam_pid()
        # The node's own reading of its CPU time (EjabberdServer.cpu_seconds).
        costs = await cost_of_messages(server.cpu_seconds, {
            "engine_threads_cpu_s": lambda: threads_cpu_seconds(pid, "nudge-"),
            "event_thread_cpu_s": lambda: threads_cpu_seconds(pid, "nudge_events"),
        }, b, f"juliet@{DOMAIN}", messages, settle)
        result = {"module": name, "mam": mam, "messages": messages, **costs,
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
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--warmup", type=int, default=1,
                        help="rounds run first and printed with \"warmup\": true (a cold machine's first node "
                             "costs more)")
    parser.add_argument("--modules", default="none,nudge,mod_push,nudge-apns")
    parser.add_argument("--mam", action="store_true", help="also load mod_mam (Mnesia), which archives every message")
    args = parser.parse_args()
    why = ejabberd_available()
    if why:
        raise SystemExit(why)
    if not (EBIN / "mod_nudge.beam").exists():
        raise SystemExit("bindings/ejabberd is not built (make lib && make -C bindings/ejabberd)")
    with tempfile.TemporaryDirectory(prefix="ejabberd-held-") as tmp:
        run_rounds(args.modules.split(","), args.warmup + args.runs, args.warmup, Path(tmp),
                   lambda name, work, apns: measure(name, args.messages, work, apns, args.mam))


if __name__ == "__main__":
    main()
