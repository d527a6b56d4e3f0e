"""The demo: a real Prosody with mod_nudge, two real XMPP clients (slixmpp),
and a push arriving at a mock APNs over HTTP/2 + TLS, each step printed
with its time. Run by scripts/demo, which installs and builds what it needs.

Everything runs on loopback in a temporary directory and stops at the end.
"""

import asyncio
import json
import secrets
import tempfile
import time
from pathlib import Path

from tests.mocks.fixtures import start_apns_mock
from tests.prosody.harness import ProsodyServer
from tests.prosody.prosody_env import DOMAIN, PASSWORD, USERS, engine_stats, push_options
from tests.support.waiting import WaitTimeout, wait_until_async
from tests.support.xmpp import Client

STARTED = time.monotonic()


def say(text: str) -> None:
    print(f"[{(time.monotonic() - STARTED) * 1000:8.0f} ms] {text}", flush=True)


def detail(text: str) -> None:
    print(f"{'':14}{text}", flush=True)


async def wait_for_pushes(mock, token: str, count: int, timeout: float = 30) -> list[dict]:
    try:
        return await wait_until_async(lambda: [r for r in mock.control.requests() if r.get("token") == token],
                                      timeout, 0.05, f"{count} push(es)", accept=lambda pushes: len(pushes) >= count)
    except WaitTimeout:
        raise SystemExit(f"no push arrived within {timeout} s; see the logs above") from None


def show_push(push: dict) -> None:
    headers = push["headers"]
    detail(f"POST {push['path'][:30]}… answered {push['answer']['status']}")
    detail(f"apns-topic: {headers['apns-topic']}, apns-push-type: {headers['apns-push-type']}, "
           f"apns-priority: {headers['apns-priority']}, apns-collapse-id: {headers['apns-collapse-id']}")
    detail(f"payload: {json.dumps(push['payload'])}")


async def scenario(server: ProsodyServer, mock) -> None:
    token = secrets.token_hex(32)
    juliet = Client(f"juliet@{DOMAIN}/phone", PASSWORD, stream_management=True)
    romeo = Client(f"romeo@{DOMAIN}/desk", PASSWORD)
    await juliet.online(server.c2s_port)
    await romeo.online(server.c2s_port)
    say("juliet (phone, with stream management) and romeo (desk) are online")

    fields = await juliet.command(DOMAIN, "register-push-apns", {"token": token})
    say("juliet's phone registers its APNs token with the app server (ad-hoc command register-push-apns)")
    detail(f"reply: jid={fields['jid']} node={fields['node']} secret={fields['secret'][:4]}… (stored as a digest)")
    await juliet.enable(fields["jid"], fields["node"], fields["secret"])
    say("juliet enables push (XEP-0357) with that jid, node and secret; the reply came after the commit")

    juliet.drop()
    await juliet.dropped()
    line = await asyncio.to_thread(server.wait_for_log, r"Push-enabled session .* is pending; kept \d+ s", 20)
    say("juliet's phone goes to the background: TCP dropped without </stream>")
    detail(line[-1].split("mod_nudge", 1)[-1].strip())

    romeo.say(f"juliet@{DOMAIN}", "Wherefore art thou, Juliet?")
    say("romeo: \"Wherefore art thou, Juliet?\"")
    [push] = await wait_for_pushes(mock, token, 1)
    say("the push arrives at APNs (the mock checks the JWT, every header and the payload)")
    show_push(push)

    for text in ["It is the east", "and Juliet is the sun", "Arise, fair sun"]:
        romeo.say(f"juliet@{DOMAIN}", text)
    say("romeo sends three more within the 2 s coalescing window: no push now…")
    pushes = await wait_for_pushes(mock, token, 2)
    say("…and one follow-up when the window ends, same collapse id, the whole count")
    show_push(pushes[-1])

    await juliet.resume(server.c2s_port)
    await juliet.until(lambda: len(juliet.bodies) >= 4, "every message")
    say(f"juliet opens the app: the stream resumes and she gets all {len(juliet.bodies)} messages")
    for body in juliet.bodies:
        detail(f"«{body}»")

    stats = await asyncio.to_thread(engine_stats, server)
    say("the engine's counters (prosodyctl shell: nudge:stats())")
    detail(json.dumps({k: stats[k] for k in ("users_enabled", "pushes", "held", "deliveries")}))
    await juliet.offline()
    await romeo.offline()


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="nudge-demo-") as tmp:
        directory = Path(tmp)
        mock = start_apns_mock(directory / "apns")
        say(f"mock APNs listening on {mock.url} (HTTP/2 + TLS, a CA made for this run)")
        server = ProsodyServer(directory, options=push_options(mock, nudge_log_level="info"), users=USERS)
        try:
            server.start()
            say(f"Prosody with mod_nudge on 127.0.0.1:{server.c2s_port}; "
                f"app server component push.example.net")
            asyncio.run(asyncio.wait_for(scenario(server, mock), 120))
        finally:
            server.stop()
            mock.stop()
        say("done; Prosody and the mock are stopped")


if __name__ == "__main__":
    main()
