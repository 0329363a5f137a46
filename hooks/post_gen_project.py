"""Keep the files of the chosen answers and drop every other answer's files.

One table, OWNED_FILES, says which files each answer owns. An answer's copies
sit under ``_variants/<variable>/<answer>/`` at the place they take in the
project; the chosen answer's copies move into place and the rest are deleted
with the ``_variants`` folder. The hook is strict (a listed file that is
missing, a file nobody lists, or a move onto an existing file is an error),
offline, deterministic, and a no-op on a project it has already pruned.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

ANSWERS_JSON = r"""{{ cookiecutter | tojson }}"""

VARIANTS_DIR = "_variants"

# variable -> answer -> files that answer owns; "{package}" is the package name.
OWNED_FILES: dict[str, dict[str, list[str]]] = {
    "backend": {
        "orm": [
            "src/{package}/db.py",
            "src/{package}/models.py",
            "src/{package}/repository.py",
            "tests/isolation.py",
        ],
        "databases": [
            "src/{package}/db.py",
            "src/{package}/models.py",
            "src/{package}/repository.py",
            "tests/isolation.py",
        ],
    },
    "database": {
        "sqlite": ["tests/provision.py"],
        "postgresql": ["tests/provision.py"],
    },
}


class PruneError(Exception):
    pass


def owned_files(package: str) -> dict[tuple[str, str], list[str]]:
    """(variable, answer) -> owned paths, with the package name filled in."""
    return {
        (variable, answer): [path.format(package=package) for path in paths]
        for variable, answers in OWNED_FILES.items()
        for answer, paths in answers.items()
    }


def prune(project: Path, answers: dict[str, str]) -> list[str]:
    """Apply the table to a generated project; returns the paths kept."""
    variants = project / VARIANTS_DIR
    if not variants.exists():
        return []  # already pruned
    listed: set[Path] = set()
    moves: list[tuple[Path, Path]] = []
    for (variable, answer), paths in owned_files(answers["package_name"]).items():
        for path in paths:
            source = variants / variable / answer / path
            if not source.is_file():
                raise PruneError(f"{VARIANTS_DIR}/{variable}/{answer}/{path} is listed but missing")
            listed.add(source)
            if answers[variable] == answer:
                moves.append((source, project / path))
    unlisted = sorted(
        str(path.relative_to(variants))
        for path in variants.rglob("*")
        if path.is_file() and path not in listed
    )
    if unlisted:
        raise PruneError(f"{VARIANTS_DIR}/{unlisted[0]} belongs to no answer in OWNED_FILES")
    for source, target in moves:
        if target.exists():
            raise PruneError(f"{target.relative_to(project)} is both shared and owned by an answer")
        target.parent.mkdir(parents=True, exist_ok=True)
        source.rename(target)
    shutil.rmtree(variants)
    return [str(target.relative_to(project)) for _, target in moves]


def main() -> int:
    try:
        prune(Path.cwd(), json.loads(ANSWERS_JSON))
    except PruneError as error:
        print(f"ERROR: template is inconsistent: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
