"""The XMPP servers the component is tested against, each with its own
XEP-0357 support publishing to the component, and an external component
listener for push.example.net.

Prosody: tests/prosody/harness.py's ProsodyServer, with Debian's
mod_cloud_notify (prosody-modules) instead of mod_nudge on the host and no
internal push component. ejabberd: tests/support/ejabberd_server.py's
EjabberdServer with mod_push and an ejabberd_service listener.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.component.component_process import DOMAIN, PUSH_HOST
from tests.prosody.harness import STARTUP_TIMEOUT_S, ProsodyServer
from tests.support.ejabberd_server import EjabberdServer, ejabberd_available  # noqa: F401  (re-exported)

CLOUD_NOTIFY_DIRS = [Path("/usr/lib/prosody/modules/mod_cloud_notify"),
                     Path("/usr/share/prosody-modules/mod_cloud_notify"),
                     Path("/usr/lib/prosody-modules/mod_cloud_notify")]
COMPONENT_SECRET = "component-secret"
PASSWORD = "secret-password"


def cloud_notify_dir() -> Path | None:
    for d in CLOUD_NOTIFY_DIRS:
        if (d / "mod_cloud_notify.lua").exists():
            return d
    return None


def prosody_unavailable() -> str | None:
    if not shutil.which("prosody") or not shutil.which("prosodyctl"):
        return "prosody is not installed (apt-get install prosody lua5.4)"
    if cloud_notify_dir() is None:
        return "mod_cloud_notify is not installed (apt-get install prosody-modules)"
    return None


class CloudNotifyProsody(ProsodyServer):
    """Prosody whose host runs mod_cloud_notify and which accepts
    push.example.net as an external component."""

    HOST_MODULES_LINE = '    modules_enabled = { "nudge" }\n'

    def __init__(self, directory: Path, users: dict[str, str], secret: str = COMPONENT_SECRET):
        super().__init__(directory, host=DOMAIN, component=None, users=users,
                         external_components={PUSH_HOST: secret},
                         # Bodies in pushes tell the tests which message a push is for.
                         options={"push_notification_with_body": True, "push_notification_with_sender": False})

    def config_text(self) -> str:
        text = super().config_text()
        # The harness always loads mod_nudge on the host; this server is the
        # kind the component is for, with its own XEP-0357 support instead.
        assert self.HOST_MODULES_LINE in text, "tests/prosody/harness.py changed its VirtualHost block"
        text = text.replace(self.HOST_MODULES_LINE, '    modules_enabled = { "cloud_notify" }\n')
        # mod_cloud_notify lives in prosody-modules, outside Prosody's own directory on some systems.
        plugin_dir = cloud_notify_dir().parent
        return text.replace("plugin_paths = {", f'plugin_paths = {{ "{plugin_dir}", ', 1)

    def wait_ready(self) -> None:
        self.wait_c2s_port()
        # The port opens before hosts are activated; wait for the module.
        self.wait_for_log(r"example\.net:cloud_notify", STARTUP_TIMEOUT_S)

    def restart(self) -> None:
        self.stop()
        self.start()


def ejabberd_server(directory: Path, users: dict[str, str], secret: str = COMPONENT_SECRET):
    modules = {
        "mod_adhoc": {}, "mod_disco": {}, "mod_roster": {}, "mod_ping": {},
        "mod_stream_mgmt": {"resume_timeout": 300},
        "mod_offline": {}, "mod_caps": {}, "mod_carboncopy": {},
        "mod_push": {"include_body": True, "include_sender": False},   # bodies: see CloudNotifyProsody
        "mod_push_keepalive": {},
    }
    return EjabberdServer(directory, hosts=[DOMAIN], users={f"{u}@{DOMAIN}": p for u, p in users.items()},
                          modules=modules, components={PUSH_HOST: secret}, options={"loglevel": "info"})
