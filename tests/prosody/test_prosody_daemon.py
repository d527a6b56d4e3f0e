"""Prosody started the usual way: prosodyctl start (Debian's init script
runs prosody -D alike). Hosts load in the first process, then mod_posix
forks on server-started and the parent exits. An engine opened before that
fork has no threads in the daemon: its calls hung, c2s stopped answering,
and only SIGKILL ended it. mod_nudge opens the engine after the fork."""

import pytest

from tests.prosody.harness import ProsodyServer
from tests.prosody.prosody_env import PROSODY, USERS, admin, enablements, push_options
from tests.support.devices import ApnsDevice
from tests.support.push_steps import JULIET, hibernate, pushes_until, run
from tests.support.server_fixtures import stop_servers


async def a_message_to_a_pending_session_pushes(server, device, body: str) -> None:
    a, b = await PROSODY.enabled(server, device)
    await hibernate(server, a)
    b.say(JULIET, body)
    await pushes_until(device, lambda p: len(p) == 1, "the push of the message")
    await b.offline()


@pytest.fixture
def daemon(tmp_path, apns_mock, request):
    server = ProsodyServer(tmp_path, options=push_options(apns_mock), users=USERS)
    yield server
    stop_servers([server], request, lambda: f"===== APNs mock log =====\n{apns_mock.log()[-4000:]}\n")


def test_a_daemonized_prosody_pushes_answers_the_shell_and_stops(daemon, apns_mock):
    daemon.start_daemon()
    device = ApnsDevice(apns_mock)

    run(a_message_to_a_pending_session_pushes(daemon, device, "while you were daemonized"))

    # The admin shell reaches the daemon's engine, and a test push arrives.
    assert len(enablements(daemon, JULIET)) == 1
    assert admin(daemon, f"nudge:test_push('{JULIET}')")["queued"] == 1
    run(pushes_until(device, lambda p: len(p) == 2, "the test push"))
    assert "opened in another process" not in daemon.log_text()

    # prosodyctl stop ends it (SIGTERM), without SIGKILL.
    daemon.stop()
    assert daemon.stopped_by_itself, daemon.diagnostics()
    assert "Push engine closed" in daemon.log_text()


def test_loaded_into_a_running_server_and_reloaded_the_engine_opens_at_once(tmp_path, apns_mock, request):
    # Prosody has started: nothing will fork any more, so the engine opens
    # as the module loads, and again when it is reloaded.
    server = ProsodyServer(tmp_path, options=push_options(apns_mock), users=USERS, component=None, host_modules=[])
    try:
        server.start()
        code, output = server.shell("module:load('nudge', 'example.net')")
        assert code == 0, output
        server.wait_for_log(r"Push engine .* open for example\.net")
        assert admin(server, "nudge:stats()")["ok"]
        code, output = server.shell("module:reload('nudge', 'example.net')")
        assert code == 0, output
        assert admin(server, "nudge:stats()")["ok"]
        run(a_message_to_a_pending_session_pushes(server, ApnsDevice(apns_mock), "after a reload"))
    finally:
        stop_servers([server], request)
