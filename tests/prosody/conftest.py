"""Fixtures of the Prosody end-to-end tests: a strict APNs mock (tests/mocks)
and a real Prosody with mod_nudge whose APNs backend points at it."""

from pathlib import Path

import pytest

from tests.mocks import keys
from tests.prosody.harness import ProsodyServer, prosody_available
from tests.prosody.prosody_env import USERS, push_options
from tests.support.devices import ApnsDevice, WebPushDevice
from tests.support.server_fixtures import skip_unless_available, stop_servers

HERE = Path(__file__).resolve().parent

_unavailable = prosody_available()


def pytest_collection_modifyitems(config, items):
    # NUDGE_REQUIRE_PROSODY=1 (scripts/test, CI) turns the skip into a failure.
    skip_unless_available(HERE, items, _unavailable, "NUDGE_REQUIRE_PROSODY")


@pytest.fixture(params=["apns", "webpush"])
def device(request, apns_mock, tmp_path):
    """A phone registered with APNs, or a Web Push subscription (the mock's)."""
    if request.param == "apns":
        return ApnsDevice(apns_mock)
    return WebPushDevice(request.getfixturevalue("webpush_mock"), keys.make_vapid_key(tmp_path))


@pytest.fixture
def prosody(tmp_path, apns_mock, request):
    """Starts Prosody with mod_nudge (APNs at the mock); prosody(**options) to override options."""
    servers = []

    def start(options: dict | None = None, *, wait: bool = True, **kwargs) -> ProsodyServer:
        server = ProsodyServer(tmp_path / f"run{len(servers)}", options=options or push_options(apns_mock),
                               users=USERS, **kwargs)
        servers.append(server)
        return server.start(wait=wait)

    yield start
    stop_servers(servers, request, lambda: f"===== APNs mock log =====\n{apns_mock.log()[-4000:]}\n")
