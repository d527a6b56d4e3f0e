"""nudge-component built against expat with and without
XML_SetReparseDeferralEnabled, whichever this machine has installed.

Debian 12's first expat (2.5.0-1+deb12u1, on a fresh machine) has neither
the deferral nor the function; its later security updates backport both,
with the deferral on. The stream tests run the component each way:

- against a copy of the system's expat.h with the declaration removed: the
  Makefile's probe finds no switch, the build still passes -Werror, and
  the binary looks the function up when it starts (src/reparse.c), which
  matters where the library under it has the deferral;
- against a later expat that has the function: where the system's has it,
  that is the component as built; otherwise Debian's candidate
  libexpat1/libexpat1-dev, downloaded with apt-get and unpacked (not
  installed) into a test folder, and the binary run on that library."""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.component.component_process import BINARY, REPO

COMPONENT = REPO / "bindings" / "component"
DECLARATION = re.compile(r"XMLPARSEAPI\(XML_Bool\)\s*XML_SetReparseDeferralEnabled\s*\([^;]*\);")


@dataclass
class Build:
    binary: Path
    env: dict[str, str] = field(default_factory=dict)   # what the binary needs to run


def system_expat_header() -> Path:
    """The expat.h the C compiler includes, from its preprocessor's line markers."""
    out = subprocess.run(["cc", "-E", "-x", "c", "-"], input="#include <expat.h>\n", capture_output=True,
                         text=True, check=True).stdout
    for path in re.findall(r'^# \d+ "([^"]*/expat\.h)"', out, re.M):
        return Path(path)
    raise AssertionError("the C compiler finds no expat.h")


def declares_switch(header: Path) -> bool:
    return DECLARATION.search(header.read_text()) is not None


def make_component(build: Path, *variables: str) -> str:
    """Builds the component into `build`; returns make's output (the compile lines)."""
    result = subprocess.run(["make", "-C", str(COMPONENT), f"BUILD={build}", *variables],
                            capture_output=True, text=True)
    assert result.returncode == 0, f"the component does not build:\n{result.stdout}{result.stderr}"
    return result.stdout


def undefined_symbols(build: Path) -> str:
    return subprocess.run(["nm", "-u", str(build / "reparse.o")], capture_output=True, text=True, check=True).stdout


def build_without_reparse_declaration(directory: Path) -> Build:
    include = directory / "include"
    include.mkdir(parents=True)
    (include / "expat.h").write_text(DECLARATION.sub("", system_expat_header().read_text()))
    build = directory / "build"
    out = make_component(build, f"CPPFLAGS=-I{include}")
    assert "-DNC_HAVE_REPARSE_DEFERRAL=0" in out, "the probe found the switch in a header without it"
    symbols = undefined_symbols(build)
    assert "XML_SetReparseDeferralEnabled" not in symbols and "dlsym" in symbols
    return Build(build / "nudge-component")


def candidate_version(package: str) -> str | None:
    out = subprocess.run(["apt-cache", "policy", package], capture_output=True, text=True).stdout
    found = re.search(r"^\s*Candidate:\s*(\S+)", out, re.M)
    return found.group(1) if found and found.group(1) != "(none)" else None


def build_with_reparse_declaration(directory: Path) -> Build:
    if declares_switch(system_expat_header()):
        return Build(BINARY)
    version = candidate_version("libexpat1-dev")
    if version is None:
        pytest.skip("this expat has no XML_SetReparseDeferralEnabled and apt knows no other (apt-get update?)")
    debs = directory / "debs"
    debs.mkdir(parents=True)
    fetched = subprocess.run(["apt-get", "download", f"libexpat1={version}", f"libexpat1-dev={version}"],
                             cwd=debs, capture_output=True, text=True)
    if fetched.returncode != 0:
        pytest.skip(f"cannot download expat {version}: {fetched.stderr.strip()[-300:]}")
    root = directory / "root"
    for deb in debs.glob("*.deb"):
        subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    header = root / "usr" / "include" / "expat.h"
    if not declares_switch(header):
        pytest.skip(f"Debian's expat {version} has no XML_SetReparseDeferralEnabled either")
    # The -dev package's libexpat.so points at the system's library by an
    # absolute path: link and run against the unpacked one instead.
    library = next(root.glob("lib*/**/libexpat.so.1"))
    lib = directory / "lib"
    lib.mkdir()
    (lib / "libexpat.so").symlink_to(library)
    build = directory / "build"
    out = make_component(build, f"CPPFLAGS=-I{header.parent}", f"LDFLAGS=-L{lib}")
    assert "-DNC_HAVE_REPARSE_DEFERRAL=1" in out, "the probe found no switch in a header and library that have it"
    assert "XML_SetReparseDeferralEnabled" in undefined_symbols(build)
    path = os.pathsep.join(p for p in (str(library.parent), os.environ.get("LD_LIBRARY_PATH", "")) if p)
    return Build(build / "nudge-component", {"LD_LIBRARY_PATH": path})
