"""End-to-end tests of libnudge through its C ABI (the ctypes host in
tests/host) against the vendor mocks in tests/mocks, over real HTTP/2 + TLS
on loopback. The engine is configured exactly as an operator would
configure it; only `endpoint` and `ca_file` point at the mocks."""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent / "mocks"), str(HERE.parent / "host"), str(HERE.parent / "support"), str(HERE)]

from fixtures import apns_mock, fcm_mock, ubports_mock, webpush_mock, wns_mock  # noqa: E402,F401  (pytest fixtures)


import pytest  # noqa: E402

import nudge  # noqa: E402
from appserver import config  # noqa: E402


@pytest.fixture
def engine_for(tmp_path):
    """Opens engines on fresh stores with the given backends, closing them after the test."""
    engines = []

    def make(backends):
        e = nudge.Engine(config(tmp_path / f"store{len(engines)}", backends))
        engines.append(e)
        return e

    yield make
    for e in engines:
        e.close()
