"""The benchmark's floor serves the same contract as a generated service.

The floor in benchmarks/ is only a fair yardstick while it answers the benchmarked
requests exactly as the generated services do; this keeps it from drifting.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

from harness.baking import TEMPLATE

from .baking import bake

BENCHMARKS = TEMPLATE / "benchmarks"
SEEDED = [("first", False), ("second", True), ("third", False)]


def check(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def test_floor_answers_like_the_generated_service(cookies: Any, tmp_path: Path) -> None:
    project = bake(cookies, backend="orm", database="sqlite").path
    venv = tmp_path / "venv"
    python = str(venv / "bin" / "python")
    uv = [sys.executable, "-m", "uv"]
    check([*uv, "venv", "--quiet", "--python", sys.executable, str(venv)], project)
    check([*uv, "pip", "install", "--quiet", "--python", python, ".", "httpx"], project)

    service_db = tmp_path / "service.db"
    migrate_env = {"PATH": str(venv / "bin"), "DATABASE_URL": f"sqlite:///{service_db}"}
    check([str(venv / "bin" / "alembic"), "upgrade", "head"], project, migrate_env)
    with sqlite3.connect(service_db) as db:
        db.executemany("INSERT INTO notes (text, completed) VALUES (?, ?)", SEEDED)
    floor_db = tmp_path / "floor.db"
    shutil.copyfile(service_db, floor_db)

    package = project.name.replace("-", "_")
    script = str(Path(__file__).with_name("floor_contract.py"))
    output = check(
        [python, script, str(BENCHMARKS), package, str(service_db), str(floor_db)], tmp_path
    )
    seen = json.loads(output)

    assert len(seen["service"]) == len(seen["floor"]) > 0
    for service, floor in zip(seen["service"], seen["floor"], strict=True):
        assert floor["status"] == service["status"], (service, floor)
        assert floor["content_type"] == service["content_type"], (service, floor)
        assert floor["location"] == service["location"], (service, floor)
        if service["status"] == 422:
            # Both explain a rejected request in `detail`; the wording may differ.
            assert floor["body"].keys() == service["body"].keys() == {"detail"}
        else:
            assert floor["body"] == service["body"], (service, floor)
    # The check is only worth something if it covered the success paths.
    statuses = {answer["status"] for answer in seen["service"]}
    assert {200, 201, 404, 422} <= statuses
