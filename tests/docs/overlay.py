"""Runs a guide's steps as written, as root, on this machine seen through
an overlay: a private mount namespace whose root is an overlayfs on top of
/, with a fresh /run and /tmp as after a boot without systemd; a PID
namespace, so that every daemon a step starts ends with the run; and a
network namespace with only loopback, so that the servers the guides start
on their default ports and node names (ejabberd@localhost, with an epmd of
its own) cannot meet another test's. What the steps install or write lands
in the overlay's upper directory, which the test reads afterwards; the real
system is untouched.

The machine is the one the test command has set up (its Debian packages
installed and the library built in this checkout), which is what a
newcomer has after the README's first steps; each step is still run, so a
wrong path, a missing directory or a command that does not exist fails.
Nothing can be downloaded: a guide's `apt-get install` passes when the test
command has installed what it names, and fails otherwise, which says that
scripts/lib/setup.sh lacks a package the guide needs."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import textwrap
from dataclasses import dataclass, field
from pathlib import Path


def available() -> str | None:
    """Why the overlay cannot be used here, or None."""
    if os.geteuid() != 0:
        return "the guides' steps need root (they install into the system)"
    for tool in ("unshare", "chroot", "mount", "ip"):
        if shutil.which(tool) is None:
            return f"{tool} is missing"
    if "overlay" not in Path("/proc/filesystems").read_text():
        return "the kernel has no overlayfs"
    return None


@dataclass
class Result:
    returncode: int
    output: str
    upper: Path     # what the steps changed, as overlayfs's upper directory
    sizes_before: dict[str, int] = field(default_factory=dict)

    def changed(self, path: str) -> Path:
        return self.upper / path.lstrip("/")

    def appended(self, path: str) -> str:
        """What the steps wrote to the log file `path` (one of run()'s `logs`):
        a file the system already had is copied up whole, the lines of the
        system's own daemons (another test's) included."""
        with open(self.changed(path), errors="replace") as log:
            log.seek(self.sizes_before[path])
            return log.read()


def run(script: str, directory: Path, cwd: Path, timeout: float = 900, logs: tuple[str, ...] = ()) -> Result:
    """Runs `script` with bash -euo pipefail inside a new overlay kept in
    `directory`; Result.appended() reads what it added to `logs`."""
    sizes_before = {path: os.stat(path).st_size if os.path.exists(path) else 0 for path in logs}
    upper, work, merged = directory / "upper", directory / "work", directory / "merged"
    for d in (upper, work, merged):
        d.mkdir(parents=True, exist_ok=True)
    (directory / "steps.sh").write_text(script)
    # sudo is how the guides address a reader who is not root; the runner
    # is root, and a fresh Debian has no sudo.
    bin_dir = directory / "bin"
    bin_dir.mkdir(exist_ok=True)
    sudo = bin_dir / "sudo"
    sudo.write_text('#!/bin/sh\nexec "$@"\n')
    sudo.chmod(0o755)
    inside = textwrap.dedent(f"""\
        set -e
        ip link set lo up
        mount -t overlay overlay -o lowerdir=/,upperdir={upper},workdir={work} {merged}
        mount -t proc proc {merged}/proc
        mount --rbind /dev {merged}/dev
        mount --rbind /sys {merged}/sys
        mount -t tmpfs -o mode=0755 tmpfs {merged}/run
        mount -t tmpfs -o mode=1777 tmpfs {merged}/tmp
        mkdir -p {merged}/tmp/doc-test-bin && mount --bind {bin_dir} {merged}/tmp/doc-test-bin
        mkdir -p {merged}/tmp/doc-test && cp {directory / 'steps.sh'} {merged}/tmp/doc-test/steps.sh
        exec chroot {merged} /usr/bin/env -i HOME=/root LANG=C.UTF-8 \\
            PATH=/tmp/doc-test-bin:/opt/swift/usr/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \\
            /bin/bash -c {shlex.quote(f"cd {shlex.quote(str(cwd))} && exec /bin/bash -euo pipefail -x /tmp/doc-test/steps.sh")}
        """)
    proc = subprocess.run(["unshare", "--mount", "--propagation", "private", "--pid", "--net", "--fork", "--kill-child",
                           "/bin/sh", "-c", inside], capture_output=True, text=True, timeout=timeout)
    return Result(proc.returncode, proc.stdout + proc.stderr, upper, sizes_before)
