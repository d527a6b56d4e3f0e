"""Verify and backup of nudge-component's store: offline with --verify and
--backup DIR, and, while a component holds the store (where a second open
is refused), through SIGUSR2 to the running one, which verifies and backs
up into component.backup_dir. A backup opens as a store with the same
registration."""

import json
import signal

import pytest

from tests.component.component_xep0114 import ComponentListener
from tests.component.test_component_lifecycle import register
from tests.support.vendor_backends import apns_backend

EX_TEMPFAIL = 75


@pytest.fixture
def listener():
    server = ComponentListener("component-secret")
    yield server
    server.close()


def reply_of(output: str) -> dict:
    """The last run's reply: the log file keeps every run's lines."""
    for line in reversed(output.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise AssertionError(f"no JSON reply in:\n{output}")


def test_verify_and_backup_offline_and_through_sigusr2(component, listener, apns_mock, tmp_path):
    backups = tmp_path / "backups"
    backends = [apns_backend(apns_mock)]
    c = component(server_port=listener.port, backends=backends, component={"backup_dir": str(backups)}).start()
    conn = listener.accept()
    c.wait_for_log(r"^<5>connected to")
    register(conn, "a" * 64)

    # While it runs, it holds the store: the offline command says what to do instead.
    store = {"store": {"path": str(c.dir / "store")}}
    offline = component(server_port=listener.port, backends=backends, engine=store)
    code, output = offline.run("--verify")
    assert code == EX_TEMPFAIL and "in use by another process" in output and "SIGUSR2" in output, output

    c.signal(signal.SIGUSR2)
    line = c.wait_for_log(r'^<6>verify: \{.*"ok":true')[0]
    assert json.loads(line.split("verify: ", 1)[1])["entries"]["reg"] == 1, line
    line = c.wait_for_log(r'^<6>backup: \{.*"ok":true')[0]
    copy = json.loads(line.split("backup: ", 1)[1])["path"]
    assert copy.startswith(str(backups)), line

    conn.close()
    assert c.stop() == 0

    # Offline, once it has stopped: verify, back up, and never overwrite.
    code, output = offline.run("--verify")
    assert code == 0 and reply_of(output)["entries"]["reg"] == 1, output
    target = tmp_path / "offline-backup"
    code, output = offline.run("--backup", str(target))
    assert code == 0 and reply_of(output)["ok"] is True, output
    code, output = offline.run("--backup", str(target))
    assert code == 1 and "is not empty" in reply_of(output)["error"], output

    # Both copies are stores holding the registration.
    for path in (copy, str(target)):
        restored = component(server_port=listener.port, backends=backends, engine={"store": {"path": path}})
        code, output = restored.run("--verify")
        assert code == 0 and reply_of(output)["entries"]["reg"] == 1, output


def test_usage_errors(component):
    c = component(server_port=1)
    code, output = c.run("--backup")
    assert code == 64 and "usage:" in output, output
    code, output = c.run("--verify", "--check")
    assert code == 64 and "usage:" in output, output
