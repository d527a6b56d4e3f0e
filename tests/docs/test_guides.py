"""Each install guide, run as a newcomer would type it.

Every shell block of README.md and bindings/*/README.md is marked
(markdown_blocks.py): `run` blocks are run in the order they appear
(`background` ones too, left running), with
the `file` blocks written where the text says, on this machine seen through
an overlay (overlay.py). A guide passes when every step exits 0 and what it
promises is there afterwards. A block that is neither run nor skipped with
a reason fails the first test, so a new step cannot go untested."""

from __future__ import annotations

import glob
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest

from tests.docs import overlay
from tests.docs.markdown_blocks import SHELL, blocks

REPO = Path(__file__).resolve().parents[2]
GUIDES = sorted([REPO / "README.md", *REPO.glob("bindings/*/README.md")])

# What a reader brings that no guide can give them: their own APNs key
# (the guides name AuthKey_ABC123DEFG.p8, downloaded from Apple), here a
# fresh P-256 key in the checkout, where the reader has theirs.
OWN_APNS_KEY = "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out AuthKey_ABC123DEFG.p8\n"


# The logs of Debian's Prosody and ejabberd, where the checks look for what
# the daemons the guides start said.
PROSODY_LOG = "/var/log/prosody/prosody.log"
EJABBERD_LOG = "/var/log/ejabberd/ejabberd.log"


@dataclass
class Guide:
    prelude: str = ""                                   # what the reader has before the first step
    checks: list[Callable[[overlay.Result], None]] = field(default_factory=list)
    booted: bool = False                                # run on a machine systemd booted (overlay.boot)


def prosody_answered_the_shell(result: overlay.Result) -> None:
    assert '"users_enabled"' in result.output, "prosodyctl shell \"nudge:stats()\" printed no stats"
    assert result.changed("/usr/local/lib/libnudge.so.0").is_symlink()
    assert (result.changed("/usr/local/lib/prosody/modules") / "mod_nudge.lua").is_file()
    assert (result.changed("/usr/local/lib/prosody/modules") / "mod_nudge" / "config.lib.lua").is_file()


def demo_pushed(result: overlay.Result) -> None:
    for line in ("the push arrives at APNs", "one follow-up when the window ends", "done; Prosody and the mock are stopped"):
        assert line in result.output, f"the demo did not show: {line}\n{result.output[-3000:]}"


def component_installed(result: overlay.Result) -> None:
    assert result.changed("/usr/local/bin/nudge-component").is_file()
    unit = result.changed("/etc/systemd/system/nudge-component.service").read_text()
    assert "ExecStart=/usr/local/bin/nudge-component" in unit
    assert result.changed("/etc/nudge/component.sample.json").is_file()


def component_connected(result: overlay.Result) -> None:
    """The component, started by hand as the guide says on a machine that
    systemd booted, joined Debian's Prosody (restarted by systemd) with the
    guide's secret, and stopped gracefully on Ctrl-C."""
    assert "\nnudge_component_connected 1\n" in result.output, result.output[-4000:]
    assert re.search(r"connected to 127\.0\.0\.1:5347 as push\.example\.net", result.output), result.output[-4000:]
    assert "<5>stopped\n" in result.output, result.output[-4000:]
    assert "component.secret_file" not in result.output, "the component warned about its secret file"
    assert "is readable by others" not in result.output, "the engine warned about the key file's mode"


def ejabberd_module_installed(result: overlay.Result) -> None:
    installed = result.changed("/usr/lib/x86_64-linux-gnu")
    assert list(installed.glob("nudge-*/ebin/mod_nudge.beam")) and list(installed.glob("nudge-*/priv/lib/nudge_nif.so"))


def ejabberd_loaded_the_module(result: overlay.Result) -> None:
    """The node read mod_nudge's options from modules.d and opened the engine."""
    assert '"users_enabled"' in result.output, "ejabberdctl nudge_stats printed no stats"
    log = result.appended(EJABBERD_LOG)
    assert "Loading third-party configuration from /etc/ejabberd/modules.d/mod_nudge.yml" in log, log[-3000:]
    assert re.search(r"Push engine \S+ open", log), log[-3000:]


def packages_served(result: overlay.Result) -> None:
    """The packages built from debian/ are installed, and Debian's Prosody
    and ejabberd opened the engine from them with the README's configuration."""
    status = result.changed("/var/lib/dpkg/status").read_text()
    for package in ("libnudge0", "prosody-mod-nudge", "ejabberd-mod-nudge"):
        assert re.search(rf"^Package: {package}\nStatus: install ok installed$", status, re.M), package
    prosody_log = result.appended(PROSODY_LOG)
    assert re.search(r"Push engine \S+ open for .*\(store /var/lib/prosody/nudge\)", prosody_log), prosody_log[-3000:]
    ejabberd_loaded_the_module(result)


def key_file_unwarned(log_path: str) -> Callable[[overlay.Result], None]:
    """The guide's key file is one the engine takes without its warning about modes."""
    def check(result: overlay.Result) -> None:
        log = result.appended(log_path)
        assert "is readable by others" not in log, f"{log_path}: the engine warned about the key file's mode"
    return check


