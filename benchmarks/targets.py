"""The targets of a run: each variant baked, installed into a fresh virtualenv and
migrated, and the apps it is measured against, each on a database of its own."""

from __future__ import annotations

import os
import re
import shlex
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from harness.baking import (
    DEFAULT_VARIANT,
    TEMPLATE,
    VARIANTS,
    Bake,
    Variant,
    bake_into,
    variant_id,
)
from harness.dockerfile import production_command
from harness.installing import install_with_uv, project_environment, run

from .accounts import auth_settings
from .apps import (
    ACCOUNTS_REFERENCE,
    ACCOUNTS_REFERENCE_NAME,
    ACCOUNTS_REFERENCE_REQUIREMENTS,
    DRIVERS,
    FLOOR,
    FRAMEWORK,
    REFERENCES,
)
from .db import Database

NOTES = 1000
# The answers the benchmark compares; the other choices keep their defaults.
COMPARED = ("backend", "database", "auth")
NO_AUTH = "none"
AppRole = Literal["floor", "framework", "reference"]


@dataclass(frozen=True)
class Target:
    name: str
    role: Literal["floor", "framework", "reference", "variant"]
    # A variant's backend, or the one a reference app stands for; None for the floor
    # and the framework app.
    backend: str | None
    # How to run uvicorn on the app, before the options every target shares.
    program: list[str]
    cwd: Path
    env: dict[str, str]
    # A variant's auth answer; the apps have no accounts.
    auth: str = NO_AUTH

    @property
    def database(self) -> str:
        return database_name(self.name)

    @property
    def signs_in(self) -> bool:
        """Whether its notes routes need a signed-in account's token."""
        return self.auth != NO_AUTH

    @property
    def ready_path(self) -> str:
        """What answers 200 once the target serves: an auth variant's notes need a token."""
        if self.role == "variant":
            return "/health"
        # An app with accounts answers its notes to a signed-in user only.
        return "/openapi.json" if self.signs_in else "/notes/1"

    def command(self, options: list[str], port: int) -> str:
        return shlex.join([*self.program, *options, "--port", str(port)])


@dataclass(frozen=True)
class Prepared:
    """One database's targets, ready to serve, and where their servers' logs go."""

    answer: str  # the template's database answer
    database: Database
    targets: list[Target]
    # uvicorn's options in the Dockerfiles' CMD, which every target is served with.
    options: list[str]
    logs: Path
    floor_pool_size: int


def database_name(target: str) -> str:
    return target.replace("-", "_")


def variants_on(database: str) -> list[Variant]:
    return [
        variant
        for variant in VARIANTS
        if variant["database"] == database
        and all(variant[name] == DEFAULT_VARIANT[name] for name in variant if name not in COMPARED)
    ]


def prepare(
    answer: str, database: Database, floor_name: str, work: Path, pool_size: int | None
) -> Prepared:
    """Every target on the database, its tables built but empty."""
    # Each in a folder of its own: every bake has the default project name.
    bakes = [bake_into(work / variant_id(variant), **variant) for variant in variants_on(answer)]
    options = shared_options(bakes)
    variants = [variant_target(baked, database) for baked in bakes]
    # The apps' tables are built by the same migrations as the variants' without accounts.
    migrations = next(variant for variant in variants if not variant.signs_in)

    def app_target(
        name: str, role: AppRole, backend: str | None, module: str, **settings: str
    ) -> Target:
        url = new_database(database, name, migrations.cwd, migrations.env)
        # The framework app serves the floor's stores, with the floor's settings.
        variable = "DATABASE_URL" if role == "reference" else "FLOOR_DATABASE_URL"
        program = [sys.executable, "-m", "uvicorn", f"{module}:app_from_environment"]
        env = {**os.environ, variable: url, **settings}
        return Target(name, role, backend, program, TEMPLATE, env)

    # Like with like: by default the floor keeps as many connections as the services.
    if pool_size is None:
        pool_size = service_pool_size(bakes[0])
    pool = {"FLOOR_POOL_SIZE": str(pool_size)}
    floor = app_target(floor_name, "floor", None, FLOOR, **pool)
    framework = app_target(framework_name(floor_name), "framework", None, FRAMEWORK, **pool)
    backends = dict.fromkeys(variant.backend for variant in variants if variant.backend)
    references = [
        app_target(f"reference-{backend}", "reference", backend, REFERENCES[backend])
        for backend in backends
    ]
    auth = next((variant for variant in variants if variant.signs_in), None)
    if auth is not None:
        references.append(accounts_reference(answer, database, auth, work))
    targets = [floor, framework, *references, *variants]
    return Prepared(answer, database, targets, options, work / "logs", pool_size)


