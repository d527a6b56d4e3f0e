"""`make install` lays the library out as shared libraries are laid out on
Debian (lmdb's own package, say): the real file named by its full version,
libnudge.so.0 (the SONAME, what programs load) and libnudge.so (what -lnudge
finds) as links, the header and a pkg-config file; a C program built the way
pkg-config says links the SONAME and runs."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.host import nudge

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not nudge.DEFAULT_LIB.exists(),
                                reason=f"{nudge.DEFAULT_LIB} is not built (run `make lib`)")

PROGRAM = r"""
#include <stdio.h>
#include <nudge.h>
int main(void) {
    int major, minor, patch;
    const char *version = nudge_version(&major, &minor, &patch);
    printf("%s %d.%d.%d %s\n", version, major, minor, patch, nudge_strerror(NUDGE_ECONFIG));
    return 0;
}
"""


def header_version() -> str:
    text = (REPO / "include" / "nudge.h").read_text()
    return ".".join(re.search(rf"#define NUDGE_VERSION_{part} (\d+)", text).group(1)
                    for part in ("MAJOR", "MINOR", "PATCH"))


def test_make_install_lays_out_the_soname_links_and_a_program_runs_on_them(tmp_path):
    stage, prefix = tmp_path / "stage", "/usr/local"
    subprocess.run(["make", "-s", "-C", str(REPO), "install", f"DESTDIR={stage}", f"PREFIX={prefix}"],
                   check=True, capture_output=True)
    lib = stage / prefix.lstrip("/") / "lib"
    version = header_version()
    real = lib / f"libnudge.so.{version}"
    assert real.is_file() and not real.is_symlink()
    assert os.readlink(lib / "libnudge.so.0") == real.name
    assert os.readlink(lib / "libnudge.so") == "libnudge.so.0"
    dynamic = subprocess.run(["readelf", "-d", str(real)], capture_output=True, text=True, check=True).stdout
    assert "Library soname: [libnudge.so.0]" in dynamic

    pc = (lib / "pkgconfig" / "nudge.pc").read_text()
    assert f"Version: {version}" in pc and f"prefix={prefix}" in pc
    env = {**os.environ, "PKG_CONFIG_SYSROOT_DIR": str(stage), "PKG_CONFIG_LIBDIR": str(lib / "pkgconfig")}
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "nudge"], env=env, capture_output=True,
                           text=True, check=True).stdout.split()
    source = tmp_path / "program.c"
    source.write_text(PROGRAM)
    program = tmp_path / "program"
    subprocess.run(["cc", "-std=c11", "-Wall", "-Werror", str(source), "-o", str(program), *flags],
                   check=True, capture_output=True)
    needed = subprocess.run(["readelf", "-d", str(program)], capture_output=True, text=True, check=True).stdout
    assert "Shared library: [libnudge.so.0]" in needed
    run = subprocess.run([str(program)], env={**os.environ, "LD_LIBRARY_PATH": str(lib)},
                         capture_output=True, text=True, check=True)
    assert run.stdout.split()[:2] == [version, version]
