"""What the held-message benchmarks of the bindings share: a server
process's CPU time, waiting until it is idle, and the message burst.

    cpu = lambda: process_cpu_seconds(pid)
    await quiescent(cpu)
    idle = await idle_rate(cpu)
    await send_messages(romeo, ["juliet@example.net", "nurse@example.net"], 10000)
"""

from __future__ import annotations

import asyncio
import os
import time

BATCH = 500        # messages between two pings, so slixmpp never buffers them all
_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid: int) -> float:
    """utime + stime of every thread of the process (/proc/PID/stat)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def engine_thread_cpu_seconds(pid: int) -> float:
    """utime + stime of the engine's own threads (nudge-writer, nudge-http):
    the rest of the process's CPU is the server's, and the binding's."""
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/stat") as f:
                head, tail = f.read().rsplit(")", 1)
        except FileNotFoundError:
            continue   # a thread that has just ended
        if head.split("(", 1)[1].startswith("nudge-"):
            fields = tail.split()
            total += int(fields[11]) + int(fields[12])
    return total / _TICKS


async def quiescent(cpu_seconds, timeout: float = 120) -> None:
    """Until the CPU time moves less than 5 ms in two consecutive 0.5 s samples."""
    deadline = time.monotonic() + timeout
    calm, last = 0, cpu_seconds()
    while calm < 2:
        await asyncio.sleep(0.5)
        now = cpu_seconds()
        calm = calm + 1 if now - last < 0.005 else 0
        last = now
        if time.monotonic() > deadline:
            raise RuntimeError("the server never became idle")


async def idle_rate(cpu_seconds, seconds: float = 3) -> float:
    """CPU seconds per second of the idle server, to report beside a result."""
    before = cpu_seconds()
    await asyncio.sleep(seconds)
    return (cpu_seconds() - before) / seconds


async def send_messages(sender, to: str | list[str], count: int) -> None:
    """count chat messages with a body (to several recipients: in turn), then
    a ping: the server has routed them all when it returns."""
    recipients = [to] if isinstance(to, str) else to
    for i in range(count):
        sender.say(recipients[i % len(recipients)], f"message {i}")
        if i % BATCH == BATCH - 1:
            await sender.ping()
    await sender.ping()
