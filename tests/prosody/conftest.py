"""Fixtures of the Prosody end-to-end tests: a real Prosody with mod_nudge
whose APNs backend points at the strict APNs mock (tests/mocks)."""

from pathlib import Path

import pytest

from tests.prosody.prosody_host import ProsodyHost
from tests.support.server_fixtures import skip_unless_available

HERE = Path(__file__).resolve().parent

_unavailable = ProsodyHost.unavailable()


def pytest_collection_modifyitems(config, items):
    # NUDGE_REQUIRE_PROSODY=1 (scripts/test, CI) turns the skip into a failure.
    skip_unless_available(HERE, items, _unavailable, ProsodyHost.require_variable)


@pytest.fixture
def prosody(prosody_host):
    """prosody(options=None, *, wait=True, **ProsodyServer's keywords) -> a started ProsodyServer
    (options: mod_nudge's, nudge_*; None: push_options(apns_mock))."""
    return prosody_host.start_server
