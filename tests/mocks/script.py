"""A queue of canned answers that a test loads through the control port.

Tests make a vendor misbehave on cue ("the next push gets 410, the one after
that 429") without the engine knowing it is under test. Entries are consumed
in order by requests that pass the mock's own validation, so a malformed
request never eats an answer meant for a good one.

Some entries are actions rather than answers (FCM's "expire_tokens"): those
are applied as soon as they reach the head of the queue, so that a script
`[answer, action, answer]` applies the action right after the first answer is
used. The queue is shared between the event loop and the control thread,
hence the lock; actions run outside it.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Callable


class Script:
    def __init__(self, is_action: Callable[[dict], bool] = lambda entry: False,
                 apply_action: Callable[[dict], None] = lambda entry: None):
        self._lock = threading.Lock()
        self._entries: deque[dict] = deque()
        self._is_action = is_action
        self._apply_action = apply_action

    def extend(self, entries: list[dict]) -> None:
        """Append already validated entries after those still waiting."""
        with self._lock:
            self._entries.extend(entries)
            actions = self._pop_leading_actions()
        self._run(actions)

    def take(self) -> dict | None:
        """The next answer, or None when the script is exhausted."""
        with self._lock:
            entry = self._entries.popleft() if self._entries else None
            actions = self._pop_leading_actions()
        self._run(actions)
        return entry

    def pending(self) -> list[dict]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def _pop_leading_actions(self) -> list[dict]:
        actions = []
        while self._entries and self._is_action(self._entries[0]):
            actions.append(self._entries.popleft())
        return actions

    def _run(self, actions: list[dict]) -> None:
        for action in actions:
            self._apply_action(action)


class ScriptedControl:
    """The control calls every mock answers the same way: queue scripted
    answers (parsed by the mock's own `parse_entry`), show what is left of
    the script, and list the requests the journal holds. A mock mixes this
    in and has `answers` (a Script), `journal` and `parse_entry`."""

    def script(self, entries):
        if not isinstance(entries, list):
            raise ValueError("POST /script takes a JSON list")
        self.answers.extend([self.parse_entry(entry) for entry in entries])

    def pending_script(self) -> list[dict]:
        return self.answers.pending()

    def requests(self) -> list[dict]:
        return self.journal.entries()
