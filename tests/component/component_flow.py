"""The client's side of push through the component, shared by the Prosody
and ejabberd tests: register a device at the component by ad-hoc command,
enable XEP-0357 at the user's own server with what it returned, go pending,
and wait for the APNs mock to receive the push."""

from __future__ import annotations

import asyncio
import re

from component_process import DOMAIN, PUSH_HOST
from component_servers import PASSWORD
from xmpp import Client

DEADLINE_S = 30


def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, 180))


def device_pushes(mock, token: str) -> list[dict]:
    """Requests for the device that the mock has answered (it records a request when it arrives)."""
    return [r for r in mock.control.requests() if r.get("token") == token and r.get("answer")]


async def pushes_until(mock, token: str, count: int) -> list[dict]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE_S
    while True:
        pushes = await asyncio.to_thread(device_pushes, mock, token)
        if len(pushes) >= count:
            return pushes
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for push {count} to {token[:8]}…; got {[p['payload'] for p in pushes]}")
        await asyncio.sleep(0.1)


async def register(client: Client, token: str) -> dict:
    """register-push-apns at the component (the original mod_push command): jid, node, secret."""
    fields = await client.command(PUSH_HOST, "register-push-apns", {"token": token})
    assert fields.get("jid") == PUSH_HOST, fields
    assert fields.get("node") and fields.get("secret"), fields
    return fields


async def enable(client: Client, fields: dict) -> None:
    reply = await client.enable(fields["jid"], fields["node"], fields["secret"])
    assert reply["type"] == "result", reply


async def push_while_pending(server, mock, token: str, fields: dict | None, count: int, resource: str,
                             hibernating: str) -> dict:
    """Juliet's phone registers (unless fields are given) and enables push,
    goes pending (the server logs `hibernating`, a pattern with {resource}),
    Romeo writes, and push number `count` reaches the APNs mock. Then the
    phone resumes, acknowledges the message and closes its stream, so that
    no session is left for the server to push for again: every push the
    mock counts is one of these."""
    a = Client(f"juliet@{DOMAIN}/{resource}", PASSWORD, stream_management=True)
    b = Client(f"romeo@{DOMAIN}/desk", PASSWORD)
    await a.online(server.c2s_port)
    await b.online(server.c2s_port)
    if fields is None:
        fields = await register(a, token)
    await enable(a, fields)
    pattern = hibernating.format(resource=re.escape(resource))
    before = len(re.findall(pattern, server.log_text()))
    a.drop()
    await a.dropped()
    await asyncio.to_thread(server.wait_for_log, pattern, DEADLINE_S, before + 1)
    body = f"message {count}"
    b.say(f"juliet@{DOMAIN}", body)
    pushes = await pushes_until(mock, token, count)
    assert pushes[-1]["answer"]["status"] == 200, pushes[-1]
    assert pushes[-1]["headers"]["apns-topic"] == mock.topics[0]
    await a.resume(server.c2s_port)
    await a.until(lambda: body in a.bodies, "the message after resuming")
    # Acknowledged before the stream closes: an unacknowledged message
    # would go to offline storage and push once more.
    a.plugin["xep_0198"].send_ack()
    await a.ping()
    await a.offline()
    await b.offline()
    assert len(await pushes_until(mock, token, count)) == count
    return fields
