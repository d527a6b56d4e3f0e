"""nudge-component.service, as `make -C bindings/component install` puts it
in /etc/systemd/system, run by systemd on a machine it booted
(overlay.boot): its sandbox (ProtectSystem=strict, SystemCallFilter,
MemoryDenyWriteExecute, …) lets the component run, its dynamic user takes
over the store a run by hand made as root, Type=notify reports it ready
and connected, ExecReload logs the stats, and a stop is graceful.

The component guide's own steps come first, as written (test_guides.py
runs them alone too). One thing differs from a real machine, and the test
says so where it does it: in these namespaces systemd's LoadCredential=
hands a service no files (its credential directory stays empty, for any
user), so a drop-in points $CREDENTIALS_DIRECTORY at readable copies
instead. What that leaves untested is systemd's own credential passing,
not the unit's or the component's part of it: the component reads
$CREDENTIALS_DIRECTORY the same way either way."""

from __future__ import annotations

import re

from tests.docs import overlay
from tests.docs.test_guides import PROSODY_LOG, REPO, component_installed, script

GUIDE = "bindings/component/README.md"

UNDER_SYSTEMD = """
# The test's own steps, after the guide's.
install -d -m 0755 /etc/nudge/test-credentials
install -m 0644 /etc/nudge/component.secret /etc/nudge/AuthKey_ABC123DEFG.p8 /etc/nudge/test-credentials/
rm /etc/systemd/system/nudge-component.service.d/credentials.conf
cat > /etc/systemd/system/nudge-component.service.d/test-credentials.conf <<'EOF'
[Service]
LoadCredential=
Environment=CREDENTIALS_DIRECTORY=/etc/nudge/test-credentials
EOF
systemctl daemon-reload
systemctl enable --now nudge-component
timeout 30 sh -c 'until curl -fs http://127.0.0.1:9464/metrics | grep -x "nudge_component_connected 1"; do sleep 1; done'
systemctl status nudge-component --no-pager
echo "service user: $(ps -o user= -C nudge-component)"
echo "store owner: $(stat -L -c %U /var/lib/nudge-component)"
systemctl reload nudge-component
timeout 10 sh -c 'until journalctl -u nudge-component -o cat | grep -q "^stats: "; do sleep 0.2; done'
systemctl stop nudge-component
echo "main status: $(systemctl show nudge-component -p ExecMainStatus --value)"
journalctl -u nudge-component -o cat --no-pager
"""


def test_the_component_unit_runs_as_written_under_systemd(tmp_path):
    steps = script(REPO / GUIDE) + UNDER_SYSTEMD
    result = overlay.boot(steps, tmp_path, cwd=REPO, logs=(PROSODY_LOG,))
    out = result.output
    assert result.returncode == 0, f"a step failed (exit {result.returncode}):\n{out[-6000:]}"
    component_installed(result)
    assert 'Status: "connected to 127.0.0.1:5347 as push.example.net"' in out, out[-4000:]
    # DynamicUser=yes: a user named after the unit, never root; StateDirectory=
    # handed it the store made by the run by hand.
    assert "service user: nudge-component\n" in out, out[-4000:]
    assert "store owner: nudge-component\n" in out, out[-4000:]
    assert re.search(r"^stats: \{", out, re.M), out[-4000:]
    # The test's copies are readable by everyone, and the component, run by
    # the unit, says so, naming them where $CREDENTIALS_DIRECTORY has them.
    assert "component.secret_file: /etc/nudge/test-credentials/component.secret is readable by everyone" in out
    assert "/etc/nudge/test-credentials/AuthKey_ABC123DEFG.p8 is readable by others" in out
    assert "main status: 0\n" in out, out[-4000:]
    assert re.search(r"^stopped$", out, re.M), out[-4000:]
