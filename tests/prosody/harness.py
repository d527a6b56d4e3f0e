"""A real Prosody 0.12 with mod_nudge, in a temporary directory, for the
end-to-end tests.

    server = ProsodyServer(tmp_path, options={...}, users={"juliet": "pw"})
    server.start()              # waits until the c2s port accepts
    server.c2s_port, server.log_text(), server.wait_for_log("pattern")
    server.shell("nudge:stats()")   # prosodyctl shell, returns its output
    server.stop()               # SIGTERM, then waits
    server.start_daemon()       # as Debian starts it: prosodyctl start (prosody -D)
    server.stop()               # then prosodyctl stop, and waits for the pid to go

Everything the server writes (data, store, log, pid, admin socket) stays in
the directory; it listens on loopback only, on free ports, and never touches
the system's Prosody (/etc/prosody, /var/lib/prosody).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from pathlib import Path

from tests.support.ports import free_port, port_accepts
from tests.support.processes import terminate
from tests.support.waiting import WaitTimeout, wait_for_lines, wait_until

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
PLUGIN_DIR = REPO / "bindings" / "prosody"
STARTUP_TIMEOUT_S = 30
STOP_TIMEOUT_S = 20


def datamanager_encode(name: str) -> str:
    """A file name as Prosody's util.datamanager makes it: every non-alphanumeric byte as %xx."""
    return "".join(c if c.isascii() and c.isalnum() else "".join(f"%{b:02x}" for b in c.encode()) for c in name)