def accounts_reference(answer: str, database: Database, auth: Target, work: Path) -> Target:
    """The FastAPI Users reference app, installed into a virtualenv of its own (its
    SQLAlchemy adapter pins SQLAlchemy below 2.1), on the auth variants' tables."""
    started = time.perf_counter()
    venv = work / ACCOUNTS_REFERENCE_NAME
    env = project_environment(venv, auth_settings())
    install_with_uv(TEMPLATE, venv, env, *ACCOUNTS_REFERENCE_REQUIREMENTS, DRIVERS[answer])
    env["DATABASE_URL"] = new_database(database, ACCOUNTS_REFERENCE_NAME, auth.cwd, auth.env)
    program = [
        str(venv / "bin" / "python"),
        "-m",
        "uvicorn",
        f"{ACCOUNTS_REFERENCE}:app_from_environment",
    ]
    print(
        f"{ACCOUNTS_REFERENCE_NAME}: installed and migrated in {time.perf_counter() - started:.1f}s"
    )
    return Target(ACCOUNTS_REFERENCE_NAME, "reference", None, program, TEMPLATE, env, auth.auth)


def service_pool_size(baked: Bake) -> int:
    """The connections a generated service keeps by default: its dialect's POOL_SIZE."""
    return pool_size_of(baked.path)


def pool_size_of(project: Path) -> int:
    """The POOL_SIZE in a generated project's dialect.py."""
    (dialect,) = project.glob("src/*/dialect.py")
    found = re.search(r"^POOL_SIZE = (\d+)$", dialect.read_text(), re.MULTILINE)
    if found is None:
        raise LookupError(f"{project}: no POOL_SIZE in dialect.py")
    return int(found.group(1))


def framework_name(floor_name: str) -> str:
    """The framework app's name in the tables: `fastapi-asyncpg` beside `floor-asyncpg`."""
    return floor_name.replace("floor-", "fastapi-", 1)


def shared_options(bakes: list[Bake]) -> list[str]:
    """uvicorn's options in the Dockerfiles' CMD, on loopback with one worker; every
    target is served with them."""
    options = {baked.label: production_command(baked.path)[1] for baked in bakes}
    if len({tuple(given) for given in options.values()}) != 1:
        raise RuntimeError(f"the variants' Dockerfiles serve them differently: {options}")
    return options[bakes[0].label]


def variant_target(baked: Bake, database: Database) -> Target:
    """Install the bake as a deployment has it (not editable, no dev extra), then migrate."""
    started = time.perf_counter()
    venv = baked.path / ".venv"
    auth = baked.answers["auth"]
    env = project_environment(venv, {} if auth == NO_AUTH else auth_settings())
    install_with_uv(baked.path, venv, env, ".")
    env["DATABASE_URL"] = new_database(database, baked.label, baked.path, env)
    app, options = production_command(baked.path)
    program = [str(venv / "bin" / "uvicorn"), app]
    print(f"{baked.label}: baked, installed and migrated in {time.perf_counter() - started:.1f}s")
    print(f"  served as its Dockerfile's CMD: uvicorn {app} {shlex.join(options)}")
    backend = baked.answers["backend"]
    return Target(baked.label, "variant", backend, program, baked.path, env, auth)


def new_database(database: Database, target: str, project: Path, env: dict[str, str]) -> str:
    """A database for the target, its tables built by a project's migrations; its URL."""
    url = database.create(database_name(target))
    run("alembic upgrade head", project, {**env, "DATABASE_URL": url})
    return url
