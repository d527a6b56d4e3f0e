"""Fixtures of the ejabberd end-to-end tests: a real ejabberd (Debian's
23.01) with mod_nudge whose APNs backend points at the strict APNs mock
(tests/mocks), started by tests/support/ejabberd_server.py."""

from pathlib import Path

import pytest

from tests.ejabberd.ejabberd_host import EjabberdHost
from tests.support.postgres import postgres_unavailable
from tests.support.server_fixtures import skip_unless_available

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    # NUDGE_REQUIRE_EJABBERD=1 (CI) turns the skip into a failure.
    skip_unless_available(HERE, items, EjabberdHost.unavailable(), EjabberdHost.require_variable)
    # The cluster's nodes share a PostgreSQL database (NUDGE_REQUIRE_POSTGRESQL=1: an error without one).
    skip_unless_available(HERE, items, postgres_unavailable(), "NUDGE_REQUIRE_POSTGRESQL",
                          only=lambda item: Path(str(item.fspath)).name == "test_ejabberd_cluster.py")


@pytest.fixture
def ejabberd(ejabberd_host):
    """ejabberd(nudge=None, *, module_config=None, wait=True, stream_mgmt=None, **EjabberdServer's keywords)
    -> a started EjabberdServer: nudge replaces mod_nudge's options, module_config the whole modules section."""
    return ejabberd_host.start_server