def lua(value) -> str:
    """A Python value as a Lua literal (config files are Lua)."""
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (str, Path)):
        text = str(value)
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    if isinstance(value, (list, tuple)):
        return "{ " + ", ".join(lua(v) for v in value) + " }"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {lua(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"no Lua literal for {value!r}")


def prosody_available() -> str | None:
    """Why the Prosody tests cannot run here, or None."""
    if not shutil.which("prosody") or not shutil.which("prosodyctl"):
        return "prosody is not installed (apt-get install prosody lua5.4)"
    if not (PLUGIN_DIR / "nudge.so").exists():
        return "bindings/prosody/nudge.so is not built (make lib && make -C bindings/prosody)"
    return None


class ProsodyServer:
    def __init__(self, directory: Path, *, host: str = "example.net", component: str | None = "push.example.net",
                 options: dict | None = None, component_options: dict | None = None,
                 users: dict[str, str] | None = None, modules: list[str] | None = None,
                 global_options: dict | None = None, external_components: dict[str, str] | None = None,
                 external_component_options: dict[str, dict] | None = None,
                 extra_config: str = "", plugin_paths: list[Path] | None = None, lua_cpath: str | None = None,
                 host_modules: list[str] | None = None, log_level: str = "debug"):
        self.dir = Path(directory) / "prosody"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.data = self.dir / "data"
        self.data.mkdir(exist_ok=True)
        (self.dir / "certs").mkdir(exist_ok=True)
        self.host = host
        self.component = component
        self.options = options or {}
        self.component_options = component_options or {}
        self.global_options = global_options or {}
        self.users = users or {}
        self.external_components = external_components or {}   # XEP-0114: name -> secret
        self.external_component_options = external_component_options or {}   # name -> its section's options
        self.extra_config = extra_config   # Lua appended to the configuration
        self.modules = modules
        # Where mod_nudge.lua is (with nudge.so beside it, by default), and
        # where else Lua looks for nudge.so (LUA_CPATH_5_4), for installed copies.
        self.plugin_paths = plugin_paths or [PLUGIN_DIR]
        self.lua_cpath = lua_cpath
        # The VirtualHost's own modules: mod_nudge, or another push module
        # to compare it with (mod_cloud_notify, from prosody-modules).
        self.host_modules = host_modules if host_modules is not None else ["nudge"]
        self.log_level = log_level   # benchmarks log less: debug lines cost CPU
        self.c2s_port = free_port()
        self.component_port = free_port()
        self.http_port = free_port()   # served only if mod_http is loaded
        self.config_path = self.dir / "prosody.cfg.lua"
        self.log_path = self.dir / "prosody.log"
        self.console_path = self.dir / "console.log"
        self.socket_path = self.dir / "admin.sock"
        self.process: subprocess.Popen | None = None
        self.daemon_pid: int | None = None   # with start_daemon(): the detached process
        self.stopped_by_itself: bool | None = None   # stop() of a daemon: without SIGKILL

    # ---- configuration ------------------------------------------------------

    def config_text(self) -> str:
        modules = self.modules if self.modules is not None else [
            "roster", "saslauth", "disco", "carbons", "mam", "smacks", "offline", "ping", "adhoc",
            "admin_shell",
        ]
        lines = [
            "-- Written by tests/prosody/harness.py",
            "run_as_root = true  -- prosodyctl shell under root in CI; harmless otherwise",
            f"pidfile = {lua(self.dir / 'prosody.pid')}",
            f"data_path = {lua(self.data)}",
            f"plugin_paths = {lua(self.plugin_paths)}",
            f"log = {{ {{ levels = {{ min = {lua(self.log_level)} }}, to = \"file\", filename = {lua(self.log_path)} }} }}",
            f"admin_socket = {lua(self.socket_path)}",
            f"certificates = {lua(self.dir / 'certs')}",
            "interfaces = { \"127.0.0.1\" }",
            "local_interfaces = { \"127.0.0.1\" }",
            f"c2s_ports = {{ {self.c2s_port} }}",
            f"component_ports = {{ {self.component_port} }}",
            "c2s_direct_tls_ports = {}",
            "s2s_ports = {}",
            "s2s_direct_tls_ports = {}",
            f"http_ports = {{ {self.http_port} }}",
            "http_interfaces = { \"127.0.0.1\" }",
            "https_ports = {}",
            "modules_disabled = { \"s2s\", \"s2s_auth_certs\", \"tls\" }",
            "authentication = \"internal_plain\"",
            "storage = \"internal\"",
            "allow_registration = false",
            "c2s_require_encryption = false",
            "s2s_require_encryption = false",
            "allow_unencrypted_plain_auth = true",
            "archive_expires_after = \"never\"",
            f"modules_enabled = {lua(modules)}",
        ]
        for key, value in self.global_options.items():
            lines.append(f"{key} = {lua(value)}")
        lines.append("")
        lines.append(f"VirtualHost {lua(self.host)}")
        lines.append(f"    modules_enabled = {lua(self.host_modules)}")
        for key, value in self.options.items():
            lines.append(f"    {key} = {lua(value)}")
        if self.component:
            lines.append("")
            lines.append(f"Component {lua(self.component)} \"nudge\"")
            for key, value in self.component_options.items():
                lines.append(f"    {key} = {lua(value)}")
        for name, secret in self.external_components.items():
            lines.append("")
            lines.append(f"Component {lua(name)}")
            lines.append(f"    component_secret = {lua(secret)}")
            for key, value in self.external_component_options.get(name, {}).items():
                lines.append(f"    {key} = {lua(value)}")
        if self.extra_config:
            lines += ["", self.extra_config]
        return "\n".join(lines) + "\n"

    def write_users(self) -> None:
        """Accounts as mod_auth_internal_plain stores them (no prosodyctl, no mod_register)."""
        accounts = self.data / datamanager_encode(self.host) / "accounts"
        accounts.mkdir(parents=True, exist_ok=True)
        for user, password in self.users.items():
            (accounts / f"{datamanager_encode(user)}.dat").write_text(f"return {{\n\t[\"password\"] = {lua(password)};\n}};\n")

    # ---- process ------------------------------------------------------------

    def start(self, *, wait: bool = True) -> "ProsodyServer":
        self.config_path.write_text(self.config_text())
        self.write_users()
        env = self.environment()
        console = open(self.console_path, "ab")
        self.process = subprocess.Popen(["prosody", "-F", "--config", str(self.config_path)], cwd=self.dir, env=env,
                                        stdin=subprocess.DEVNULL, stdout=console, stderr=subprocess.STDOUT)
        console.close()
        if wait:
            self.wait_ready()
        return self

    def environment(self) -> dict:
        env = dict(os.environ)
        env.pop("LUA_CPATH", None)
        env.pop("LUA_CPATH_5_4", None)   # mod_nudge finds nudge.so beside itself
        if self.lua_cpath:
            env["LUA_CPATH_5_4"] = self.lua_cpath
        return env

    def start_daemon(self) -> "ProsodyServer":
        """Starts Prosody the way Debian's init script and prosodyctl do: it
        loads its hosts, then mod_posix forks and the parent exits
        (prosodyctl start runs prosody -D and waits for the pidfile)."""
        self.config_path.write_text(self.config_text())
        self.write_users()
        with open(self.console_path, "ab") as console:
            started = subprocess.run(["prosodyctl", "--config", str(self.config_path), "start"], cwd=self.dir,
                                     env=self.environment(), stdin=subprocess.DEVNULL, stdout=console,
                                     stderr=subprocess.STDOUT, timeout=STARTUP_TIMEOUT_S)
        if started.returncode != 0:
            raise RuntimeError(f"prosodyctl start exited with {started.returncode}:\n{self.diagnostics()}")
        pidfile = self.dir / "prosody.pid"
        wait_until(lambda: pidfile.exists() and pidfile.read_text().strip().isdigit(), STARTUP_TIMEOUT_S,
                   what="prosody's pidfile")
        self.daemon_pid = int(pidfile.read_text().strip())
        self.wait_ready()
        return self

    def daemon_alive(self) -> bool:
        try:
            os.kill(self.daemon_pid, 0)
        except ProcessLookupError:
            return False
        # A zombie is gone too; the daemon is not our child, but check /proc.
        try:
            return Path(f"/proc/{self.daemon_pid}/stat").read_text().split(") ")[1][0] != "Z"
        except (FileNotFoundError, IndexError):
            return False

    def alive(self) -> bool:
        if self.daemon_pid is not None:
            return self.daemon_alive()
        return self.process.poll() is None

    def stop_daemon(self) -> bool:
        """prosodyctl stop, then up to STOP_TIMEOUT_S for the daemon to exit;
        SIGKILL if it does not. Returns whether it exited by itself."""
        subprocess.run(["prosodyctl", "--config", str(self.config_path), "stop"], cwd=self.dir,
                       env=self.environment(), stdin=subprocess.DEVNULL, capture_output=True, timeout=STOP_TIMEOUT_S)
        try:
            wait_until(lambda: not self.daemon_alive(), STOP_TIMEOUT_S, what="the daemon to exit")
            return True
        except WaitTimeout:
            os.kill(self.daemon_pid, signal.SIGKILL)
            return False

    def wait_c2s_port(self) -> None:
        def up():
            if not self.alive():
                raise RuntimeError(f"prosody exited:\n{self.diagnostics()}")
            return port_accepts(self.c2s_port)
        wait_until(up, STARTUP_TIMEOUT_S, what="prosody's c2s port")

    def wait_ready(self) -> None:
        self.wait_c2s_port()
        # Hosts, and their modules, are loaded before the port opens, but
        # mod_nudge opens its engine once Prosody has started: wait for
        # that line too, or for its error (at load, or at the open).
        if "nudge" in self.host_modules:
            self.wait_for_log(r"Push engine .* open for|Cannot open the push engine|: mod_nudge: ", STARTUP_TIMEOUT_S)

    def stop(self) -> int | None:
        if self.daemon_pid is not None:
            if self.daemon_alive():
                self.stopped_by_itself = self.stop_daemon()
            return None
        if self.process is None:
            return None
        terminate(self.process, STOP_TIMEOUT_S)
        return self.process.returncode

    # ---- observation --------------------------------------------------------

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def diagnostics(self) -> str:
        console = self.console_path.read_text(errors="replace") if self.console_path.exists() else ""
        return f"--- console ---\n{console}\n--- log (tail) ---\n{self.log_text()[-8000:]}"

    def wait_for_log(self, pattern: str, timeout: float = 20, count: int = 1) -> list[str]:
        """Waits until the log has `count` lines matching the regular expression; returns them."""
        return wait_for_lines(self.log_text, pattern, timeout, count, context=self.diagnostics)

    def shell(self, command: str, timeout: float = 30) -> tuple[int, str]:
        """Runs one admin shell command (prosodyctl shell), returning its exit code and output."""
        result = subprocess.run(["prosodyctl", "--config", str(self.config_path), "shell", command],
                                cwd=self.dir, capture_output=True, text=True, timeout=timeout,
                                stdin=subprocess.DEVNULL)
        return result.returncode, result.stdout + result.stderr
