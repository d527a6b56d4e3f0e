"""Stopping the servers the tests start, the way a service manager does."""

from __future__ import annotations

import signal
import subprocess


def terminate(process: subprocess.Popen, timeout: float, kill=None) -> bool:
    """SIGTERM, then up to timeout seconds for the process to exit; if it
    does not, kill() (by default SIGKILL to the process) and waits for it.
    Returns whether it exited by itself (a process already gone did)."""
    if process.poll() is not None:
        return True
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout)
        return True
    except subprocess.TimeoutExpired:
        (kill or process.kill)()
        process.wait(10)
        return False
