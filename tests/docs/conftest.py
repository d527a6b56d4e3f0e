"""The install guides' steps, run as written (markdown_blocks.py says how
a block is marked, overlay.py where it runs). Without root or overlayfs the
runs are skipped with the reason; NUDGE_REQUIRE_DOCS=1 (the test command)
makes that an error."""

import os
from pathlib import Path

import pytest

from tests.docs import overlay

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    why = overlay.available()
    if not why:
        return
    if os.environ.get("NUDGE_REQUIRE_DOCS") == "1":
        raise pytest.UsageError(f"tests/docs: {why} (NUDGE_REQUIRE_DOCS=1)")
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents and "runs_as_written" in item.name:
            item.add_marker(pytest.mark.skip(reason=why))
