"""A bake's deployment files read as the tools that run them would: the Dockerfile's
stages, the compose file, the settings the app reads, and the public schemas they match.

No Docker engine or GitHub runner is available to the tests, so these files are parsed
and checked against each other and against the settings the generated app reads.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path
from typing import Any

import yaml
from dockerfile_parse import DockerfileParser

from harness.commands import finished


def check_schema(schema: str, *files: Path) -> None:
    """Validate files with check-jsonschema's copy of a public schema (offline)."""
    result = finished(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, *map(str, files)]
    )
    assert result.returncode == 0, result.stdout + result.stderr


def stages(project: Path) -> list[list[dict[str, Any]]]:
    """The Dockerfile's instructions, one list per stage."""
    parser = DockerfileParser(path=str(project / "Dockerfile"))
    result: list[list[dict[str, Any]]] = []
    for instruction in parser.structure:
        if instruction["instruction"] == "FROM":
            result.append([])
        if instruction["instruction"] != "COMMENT":
            assert result, "an instruction before the first FROM"
            result[-1].append(instruction)
    return result


def instructions(stage: list[dict[str, Any]], name: str) -> list[str]:
    return [i["value"] for i in stage if i["instruction"] == name]


def compose(project: Path) -> dict[str, Any]:
    return yaml.safe_load((project / "compose.yaml").read_text())  # type: ignore[no-any-return]


def setting_variables(project: Path) -> set[str]:
    """The environment variables the generated Settings model reads.

    Settings inherits the database's settings from the modules that use them, so
    the fields of every settings class in the package count.
    """
    fields: set[str] = set()
    for module in next(project.glob("src/*/settings.py")).parent.rglob("*.py"):
        for node in ast.parse(module.read_text()).body:
            if isinstance(node, ast.ClassDef) and node.name.endswith("Settings"):
                fields |= {
                    item.target.id.upper()
                    for item in node.body
                    if isinstance(item, ast.AnnAssign)
                    and isinstance(item.target, ast.Name)
                    and not ast.unparse(item.annotation).startswith("ClassVar")
                }
    return fields
