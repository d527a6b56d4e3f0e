#!/usr/bin/env python3
"""Prints bindings/prosody/README.md's table of mod_nudge next to
mod_cloud_notify: the scenarios of tests/prosody/side_by_side.py, run
against real Prosody with each module in turn.

    .venv/bin/python -m bench.prosody_side_by_side [--runs 3]

With several runs, a count that varies is printed as a range ("1–2").
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from tests.mocks.fixtures import start_apns_mock
from tests.prosody.harness import prosody_available
from tests.prosody.side_by_side import MODULES, SCENARIOS, observe


def cell(values: list) -> str:
    if all(isinstance(v, int) for v in values) and min(values) != max(values):
        return f"{min(values)}–{max(values)}"
    distinct = list(dict.fromkeys(str(v) for v in values))
    text = " / ".join(distinct)
    return f"`{text}`" if "=" in text else text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    why = prosody_available()
    if why:
        raise SystemExit(why)
    with tempfile.TemporaryDirectory(prefix="prosody-side-by-side-") as tmp:
        work = Path(tmp)
        apns = start_apns_mock(work / "apns")
        try:
            seen = {m: {s: [] for s in SCENARIOS} for m in MODULES}
            for run in range(args.runs):
                for module in MODULES:
                    for scenario, value in asyncio.run(observe(module, work / f"run{run}", apns)).items():
                        seen[module][scenario].append(value)
        finally:
            apns.stop()
    print("| scenario | mod_nudge | mod_cloud_notify |")
    print("| --- | --- | --- |")
    for scenario in SCENARIOS:
        print(f"| {scenario} | " + " | ".join(cell(seen[m][scenario]) for m in MODULES) + " |")


if __name__ == "__main__":
    main()
