"""The fenced code blocks of a Markdown file, each with the doc-test
marker written on the line before it.

A shell block in an install guide is a promise that a newcomer can type it.
So that no such promise goes untested, every ```sh block of the READMEs
carries one marker, an HTML comment that Markdown renders as nothing:

    <!-- doc-test: run -->           run as written, in order, by tests/docs
    <!-- doc-test: background -->    run the same way, but left running while the next steps run
                                     (a server started in the foreground, "in another terminal")
    <!-- doc-test: file PATH -->     (on a config block) written to PATH, as the text says to
    <!-- doc-test: skip REASON -->   not run, and why (an example, a real vendor key, …)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

FENCE = re.compile(r"^(```+)\s*([\w+-]*)\s*$")
MARKER = re.compile(r"^<!--\s*doc-test:\s*(run|background|file|skip)\b\s*(.*?)\s*-->\s*$")
SHELL = {"sh", "bash", "shell", "console"}


@dataclass
class Block:
    path: Path
    line: int            # of the opening fence, 1-based
    language: str
    text: str
    marker: str | None   # run, background, file, skip, or None
    argument: str        # the file's path, or skip's reason

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


def blocks(path: Path) -> list[Block]:
    lines = path.read_text().splitlines()
    found: list[Block] = []
    i = 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        fence, language = opening.groups()
        j = i + 1
        while j < len(lines) and lines[j].strip() != fence:
            j += 1
        previous = next((lines[k] for k in range(i - 1, -1, -1) if lines[k].strip()), "")
        marker = MARKER.match(previous.strip())
        found.append(Block(path, i + 1, language, "\n".join(lines[i + 1:j]) + "\n",
                           marker.group(1) if marker else None, marker.group(2) if marker else ""))
        i = j + 1
    return found


def shell_blocks(path: Path) -> list[Block]:
    return [b for b in blocks(path) if b.language in SHELL]
