"""Fixtures of the Debian package tests: the packages built once per session
from a clean copy of the repository, and an APNs mock whose CA and key the
system's daemons (users prosody and ejabberd) can read.

These tests install packages into this machine and start its Prosody and
ejabberd: they run as root only, and NUDGE_REQUIRE_PACKAGES=1 (make test)
makes a missing requirement a failure instead of a skip."""

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.mocks.fixtures import start_apns_mock
from tests.packages.package_build import build_packages, build_unavailable
from tests.support.server_fixtures import skip_unless_available

HERE = Path(__file__).resolve().parent


def _unavailable() -> str | None:
    if os.geteuid() != 0:
        return "the package tests install packages and start the system's servers: run them as root"
    for tool in ("prosodyctl", "ejabberdctl", "apt-get"):
        if not shutil.which(tool):
            return f"{tool} is missing (apt-get install prosody ejabberd)"
    return build_unavailable()


def pytest_collection_modifyitems(config, items):
    skip_unless_available(HERE, items, _unavailable(), "NUDGE_REQUIRE_PACKAGES")


@pytest.fixture(scope="session")
def debs(tmp_path_factory):
    """The .deb files, by package name, built by dpkg-buildpackage."""
    return build_packages(tmp_path_factory.mktemp("packages"))


@pytest.fixture
def readable_apns_mock():
    """An APNs mock whose files are in a directory every user can read: the
    daemons run as prosody and ejabberd, who cannot enter pytest's tmp_path.
    (The mock's key and CA are made for this test and thrown away.)"""
    directory = Path(tempfile.mkdtemp(prefix="nudge-packages-"))
    directory.chmod(0o755)
    mock = start_apns_mock(directory)
    for path in directory.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    yield mock
    mock.stop()
    shutil.rmtree(directory, ignore_errors=True)
