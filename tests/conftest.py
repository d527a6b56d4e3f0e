"""What the tests of every folder share: the vendor mocks' fixtures
(tests/mocks/fixtures.py), the XMPP servers with mod_nudge as hosts
(prosody_host, ejabberd_host: tests/support/push_host.py), and the hook
that keeps each test's outcome, for the fixtures that show a server's logs
after a failure."""

import pytest

from tests.ejabberd.ejabberd_host import EjabberdHost
from tests.mocks.fixtures import (apns_cert_mock, apns_mock, fcm_mock, ubports_mock,  # noqa: F401  (pytest fixtures)
                                  webpush_mock, wns_mock)
from tests.prosody.prosody_host import ProsodyHost
from tests.support.server_fixtures import pytest_runtest_makereport  # noqa: F401  (a hook)


@pytest.fixture
def prosody_host(tmp_path, apns_mock, request):
    """Prosody with mod_nudge, its APNs backend at the mock; stops what it started."""
    host = ProsodyHost(tmp_path, apns_mock)
    yield host
    host.stop_all(request)


@pytest.fixture
def ejabberd_host(tmp_path, apns_mock, request):
    """ejabberd with mod_nudge, its APNs backend at the mock; stops what it started."""
    host = EjabberdHost(tmp_path, apns_mock)
    yield host
    host.stop_all(request)
