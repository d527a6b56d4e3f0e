"""Fixtures of the nudge-component tests: the built binary as a process,
the strict APNs mock (tests/mocks), and the real servers it joins as an
external component: Prosody with mod_cloud_notify, ejabberd with mod_push.

A missing Prosody or ejabberd skips that server's tests, and fails the run
when NUDGE_REQUIRE_PROSODY=1 / NUDGE_REQUIRE_EJABBERD=1 (CI). A missing
binary skips everything unless one of those is set."""

import os
import sys
from pathlib import Path

import pytest

from tests.component.component_process import NudgeComponent, binary_missing
from tests.component.component_servers import (PASSWORD, CloudNotifyProsody, ejabberd_available, ejabberd_server,
                                               prosody_unavailable)
from tests.support.server_fixtures import call_failed, stop_servers

HERE = Path(__file__).resolve().parent

USERS = {"juliet": PASSWORD, "romeo": PASSWORD}
NEEDS = {"test_component_prosody.py": ("NUDGE_REQUIRE_PROSODY", prosody_unavailable),
         "test_component_ejabberd.py": ("NUDGE_REQUIRE_EJABBERD", ejabberd_available),
         "test_component_nodes.py": ("NUDGE_REQUIRE_EJABBERD", ejabberd_available)}


def pytest_collection_modifyitems(config, items):
    mine = [item for item in items if HERE in Path(str(item.fspath)).resolve().parents]
    if not mine:
        return
    required = any(os.environ.get(v) == "1" for v, _ in NEEDS.values())
    missing = binary_missing()
    if missing and required:
        raise pytest.UsageError(f"tests/component: {missing}")
    reasons = {}
    for name, (variable, check) in NEEDS.items():
        why = check()
        if why and os.environ.get(variable) == "1":
            raise pytest.UsageError(f"tests/component: {why} ({variable}=1)")
        reasons[name] = why
    for item in mine:
        why = missing or reasons.get(Path(str(item.fspath)).name)
        if why:
            item.add_marker(pytest.mark.skip(reason=why))


@pytest.fixture
def component(tmp_path, request):
    """component(server_port=…, backends=[…], component={…}, engine={…}) -> NudgeComponent (not started)."""
    made = []

    def make(**kwargs) -> NudgeComponent:
        c = NudgeComponent(tmp_path / f"component{len(made)}", **kwargs)
        made.append(c)
        return c

    yield make
    for c in made:
        try:
            c.stop()
        except AssertionError as error:
            sys.stderr.write(f"\n{error}\n")
        if call_failed(request):
            sys.stderr.write(f"\n===== {c.dir} stderr =====\n{c.log_text()[-6000:]}\n")


def _servers(request, make):
    """A fixture's value: start(**kwargs) makes the n-th server with
    make(n, **kwargs) and starts it; every one is stopped after the test."""
    servers = []

    def start(**kwargs):
        server = make(len(servers), **kwargs)
        servers.append(server)
        return server.start()

    yield start
    stop_servers(servers, request)


@pytest.fixture
def prosody(tmp_path, request):
    """prosody() -> a started CloudNotifyProsody with juliet and romeo and the component listener."""
    yield from _servers(request, lambda n, **kwargs: CloudNotifyProsody(tmp_path / f"prosody{n}", users=USERS,
                                                                        **kwargs))


@pytest.fixture
def ejabberd(tmp_path, request):
    """ejabberd() -> a started ejabberd with mod_push, juliet and romeo and the component listener."""
    yield from _servers(request, lambda n, **kwargs: ejabberd_server(tmp_path / f"ejabberd{n}", USERS, **kwargs))
