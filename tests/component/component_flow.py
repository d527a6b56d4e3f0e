"""The client's side of push through the component, shared by the Prosody
and ejabberd tests: register a device at the component by ad-hoc command,
enable XEP-0357 at the user's own server with what it returned, go pending,
and wait for the APNs mock to receive the push."""

from __future__ import annotations

import asyncio
import re

from tests.component.component_process import DOMAIN, EX_NOPERM, PUSH_HOST
from tests.component.component_servers import PASSWORD
from tests.support.push_steps import DEADLINE_S, run  # noqa: F401  (run: re-exported for the tests)
from tests.support.vendor_backends import apns_backend
from tests.support.waiting import wait_until_async
from tests.support.xmpp import Client



def start_component(component, server, apns_mock, **kwargs):
    """The component (from the fixture) joined to the server's component
    listener, delivering to the APNs mock; returns it once connected."""
    c = component(server_port=server.component_port, backends=[apns_backend(apns_mock)], **kwargs).start()
    c.wait_for_log(r"^<5>connected to 127\.0\.0\.1:\d+ as push\.example\.net")
    return c


def refused_log(component, server, secret: str) -> str:
    """Starts the component with a secret the server does not know; checks
    that it exits with EX_NOPERM, saying why; returns its log."""
    c = component(server_port=server.component_port, secret=secret).start()
    code = c.process.wait(30)
    log = c.log_text()
    assert code == EX_NOPERM, log
    assert "refused the component: stream error not-authorized" in log, log
    return log


def device_pushes(mock, token: str) -> list[dict]:
    """Requests for the device that the mock has answered (it records a request when it arrives)."""
    return [r for r in mock.control.requests() if r.get("token") == token and r.get("answer")]


async def push_with_body(mock, token: str, body: str) -> dict:
    """Waits for the push that carries this message body (the servers are
    configured to include bodies, so that each push is known for what it
    is: servers also push for other reasons, e.g. ejabberd for any
    unacknowledged stanza when a session goes pending)."""
    def carries_body(push) -> bool:
        return push["payload"].get("last-message-body") == body

    pushes = await wait_until_async(lambda: asyncio.to_thread(device_pushes, mock, token), DEADLINE_S, 0.1,
                                    f"the push of {body!r} to {token[:8]}…",
                                    accept=lambda pushes: any(map(carries_body, pushes)),
                                    describe=lambda pushes: [p["payload"] for p in pushes])
    return next(filter(carries_body, pushes))


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
                             hibernating: str, status: int = 200) -> dict:
    """Juliet's phone registers (unless fields are given) and enables push,
    goes pending (the server logs `hibernating`, a pattern with {resource}),
    Romeo writes `body`, and its push reaches the APNs mock, which answers
    it with `status` (scripted by the test when not 200). Then the phone
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
    assert push["answer"]["status"] == status, push
    assert push["headers"]["apns-topic"] == mock.topics[0]
    assert push["headers"]["apns-push-type"] == "alert"
    await a.resume(server.c2s_port)
    await a.until(lambda: body in a.bodies, "the message after resuming")
    await a.offline()
    await b.offline()
    return fields
