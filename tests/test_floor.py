"""The benchmark's floor serves the same contract as a generated service.

The floor in benchmarks/ is only a fair yardstick while it answers the benchmarked
requests exactly as the generated services do; this keeps it from drifting.
"""

from __future__ import annotations

import importlib.util
import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from dockerfile_parse import DockerfileParser

from .baking import bake
from .conftest import TEMPLATE

BENCHMARKS = TEMPLATE / "benchmarks"
SEEDED = [("first", False), ("second", True), ("third", False)]


def check(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def test_floor_answers_like_the_generated_service(cookies: Any, tmp_path: Path) -> None:
    project = bake(cookies, backend="orm", database="sqlite")
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
    # The backup API copies what the write-ahead log holds too.
    with sqlite3.connect(service_db) as source, sqlite3.connect(floor_db) as copy:
        source.backup(copy)

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


def load_benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location("benchmark_run", BENCHMARKS / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module


def test_benchmark_serves_the_dockerfile_command(cookies: Any) -> None:
    # The benchmark measures the service as shipped: the Dockerfile's CMD, with only
    # the address moved to loopback and one worker.
    benchmark = load_benchmark()
    project = bake(cookies, backend="orm", database="postgresql")
    shipped = DockerfileParser(str(project / "Dockerfile")).cmd
    app, options = benchmark.production_command(project)

    program, shipped_app, *shipped_options = json.loads(shipped)
    assert (program, shipped_app) == ("uvicorn", app)
    kept = [
        option
        for option, previous in zip(shipped_options, [None, *shipped_options], strict=False)
        if option not in ("--host", "--port") and previous not in ("--host", "--port")
    ]
    assert kept and options == [*kept, "--host", "127.0.0.1", "--workers", "1"]