EXPECTED = {
    "README.md": Guide(prelude=OWN_APNS_KEY, checks=[
        demo_pushed, packages_served, key_file_unwarned(PROSODY_LOG),
        key_file_unwarned(EJABBERD_LOG)]),
    "bindings/component/README.md": Guide(prelude=OWN_APNS_KEY, booted=True, checks=[
        component_installed, component_connected]),
    "bindings/ejabberd/README.md": Guide(prelude=OWN_APNS_KEY, checks=[
        ejabberd_module_installed, ejabberd_loaded_the_module, key_file_unwarned(EJABBERD_LOG)]),
    "bindings/prosody/README.md": Guide(prelude=OWN_APNS_KEY, checks=[
        prosody_answered_the_shell, key_file_unwarned(PROSODY_LOG)]),
}

# Configuration a guide writes that the repository also ships (a package
# installs it as a sample): the two must not drift apart.
SHIPPED = {
    ("bindings/ejabberd/README.md", "/etc/ejabberd/modules.d/mod_nudge.yml"): "bindings/ejabberd/conf/mod_nudge.yml",
}


def name(path: Path) -> str:
    return str(path.relative_to(REPO))


# What the background steps printed, shown with the rest when the run ends
# (the PID namespace then ends them).
SHOW_BACKGROUND = ("trap 'for log in /tmp/doc-test/background-*.log; do [ -e \"$log\" ] && "
                   "{ echo \"== $log\"; cat \"$log\"; }; done' EXIT\n")


def script(guide: Path) -> str:
    """The guide's run, background and file blocks as one shell script, in document order."""
    parts = [SHOW_BACKGROUND, EXPECTED[name(guide)].prelude]
    for b in blocks(guide):
        if b.marker == "run":
            parts.append(f"# {name(guide)}:{b.line}\n{b.text}")
        elif b.marker == "background":
            parts.append(f"# {name(guide)}:{b.line} (left running)\n"
                         f"( {b.text.strip()}\n) > /tmp/doc-test/background-{b.line}.log 2>&1 &\n")
        elif b.marker == "file":
            target = b.argument
            parts.append(f"# {name(guide)}:{b.line}\nmkdir -p {shlex.quote(str(Path(target).parent))}\n"
                         f"cat > {shlex.quote(target)} <<'DOC_TEST_EOF'\n{b.text}DOC_TEST_EOF\n")
    return "\n".join(parts)


def test_every_shell_block_of_the_guides_is_run_or_says_why_not():
    unmarked, misplaced = [], []
    for guide in GUIDES:
        for b in blocks(guide):
            if b.language in SHELL and b.marker is None:
                unmarked.append(b.where)
            if b.marker == "skip" and not b.argument:
                misplaced.append(f"{b.where}: skip without a reason")
            if b.marker == "file" and (b.language in SHELL or not b.argument.startswith("/")):
                misplaced.append(f"{b.where}: a file marker needs a config block and an absolute path")
            if b.marker in ("run", "background") and b.language not in {"sh", "bash", "shell"}:
                misplaced.append(f"{b.where}: only shell blocks run")
    assert not unmarked, ("shell blocks without <!-- doc-test: run|skip REASON --> before them:\n"
                          + "\n".join(unmarked))
    assert not misplaced, "\n".join(misplaced)


def test_every_guide_with_steps_is_run():
    with_steps = {name(g) for g in GUIDES if any(b.marker in ("run", "background", "file") for b in blocks(g))}
    assert with_steps <= set(EXPECTED), f"guides whose steps no test runs: {sorted(with_steps - set(EXPECTED))}"


@pytest.mark.parametrize("guide, target", sorted(SHIPPED))
def test_a_file_the_guide_writes_is_the_one_the_repository_ships(guide, target):
    written = [b.text for b in blocks(REPO / guide) if b.marker == "file" and b.argument == target]
    assert written == [(REPO / SHIPPED[guide, target]).read_text()], \
        f"{guide} writes {target} unlike {SHIPPED[guide, target]}"


@pytest.mark.parametrize("guide", sorted(EXPECTED))
def test_the_guide_runs_as_written(guide, tmp_path):
    run = overlay.boot if EXPECTED[guide].booted else overlay.run
    result = run(script(REPO / guide), tmp_path, cwd=REPO, logs=(PROSODY_LOG, EJABBERD_LOG))
    assert result.returncode == 0, f"{guide}: a step failed (exit {result.returncode}):\n{result.output[-6000:]}"
    for check in EXPECTED[guide].checks:
        check(result)


PATH_IN_TEXT = re.compile(r"`([A-Za-z0-9_.{},*-]+/[A-Za-z0-9_.{},*/-]*)`")


def brace_expansions(token: str) -> list[str]:
    found = re.search(r"\{([^{}]*)\}", token)
    if not found:
        return [token]
    return [x for alternative in found.group(1).split(",")
            for x in brace_expansions(token[:found.start()] + alternative + token[found.end():])]


def test_every_file_of_this_repository_a_guide_names_exists():
    """A path in backticks that starts with a folder of the checkout (or of
    the guide's folder) names a file or folder that is there once the test
    command has built everything."""
    tops = {p.name for p in REPO.iterdir()}
    missing = []
    for guide in GUIDES:
        for token in PATH_IN_TEXT.findall(guide.read_text()):
            first = token.split("/")[0]
            if first not in tops and not (guide.parent / first).exists():
                continue    # a path on the system, or a placeholder
            for path in brace_expansions(token):
                if not any(glob.glob(str(base / path)) for base in (guide.parent, REPO)):
                    missing.append(f"{name(guide)}: {token}")
    assert not missing, "guides name files that do not exist:\n" + "\n".join(sorted(set(missing)))
