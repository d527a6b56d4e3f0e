"""Configurations nudge-component must refuse, each with a message that
names the key and exit status 78 (EX_CONFIG, which the unit's
RestartPreventExitStatus keeps from looping), and the warning for a secret
file others can read. No server is needed: the file is checked before any
connection is made."""

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.component.component_process import BINARY, NudgeComponent

EX_CONFIG = 78


def without(d: dict, key: str) -> dict:
    return {k: v for k, v in d.items() if k != key}


def refused(c, config: str | None = None) -> str:
    code, log = c.run(config=config)
    assert code == EX_CONFIG, log
    lines = [line for line in log.splitlines() if line.startswith("<3>")]
    assert lines, log
    return lines[0]


@pytest.mark.parametrize("key", ["server_host", "domain", "secret_file"])
def test_missing_component_key_is_named(component, key):
    c = component(server_port=9)
    c.component = without(c.component, key)
    assert refused(c) == f"<3>configuration error: component.{key}: required"


def test_missing_component_object_is_named(component):
    c = component(server_port=9)
    c.write_config()
    document = without(c.config(), "component")
    line = refused(c, config=json.dumps(document))
    assert line.startswith("<3>configuration error: component: required"), line


@pytest.mark.parametrize("key,value,message", [
    ("server_port", 70000, "component.server_port: expected a number from 1 to 65535, got 70000"),
    ("server_port", "5347", "component.server_port: expected a number, got a string"),
    ("domain", "push@example.net", "component.domain: expected a domain"),
    ("reconnect_max_s", 0.1, "component.reconnect_max_s: must be at least component.reconnect_min_s"),
    ("secret", "x", "component.secret: unknown key"),
])
def test_bad_component_value_is_named(component, key, value, message):
    c = component(server_port=9)
    c.component[key] = value
    assert message in refused(c)


def test_missing_secret_file(component, tmp_path):
    c = component(server_port=9)
    c.component["secret_file"] = str(tmp_path / "no-such-secret")
    line = refused(c)
    assert f"component.secret_file: cannot read {tmp_path / 'no-such-secret'}: No such file or directory" in line, line


def test_unreadable_secret_file(component, tmp_path):
    # Tests may run as root, whom file modes do not stop; a directory
    # cannot be read as a file by anyone.
    (tmp_path / "secret-dir").mkdir()
    c = component(server_port=9)
    c.component["secret_file"] = str(tmp_path / "secret-dir")
    line = refused(c)
    assert f"component.secret_file: cannot read {tmp_path / 'secret-dir'}" in line, line


def test_secret_file_without_permission():
    """A secret file the service's user may not read (mode 0600, another
    owner). Under root, which file modes do not stop, the binary runs as
    nobody, with its files in a directory of their own that nobody may
    enter but not list."""
    directory = Path(tempfile.mkdtemp(prefix="nudge-component-"))
    try:
        directory.chmod(0o711)
        c = NudgeComponent(directory, server_port=9)
        c.secret_path.chmod(0o600)
        c.write_config()
        command = [str(BINARY), str(c.config_path)]
        if os.geteuid() == 0:
            if not shutil.which("setpriv"):
                pytest.skip("setpriv (util-linux) is needed to drop root")
            c.config_path.chmod(0o644)
            command = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", *command]
        else:
            c.secret_path.chmod(0o000)
        result = subprocess.run(command, capture_output=True, text=True, timeout=30)
    finally:
        shutil.rmtree(directory)
    assert result.returncode == EX_CONFIG, result.stderr
    assert (f"<3>configuration error: component.secret_file: cannot read {c.secret_path}: Permission denied"
            in result.stderr), result.stderr


def test_empty_secret_file(component):
    c = component(server_port=9)
    c.secret_path.write_text("\n")
    assert f"component.secret_file: {c.secret_path} is empty" in refused(c)


def test_engine_key_errors_come_from_the_engine_with_their_key(component):
    c = component(server_port=9, engine={"server": {"domains": [], "coalesce_window_s": 1}})
    line = refused(c)
    assert "server.domains" in line, line


def test_pubsub_host_must_be_the_component_domain(component):
    c = component(server_port=9)
    c.engine["appserver"]["pubsub_host"] = "elsewhere.example.net"
    assert "appserver.pubsub_host: must be component.domain" in refused(c)


