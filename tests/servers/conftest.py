"""Fixtures of the tests every XMPP server with mod_nudge runs alike: `host`
is Prosody, then ejabberd (tests/support/push_host.py), and `device` a
phone at APNs, then a Web Push subscription.

A missing server skips its half of the tests, and fails the run when its
NUDGE_REQUIRE_PROSODY=1 / NUDGE_REQUIRE_EJABBERD=1 is set (CI)."""

from pathlib import Path

import pytest

from tests.ejabberd.ejabberd_host import EjabberdHost
from tests.mocks import keys
from tests.prosody.prosody_host import ProsodyHost
from tests.support.devices import ApnsDevice, WebPushDevice
from tests.support.server_fixtures import skip_unless_available

HERE = Path(__file__).resolve().parent
HOSTS = (ProsodyHost, EjabberdHost)


def hosted_by(item) -> str | None:
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("host") if callspec else None


def pytest_collection_modifyitems(config, items):
    for host in HOSTS:
        skip_unless_available(HERE, items, host.unavailable(), host.require_variable,
                              only=lambda item, name=host.name: hosted_by(item) == name)


@pytest.fixture(params=[host.name for host in HOSTS])
def host(request):
    """The host under test, started with host.start(...) (its fixture stops what it started)."""
    return request.getfixturevalue(f"{request.param}_host")


@pytest.fixture(params=["apns", "webpush"])
def device(request, apns_mock, tmp_path):
    """A phone registered with APNs, or a Web Push subscription (the mock's)."""
    if request.param == "apns":
        return ApnsDevice(apns_mock)
    return WebPushDevice(request.getfixturevalue("webpush_mock"), keys.make_vapid_key(tmp_path))
