"""The steps of the XEP-0357 scenarios that the Prosody and the ejabberd
end-to-end tests both take, with slixmpp clients (xmpp.py) and devices at
the vendor mocks (devices.py). What differs between the servers is a
ServerKind:

    KIND = ServerKind(read_stats=engine_stats, register_at=DOMAIN, enablements=..., session_closed=...)
    a, b = KIND.phone(), KIND.desk()
    await online(server, a, b)
    await KIND.register_and_enable(a, device)
    await hibernate(server, a)
    await KIND.stats_until(server, lambda s: s["deliveries"] >= 1, "the delivery")

Every wait is for a condition, with a deadline.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Callable

from tests.support.waiting import wait_until_async
from tests.support.xmpp import Client

DOMAIN = "example.net"           # the users' domain, in both servers' test configurations
PUSH_HOST = "push.example.net"   # the app server
PASSWORD = "secret-password"     # every test user's
JULIET = f"juliet@{DOMAIN}"
ROMEO = f"romeo@{DOMAIN}"
PENDING_TIMEOUT_S = 259200       # the engine's default server.pending_timeout_s (72 h)
DEADLINE_S = 30
SCENARIO_TIMEOUT_S = 180


def run(coroutine):
    """Runs a scenario's coroutine to its end, failing it if it takes longer than SCENARIO_TIMEOUT_S."""
    return asyncio.run(asyncio.wait_for(coroutine, SCENARIO_TIMEOUT_S))


async def online(server, *clients) -> None:
    for client in clients:
        await client.online(server.c2s_port)


async def offline(*clients) -> None:
    for client in clients:
        await client.offline()


async def logged(server, pattern: str, count: int = 1) -> list[str]:
    """The server's log lines matching pattern, once there are count of them (without blocking the clients)."""
    return await asyncio.to_thread(server.wait_for_log, pattern, DEADLINE_S, count)


async def pushes_until(device, predicate, what: str) -> list:
    """Polls the device's vendor mock until predicate(pushes) holds; returns the pushes."""
    return await wait_until_async(device.pushes, DEADLINE_S, 0.05, what, accept=predicate, describe=repr)


async def hibernate(server, client, kept_s: int = PENDING_TIMEOUT_S) -> None:
    """Drops the client's TCP connection and waits until mod_nudge logs its
    push-enabled session pending, kept for the engine's pending timeout."""
    client.drop()
    await client.dropped()
    await logged(server, rf"Push-enabled session {client.boundjid.full} is pending; kept {kept_s} s")


@dataclass(frozen=True)
class ServerKind:
    """What the shared steps need to know of one XMPP server with mod_nudge."""
    read_stats: Callable[..., dict]    # read_stats(server): the engine's counters (blocking)
    register_at: str                   # the host of the registration commands (ad-hoc)
    enablements: Callable[..., list]   # enablements(server, bare JID): the user's (blocking)
    session_closed: Callable           # await session_closed(server, full JID): once the server has ended it

    def phone(self):
        """Juliet's phone, with stream management (so that its session can hibernate)."""
        return Client(f"{JULIET}/phone", PASSWORD, stream_management=True)

    def desk(self):
        """Romeo at his desk, who writes to her."""
        return Client(f"{ROMEO}/desk", PASSWORD)

    async def stats_until(self, server, predicate, what: str) -> dict:
        """Reads the engine's counters until predicate(them) holds; returns them."""
        return await wait_until_async(lambda: asyncio.to_thread(self.read_stats, server), DEADLINE_S, 0.1, what,
                                      accept=predicate, describe=repr)

    async def register_and_enable(self, client, device) -> dict:
        """Registers the device at the app server and enables push with what it returns."""
        fields = await client.command(self.register_at, device.command, device.fields())
        assert fields.get("jid") == PUSH_HOST, fields
        assert fields.get("node") and fields.get("secret"), fields
        await client.enable(fields["jid"], fields["node"], fields["secret"])
        return fields

    async def registered_then_offline(self, server, device) -> dict:
        """Juliet's phone, without stream management (closing its stream ends
        its session), registers the device, enables push and goes offline;
        returns the registration's fields once the server has ended the session."""
        a = Client(f"{JULIET}/phone", PASSWORD)
        await online(server, a)
        fields = await self.register_and_enable(a, device)
        await a.offline()
        await self.session_closed(server, a.boundjid.full)
        return fields

    async def desk_writes(self, server, device, body: str, to: str = JULIET) -> list:
        """Romeo comes online, writes body to `to` (push enabled, offline)
        and leaves once her device has a push; returns the pushes."""
        b = self.desk()
        await online(server, b)
        b.say(to, body)
        pushes = await pushes_until(device, lambda p: len(p) >= 1, "the push")
        await b.offline()
        return pushes

    async def delivered_offline(self, server, device, body: str) -> None:
        """registered_then_offline(), desk_writes(body), and then the engine
        counting the vendor's acceptance: the one push the metrics tests look at."""
        await self.registered_then_offline(server, device)
        await self.desk_writes(server, device, body)
        await self.stats_until(server, lambda s: s["deliveries"] >= 1, "the delivery")

    async def enabled(self, server, device):
        """Juliet's phone and Romeo's desk online, the phone registered and
        push enabled. Returns (phone, desk)."""
        a, b = self.phone(), self.desk()
        await online(server, a, b)
        await self.register_and_enable(a, device)
        return a, b

    async def enabled_and_pending(self, server, device):
        """enabled(), and then the phone's session pending. Returns (phone, desk)."""
        a, b = await self.enabled(server, device)
        await hibernate(server, a)
        return a, b
