"""Each bake's README agrees with its settings, its .env.example and its compose file."""

from __future__ import annotations

import re
from pathlib import Path

from harness.baking import Bake

from .deploy_files import compose, setting_variables
from .readmes import console_blocks, readme_commands

# README sections whose console commands a test runs, and the one only checked here.
RUN_SECTIONS = {
    "Install",
    "Point it at PostgreSQL",
    "Point it at MySQL",
    "Sign tokens",
    "Migrate",
    "Create the first superuser",
    "Use the accounts",
    "Run",
    "Back up the database",
    "Test",
    "Pre-commit hooks",
}
CONTAINER_SECTION = "Running in production"
# Its commands are make targets, which run the commands of the sections above
# (tests/test_tooling.py holds the targets to them).
MAKE_SECTION = "Add a resource"
# Checked against the manifests in test_kubernetes.py.
KUBERNETES_SECTION = "Running on Kubernetes"


def env_example_variables(project: Path) -> set[str]:
    """Variables `.env.example` sets or shows commented out with their default."""
    text = (project / ".env.example").read_text()
    return set(re.findall(r"^#? ?([A-Z][A-Z0-9_]*)=", text, re.M))


def readme_settings_variables(project: Path) -> set[str]:
    readme = (project / "README.md").read_text()
    section = readme.split("\n## Settings\n", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", section, re.M))


def test_settings_table_env_example_and_model_agree(baked: Bake) -> None:
    variables = setting_variables(baked.path)
    assert "DATABASE_URL" in variables
    assert readme_settings_variables(baked.path) == variables
    assert env_example_variables(baked.path) == variables


def test_every_readme_command_is_run_or_is_a_container_command(baked: Bake) -> None:
    readme = (baked.path / "README.md").read_text()
    sections = set(re.findall(r"^## (.*)$", readme, re.M))
    with_commands = {name for name in sections if console_blocks(readme, name)}
    assert with_commands - {CONTAINER_SECTION, MAKE_SECTION, KUBERNETES_SECTION} <= RUN_SECTIONS
    targets = readme_commands(baked.path, MAKE_SECTION)
    assert targets and all(line.startswith("make ") for line in targets), targets
    docker = readme_commands(baked.path, CONTAINER_SECTION)
    # Docker cannot run here: every line is a compose command, checked against the files.
    assert all(line.startswith("docker compose ") for line in docker), docker
    (migrate,) = [line for line in docker if " run " in line]
    service, command = migrate.removeprefix("docker compose run --rm ").split(" ", 1)
    assert service in compose(baked.path)["services"]
    assert command == readme_commands(baked.path, "Migrate")[0]
