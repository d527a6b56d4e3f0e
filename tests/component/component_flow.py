"""The client's side of push through the component, shared by the Prosody
and ejabberd tests: register a device at the component by ad-hoc command,
enable XEP-0357 at the user's own server with what it returned, go pending,
and wait for the APNs mock to receive the push."""

from __future__ import annotations

import asyncio

from component_process import PUSH_HOST
from xmpp import Client

DEADLINE_S = 30


def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, 180))


def device_pushes(mock, token: str) -> list[dict]:
    return [r for r in mock.control.requests() if r.get("token") == token]


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


def online_client(jid: str, password: str, *, stream_management: bool = False) -> Client:
    return Client(jid, password, stream_management=stream_management)
