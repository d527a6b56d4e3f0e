"""Waiting for a condition with a deadline, the one way every test, launcher
and benchmark here waits: nothing is asserted from elapsed time alone.

    wait_until(lambda: device.pushes(), 30, what="the push")       # -> the pushes
    wait_until(read_stats, 30, 0.1, "the delivery", accept=lambda s: s["deliveries"] >= 1)
    await wait_until_async(lambda: asyncio.to_thread(engine_stats, server), 30, 0.1, "the delivery",
                           accept=lambda s: s["deliveries"] >= 1)
    wait_for_lines(server.log_text, r"Push engine .* open", 20)   # -> the matching lines
"""

from __future__ import annotations

import asyncio
import inspect
import re
import time


class WaitTimeout(AssertionError):
    """The deadline passed first (an AssertionError, so a test reports it as a failure)."""


def _timed_out(timeout: float, what: str, value, describe) -> WaitTimeout:
    tail = "" if describe is None else f"; last: {describe(value)}"
    return WaitTimeout(f"timed out after {timeout} s waiting for {what}{tail}")


def wait_until(probe, timeout: float = 20, interval: float = 0.05, what: str = "condition", *,
               accept=bool, describe=None, pause=time.sleep):
    """Calls probe() every interval seconds until accept(its value) holds (by
    default: until the value is truthy) and returns that value. After timeout
    seconds it raises WaitTimeout naming what, and describe(the last value)
    when describe is given. pause(interval) runs between two calls (a host
    drains its engine's events there instead of sleeping)."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if accept(value):
            return value
        if time.monotonic() > deadline:
            raise _timed_out(timeout, what, value, describe)
        pause(interval)


async def wait_until_async(probe, timeout: float = 20, interval: float = 0.05, what: str = "condition", *,
                           accept=bool, describe=None):
    """wait_until inside an event loop: sleeps without blocking it, and awaits
    probe()'s value when it is awaitable (asyncio.to_thread for a probe that blocks)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = probe()
        if inspect.isawaitable(value):
            value = await value
        if accept(value):
            return value
        if loop.time() > deadline:
            raise _timed_out(timeout, what, value, describe)
        await asyncio.sleep(interval)


def wait_for_lines(read_text, pattern: str, timeout: float, count: int = 1, *, interval: float = 0.05,
                   context=lambda: "", check=lambda: None) -> list[str]:
    """Waits until read_text() (a log) has count lines matching the regular
    expression and returns them. check() runs while they are missing, to fail
    early (a process that exited); on timeout the error ends with context()."""
    regex = re.compile(pattern)

    def found():
        lines = [line for line in read_text().splitlines() if regex.search(line)]
        if len(lines) >= count:
            return lines
        check()
        return None
    try:
        return wait_until(found, timeout, interval, f"log line /{pattern}/")
    except WaitTimeout:
        raise AssertionError(f"no log line /{pattern}/ within {timeout} s\n{context()}") from None
