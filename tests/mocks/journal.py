"""The record of every request a mock received, for tests to assert on.

End-to-end tests judge the engine by what reached the vendor (headers,
payload, which token, which connection), not by what the engine says it
sent. Entries are written on the event loop and read from the control
thread, hence the lock; readers get deep copies so later updates (an answer
filled in after a delay) cannot change what a test already holds.
"""

from __future__ import annotations

import copy
import threading


class Journal:
    def __init__(self):
        self._lock = threading.Lock()
        self._entries: list[dict] = []

    def add(self, entry: dict) -> dict:
        """Record an entry; the caller may fill in its "answer" later via update()."""
        with self._lock:
            self._entries.append(entry)
        return entry

    def update(self, entry: dict, **fields) -> None:
        with self._lock:
            entry.update(fields)

    def entries(self) -> list[dict]:
        with self._lock:
            return copy.deepcopy(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
