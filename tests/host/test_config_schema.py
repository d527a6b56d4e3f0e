"""The configuration's documentation follows the engine's schema (nudge_config_schema()):
the README's reference table row by row, its backends table key by key, and the option
tables of the Prosody and ejabberd guides; and the old names of renamed keys work, are
warned about once at open, and may not be given together with the new ones."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.host import nudge

pytestmark = pytest.mark.skipif(not nudge.DEFAULT_LIB.exists(),
                                reason=f"{nudge.DEFAULT_LIB} is not built (run `make lib`)")

README = nudge.REPO / "README.md"
PROSODY_README = nudge.REPO / "bindings" / "prosody" / "README.md"
EJABBERD_README = nudge.REPO / "bindings" / "ejabberd" / "README.md"


@pytest.fixture(scope="module")
def schema() -> dict:
    return nudge.config_schema()


def section(path: Path, heading: str) -> str:
    """The text of a Markdown section, from its heading to the next heading of its level or above."""
    text = path.read_text()
    level = heading.split(" ", 1)[0]
    start = text.index(heading + "\n")
    stop = re.compile(rf"^#{{1,{len(level)}}} ", re.M).search(text, start + len(heading))
    return text[start:stop.start() if stop else len(text)]


def rows(text: str) -> list[list[str]]:
    """The cells of every table row whose first cell is code (`…`)."""
    found = []
    for line in text.splitlines():
        if line.startswith("| `"):
            found.append([cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip())[1:-1]])
    return found


def default_cell(entry: dict) -> str:
    if entry.get("required"):
        return "required"
    if "unset" in entry:
        return entry["unset"]
    value = json.dumps(entry["default"])
    return f"`{value}`" if isinstance(entry["default"], str) else value


def reference_row(entry: dict) -> list[str]:
    """The README's row for a key: key, default, meaning (and its old names)."""
    meaning = entry["doc"]
    prefix = entry["key"].rsplit(".", 1)[0]
    for old in entry.get("old_names", []):
        meaning += f" (formerly `{prefix}.{old}`, still read, with a warning at open)"
    return [f"`{entry['key']}`", default_cell(entry), meaning.replace("|", "\\|")]


def test_the_readme_reference_is_the_schema(schema):
    table = [row for row in rows(section(README, "## Configuration")) if "." in row[0]]
    expected = [reference_row(entry) for entry in schema["keys"]]
    mismatches = [f"README: {' | '.join(got)}\nschema: {' | '.join(want)}"
                  for got, want in zip(table, expected) if got != want]
    assert not mismatches, "\n\n".join(mismatches)
    assert [row[0] for row in table] == [row[0] for row in expected]


def test_the_readme_names_every_backend_key(schema):
    text = section(README, "### Backends")
    by_type = {row[0].strip("`"): row[1] for row in rows(text)}
    assert sorted(by_type) == sorted(schema["backends"])
    # type, app, endpoint and ca_file are described once, above the table.
    common = text.split("| type | keys |")[0]
    for vendor, keys in schema["backends"].items():
        for entry in keys:
            where = by_type[vendor] if f"`{entry['key']}`" in by_type[vendor] else common
            assert f"`{entry['key']}`" in where, f"{vendor}: `{entry['key']}` is not in the README"


def option_rows(path: Path, prefix: str) -> dict[str, str]:
    """option -> engine key, from a guide's options table (the whole-document option aside)."""
    table = rows(section(path, "### Options"))
    return {row[0].strip("`"): row[1].strip("`") for row in table if row[1].startswith("`")}


@pytest.mark.parametrize("path, prefix", [(PROSODY_README, "nudge_"), (EJABBERD_README, "")])
def test_the_guides_list_every_native_option(schema, path, prefix):
    expected = {}
    for entry in schema["keys"]:
        if "option" in entry:
            expected[prefix + entry["option"]] = entry["key"]
            for old in entry.get("old_options", []):
                expected[prefix + old] = entry["key"]
    assert option_rows(path, prefix) == expected


# ---- old names ---------------------------------------------------------------------------


def config(tmp_path, server=None, appserver=None) -> dict:
    doc = {"store": {"path": str(tmp_path / "store"), "sync": False},
           "server": {"domains": ["example.net"], **(server or {})}}
    if appserver:
        doc["appserver"] = appserver
    return doc


@pytest.mark.parametrize("section_name, old, new", [
    ("server", "max_registrations_per_user", "max_enablements_per_user"),
    ("appserver", "max_registrations_per_user", "max_devices_per_user"),
])
def test_an_old_name_is_warned_about_once_at_open(tmp_path, section_name, old, new):
    doc = config(tmp_path, **{section_name: {old: 3}})
    # Checking the configuration says nothing; the open warns, once.
    assert nudge.info(doc)["server"]["domains"] == ["example.net"]
    with nudge.Engine(doc) as engine:
        logs = [e for e in engine.events(timeout=1) if e.kind == nudge.EVENT_LOG]
        warnings = [e.data for e in logs if e.level == nudge.LOG_WARN and old in e.data]
        assert warnings == [f"configuration: {section_name}.{old} is deprecated: it is now "
                            f"{section_name}.{new}, with the same meaning"]


def test_an_old_and_a_new_name_together_are_refused(tmp_path):
    doc = config(tmp_path, appserver={"max_registrations_per_user": 3, "max_devices_per_user": 4})
    with pytest.raises(nudge.NudgeError) as refused:
        nudge.Engine(doc)
    assert refused.value.code == nudge.ECONFIG
    assert refused.value.message == ("appserver.max_registrations_per_user: the old name of "
                                     "appserver.max_devices_per_user, which is given too: keep only "
                                     "appserver.max_devices_per_user")

