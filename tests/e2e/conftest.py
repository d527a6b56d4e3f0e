"""End-to-end tests of libnudge through its C ABI (the ctypes host in
tests/host) against the vendor mocks in tests/mocks, over real HTTP/2 + TLS
on loopback. The engine is configured exactly as an operator would
configure it; only `endpoint` and `ca_file` point at the mocks."""

import pytest

from tests.e2e.appserver import config
from tests.host import nudge


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
