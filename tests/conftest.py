"""What the tests of every folder share: the vendor mocks' fixtures
(tests/mocks/fixtures.py) and the hook that keeps each test's outcome, for
the fixtures that show a server's logs after a failure."""

from tests.mocks.fixtures import (apns_cert_mock, apns_mock, fcm_mock, ubports_mock,  # noqa: F401  (pytest fixtures)
                                  webpush_mock, wns_mock)
from tests.support.server_fixtures import pytest_runtest_makereport  # noqa: F401  (a hook)
