"""Each variant baked with awkward answers and installed once per test process, for the
variant tests and the service tests alike."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.baking import CHOICES, DEFAULT_VARIANT, Bake, Variant, variant_id
from harness.installing import (
    check_requirements_met,
    install_with_uv,
    project_environment,
    run,
)

from .bakes import AWKWARD_DESCRIPTION, bake
from .readmes import readme_commands


@dataclass
class Installed:
    """A bake installed into its own virtualenv, and the environment its commands run in
    (the virtualenv activated, and the TEST_*_URL servers its tests need)."""

    bake: Bake
    env: dict[str, str]
    # What baking and installing took, whichever test asked first.
    seconds: float
    # How many of its own tests passed, by the command that ran them.
    passed: dict[str, int] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.bake.label

    @property
    def path(self) -> Path:
        return self.bake.path

    @property
    def package(self) -> str:
        return self.bake.package


def awkward_name(variant: Variant) -> str:
    """Quotes, a backslash, `#` and an emoji, which must bake a project that passes its
    checks; each variant's is its own, so that no two share a database on one server."""
    return f'Zoë\'s "{variant_id(variant)}" \\ notes # 🚀'


def install(cookies: Any, variant: Variant, servers: dict[str, str], mypy_cache: Path) -> Installed:
    """Bake the variant and install it as its README says: the README's own commands for
    the default variant, the faster uv (what `pip install -e ".[dev]"` installs) for the
    others."""
    started = time.perf_counter()
    name = awkward_name(variant)
    baked = bake(cookies, project_name=name, description=AWKWARD_DESCRIPTION, **variant)
    venv = baked.path / ".venv"
    # One mypy cache for the process's projects: the libraries they share are checked once.
    env = project_environment(venv, {**servers, "MYPY_CACHE_DIR": str(mypy_cache)})
    commands = readme_commands(baked.path, "Install")
    if variant == DEFAULT_VARIANT:
        run(" && ".join(commands), baked.path, env)
    else:
        assert 'pip install -e ".[dev]"' in commands
        install_with_uv(baked.path, venv, env)
    check_requirements_met(baked.path, venv, env)
    return Installed(baked, env, time.perf_counter() - started)


def serial_variants() -> list[Variant]:
    """As few variants as give every answer of every option once: those whose own tests
    also run serially (one process), beside the parallel run every variant has."""
    longest = max(len(answers) for answers in CHOICES.values())
    return [
        {name: answers[index % len(answers)] for name, answers in CHOICES.items()}
        for index in range(longest)
    ]
