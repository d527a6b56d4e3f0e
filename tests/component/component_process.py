"""nudge-component as the tests run it: a configuration file written the
way an operator writes one, the built binary started as a process, its
stderr (sd-daemon "<N>" lines) kept in a file to wait on.

    c = NudgeComponent(tmp_path / "component", server_port=port, backends=[apns_backend(mock)])
    c.start(); c.wait_for_log(r"connected to .* as push\\.example\\.net")
    c.signal(signal.SIGUSR1); c.stats()       # the last "stats: {…}" line, parsed
    c.stop()                                  # SIGTERM, returns the exit code
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
from pathlib import Path

from tests.support.processes import terminate
from tests.support.waiting import wait_for_lines, wait_until

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
BINARY = Path(os.environ.get("NUDGE_COMPONENT", REPO / "bindings" / "component" / "build" / "nudge-component"))
DOMAIN = "example.net"
PUSH_HOST = "push.example.net"
STOP_TIMEOUT_S = 30
EX_NOPERM = 77   # sysexits.h: its exit status when the server refuses its secret


def binary_missing() -> str | None:
    if not BINARY.exists():
        return f"{BINARY} is not built (make lib && make -C bindings/component)"
    return None


class NudgeComponent:
    def __init__(self, directory: Path, *, server_port: int, secret: str = "component-secret",
                 backends: list[dict] | None = None, component: dict | None = None, engine: dict | None = None,
                 secret_mode: int = 0o600, binary: Path = BINARY):
        self.binary = binary
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.config_path = self.dir / "component.json"
        self.secret_path = self.dir / "component.secret"
        self.stderr_path = self.dir / "stderr.log"
        self.secret = secret
        self.secret_path.write_text(secret + "\n")
        self.secret_path.chmod(secret_mode)
        self.component = {"server_host": "127.0.0.1", "server_port": server_port, "domain": PUSH_HOST,
                          "secret_file": str(self.secret_path), "reconnect_min_s": 0.2, "reconnect_max_s": 1,
                          "stop_timeout_s": 5}
        self.component.update(component or {})
        self.engine = {"store": {"path": str(self.dir / "store")},
                       "server": {"domains": [DOMAIN], "coalesce_window_s": 1},
                       "appserver": {"backends": backends or []},
                       "log": {"level": "debug"}}
        self.engine.update(engine or {})
        self.process: subprocess.Popen | None = None

    def config(self) -> dict:
        return {"component": self.component, **self.engine}

    def write_config(self) -> None:
        self.config_path.write_text(json.dumps(self.config(), indent=2) + "\n")

    def start(self, *args: str, config: str | None = None, env: dict[str, str] | None = None) -> "NudgeComponent":
        """Starts the binary on the configuration (written from .config() unless config is given);
        env adds environment variables."""
        if config is None:
            self.write_config()
        else:
            self.config_path.write_text(config)
        stderr = open(self.stderr_path, "ab")
        environment = {k: v for k, v in os.environ.items() if k != "NOTIFY_SOCKET"}
        environment.update(env or {})
        self.process = subprocess.Popen([str(self.binary), *args, str(self.config_path)], cwd=self.dir, env=environment,
                                        stdin=subprocess.DEVNULL, stdout=stderr, stderr=stderr)
        stderr.close()
        return self

    def run(self, *args: str, config: str | None = None, env: dict[str, str] | None = None,
            timeout: float = 30) -> tuple[int, str]:
        """Runs to completion (for configurations that must be refused): (exit code, stderr)."""
        self.start(*args, config=config, env=env)
        code = self.process.wait(timeout)
        return code, self.log_text()

    def signal(self, sig: int) -> None:
        self.process.send_signal(sig)

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> int | None:
        if self.process is None:
            return None
        if not terminate(self.process, timeout):
            raise AssertionError(f"nudge-component did not stop within {timeout} s after SIGTERM\n{self.log_text()[-4000:]}")
        return self.process.returncode

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    # ---- observation ----------------------------------------------------------

    def log_text(self) -> str:
        try:
            return self.stderr_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def wait_for_log(self, pattern: str, timeout: float = 30, count: int = 1) -> list[str]:
        def still_running():
            if self.process is not None and self.process.poll() is not None:
                raise AssertionError(f"nudge-component exited with {self.process.returncode} before logging "
                                     f"/{pattern}/\n{self.log_text()[-4000:]}")
        return wait_for_lines(self.log_text, pattern, timeout, count, check=still_running,
                              context=lambda: self.log_text()[-4000:])

    def fresh_stats(self) -> dict:
        """Sends SIGUSR1 and returns the stats line it makes the component log."""
        lines = len(re.findall(r"^<6>stats: \{", self.log_text(), re.M))
        self.signal(signal.SIGUSR1)
        return self.stats(count=lines + 1)

    def stats_until(self, predicate, what: str, timeout: float = 30) -> dict:
        """Sends SIGUSR1 until the stats line it logs satisfies predicate; returns that line's object."""
        return wait_until(self.fresh_stats, timeout, 0.1, what, accept=predicate, describe=repr)

    def stats(self, count: int = 1) -> dict:
        """The count-th "stats: {…}" line (after SIGUSR1), parsed."""
        line = self.wait_for_log(r"^<6>stats: \{", count=count)[count - 1]
        return json.loads(line.split("stats: ", 1)[1])
