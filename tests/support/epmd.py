"""An epmd (Erlang's port mapper) of the tests' own, on a private loopback
port, so that the Erlang nodes started with its port (ERL_EPMD_PORT) find
each other, as the nodes of an ejabberd cluster must, while the system's
epmd (port 4369) and other runs' nodes never see them.

    with Epmd() as epmd:
        EjabberdServer(..., epmd_port=epmd.port, cookie=shared_cookie)
"""

from __future__ import annotations

import shutil
import subprocess

from tests.support.ports import free_port, port_accepts
from tests.support.processes import terminate
from tests.support.waiting import wait_until

START_TIMEOUT_S = 10


def epmd_unavailable() -> str | None:
    return None if shutil.which("epmd") else "epmd is not installed (apt-get install erlang-base)"


class Epmd:
    def __init__(self):
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> "Epmd":
        # In the foreground (no -daemon): it is this process, stopped by close().
        self.process = subprocess.Popen([shutil.which("epmd"), "-port", str(self.port), "-address", "127.0.0.1"],
                                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        wait_until(lambda: self.process.poll() is None and port_accepts(self.port), START_TIMEOUT_S, 0.05,
                   f"epmd on port {self.port}")
        return self

    def close(self) -> None:
        if self.process is not None:
            terminate(self.process, 5)

    def __enter__(self) -> "Epmd":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()
