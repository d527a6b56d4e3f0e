"""Start the vendor mocks as processes, steer them, and pytest fixtures for each.

Each mock runs in its own process (the Python that runs the tests, which has
the mocks' requirements) so that an engine under test meets it exactly as it
would meet Apple or Google: a TLS port on loopback, nothing shared in
memory. Tests elsewhere import this module; the root `tests/conftest.py`
re-exports the fixtures.

    mock = start_apns_mock(tmp_path)        # fresh CA, key, team, topic
    mock.url                                # https://127.0.0.1:PORT
    mock.control.script([{"status": 410, "reason": "Unregistered"}])
    mock.control.requests(); mock.control.stats(); mock.control.reset()
    mock.stop()

    mock = start_webpush_mock(tmp_path)     # also start_wns_mock, start_ubports_mock
    mock.subscribe()                        # {"endpoint", "p256dh", "auth"}; wns: .channel(); ubports: .token(appid)
"""

from __future__ import annotations

import json
import select
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.mocks import keys

# The mocks run as modules of this package (python -m tests.mocks.apns_mock), from the top of the repository.
REPO = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT_S = 15
DEFAULT_TOPIC = "net.example.chat"
DEFAULT_PROJECT = "nudge-test"


class Control:
    """Client of a mock's control port (see control.py)."""

    def __init__(self, port: int):
        self.base = f"http://127.0.0.1:{port}"

    def _call(self, method: str, path: str, document=None):
        data = None if document is None else json.dumps(document).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"content-type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:
            raise ValueError(f"{method} {path}: {error.code} {error.read().decode()}") from None

    def script(self, entries: list[dict]) -> dict:
        """Queue canned answers (ValueError if the mock refuses one)."""
        return self._call("POST", "/script", entries)

    def pending(self) -> list[dict]:
        """Scripted answers not used yet."""
        return self._call("GET", "/script")

    def requests(self) -> list[dict]:
        return self._call("GET", "/requests")

    def stats(self) -> dict:
        return self._call("GET", "/stats")

    def reset(self) -> dict:
        return self._call("POST", "/reset", {})

    def post(self, path: str, document: dict | None = None) -> dict:
        """A vendor-specific control route, e.g. POST /subscriptions (ValueError if refused)."""
        return self._call("POST", path, document or {})


