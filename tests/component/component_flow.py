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


async def push_with_body(mock, token: str, body: str) -> dict:
    """Waits for the push that carries this message body (the servers are
    configured to include bodies, so that each push is known for what it
    is: servers also push for other reasons, e.g. ejabberd for any
    unacknowledged stanza when a session goes pending)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE_S
    while True:
        pushes = await asyncio.to_thread(device_pushes, mock, token)
        found = [p for p in pushes if p["payload"].get("last-message-body") == body]
        if found:
            return found[0]
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for the push of {body!r} to {token[:8]}…; "
                                 f"got {[p['payload'] for p in pushes]}")
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


async def push_while_pending(server, mock, token: str, fields: dict | None, body: str, resource: str,
                             hibernating: str) -> dict:
    """Juliet's phone registers (unless fields are given) and enables push,
    goes pending (the server logs `hibernating`, a pattern with {resource}),
    Romeo writes `body`, and its push reaches the APNs mock. Then the phone
    resumes and closes its stream, so that no session is left pending."""
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
    b.say(f"juliet@{DOMAIN}", body)
    push = await push_with_body(mock, token, body)
    assert push["answer"]["status"] == 200, push
    assert push["headers"]["apns-topic"] == mock.topics[0]
    assert push["headers"]["apns-push-type"] == "alert"
    await a.resume(server.c2s_port)
    await a.until(lambda: body in a.bodies, "the message after resuming")
    await a.offline()
    await b.offline()
    return fields
