"""Keep the files of the chosen answers and drop every other answer's files.

One table, OWNED_FILES, says which files each owner has. An owner is a set of
conditions joined by `+`, all of which must hold; a condition is a prompt and the
answers that satisfy it, separated by `,`, any one of which will do:

    backend=orm                       the answer orm to backend
    database=postgresql,mysql         postgresql or mysql
    backend=orm+database=sqlite       orm, and sqlite
    backend=databases+database=postgresql,mysql

`=`, `+` and `,` are legal in file names on every system, so an owner is also the
name of the folder, `_variants/<owner>/`, that holds its copies at the place they
take in the project. The copies of every owner whose conditions all hold move
into place, and the rest are deleted with the `_variants` folder.
The hook is strict (a listed file that is missing, a file nobody lists, or a move
onto an existing file is an error), offline, deterministic, and a no-op on a
project it has already pruned.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

ANSWERS_JSON = r"""{{ cookiecutter | tojson }}"""

VARIANTS_DIR = "_variants"

# owner -> the files it owns; "{package}" is the package name.
OWNED_FILES: dict[str, list[str]] = {
    "backend=orm": [
        "src/{package}/connect.py",
        "src/{package}/db.py",
        "tests/isolation.py",
        "tests/test_unit_of_work.py",
    ],
    "backend=databases": [
        "src/{package}/connect.py",
        "src/{package}/db.py",
        "tests/isolation.py",
        "tests/test_unit_of_work.py",
    ],
    "database=sqlite": [
        "compose.yaml",
        "deploy/kubernetes/persistentvolumeclaim.yaml",
        "src/{package}/backup.py",
        "src/{package}/dialect.py",
        "tests/provision.py",
        "tests/test_dialect.py",
    ],
    "database=postgresql": [
        "compose.yaml",
        "src/{package}/dialect.py",
        "tests/provision.py",
        "tests/test_dialect.py",
    ],
    "database=mysql": [
        "compose.yaml",
        "src/{package}/dialect.py",
        "tests/provision.py",
        "tests/test_dialect.py",
    ],
    "database=postgresql,mysql": [
        "deploy/kubernetes/horizontalpodautoscaler.yaml",
        "deploy/kubernetes/job.yaml",
        "deploy/kubernetes/poddisruptionbudget.yaml",
    ],
    "backend=orm+database=sqlite": [
        "src/{package}/pool.py",
        "tests/test_pool.py",
    ],
    "backend=orm+database=postgresql,mysql": [
        "src/{package}/pool.py",
    ],
    "backend=databases+database=sqlite": [
        "src/{package}/pool.py",
        "tests/test_pool.py",
    ],
    "backend=databases+database=postgresql,mysql": [
        "src/{package}/pool.py",
        "tests/test_pool.py",
    ],
    "auth=none": [
        "migrations/versions/0001_create_notes.py",
    ],
    "auth=fastapi-users": [
        "migrations/versions/0001_create_users_and_notes.py",
        "src/{package}/auth/__init__.py",
        "src/{package}/auth/attempts.py",
        "src/{package}/auth/delivery.py",
        "src/{package}/auth/manager.py",
        "src/{package}/auth/routes.py",
        "src/{package}/auth/schemas.py",
        "src/{package}/auth/settings.py",
        "src/{package}/auth/superuser.py",
        "tests/accounts.py",
        "tests/test_auth.py",
        "tests/test_owners.py",
    ],
    "license=MIT": ["LICENSE"],
    "license=Apache-2.0": ["LICENSE"],
    "license=BSD-3-Clause": ["LICENSE"],
    "license=proprietary": ["LICENSE"],
    "backend=orm+auth=none": [
        "src/{package}/models.py",
        "src/{package}/repository.py",
    ],
    "backend=orm+auth=fastapi-users": [
        "src/{package}/auth/users.py",
        "src/{package}/models.py",
        "src/{package}/repository.py",
    ],
    "backend=databases+auth=none": [
        "src/{package}/models.py",
        "src/{package}/repository.py",
    ],
    "backend=databases+auth=fastapi-users": [
        "src/{package}/auth/users.py",
        "src/{package}/models.py",
        "src/{package}/repository.py",
    ],
}


class PruneError(Exception):
    pass


def conditions(owner: str) -> dict[str, list[str]]:
    """The answers an owner stands for: `a=x+b=y,z` -> {"a": ["x"], "b": ["y", "z"]}."""
    found: dict[str, list[str]] = {}
    for condition in owner.split("+"):
        variable, answers = condition.split("=", 1)
        if variable in found:
            raise PruneError(f"{owner}: {variable} appears twice")
        found[variable] = answers.split(",")
    return found


def owned_files(package: str) -> dict[str, list[str]]:
    """owner -> owned paths, with the package name filled in."""
    return {
        owner: [path.format(package=package) for path in paths]
        for owner, paths in OWNED_FILES.items()
    }


def chosen(owner: str, answers: dict[str, str]) -> bool:
    """Whether every condition of the owner holds: its prompt got one of its answers."""
    return all(answers[variable] in any_of for variable, any_of in conditions(owner).items())


def prune(project: Path, answers: dict[str, str]) -> list[str]:
    """Apply the table to a generated project; returns the paths kept."""
    variants = project / VARIANTS_DIR
    if not variants.exists():
        return []  # already pruned
    listed: set[Path] = set()
    moves: list[tuple[Path, Path]] = []
    for owner, paths in owned_files(answers["package_name"]).items():
        for path in paths:
            source = variants / owner / path
            if not source.is_file():
                raise PruneError(f"{VARIANTS_DIR}/{owner}/{path} is listed but missing")
            listed.add(source)
            if chosen(owner, answers):
                moves.append((source, project / path))
    unlisted = sorted(
        str(path.relative_to(variants))
        for path in variants.rglob("*")
        if path.is_file() and path not in listed
    )
    if unlisted:
        raise PruneError(f"{VARIANTS_DIR}/{unlisted[0]} belongs to no owner in OWNED_FILES")
    for source, target in moves:
        if target.exists():
            raise PruneError(f"{target.relative_to(project)} is both shared and owned")
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
