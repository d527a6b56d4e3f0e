"""Debian's ejabberd, as its package runs it: configured in
/etc/ejabberd/ejabberd.yml (the original is put back byte for byte), with
mod_nudge's options in /etc/ejabberd/modules.d/mod_nudge.yml, which
ejabberdctl has ejabberd read after it (as the guides and the package's
sample configure it), started with `ejabberdctl start` (the node runs as
user ejabberd, Mnesia in /var/lib/ejabberd), its users made with
`ejabberdctl register`. The configuration is tests/support/ejabberd_server.py's
(loopback, free ports, no TLS) without Debian's mod_push and
mod_push_keepalive, which mod_nudge refuses to run beside.

    server = SystemEjabberd(apns_mock)
    server.start(); server.register(USERS)
    server.c2s_port, server.wait_for_log("pattern"), server.ctl("nudge_stats")
    server.stop(); server.clean()
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.ejabberd.ejabberd_env import DOMAIN, modules, nudge_options
from tests.packages.daemon_log import DaemonLog
from tests.support.ejabberd_server import EjabberdServer
from tests.support.ports import port_accepts
from tests.support.waiting import wait_until

CONFIG = Path("/etc/ejabberd/ejabberd.yml")
NUDGE_CONFIG = Path("/etc/ejabberd/modules.d/mod_nudge.yml")
LOG = Path("/var/log/ejabberd/ejabberd.log")
RUN_DIR = Path("/run/ejabberd")
TIMEOUT_S = 120


def epmd_running() -> bool:
    return subprocess.run(["epmd", "-names"], capture_output=True).returncode == 0


class SystemEjabberd(DaemonLog):
    log_path = LOG

    def __init__(self, mock):
        self._scratch = tempfile.mkdtemp(prefix="nudge-packages-ejabberd-")
        # The default store path (/var/lib/ejabberd/nudge), as an operator has it.
        layout = EjabberdServer(Path(self._scratch), hosts=[DOMAIN],
                                modules=modules(nudge_options(mock, store_path=None)))
        config = layout.config()
        server_modules = dict(config["modules"])
        self.nudge_config = {"modules": {"mod_nudge": server_modules.pop("mod_nudge")}}
        self.config = dict(config, modules=server_modules)
        assert not NUDGE_CONFIG.exists(), f"{NUDGE_CONFIG} is there already: this machine's own mod_nudge?"
        self.c2s_port = layout.c2s_port
        self.original = CONFIG.read_bytes()
        self.original_stat = CONFIG.stat()
        self.epmd_was_running = epmd_running()
        self.run_dir_existed = RUN_DIR.exists()
        self.users: dict[str, str] = {}
        self.started = False

    def start(self) -> "SystemEjabberd":
        self._write_config(("# Written by tests/packages (the original comes back when the test ends)\n"
                            + json.dumps(self.config, indent=2) + "\n").encode())
        NUDGE_CONFIG.write_text("# Written by tests/packages (removed when the test ends)\n"
                                + json.dumps(self.nudge_config, indent=2) + "\n")
        NUDGE_CONFIG.chmod(0o644)
        # What systemd does at boot (ejabberd's tmpfiles.d); this machine may run no init system.
        subprocess.run(["systemd-tmpfiles", "--create", "/usr/lib/tmpfiles.d/ejabberd.conf"], check=True)
        self.mark_log()
        self.started = True
        started = self.ctl("start")
        assert started[0] == 0, f"ejabberdctl start: {started[1]}\n{self.diagnostics()}"
        ready = self.ctl("started", timeout=TIMEOUT_S)
        assert ready[0] == 0, f"ejabberdctl started: {ready[1]}\n{self.diagnostics()}"
        wait_until(lambda: port_accepts(self.c2s_port), TIMEOUT_S, what="ejabberd's c2s port")
        assert f"Loading third-party configuration from {NUDGE_CONFIG}" in self.log_text(), self.diagnostics()
        return self

    def _write_config(self, content: bytes) -> None:
        """ejabberd.yml with the original's owner and mode (ejabberd:ejabberd 0600, as Debian's postinst makes it)."""
        CONFIG.write_bytes(content)
        os.chown(CONFIG, self.original_stat.st_uid, self.original_stat.st_gid)
        CONFIG.chmod(self.original_stat.st_mode & 0o7777)

    def ctl(self, *args: str, timeout: float = TIMEOUT_S) -> tuple[int, str]:
        result = subprocess.run(["ejabberdctl", *args], capture_output=True, text=True, timeout=timeout,
                                stdin=subprocess.DEVNULL)
        return result.returncode, result.stdout + result.stderr

    def register(self, users: dict[str, str]) -> None:
        for user, password in users.items():
            code, output = self.ctl("register", user, DOMAIN, password)
            assert code == 0, output
            self.users[user] = password

    def stop(self) -> None:
        """ejabberdctl stop, and the epmd that its start began, if none ran before."""
        if self.started:
            self.ctl("stop")
            self.ctl("stopped", timeout=TIMEOUT_S)
            self.started = False
        if not self.epmd_was_running and epmd_running():
            subprocess.run(["epmd", "-kill"], capture_output=True)

    def clean(self) -> None:
        """Unregisters the test's users (with the node up) and puts the original configuration back."""
        for user in self.users:
            self.ctl("unregister", user, DOMAIN)
        self.users = {}
        self.stop()
        self._write_config(self.original)
        NUDGE_CONFIG.unlink(missing_ok=True)
        shutil.rmtree(self._scratch, ignore_errors=True)
        if not self.run_dir_existed:
            shutil.rmtree(RUN_DIR, ignore_errors=True)
