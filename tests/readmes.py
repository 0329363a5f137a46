"""The commands a README shows, read from its console code blocks."""

from __future__ import annotations

import re
from pathlib import Path


def console_blocks(readme: str, section: str) -> list[str]:
    """The console code blocks under a README's `## section` heading."""
    match = re.search(rf"^## {re.escape(section)}\n(.*?)(?=^## |\Z)", readme, re.M | re.S)
    assert match, f"README has no '## {section}' section"
    return re.findall(r"```console\n(.*?)```", match.group(1), re.S)


def readme_commands(project: Path, section: str) -> list[str]:
    """The command lines under a heading of a generated project's README."""
    blocks = console_blocks((project / "README.md").read_text(), section)
    return [line for block in blocks for line in block.splitlines() if line.strip()]
