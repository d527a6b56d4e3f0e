"""Runs a guide's steps as written, as root, on this machine seen through
an overlay: a private mount namespace whose root is an overlayfs on top of
/, with a fresh /run and /tmp as after a boot without systemd; a PID
namespace, so that every daemon a step starts ends with the run; and a
network namespace with only loopback, so that the servers the guides start
on their default ports and node names (ejabberd@localhost, with an epmd of
its own) cannot meet another test's. What the steps install or write lands
in the overlay's upper directory, which the test reads afterwards; the real
system is untouched.

run() runs the steps with no init system, as in a container; boot() first
boots the overlay with systemd as its PID 1, so that the steps meet the
machine a newcomer has after `apt-get install`: Debian's services running,
systemctl answering, units started with their sandboxes.

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
import time
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


# Units a booted overlay must not start: they would act on the real
# machine's devices, kernel settings or clock (the namespace shares the
# kernel and /dev), or take a terminal, or run maintenance on timers.
MASKED_AT_BOOT = ("getty.target", "timers.target", "serial-getty@.service", "console-getty.service",
                  "systemd-udevd.service", "systemd-udev-trigger.service", "systemd-udev-settle.service",
                  "systemd-sysctl.service", "systemd-modules-load.service", "systemd-binfmt.service",
                  "proc-sys-fs-binfmt_misc.automount", "kmod-static-nodes.service", "systemd-hwdb-update.service",
                  "systemd-timesyncd.service", "systemd-pstore.service", "e2scrub_reap.service",
                  "systemd-remount-fs.service", "systemd-firstboot.service")

CGROUP_ROOTS = (Path("/sys/fs/cgroup/systemd"), Path("/sys/fs/cgroup/unified"))


SUDO = '#!/bin/sh\nexec "$@"\n'


def _layers(directory: Path) -> tuple[Path, Path, Path, Path]:
    upper, work, merged = directory / "upper", directory / "work", directory / "merged"
    for d in (upper, work, merged):
        d.mkdir(parents=True, exist_ok=True)
    # sudo is how the guides address a reader who is not root; the runner
    # is root, and a fresh Debian has no sudo.
    bin_dir = directory / "bin"
    bin_dir.mkdir(exist_ok=True)
    sudo = bin_dir / "sudo"
    sudo.write_text(SUDO)
    sudo.chmod(0o755)
    return upper, work, merged, bin_dir


def _mount(directory: Path, upper: Path, work: Path, merged: Path, bin_dir: Path) -> str:
    """Shell lines, run inside the new namespaces, that build the overlay's root."""
    return textwrap.dedent(f"""\
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
        """)


