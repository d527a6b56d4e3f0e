"""What the held-message benchmarks of the bindings share: a server
process's CPU time, waiting until it is idle, and the message burst.

    cpu = lambda: process_cpu_seconds(pid)
    await quiescent(cpu)
    idle = await idle_rate(cpu)
    await send_messages(romeo, ["juliet@example.net", "nurse@example.net"], 10000)
    costs = await cost_of_messages(cpu, {"engine_threads_cpu_s": ...}, romeo, "juliet@example.net", 10000, settle)
    run_rounds(["none", "nudge-apns"], rounds=2, warmup=1, work=tmp, measure=...)   # prints a JSON line each
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path

BATCH = 500        # messages between two pings, so slixmpp never buffers them all
_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid: int) -> float:
    """utime + stime of every thread of the process (/proc/PID/stat)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def threads_cpu_seconds(pid: int, prefix: str) -> float:
    """utime + stime of the process's threads whose name starts with prefix:
    "nudge-" the engine's own (nudge-writer, nudge-http), "nudge_events" the
    ejabberd NIF's event thread. The rest of the process's CPU is the
    server's, and the binding's."""
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/stat") as f:
                head, tail = f.read().rsplit(")", 1)
        except FileNotFoundError:
            continue   # a thread that has just ended
        if head.split("(", 1)[1].startswith(prefix):
            fields = tail.split()
            total += int(fields[11]) + int(fields[12])
    return total / _TICKS


def engine_thread_cpu_seconds(pid: int) -> float:
    """utime + stime of the engine's own threads (nudge-writer, nudge-http)."""
    return threads_cpu_seconds(pid, "nudge-")


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


async def cost_of_messages(cpu_seconds, threads_cpu: dict, sender, to: str | list[str], count: int, settle) -> dict:
    """What a burst of count messages costs the server: once it is idle (its
    idle rate measured, to report beside the result), send_messages, then
    `await settle()` (what the module does after the last message), until
    idle again. threads_cpu: {result key: a reader of some threads' CPU
    time}, reported beside the total. Returns the result's CPU and time fields."""
    await quiescent(cpu_seconds)
    idle = await idle_rate(cpu_seconds)

    started = time.monotonic()
    threads_before = {key: read() for key, read in threads_cpu.items()}
    cpu_before = cpu_seconds()
    await send_messages(sender, to, count)
    await settle()
    await quiescent(cpu_seconds)
    cpu = cpu_seconds() - cpu_before
    threads = {key: round(read() - threads_before[key], 3) for key, read in threads_cpu.items()}
    wall = time.monotonic() - started
    return {"cpu_s": round(cpu, 3), "cpu_s_per_10000": round(cpu / count * 10000, 2), **threads,
            "idle_cpu_s_over_wall": round(idle * wall, 3), "wall_s": round(wall, 2)}


def run_rounds(modules: list[str], rounds: int, warmup: int, work: Path, measure) -> None:
    """Measures each module in turn, rounds times; prints each result as a
    JSON line, the first warmup rounds marked "warmup": true.
    asyncio.run(measure(name, directory, apns)) measures one module in a
    directory of its own; apns is an APNs mock (tests/mocks), started for
    nudge-apns only, or None."""
    for run in range(rounds):
        for name in modules:
            apns = None
            if name == "nudge-apns":
                from tests.mocks.fixtures import start_apns_mock
                apns = start_apns_mock(work / f"apns-{run}")
            try:
                result = asyncio.run(measure(name, work / f"run{run}", apns))
            finally:
                if apns is not None:
                    apns.stop()
            if run < warmup:
                result["warmup"] = True
            print(json.dumps(result), flush=True)
