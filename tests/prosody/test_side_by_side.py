"""bindings/prosody/README.md's table of mod_nudge next to mod_cloud_notify
is what the same scenarios show today, against each module in turn."""

import asyncio
import re

import pytest

from tests.prosody.harness import REPO
from tests.prosody.side_by_side import MODULES, SCENARIOS, observe

README = REPO / "bindings" / "prosody" / "README.md"


def readme_table() -> dict[str, dict[str, str]]:
    """{module: {scenario: cell}} from the README's side-by-side table."""
    text = README.read_text()
    section = text[text.index("## Side by side with mod_cloud_notify"):]
    columns: dict[str, dict[str, str]] = {m: {} for m in MODULES}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0] in SCENARIOS:
            for module, cell in zip(MODULES, cells[1:]):
                columns[module][cells[0]] = re.sub(r"`", "", cell)
    return columns


def test_the_readme_table_covers_every_scenario():
    table = readme_table()
    for module in MODULES:
        assert set(table[module]) == set(SCENARIOS), module


def agrees(observed, cell: str) -> bool:
    """A cell is the observation itself, or a range "1–2" for a count that
    varies from run to run (mod_cloud_notify's, with timing)."""
    bounds = re.fullmatch(r"(\d+)–(\d+)", cell)
    if bounds and isinstance(observed, int):
        return int(bounds[1]) <= observed <= int(bounds[2])
    return str(observed) == cell


@pytest.mark.parametrize("module", MODULES)
def test_each_module_does_what_the_readme_says(module, tmp_path, apns_mock):
    observed = asyncio.run(asyncio.wait_for(observe(module, tmp_path, apns_mock), 300))
    expected = readme_table()[module]
    assert set(observed) == set(expected)
    differing = {k: (v, expected[k]) for k, v in observed.items() if not agrees(v, expected[k])}
    assert not differing, f"observed vs README: {differing}"
