"""A private PostgreSQL server for the tests, from Debian's postgresql-15
binaries: initdb makes a cluster in a temporary folder, pg_ctl starts it on
a loopback port and a unix socket in that folder, and stops it afterwards.

initdb and postgres refuse to run as root. Run as root (CI), the cluster
belongs to the `postgres` user Debian's package creates, and every server
command runs as that user (setpriv).

The superuser is `nudge`, with password PASSWORD: over TCP the server asks
for it (scram-sha-256), over the unix socket it trusts, so tests choose
whether a password is needed by the URL they give the engine.

As a program, for the Swift tests and the test command:
    python3 tests/support/postgres.py serve      starts a server, prints its
        URL (or "unavailable: <reason>") and stops it when stdin closes;
    python3 tests/support/postgres.py run CMD…   runs CMD with
        NUDGE_TEST_POSTGRESQL_URL naming a server started for it.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.support.ports import free_port  # noqa: E402

BIN = Path("/usr/lib/postgresql/15/bin")
SUPERUSER = "nudge"
PASSWORD = "nudge-test-password"
SERVER_USER = "postgres"


def postgres_unavailable() -> str | None:
    """Why no server can be started here, or None."""
    for tool in ("initdb", "pg_ctl", "postgres", "psql"):
        if not (BIN / tool).exists() and not shutil.which(tool):
            return f"{BIN / tool} is missing (apt-get install postgresql)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SERVER_USER)
        except KeyError:
            return f"running as root, and there is no {SERVER_USER} user to run PostgreSQL as"
    return None


def _tool(name: str) -> str:
    return str(BIN / name) if (BIN / name).exists() else shutil.which(name) or name


class PostgresServer:
    """One cluster: start() (initdb the first time), stop(), start() again
    keeps its data; close() stops it and removes the folder."""

    def __init__(self, directory: Path | None = None):
        self.directory = Path(directory or tempfile.mkdtemp(prefix="nudge-pg-"))
        self.data = self.directory / "data"
        self.socket_dir = self.directory
        self.port = free_port()
        self.running = False
        self._as_root = os.geteuid() == 0

    # How commands run: as the postgres user when we are root.
    def _run(self, *args: str, check: bool = True, input: str | None = None) -> subprocess.CompletedProcess:
        command = list(args)
        if self._as_root:
            command = ["setpriv", "--reuid", SERVER_USER, "--regid", SERVER_USER, "--init-groups", "--"] + command
        return subprocess.run(command, check=check, capture_output=True, text=True, input=input, timeout=120)

    def _initdb(self) -> None:
        os.chmod(self.directory, 0o755)
        if self._as_root:
            entry = pwd.getpwnam(SERVER_USER)
            os.chown(self.directory, entry.pw_uid, entry.pw_gid)
        password_file = self.directory / "initdb-password"
        password_file.write_text(PASSWORD + "\n")
        os.chmod(password_file, 0o644)
        try:
            self._run(_tool("initdb"), "-D", str(self.data), "-U", SUPERUSER, "--pwfile", str(password_file),
                      "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8")
        finally:
            password_file.unlink()

    def start(self) -> "PostgresServer":
        if not self.data.exists():
            self._initdb()
        options = f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 -c fsync=on"
        result = self._run(_tool("pg_ctl"), "-D", str(self.data), "-l", str(self.directory / "server.log"),
                           "-o", options, "-w", "-t", "60", "start", check=False)
        if result.returncode != 0:
            raise RuntimeError(f"pg_ctl start failed: {result.stdout}{result.stderr}\n{self.log()}")
        self.running = True
        if self.psql("SELECT 1 FROM pg_database WHERE datname = 'nudge'", database="postgres").strip() != "1":
            self.psql("CREATE DATABASE nudge", database="postgres")
        return self

    def stop(self, mode: str = "fast") -> None:
        """Stops the server (mode "immediate": as if it crashed)."""
        if self.running:
            self._run(_tool("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop", check=False)
            self.running = False

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> "PostgresServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    def log(self) -> str:
        try:
            return (self.directory / "server.log").read_text()
        except OSError:
            return ""

    def url(self, database: str = "nudge", *, tcp: bool = False) -> str:
        """A libpq URI for the database: over TCP (needs the password) or
        the unix socket (trusted)."""
        if tcp:
            return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"
        return f"postgresql://{SUPERUSER}@{quote(str(self.socket_dir), safe='')}:{self.port}/{database}"

    def psql(self, sql: str, database: str = "nudge") -> str:
        """Runs SQL through the unix socket; returns the unaligned output."""
        result = subprocess.run([_tool("psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                                 "-h", str(self.socket_dir), "-p", str(self.port), "-U", SUPERUSER, "-d", database,
                                 "-c", sql], capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            raise RuntimeError(f"psql failed: {result.stderr.strip()}")
        return result.stdout


def _serve() -> int:
    reason = postgres_unavailable()
    if reason:
        print(f"unavailable: {reason}", flush=True)
        return 0
    server = PostgresServer()
    try:
        server.start()
    except Exception as error:  # noqa: BLE001 - the reason is the whole message
        print(f"unavailable: {error}".replace("\n", " "), flush=True)
        server.close()
        return 0
    print(server.url(), flush=True)
    try:
        sys.stdin.read()
    finally:
        server.close()
    return 0


def _run_command(command: list[str]) -> int:
    reason = postgres_unavailable()
    if reason:
        print(f"postgres.py: no PostgreSQL for the tests: {reason}", file=sys.stderr)
        return subprocess.call(command)
    with PostgresServer() as server:
        env = dict(os.environ, NUDGE_TEST_POSTGRESQL_URL=server.url())
        return subprocess.call(command, env=env)


if __name__ == "__main__":
    if sys.argv[1:2] == ["serve"]:
        sys.exit(_serve())
    if sys.argv[1:2] == ["run"] and len(sys.argv) > 2:
        sys.exit(_run_command(sys.argv[2:]))
    print(__doc__, file=sys.stderr)
    sys.exit(2)
