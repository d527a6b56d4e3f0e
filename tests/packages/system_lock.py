"""One package test at a time on this machine: the system's Prosody and
ejabberd, /etc and dpkg are shared by every checkout's test run."""

from __future__ import annotations

import contextlib
import fcntl

LOCK = "/run/lock/nudge-package-tests.lock"


@contextlib.contextmanager
def held():
    with open(LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
