"""Fixtures of the ejabberd end-to-end tests: a strict APNs mock
(tests/mocks) and a real ejabberd (Debian's 23.01) with mod_nudge whose APNs
backend points at it, started by tests/support/ejabberd_server.py."""

from pathlib import Path

import pytest

from tests.ejabberd.ejabberd_env import binding_missing, modules, new_server, nudge_options
from tests.support.ejabberd_server import ejabberd_available
from tests.support.server_fixtures import skip_unless_available, stop_servers

HERE = Path(__file__).resolve().parent

_unavailable = ejabberd_available() or binding_missing()


def pytest_collection_modifyitems(config, items):
    # NUDGE_REQUIRE_EJABBERD=1 (CI) turns the skip into a failure.
    skip_unless_available(HERE, items, _unavailable, "NUDGE_REQUIRE_EJABBERD")


@pytest.fixture
def ejabberd(tmp_path, apns_mock, request):
    """Starts ejabberd with mod_nudge (APNs at the mock).

    ejabberd(nudge={...}) replaces mod_nudge's options; module_config=
    replaces the whole modules section; other keywords go to EjabberdServer.
    """
    servers = []

    def start(nudge: dict | None = None, *, module_config: dict | None = None, wait: bool = True,
              stream_mgmt: dict | None = None, **kwargs):
        config = module_config or modules(nudge if nudge is not None else nudge_options(apns_mock),
                                          stream_mgmt=stream_mgmt)
        server = new_server(tmp_path / f"run{len(servers)}", config, **kwargs)
        servers.append(server)
        return server.start(wait=wait)

    yield start
    stop_servers(servers, request, lambda: f"===== APNs mock log =====\n{apns_mock.log()[-4000:]}\n")