def _steps(cwd: Path) -> list[str]:
    """The command that runs steps.sh inside the root, as a newcomer's login shell would."""
    return ["/usr/bin/env", "-i", "HOME=/root", "LANG=C.UTF-8",
            "PATH=/tmp/doc-test-bin:/opt/swift/usr/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "/bin/bash", "-c", f"cd {shlex.quote(str(cwd))} && exec /bin/bash -euo pipefail -x /tmp/doc-test/steps.sh"]


def run(script: str, directory: Path, cwd: Path, timeout: float = 900, logs: tuple[str, ...] = ()) -> Result:
    """Runs `script` with bash -euo pipefail inside a new overlay kept in
    `directory`; Result.appended() reads what it added to `logs`."""
    sizes_before = {path: os.stat(path).st_size if os.path.exists(path) else 0 for path in logs}
    upper, work, merged, bin_dir = _layers(directory)
    (directory / "steps.sh").write_text(script)
    inside = _mount(directory, upper, work, merged, bin_dir) + f"exec chroot {merged} {shlex.join(_steps(cwd))}\n"
    proc = subprocess.run(["unshare", "--mount", "--propagation", "private", "--pid", "--net", "--fork", "--kill-child",
                           "/bin/sh", "-c", inside], capture_output=True, text=True, timeout=timeout)
    return Result(proc.returncode, proc.stdout + proc.stderr, upper, sizes_before)


def boot(script: str, directory: Path, cwd: Path, timeout: float = 900, logs: tuple[str, ...] = ()) -> Result:
    """As run(), but on a machine that booted: systemd is PID 1 of the
    namespaces, has brought up multi-user.target (so the Debian services
    this machine has enabled run, as on a newcomer's machine after
    `apt-get install`), and `script` runs once it is up. systemd gets a
    cgroup of its own (a cgroup namespace over new subgroups of the
    machine's systemd and unified hierarchies), removed afterwards; the
    units in MASKED_AT_BOOT are masked in the overlay."""
    sizes_before = {path: os.stat(path).st_size if os.path.exists(path) else 0 for path in logs}
    upper, work, merged, bin_dir = _layers(directory)
    (directory / "steps.sh").write_text(script)
    masks = upper / "etc/systemd/system"
    masks.mkdir(parents=True, exist_ok=True)
    for unit in MASKED_AT_BOOT:
        (masks / unit).unlink(missing_ok=True)
        (masks / unit).symlink_to("/dev/null")
    group = f"nudge-doc-test-{os.getpid()}-{directory.name}"
    cgroups = [root / group for root in CGROUP_ROOTS if root.is_dir()]
    for cg in cgroups:
        cg.mkdir()
    enter = "".join(f"echo $$ > {cg}/cgroup.procs\n" for cg in cgroups)
    # In the cgroup namespace, fresh cgroup mounts are rooted at systemd's own group.
    inside = _mount(directory, upper, work, merged, bin_dir).replace(
        f"mount -t tmpfs -o mode=0755 tmpfs {merged}/run\n", "") + textwrap.dedent(f"""\
        mount -t tmpfs -o mode=0755 tmpfs {merged}/sys/fs/cgroup
        mkdir {merged}/sys/fs/cgroup/systemd {merged}/sys/fs/cgroup/unified
        mount -t cgroup -o none,name=systemd cgroup {merged}/sys/fs/cgroup/systemd
        mount -t cgroup2 cgroup2 {merged}/sys/fs/cgroup/unified
        cd {merged}
        mkdir -p oldroot
        pivot_root . oldroot
        umount -l /oldroot
        rmdir /oldroot
        exec env -i container=nudge-doc-test /lib/systemd/systemd --system --unit=multi-user.target \\
            --log-target=console --log-level=notice
        """)
    console = open(directory / "systemd.log", "w")
    init = subprocess.Popen(["/bin/sh", "-c", enter + "exec unshare --cgroup --mount --propagation private --pid --net "
                             "--uts --ipc --fork --kill-child /bin/sh -c " + shlex.quote(inside)],
                            stdin=subprocess.DEVNULL, stdout=console, stderr=subprocess.STDOUT)
    try:
        pid = _pid_one(init.pid)
        enter_ns = ["nsenter", "--target", str(pid), "--all", "--root", "--wd"]
        _wait_until_up(enter_ns)
        # The booted system mounts a /tmp of its own over the one _mount made.
        for path, text, mode in (("/tmp/doc-test/steps.sh", script, "0644"), ("/tmp/doc-test-bin/sudo", SUDO, "0755")):
            subprocess.run([*enter_ns, "/bin/sh", "-c", f"mkdir -p $(dirname {path}) && cat > {path} && chmod {mode} {path}"],
                           input=text, text=True, check=True, timeout=30)
        proc = subprocess.run([*enter_ns, *_steps(cwd)], capture_output=True, text=True, timeout=timeout)
        output = proc.stdout + proc.stderr
        returncode = proc.returncode
    finally:
        init.kill()
        init.wait()
        console.close()
        _remove_cgroups(cgroups)
    boot_log = (directory / "systemd.log").read_text(errors="replace")
    return Result(returncode, output + "\n== systemd's console\n" + boot_log, upper, sizes_before)


def _wait_until_up(enter_ns: list[str], timeout: float = 120) -> None:
    """Until multi-user.target is reached; systemctl cannot connect before
    systemd has made its socket."""
    deadline = time.monotonic() + timeout
    while True:
        up = subprocess.run([*enter_ns, "/bin/systemctl", "is-system-running", "--wait"],
                            capture_output=True, text=True, timeout=timeout)
        state = up.stdout.strip()
        if state in ("running", "degraded"):
            return
        if state or time.monotonic() > deadline:
            raise RuntimeError(f"the overlay's systemd did not come up: {state} {up.stderr}")
        time.sleep(0.2)


def _pid_one(unshare_pid: int, timeout: float = 30) -> int:
    """The host's pid of the namespace's PID 1 (systemd), unshare's one child."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        children = Path(f"/proc/{unshare_pid}/task/{unshare_pid}/children")
        try:
            pids = children.read_text().split()
        except FileNotFoundError:
            raise RuntimeError("the overlay's init exited before systemd started")
        for pid in pids:
            try:
                if os.readlink(f"/proc/{pid}/exe").endswith("/systemd"):
                    return int(pid)
            except OSError:
                pass
        time.sleep(0.1)
    raise RuntimeError("systemd did not start in the overlay")


def _remove_cgroups(cgroups: list[Path], timeout: float = 10) -> None:
    """Removes what systemd made under its groups, deepest first, once
    the killed processes have left them."""
    deadline = time.monotonic() + timeout
    for cg in cgroups:
        while cg.exists():
            for d in sorted((p for p in cg.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
                try:
                    d.rmdir()
                except OSError:
                    pass
            try:
                cg.rmdir()
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
