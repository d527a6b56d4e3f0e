"""A real ejabberd (Debian's 23.01, Erlang 25) in a directory of its own, for tests.

    from tests.support.ejabberd_server import EjabberdServer, ejabberd_available

    server = EjabberdServer(tmp_path / "ejabberd",
                            hosts=["example.net"],
                            users={"juliet@example.net": "pw", "romeo": "pw"},   # bare names: first host
                            modules={"mod_stream_mgmt": {}, "mod_push": {}},      # ejabberd's `modules:` section
                            components={"apps.example.net": "secret"},            # ejabberd_service listener
                            options={"loglevel": "debug"},                        # more top-level options
                            code_paths=["/path/to/ebin"])                         # -pa, for modules not installed
    server.start()                      # returns once c2s accepts and ejabberd reports "started"
    server.c2s_port, server.component_port, server.node, server.cookie
    server.ctl("connected_users")       # -> (exit code, output); ejabberdctl against this node
    server.rpc("ejabberd_sm", "connected_users", "[]")   # -> (exit code, output of io:format("~p"))
    server.rpc_eval("code:which(mod_push)")              # any Erlang expression, evaluated on the node
    server.wait_for_log(r"pattern")     # lines of the log matching a regular expression
    server.log_text(), server.diagnostics()   # log_text()[server.log_mark:] is the current run's
    server.beam_pid(), server.cpu_seconds()   # the node's OS process and its utime+stime
    server.restart()                    # stop, then start with the same config, spool and ports
    server.wait_exit()                  # after start(wait=False) of a node meant to refuse its config
    server.stop()                       # init:stop via SIGTERM, waits; returns the exit status

Everything is under `directory`: ejabberd.yml, the Mnesia spool, the logs.
Listeners are on 127.0.0.1 only, on free ports chosen once, so a restart
keeps them. The node gets a unique name and cookie, and uses a distribution
port of its own instead of epmd (ERL_DIST_PORT, as ejabberdctl supports), so
runs never meet each other nor the system's ejabberd; /etc/ejabberd and
/var/lib/ejabberd are never read or written. Nodes meant to form a cluster
get `epmd_port=` (an epmd of the test's own on a private port,
tests/support/epmd.py) and the same `cookie=` instead.

Why `erl` instead of /usr/sbin/ejabberdctl: run as root, Debian's ejabberdctl
switches to the `ejabberd` user, who cannot read a test's private temporary
directory. `start()` and `ctl()` run exactly what ejabberdctl runs (`erl ...
-s ejabberd` and `erl ... -s ejabberd_ctl -extra NODE ARGS`), as the
current user.

The configuration is written as JSON, which is YAML. TLS is off (no
certificates): clients authenticate with PLAIN over plain TCP on loopback.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
from pathlib import Path

from tests.support.ports import free_port, port_accepts
from tests.support.processes import terminate
from tests.support.waiting import wait_for_lines, wait_until

ERL = "/usr/bin/erl"
# Where Debian installs the ejabberd application (ejabberdctl's ERL_LIBS).
ERL_LIBS = "/usr/lib/x86_64-linux-gnu"
EJABBERD_EBIN = Path(ERL_LIBS) / "ejabberd-23.01" / "ebin"
STARTUP_TIMEOUT_S = 60
STOP_TIMEOUT_S = 30
CTL_TIMEOUT_S = 60

# The modules a plain test server needs; `modules=` replaces them.
DEFAULT_MODULES = {
    "mod_adhoc": {},
    "mod_disco": {},
    "mod_roster": {},
    "mod_ping": {},
    "mod_stream_mgmt": {},
    "mod_offline": {},
    "mod_mam": {"default": "always", "assume_mam_usage": True},
    "mod_caps": {},
    "mod_carboncopy": {},
}


def ejabberd_available() -> str | None:
    """Why ejabberd cannot run here, or None."""
    if not os.access(ERL, os.X_OK):
        return "erl is not installed (apt-get install ejabberd erlang-dev)"
    if not (EJABBERD_EBIN / "ejabberd.app").exists():
        return f"Debian's ejabberd 23.01 is not installed ({EJABBERD_EBIN} is missing; apt-get install ejabberd)"
    return None


def _erl_atom(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _erl_binary(text: str) -> str:
    return '<<"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"/utf8>>'


class EjabberdServer:
    def __init__(self, directory: Path, *, hosts: list[str] | None = None, users: dict[str, str] | None = None,
                 modules: dict | None = None, components: dict[str, str] | None = None,
                 listeners: list[dict] | None = None, options: dict | None = None,
                 code_paths: list[str | Path] | None = None, env: dict[str, str] | None = None,
                 c2s_options: dict | None = None, epmd_port: int | None = None, cookie: str | None = None):
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.spool = self.dir / "spool"
        self.log_dir = self.dir / "log"
        self.config_path = self.dir / "ejabberd.yml"
        self.console_path = self.dir / "console.log"
        self.hosts = list(hosts or ["example.net"])
        self.users = dict(users or {})
        self.modules = dict(DEFAULT_MODULES if modules is None else modules)
        self.components = dict(components or {})     # XEP-0114: JID -> secret
        self.listeners = list(listeners or [])        # more ejabberd listeners, as dicts
        self.options = dict(options or {})            # more top-level options (override the defaults)
        self.c2s_options = dict(c2s_options or {})    # more options of the c2s listener
        self.code_paths = [str(p) for p in (code_paths or [])]
        self.env = dict(env or {})
        self.c2s_port = free_port()
        self.component_port = free_port()
        self.dist_port = free_port()
        # With an epmd of the tests' own (tests/support/epmd.py), nodes that
        # share it and the cookie can find each other: a cluster.
        self.epmd_port = epmd_port
        tag = secrets.token_hex(4)
        self.node = f"nudge-test-{tag}@localhost"
        self.cookie = cookie or secrets.token_hex(16)
        self.process: subprocess.Popen | None = None
        self.log_mark = 0
        self._registered = False

    # ---- configuration --------------------------------------------------------

    def config(self) -> dict:
        listen = [dict({"port": self.c2s_port, "ip": "127.0.0.1", "module": "ejabberd_c2s",
                        "max_stanza_size": 262144, "starttls": False}, **self.c2s_options)]
        if self.components:
            listen.append({"port": self.component_port, "ip": "127.0.0.1", "module": "ejabberd_service",
                           "hosts": {name: {"password": secret} for name, secret in self.components.items()}})
        listen += self.listeners
        config = {
            "hosts": self.hosts,
            "loglevel": "info",
            "log_rotate_count": 0,
            "auth_method": "internal",
            "auth_password_format": "plain",
            "default_db": "mnesia",
            "s2s_access": "none",     # no federation: nothing leaves loopback
            "acl": {"local": {"user_regexp": ""}, "loopback": {"ip": ["127.0.0.0/8"]}},
            "access_rules": {"local": {"allow": "local"}, "c2s": {"allow": "all"}},
            "shaper_rules": {},
            "listen": listen,
            "modules": self.modules,
        }
        config.update(self.options)
        return config

    def write_config(self) -> None:
        self.config_path.write_text("# Written by tests/support/ejabberd_server.py (JSON is YAML)\n"
                                    + json.dumps(self.config(), indent=2) + "\n")

    # ---- the node ----------------------------------------------------------------

    def _erl_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update({
            "ERL_LIBS": ERL_LIBS,
            "EJABBERD_CONFIG_PATH": str(self.config_path),
            "EJABBERD_LOG_PATH": str(self.log_dir / "ejabberd.log"),
            "ERL_CRASH_DUMP": str(self.log_dir / "erl_crash.dump"),
            "ERL_CRASH_DUMP_BYTES": "0",
            "HOME": str(self.dir),          # .erlang.cookie, ext_mod's ~/.ejabberd-modules
            "CONTRIB_MODULES_PATH": str(self.dir / "ejabberd-modules"),
        })
        if self.epmd_port is not None:
            env["ERL_EPMD_PORT"] = str(self.epmd_port)
        env.update(self.env)
        return env

    def _dist_args(self, *, listen: bool) -> list[str]:
        if self.epmd_port is not None:
            return ["-setcookie", self.cookie, "-start_epmd", "false"]
        args = ["-setcookie", self.cookie, "-erl_epmd_port", str(self.dist_port), "-start_epmd", "false"]
        return args if listen else args + ["-dist_listen", "false"]

    def start(self, *, wait: bool = True) -> "EjabberdServer":
        """Starts the node; with wait, returns when c2s accepts and ejabberd is started."""
        if self.process is not None and self.process.poll() is None:
            raise RuntimeError("ejabberd is already running")
        self.spool.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.write_config()
        self.log_mark = len(self.log_text())    # where this run's lines begin
        paths = []
        for p in self.code_paths:
            paths += ["-pa", p]
        command = [ERL, "-sname", self.node, *self._dist_args(listen=True), "-noinput", "-noshell",
                   "+K", "true", "+P", "250000", *paths,
                   "-mnesia", "dir", f'"{self.spool}"', "-s", "ejabberd"]
        console = open(self.console_path, "ab")
        self.process = subprocess.Popen(command, cwd=self.spool, env=self._erl_env(), stdin=subprocess.DEVNULL,
                                        stdout=console, stderr=subprocess.STDOUT, start_new_session=True)
        console.close()
        if wait:
            self.wait_ready()
        return self

    def _check_alive(self) -> None:
        if self.process.poll() is not None:
            raise RuntimeError(f"ejabberd exited with {self.process.returncode}:\n{self.diagnostics()}")

    def wait_ready(self) -> None:
        def c2s_up():
            self._check_alive()
            return port_accepts(self.c2s_port)
        wait_until(c2s_up, STARTUP_TIMEOUT_S, 0.1, "ejabberd's c2s port")
        wait_until(lambda: self._check_alive() or " is started in the node " in self.log_text()[self.log_mark:],
                   STARTUP_TIMEOUT_S, 0.1, "ejabberd to report it is started")
        if not self._registered and self.users:
            self.register_users()

    def register_users(self) -> None:
        """Creates self.users in one remote call (kept in the spool across restarts)."""
        calls = []
        for name, password in self.users.items():
            user, _, host = name.partition("@")
            calls.append(f"ejabberd_auth:try_register({_erl_binary(user)}, {_erl_binary(host or self.hosts[0])}, "
                         f"{_erl_binary(password)})")
        code, output = self.rpc_eval("[" + ", ".join(calls) + "]")
        if code != 0 or "error" in output and "exists" not in output:
            raise RuntimeError(f"registering users failed ({code}): {output}\n{self.diagnostics()}")
        self._registered = True

    def stop(self) -> int | None:
        """Stops the node the way `ejabberdctl stop` does (init:stop, here by SIGTERM); returns its exit status."""
        if self.process is None:
            return None
        terminate(self.process, STOP_TIMEOUT_S, kill=lambda: os.killpg(self.process.pid, signal.SIGKILL))
        # erl's helpers (inet_gethost, erl_child_setup) die with their group.
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        return self.process.returncode

    def restart(self) -> "EjabberdServer":
        self.stop()
        return self.start()

    def wait_exit(self, timeout: float = STARTUP_TIMEOUT_S) -> int:
        """Waits until the node exits by itself (e.g. refusing its configuration); returns its status."""
        return self.process.wait(timeout)

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    # ---- commands ------------------------------------------------------------------

    def _client(self, role: str, tail: list[str], timeout: float) -> tuple[int, str]:
        command = [ERL, "-sname", f"{role}-{secrets.token_hex(4)}@localhost", *self._dist_args(listen=False),
                   "-hidden", "-noinput", "-noshell", *tail]
        result = subprocess.run(command, cwd=self.dir, env=self._erl_env(), capture_output=True, text=True,
                                timeout=timeout, stdin=subprocess.DEVNULL)
        return result.returncode, result.stdout + result.stderr

    def ctl(self, *args: str, timeout: float = CTL_TIMEOUT_S) -> tuple[int, str]:
        """ejabberdctl ARGS against this node: (exit code, stdout and stderr)."""
        return self._client("ctl", ["-s", "ejabberd_ctl", "-extra", self.node, "--no-timeout", *map(str, args)],
                            timeout)

    def rpc_eval(self, expression: str, timeout: float = CTL_TIMEOUT_S) -> tuple[int, str]:
        """Evaluates an Erlang expression on the node; (0, its value as ~p) or (1, the failure)."""
        script = (f"N = {_erl_atom(self.node)}, "
                  f"case rpc:call(N, erl_eval, exprs, [element(2, erl_parse:parse_exprs(element(2, "
                  f"erl_scan:string({json.dumps(expression + '.')})))), []]) of "
                  f"{{value, V, _}} -> io:format(\"~p~n\", [V]), halt(0); "
                  f"Other -> io:format(\"~p~n\", [Other]), halt(1) end.")
        return self._client("rpc", ["-eval", script], timeout)

    def rpc(self, module: str, function: str, args: str = "[]", timeout: float = CTL_TIMEOUT_S) -> tuple[int, str]:
        """module:function(args...) on the node; args is an Erlang list, e.g. '[<<"example.net">>]'."""
        return self.rpc_eval(f"erlang:apply({module}, {function}, {args})", timeout)

    # ---- observation ------------------------------------------------------------------

    def beam_pid(self) -> int:
        """The OS process of the node (erl execs beam.smp, so it is the one started)."""
        if not self.running():
            raise RuntimeError("ejabberd is not running")
        return self.process.pid

    def cpu_seconds(self) -> float:
        """utime + stime of the node's process, from /proc/PID/stat."""
        fields = Path(f"/proc/{self.beam_pid()}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = int(fields[11]) + int(fields[12])     # utime, stime (fields 14 and 15 of proc(5))
        return ticks / os.sysconf("SC_CLK_TCK")

    def log_text(self) -> str:
        try:
            return (self.log_dir / "ejabberd.log").read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def diagnostics(self) -> str:
        parts = []
        for name in ("console.log",):
            path = self.dir / name
            if path.exists():
                parts.append(f"--- {name} (tail) ---\n{path.read_text(errors='replace')[-4000:]}")
        for path in sorted(self.log_dir.glob("*.log")) if self.log_dir.exists() else []:
            parts.append(f"--- {path.name} (tail) ---\n{path.read_text(errors='replace')[-8000:]}")
        return "\n".join(parts)

    def wait_for_log(self, pattern: str, timeout: float = 20, count: int = 1) -> list[str]:
        """Waits until the log has `count` lines matching the regular expression; returns them."""
        return wait_for_lines(self.log_text, pattern, timeout, count, context=self.diagnostics)

