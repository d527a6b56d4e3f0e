"""The engine on a PostgreSQL store (store.backend "postgresql"), through
the C ABI, against a private server (tests/support/postgres.py) and the
vendor mocks. Without PostgreSQL these tests are skipped, and with
NUDGE_REQUIRE_POSTGRESQL=1 (make test, CI) that is an error."""

from pathlib import Path

import pytest

from tests.support.postgres import PostgresServer, postgres_unavailable
from tests.support.server_fixtures import skip_unless_available

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    skip_unless_available(HERE, items, postgres_unavailable(), "NUDGE_REQUIRE_POSTGRESQL")


@pytest.fixture
def postgres(tmp_path_factory):
    """A server of this test's own (the fault tests stop and start it)."""
    server = PostgresServer()
    try:
        yield server.start()
    finally:
        server.close()
