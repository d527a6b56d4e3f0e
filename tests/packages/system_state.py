"""What installing and purging the packages may change on this machine, as
a value to compare before and after: the involved packages' dpkg states,
every file under /etc/prosody and /etc/ejabberd (content, mode, owner),
and the paths the packages install to."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

from tests.packages.package_build import PACKAGES

INVOLVED = PACKAGES + ["prosody", "ejabberd", "lua5.4", "liblmdb0", "libjansson4"]
CONFIG_DIRS = [Path("/etc/prosody"), Path("/etc/ejabberd")]
# Where the packages put files, beside what Prosody, ejabberd and Lua own,
# and where the servers keep mod_nudge's stores by default.
PACKAGE_PATHS = ["/usr/lib/x86_64-linux-gnu/libnudge.so*", "/usr/include/nudge.h",
                 "/usr/lib/x86_64-linux-gnu/pkgconfig/nudge.pc", "/usr/lib/x86_64-linux-gnu/lua/5.4/nudge.so",
                 "/usr/lib/prosody/modules/mod_nudge.lua", "/usr/lib/prosody/modules/mod_nudge",
                 "/usr/lib/x86_64-linux-gnu/nudge-*",
                 "/usr/bin/nudge-component", "/lib/systemd/system/nudge-component.service",
                 "/usr/lib/sysusers.d/nudge-component.conf", "/etc/nudge", "/var/lib/nudge-component",
                 "/usr/share/doc/libnudge*", "/usr/share/doc/*-mod-nudge", "/usr/share/doc/nudge-component",
                 "/var/lib/prosody/nudge", "/var/lib/ejabberd/nudge",
                 # and what starting the daemons without an init system makes
                 "/run/prosody", "/run/ejabberd", "/var/log/prosody/nudge-packages-test.log"]


def package_states() -> dict[str, str]:
    """{package: "install ok installed 1.2-3"} for the involved packages ("" if dpkg never heard of it)."""
    states = {}
    for package in INVOLVED:
        result = subprocess.run(["dpkg-query", "-W", "-f=${Status} ${Version}", package],
                                capture_output=True, text=True)
        states[package] = result.stdout.strip() if result.returncode == 0 else ""
    return states


def tree(directory: Path) -> dict[str, str]:
    """{path: "mode uid:gid sha256"} of every file and directory under directory."""
    entries = {}
    for root, dirs, files in os.walk(directory):
        for name in sorted(dirs + files):
            path = Path(root) / name
            info = path.lstat()
            digest = ""
            if path.is_symlink():
                digest = "-> " + os.readlink(path)
            elif path.is_file():
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
            entries[str(path)] = f"{info.st_mode:o} {info.st_uid}:{info.st_gid} {digest}"
    return entries


def package_paths() -> list[str]:
    return sorted(str(p) for pattern in PACKAGE_PATHS for p in Path("/").glob(pattern.lstrip("/")))


def snapshot() -> dict:
    return {"packages": package_states(), "config": {str(d): tree(d) for d in CONFIG_DIRS},
            "paths": package_paths()}


def differences(before: dict, after: dict) -> list[str]:
    """What changed, one line per package, file or path."""
    lines = []
    for package, state in before["packages"].items():
        if after["packages"].get(package) != state:
            lines.append(f"package {package}: {state!r} -> {after['packages'].get(package)!r}")
    for directory, entries in before["config"].items():
        now = after["config"][directory]
        for path in sorted(set(entries) | set(now)):
            if entries.get(path) != now.get(path):
                lines.append(f"{path}: {entries.get(path)!r} -> {now.get(path)!r}")
    for path in sorted(set(before["paths"]) ^ set(after["paths"])):
        lines.append(f"{path}: {'gone' if path in before['paths'] else 'left behind'}")
    return lines