@dataclass
class MockProcess:
    """A running mock: its URL, its control client, its log file."""

    name: str
    process: subprocess.Popen
    port: int
    control: Control
    log_path: Path
    tls: keys.ServerTls

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        """End the process (SIGTERM, then SIGKILL after 5 s)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        if self.process.stdout:
            self.process.stdout.close()


@dataclass
class ApnsMock(MockProcess):
    team_id: str = ""
    keys: list[keys.ApnsKey] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    client_cert: keys.ClientCert | None = None


@dataclass
class FcmMock(MockProcess):
    account: keys.FcmAccount | None = None


@dataclass
class WebPushMock(MockProcess):
    require_vapid: bool = True

    @property
    def origin(self) -> str:
        """The VAPID `aud` every push to this service must carry."""
        return self.url

    def subscribe(self, application_server_key: str | None = None) -> dict:
        """A new subscription: {"endpoint", "p256dh", "auth"}; with a key, restricted to that VAPID key."""
        document = {} if application_server_key is None else {"application_server_key": application_server_key}
        return self.control.post("/subscriptions", document)

    def unsubscribe(self, endpoint: str) -> None:
        """The browser drops the subscription: pushes to it get 410 from now on."""
        self.control.post("/unsubscribe", {"endpoint": endpoint})


@dataclass
class WnsMock(MockProcess):
    app: keys.WnsApp | None = None

    @property
    def token_url(self) -> str:
        return f"{self.url}/accesstoken.srf"

    @property
    def package_sid(self) -> str:
        return self.app.package_sid

    @property
    def client_secret(self) -> str:
        return self.app.client_secret

    def channel(self) -> str:
        """A new channel URI, as a Windows app would get from PushNotificationChannelManager."""
        return self.control.post("/channels")["uri"]


@dataclass
class UbportsMock(MockProcess):
    @property
    def notify_url(self) -> str:
        return f"{self.url}/notify"

    def token(self, appid: str) -> str:
        """Register a device for appid; returns its push token."""
        return self.control.post("/tokens", {"appid": appid})["token"]


def _read_line(process: subprocess.Popen, deadline: float, log_path: Path) -> str:
    """One startup line; stdout is unbuffered so select() sees exactly what is unread."""
    remaining = deadline - time.monotonic()
    ready, _, _ = select.select([process.stdout], [], [], max(remaining, 0))
    line = process.stdout.readline().decode() if ready else ""
    if not line:
        process.kill()
        raise RuntimeError(f"mock did not start; its log:\n{log_path.read_text(errors='replace')}")
    return line.strip()


def _spawn(name: str, args: list[str], directory: Path) -> tuple[subprocess.Popen, int, int, Path]:
    """Start the mock tests/mocks/<name>.py and wait for its PORT and CONTROL lines."""
    log_path = directory / f"{name}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", f"tests.mocks.{name}", *args], stdout=subprocess.PIPE,
                                   bufsize=0, stderr=log, stdin=subprocess.DEVNULL, cwd=REPO)
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    port_line = _read_line(process, deadline, log_path)
    control_line = _read_line(process, deadline, log_path)
    if not port_line.startswith("PORT ") or not control_line.startswith("CONTROL "):
        process.kill()
        raise RuntimeError(f"unexpected startup lines {port_line!r}, {control_line!r}")
    return process, int(port_line.split()[1]), int(control_line.split()[1]), log_path


def _directory(tmpdir, name: str) -> Path:
    directory = Path(tmpdir) / name
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def start_apns_mock(tmpdir, *, team_id: str | None = None, apns_keys: list[keys.ApnsKey] | None = None,
                    topics: list[str] = (DEFAULT_TOPIC,), certificate_auth: bool = False,
                    token_update_min_s: int | None = None, token_max_age_s: int | None = None,
                    tls: keys.ServerTls | None = None) -> ApnsMock:
    """An APNs mock with fresh credentials unless given.

    certificate_auth: make a client CA and a provider certificate whose CN is
    topics[0], and require it (no provider tokens). The result carries
    everything the engine needs: .url, .tls.ca, .team_id, .keys[i].p8 /
    .key_id, .client_cert.
    """
    directory = _directory(tmpdir, "apns")
    tls = tls or keys.make_server_tls(directory)
    args = ["--cert", str(tls.cert), "--key", str(tls.key)]
    client_cert = None
    team_id = team_id or keys.make_team_id()
    topics = list(topics)
    if certificate_auth:
        client_cert = keys.make_apns_client_cert(directory, topics[0])
        args += ["--client-ca", str(client_cert.ca)]
        apns_keys = []
    else:
        apns_keys = apns_keys if apns_keys is not None else [keys.make_apns_key(directory)]
        args += ["--team-id", team_id]
        for key in apns_keys:
            args += ["--key-id", key.key_id, "--public-key", str(key.public_pem)]
        for topic in topics:
            args += ["--topic", topic]
    if token_update_min_s is not None:
        args += ["--token-update-min-s", str(token_update_min_s)]
    if token_max_age_s is not None:
        args += ["--token-max-age-s", str(token_max_age_s)]
    process, port, control_port, log_path = _spawn("apns_mock", args, directory)
    return ApnsMock("apns", process, port, Control(control_port), log_path, tls, team_id=team_id,
                    keys=list(apns_keys), topics=topics, client_cert=client_cert)


def start_fcm_mock(tmpdir, *, project_id: str = DEFAULT_PROJECT, account: keys.FcmAccount | None = None,
                   token_lifetime_s: int | None = None, tls: keys.ServerTls | None = None) -> FcmMock:
    """An FCM mock; the service-account file (.account.json_path) is rewritten to use its /token."""
    directory = _directory(tmpdir, "fcm")
    tls = tls or keys.make_server_tls(directory)
    account = account or keys.make_fcm_account(directory, project_id)
    args = ["--cert", str(tls.cert), "--key", str(tls.key), "--project-id", project_id,
            "--client-email", account.client_email, "--private-key-id", account.private_key_id,
            "--public-key", str(account.public_pem)]
    if token_lifetime_s is not None:
        args += ["--token-lifetime-s", str(token_lifetime_s)]
    process, port, control_port, log_path = _spawn("fcm_mock", args, directory)
    mock = FcmMock("fcm", process, port, Control(control_port), log_path, tls, account=account)
    account.write(token_uri=f"{mock.url}/token")
    return mock


def start_webpush_mock(tmpdir, *, require_vapid: bool = True, tls: keys.ServerTls | None = None) -> WebPushMock:
    """A Web Push service; make subscriptions with .subscribe(), point the engine's ca_file at .tls.ca."""
    directory = _directory(tmpdir, "webpush")
    tls = tls or keys.make_server_tls(directory)
    args = ["--cert", str(tls.cert), "--key", str(tls.key)]
    if not require_vapid:
        args.append("--no-require-vapid")
    process, port, control_port, log_path = _spawn("webpush_mock", args, directory)
    return WebPushMock("webpush", process, port, Control(control_port), log_path, tls, require_vapid=require_vapid)


