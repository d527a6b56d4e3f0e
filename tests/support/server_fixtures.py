"""What the conftests of the real-server tests (tests/servers, tests/prosody,
tests/ejabberd, tests/component) do alike: skip a directory's tests when its server is
missing (fail instead when CI requires it), remember each test's outcome,
and stop the servers a test started, showing their logs when it failed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest


def skip_unless_available(directory: Path, items, unavailable: str | None, require_variable: str,
                          only=lambda item: True) -> None:
    """Marks the directory's items (those for which only(item) holds)
    skipped for the reason `unavailable` (if any); with require_variable=1
    in the environment (CI), that is an error. (pytest_collection_modifyitems
    gets the whole session's items.)"""
    if not unavailable:
        return
    if os.environ.get(require_variable) == "1":
        raise pytest.UsageError(f"{directory.parent.name}/{directory.name}: {unavailable} ({require_variable}=1)")
    skip = pytest.mark.skip(reason=unavailable)
    for item in items:
        if directory in Path(str(item.fspath)).resolve().parents and only(item):
            item.add_marker(skip)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keeps each phase's report on the item (item.rep_call), for fixtures to see a failure."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, "rep_" + report.when, report)


def call_failed(request) -> bool:
    return getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed


def stop_servers(servers, request, more_diagnostics=lambda: "") -> None:
    """Stops every server; after a failed test, writes their diagnostics (and
    more_diagnostics(), e.g. a mock's log) to stderr."""
    failed = call_failed(request)
    for server in servers:
        server.stop()
        if failed:
            sys.stderr.write(f"\n===== {server.dir} =====\n{server.diagnostics()}\n")
            sys.stderr.write(more_diagnostics())
