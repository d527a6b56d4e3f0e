"""Debian's Prosody, as its package runs it: configured in /etc/prosody
(conf.d/nudge.cfg.lua, which Debian's prosody.cfg.lua includes), started
with `prosodyctl start` (the daemon runs as user prosody), its users made
with `prosodyctl register`. Listens on 127.0.0.1 only, on free ports.

    server = SystemProsody(apns_mock)
    server.start(); server.register(USERS)
    server.c2s_port, server.wait_for_log("pattern"), server.shell("nudge:stats()")
    server.stop(); server.clean()     # stop even after a failure; clean removes what the test made
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from pathlib import Path

from tests.packages.daemon_log import DaemonLog
from tests.prosody.harness import datamanager_encode, lua
from tests.prosody.prosody_env import DOMAIN, PUSH_HOST
from tests.support.ports import free_port, port_accepts
from tests.support.vendor_backends import apns_backend
from tests.support.waiting import wait_until

CONFIG = Path("/etc/prosody/conf.d/nudge.cfg.lua")
PIDFILE = Path("/run/prosody/prosody.pid")
RUN_DIR = PIDFILE.parent
# The test's own log (beside Debian's prosody.log, which another run as
# root may have left unwritable for user prosody), removed at the end.
LOG = Path("/var/log/prosody/nudge-packages-test.log")
DATA = Path("/var/lib/prosody")
TIMEOUT_S = 60


class SystemProsody(DaemonLog):
    log_path = LOG

    def __init__(self, mock):
        self.mock = mock
        self.c2s_port = free_port()
        self.component_port = free_port()
        self.users: dict[str, str] = {}
        self.host_data_existed = (DATA / datamanager_encode(DOMAIN)).exists()
        self.run_dir_existed = RUN_DIR.exists()

    def config_text(self, external_components: dict[str, str] | None = None) -> str:
        """What an operator adds to /etc/prosody/conf.d: mod_nudge on a
        VirtualHost and its app server component, plus the test's own ports
        and plain-text logins on loopback (no certificate for example.net)."""
        lines = [
            "-- Written by tests/packages (removed when the test ends)",
            f"c2s_ports = {{ {self.c2s_port} }}",
            f"component_ports = {{ {self.component_port} }}",
            "c2s_direct_tls_ports = {}", "s2s_ports = {}", "s2s_direct_tls_ports = {}",
            "http_ports = {}", "https_ports = {}",
            'interfaces = { "127.0.0.1" }', 'local_interfaces = { "127.0.0.1" }', 'component_interfaces = { "127.0.0.1" }',
            "c2s_require_encryption = false", "allow_unencrypted_plain_auth = true",
            f'log = {{ {{ levels = {{ min = "info" }}, to = "file", filename = {lua(LOG)} }} }}',
            "",
            f"VirtualHost {lua(DOMAIN)}",
            '    modules_enabled = { "nudge", "adhoc", "offline" }',
            f"    nudge_pubsub_host = {lua(PUSH_HOST)}",
            f"    nudge_backends = {lua([apns_backend(self.mock)])}",
            "",
            f"Component {lua(PUSH_HOST)} \"nudge\"",
        ]
        for name, secret in (external_components or {}).items():
            lines += ["", f"Component {lua(name)}", f"    component_secret = {lua(secret)}"]
        return "\n".join(lines) + "\n"

    def start(self, **config) -> "SystemProsody":
        CONFIG.write_text(self.config_text(**config))
        CONFIG.chmod(0o644)
        # What /etc/init.d/prosody (or systemd's RuntimeDirectory=) does
        # before starting it; this machine may run no init system.
        RUN_DIR.mkdir(exist_ok=True)
        shutil.chown(RUN_DIR, "prosody", "adm")
        self.mark_log()
        started = subprocess.run(["prosodyctl", "start"], capture_output=True, text=True, timeout=TIMEOUT_S,
                                 stdin=subprocess.DEVNULL)
        assert started.returncode == 0, f"prosodyctl start: {started.stdout}{started.stderr}\n{self.diagnostics()}"
        wait_until(lambda: port_accepts(self.c2s_port), TIMEOUT_S, what="Prosody's c2s port")
        return self

    def register(self, users: dict[str, str]) -> None:
        for user, password in users.items():
            done = subprocess.run(["prosodyctl", "register", user, DOMAIN, password], capture_output=True,
                                  text=True, timeout=TIMEOUT_S)
            assert done.returncode == 0, done.stdout + done.stderr
            self.users[user] = password

    def pid(self) -> int | None:
        try:
            return int(PIDFILE.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None

    def running(self) -> bool:
        pid = self.pid()
        return pid is not None and Path(f"/proc/{pid}").exists()

    def stop(self) -> None:
        """prosodyctl stop; the daemon this test started is killed if it outlives it."""
        if not self.running():
            return
        pid = self.pid()
        subprocess.run(["prosodyctl", "stop"], capture_output=True, timeout=TIMEOUT_S)
        try:
            wait_until(lambda: not Path(f"/proc/{pid}").exists(), TIMEOUT_S, what="Prosody to exit")
        except Exception:
            os.kill(pid, signal.SIGKILL)
            raise

    def clean(self) -> None:
        """Removes the test's users, configuration and host data (the store goes with the purge)."""
        for user in self.users:
            subprocess.run(["prosodyctl", "deluser", f"{user}@{DOMAIN}"], capture_output=True, timeout=TIMEOUT_S)
        CONFIG.unlink(missing_ok=True)
        LOG.unlink(missing_ok=True)
        if not self.run_dir_existed:
            shutil.rmtree(RUN_DIR, ignore_errors=True)
        if not self.host_data_existed:
            shutil.rmtree(DATA / datamanager_encode(DOMAIN), ignore_errors=True)

    def shell(self, command: str, timeout: float = 30) -> tuple[int, str]:
        result = subprocess.run(["prosodyctl", "shell", command], capture_output=True, text=True, timeout=timeout,
                                stdin=subprocess.DEVNULL)
        return result.returncode, result.stdout + result.stderr