def start_wns_mock(tmpdir, *, package_sid: str | None = None, client_secret: str | None = None,
                   token_lifetime_s: int | None = None, tls: keys.ServerTls | None = None) -> WnsMock:
    """WNS and its token endpoint (.token_url), with fresh app credentials unless given."""
    directory = _directory(tmpdir, "wns")
    tls = tls or keys.make_server_tls(directory)
    app = keys.make_wns_app()
    app = keys.WnsApp(package_sid or app.package_sid, client_secret or app.client_secret)
    args = ["--cert", str(tls.cert), "--key", str(tls.key), f"--package-sid={app.package_sid}",
            f"--client-secret={app.client_secret}"]   # "=": a secret may begin with "-"
    if token_lifetime_s is not None:
        args += ["--token-lifetime-s", str(token_lifetime_s)]
    process, port, control_port, log_path = _spawn("wns_mock", args, directory)
    return WnsMock("wns", process, port, Control(control_port), log_path, tls, app=app)


def start_ubports_mock(tmpdir, *, tls: keys.ServerTls | None = None) -> UbportsMock:
    """A UBports push server (.notify_url); register devices with .token(appid)."""
    directory = _directory(tmpdir, "ubports")
    tls = tls or keys.make_server_tls(directory)
    args = ["--cert", str(tls.cert), "--key", str(tls.key)]
    process, port, control_port, log_path = _spawn("ubports_mock", args, directory)
    return UbportsMock("ubports", process, port, Control(control_port), log_path, tls)


# ---- pytest fixtures --------------------------------------------------------

@pytest.fixture
def apns_mock(tmp_path):
    """A fresh token-auth APNs mock for one test."""
    mock = start_apns_mock(tmp_path)
    yield mock
    mock.stop()


@pytest.fixture
def apns_cert_mock(tmp_path):
    """A fresh certificate-auth APNs mock for one test."""
    mock = start_apns_mock(tmp_path, certificate_auth=True)
    yield mock
    mock.stop()


@pytest.fixture
def fcm_mock(tmp_path):
    """A fresh FCM mock (and its service account) for one test."""
    mock = start_fcm_mock(tmp_path)
    yield mock
    mock.stop()



@pytest.fixture
def webpush_mock(tmp_path):
    """A fresh Web Push service (VAPID required) for one test."""
    mock = start_webpush_mock(tmp_path)
    yield mock
    mock.stop()


@pytest.fixture
def wns_mock(tmp_path):
    """A fresh WNS (and token endpoint) with fresh app credentials for one test."""
    mock = start_wns_mock(tmp_path)
    yield mock
    mock.stop()


@pytest.fixture
def ubports_mock(tmp_path):
    """A fresh UBports push server for one test."""
    mock = start_ubports_mock(tmp_path)
    yield mock
    mock.stop()