def test_not_json_names_the_line(component):
    c = component(server_port=9)
    line = refused(c, config='{"component": {\n  "domain": "push.example.net",\n}\n')
    assert str(c.config_path) in line and "line 3" in line, line


def test_world_readable_secret_is_warned_about_and_never_logged(component):
    c = component(server_port=9, secret_mode=0o644, secret="do-not-log-this-secret")
    code, log = c.run("--check")
    assert code == 0, log
    warning = [line for line in log.splitlines() if line.startswith("<4>")]
    assert warning and "component.secret_file" in warning[0] and "readable by everyone" in warning[0], log
    assert "do-not-log-this-secret" not in log


def test_private_secret_gets_no_warning(component):
    c = component(server_port=9, secret_mode=0o600)
    code, log = c.run("--check")
    assert code == 0, log
    assert "<4>" not in log and "configuration OK" in log, log


def test_usage_error_without_a_file():
    result = subprocess.run([str(BINARY)], capture_output=True, text=True, timeout=10)
    assert result.returncode == 64 and "usage: nudge-component" in result.stderr


def test_check_also_checks_the_engines_keys_and_key_files(component, tmp_path):
    """--check is what an operator runs before starting the unit: a missing
    APNs key must fail it, not the start."""
    c = component(server_port=9, backends=[{"type": "apns", "app": "chatninja", "topic": "im.chatninja.app",
                                             "key_file": str(tmp_path / "AuthKey_ABC123DEFG.p8"),
                                             "key_id": "ABC123DEFG", "team_id": "DEF123GHIJ"}])
    code, log = c.run("--check")
    assert code == EX_CONFIG, log
    assert f"appserver.backends[0].key_file: cannot read {tmp_path / 'AuthKey_ABC123DEFG.p8'}" in log, log
    assert "configuration OK" not in log


def relative_names(c, key_name: str = "AuthKey_ABC123DEFG.p8") -> None:
    """The component's secret and an APNs key named as credentials, not paths."""
    c.component["secret_file"] = "component.secret"
    c.engine["appserver"]["backends"] = [{"type": "apns", "app": "chatninja", "topic": "im.chatninja.app",
                                          "key_file": key_name, "key_id": "ABC123DEFG", "team_id": "DEF123GHIJ"}]


def test_a_relative_file_name_is_found_beside_the_configuration(component, tmp_path):
    c = component(server_port=9)
    relative_names(c)
    c.write_config()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = subprocess.run([str(BINARY), "--check", str(c.config_path)], cwd=elsewhere,
                            capture_output=True, text=True, timeout=30)
    # The secret is found beside the configuration, not in the working directory...
    assert "component.secret_file" not in result.stderr, result.stderr
    # ... and so is the key, which is missing there, named by its full path.
    assert result.returncode == EX_CONFIG, result.stderr
    assert f"appserver.backends[0].key_file: cannot read {c.dir / 'AuthKey_ABC123DEFG.p8'}" in result.stderr, \
        result.stderr
    subprocess.run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-out", str(c.dir / "AuthKey_ABC123DEFG.p8")], check=True, capture_output=True)
    (c.dir / "AuthKey_ABC123DEFG.p8").chmod(0o600)
    result = subprocess.run([str(BINARY), "--check", str(c.config_path)], cwd=elsewhere,
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0 and "configuration OK" in result.stderr, result.stderr


def test_under_systemd_a_relative_file_name_is_a_credential(component, tmp_path):
    """systemd's LoadCredential= puts the files in $CREDENTIALS_DIRECTORY;
    the ones beside the configuration are then not read."""
    c = component(server_port=9)
    relative_names(c)
    c.secret_path.write_text("\n")          # beside the configuration: would be refused as empty
    credentials = tmp_path / "credentials"
    credentials.mkdir()
    (credentials / "component.secret").write_text("component-secret\n")
    (credentials / "component.secret").chmod(0o400)
    code, log = c.run("--check", env={"CREDENTIALS_DIRECTORY": str(credentials)})
    assert code == EX_CONFIG, log
    assert "component.secret_file" not in log, log
    assert f"appserver.backends[0].key_file: cannot read {credentials / 'AuthKey_ABC123DEFG.p8'}" in log, log


def test_an_absolute_file_name_is_taken_as_it_is(component, tmp_path):
    c = component(server_port=9)
    code, log = c.run("--check", env={"CREDENTIALS_DIRECTORY": str(tmp_path / "not-used")})
    assert code == 0 and "configuration OK" in log, log
