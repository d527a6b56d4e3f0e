"""A system daemon's log file as a test reads it: only what was written
since the test's start (mark()), waited on line by line."""

from __future__ import annotations

from pathlib import Path

from tests.support.waiting import wait_for_lines


class DaemonLog:
    log_path: Path      # set by the subclass
    log_mark = 0

    def mark_log(self) -> None:
        """From now on, log_text() starts here."""
        self.log_mark = self.log_path.stat().st_size if self.log_path.exists() else 0

    def log_text(self) -> str:
        try:
            with open(self.log_path, errors="replace") as log:
                log.seek(self.log_mark)
                return log.read()
        except FileNotFoundError:
            return ""

    def diagnostics(self) -> str:
        return f"--- {self.log_path} ---\n{self.log_text()[-8000:]}"

    def wait_for_log(self, pattern: str, timeout: float = 20, count: int = 1) -> list[str]:
        return wait_for_lines(self.log_text, pattern, timeout, count, context=self.diagnostics)
