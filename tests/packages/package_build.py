"""Builds the Debian packages as a distribution would: dpkg-buildpackage
-us -uc -b in a copy of the repository's tracked files (so a file that
debian/rules needs but git does not hold fails the build), with the .debs
written beside the copy, in a temporary directory, never beside the
repository."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ["libnudge0", "libnudge-dev", "prosody-mod-nudge", "ejabberd-mod-nudge", "nudge-component"]
BUILD_TIMEOUT_S = 1800


def build_unavailable() -> str | None:
    """Why the packages cannot be built here, or None."""
    for tool in ("dpkg-buildpackage", "dh", "git"):
        if not shutil.which(tool):
            return f"{tool} is missing (apt-get install dpkg-dev debhelper git)"
    missing = subprocess.run(["dpkg-checkbuilddeps"], cwd=REPO, capture_output=True, text=True)
    if missing.returncode != 0:
        return missing.stderr.strip()
    return None


def copy_tracked_files(destination: Path) -> None:
    """The repository's tracked files as they are in the work tree (edits not
    yet committed included); nothing built, nothing ignored."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, check=True, capture_output=True).stdout
    for name in filter(None, listed.decode().split("\0")):
        source = REPO / name
        if not source.exists() and not source.is_symlink():
            continue   # deleted in the work tree, not yet committed
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target, follow_symlinks=False)


def build_packages(directory: Path) -> dict[str, Path]:
    """Builds every package in directory/src; returns {package: .deb path}.
    Prints how long the build took (pytest -s shows it)."""
    source = directory / "src"
    copy_tracked_files(source)
    started = time.monotonic()
    result = subprocess.run(["dpkg-buildpackage", "-us", "-uc", "-b"], cwd=source, capture_output=True, text=True,
                            timeout=BUILD_TIMEOUT_S)
    elapsed = time.monotonic() - started
    (directory / "build.log").write_text(result.stdout + result.stderr)
    assert result.returncode == 0, f"dpkg-buildpackage failed ({directory / 'build.log'}):\n" \
                                   + (result.stdout + result.stderr)[-6000:]
    print(f"\ndpkg-buildpackage: {elapsed:.0f} s")
    debs = {}
    for package in PACKAGES:
        found = sorted(directory.glob(f"{package}_*.deb"))
        assert len(found) == 1, f"{package}: {found}"
        debs[package] = found[0]
    return debs
