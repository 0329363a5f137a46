"""The template's documents: the README's prompt table, and the commands of the README,
CONTRIBUTING.md and the benchmarks' README (its targets too); the checklist for a new option."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import sys
from pathlib import Path

from benchmarks import criteria
from harness.baking import CONTEXT, DEFAULT_VARIANT, TEMPLATE
from harness.commands import finished, run
from harness.serving import free_port, get, post, serving

from .bakes import DRIVERS, PROJECT_TEMPLATE, dependency_names
from .readmes import console_blocks

README = (TEMPLATE / "README.md").read_text()
CONTRIBUTING = (TEMPLATE / "CONTRIBUTING.md").read_text()
BENCHMARKS_README = (TEMPLATE / "benchmarks/README.md").read_text()


def section(text: str, heading: str) -> str:
    return text.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]


def test_prompt_table_matches_cookiecutter_json() -> None:
    rows = re.findall(r"^\| `(\w+)` \| (.*?) \|", section(README, "Prompts"), re.M)
    prompts = [name for name in CONTEXT if not name.startswith("_")]
    missing = [name for name in prompts if name not in dict(rows)]
    assert not missing, f"README.md's Prompts table: add a row for {', '.join(missing)}"
    assert [name for name, _ in rows] == prompts, "README.md's Prompts table: rows in prompt order"
    for name, default in rows:
        answer = CONTEXT[name]
        if isinstance(answer, list):
            assert default == f"`{answer[0]}`", name
        elif "{{" in answer:
            assert default.startswith("derived from"), name
        else:
            assert default == f"`{answer}`", name


def test_ci_runs_the_contributing_test_command() -> None:
    (test_command,) = console_blocks(CONTRIBUTING, "Run the tests")
    assert test_command.strip() in (TEMPLATE / ".ci/run").read_text()
    # CI installs the pinned versions of the tools.
    assert "-c requirements-dev.lock" in test_command


def test_lock_was_made_by_the_contributing_command() -> None:
    (command,) = console_blocks(CONTRIBUTING, "Update the tools' lock")
    header = (TEMPLATE / "requirements-dev.lock").read_text().splitlines()[:2]
    assert header[1].strip("# ") == command.strip().removeprefix(".venv/bin/python -m ")
    lower_bounds = (TEMPLATE / "requirements-dev.txt").read_text()
    pinned = (TEMPLATE / "requirements-dev.lock").read_text()
    for line in lower_bounds.splitlines():
        if line and not line.startswith("#"):
            name = re.split(r"[<>=\[]", line, maxsplit=1)[0].lower()
            assert re.search(rf"^{re.escape(name)}==", pinned, re.M | re.I), name


def named_in_the_template(path: str) -> bool:
    """A path of the template, or of a generated project (shared or owned by an answer)."""
    if (TEMPLATE / path).exists() or (PROJECT_TEMPLATE / path).exists():
        return True
    return any(
        candidate.as_posix().endswith("/" + path.rstrip("/"))
        for candidate in PROJECT_TEMPLATE.rglob("*")
    )


def test_new_option_checklist_names_files_that_exist() -> None:
    checklist = section(CONTRIBUTING, "Add an option")
    quoted = re.findall(r"`([^`\s]+)`", checklist)
    paths = [
        # A pattern's placeholders start at `<`; the folder before them must exist.
        text.split("<", 1)[0]
        for text in quoted
        if "/" in text or re.search(r"\.(py|json|md|ya?ml|toml|txt|lock)$", text)
    ]
    assert len(paths) >= 15, paths
    for path in filter(None, paths):
        assert named_in_the_template(path), f"CONTRIBUTING.md names {path}, which does not exist"
    # Each table it sends the reader to is defined in the file it names.
    tables = re.findall(r"`([A-Z][A-Z_]+)` in `([^`]+)`", checklist)
    assert {name for name, _ in tables} >= {"OWNED_FILES", "DRIVERS", "METADATA_ONLY"}
    for name, path in tables:
        assert re.search(rf"^{name}\b", (TEMPLATE / path).read_text(), re.M), (name, path)
    # Its test for a metadata-only option exists under the name it gives.
    (example,) = re.findall(r"as `(test_\w+)` does", checklist)
    assert f"def {example}(" in (TEMPLATE / "tests/test_bake.py").read_text()


def test_readme_points_to_the_documents_it_moved_out() -> None:
    for document in ("CHANGELOG.md", "CONTRIBUTING.md", "benchmarks/README.md", "LICENSE"):
        assert f"]({document})" in README, document
        assert (TEMPLATE / document).is_file(), document
    # cruft users read the changelog before they update.
    assert "CHANGELOG.md" in section(README, "Keep generated services up to date")
    changelog = (TEMPLATE / "CHANGELOG.md").read_text()
    assert "## [Unreleased]" in changelog
    assert "keepachangelog.com" in changelog


def clone(destination: Path) -> Path:
    """The files a fresh clone has: tracked ones, and new ones git does not ignore."""
    listed = run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], TEMPLATE
    ).split("\0")
    for name in filter(None, listed):
        if (TEMPLATE / name).is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(TEMPLATE / name, destination / name)
    return destination


def test_try_it_bakes_and_starts_the_default_service(tmp_path: Path) -> None:
    (bake_and_start,) = console_blocks(README, "Try it")
    checkout = clone(tmp_path / "checkout")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "VIRTUAL_ENV")}
    # uvicorn reads its options from UVICORN_* variables, so the command runs as written.
    env["UVICORN_PORT"] = str(port)
    base = f"http://127.0.0.1:{port}"
    with serving(bake_and_start, checkout, env, f"{base}/health", tmp_path / "output.log"):
        status, docs = get(f"{base}/docs")
        assert status == 200
        assert "swagger-ui" in docs
        assert get(f"{base}/health") == (200, '{"status":"ok"}')
        status, created = post(f"{base}/notes", {"text": "from the README"})
        assert status == 201
        note = json.loads(created)
        assert get(f"{base}/notes/{note['id']}") == (200, created)
    assert (checkout / "notes-service" / "notes_service.db").is_file()


def cookiecutter_env() -> dict[str, str]:
    """This environment, with the cookiecutter installed beside the running Python first."""
    bin_dir = Path(sys.executable).parent
    return {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}


def test_use_it_commands_bake_without_prompts(tmp_path: Path) -> None:
    interactive, no_input = console_blocks(README, "Use it")
    assert interactive.splitlines()[1] == "cookiecutter ."
    checkout = clone(tmp_path / "checkout")
    for command in no_input.splitlines():
        answers = dict(word.split("=", 1) for word in shlex.split(command)[3:])
        result = finished(command, checkout, cookiecutter_env())
        assert result.returncode == 0, result.stderr
        slug = answers.get("project_name", "Notes Service").lower().replace(" ", "-")
        project = checkout / slug
        assert project.is_dir()
        database = answers.get("database", DEFAULT_VARIANT["database"])
        assert DRIVERS["database"][database] <= dependency_names(project)
        shutil.rmtree(project)


def test_interactive_prompts_show_labels_and_take_defaults(tmp_path: Path) -> None:
    checkout = clone(tmp_path / "checkout")
    prompts = [name for name in CONTEXT if not name.startswith("_")]
    result = finished(
        ["cookiecutter", "."], checkout, cookiecutter_env(), stdin="\n" * len(prompts)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    shown = " ".join(result.stdout.split())  # the terminal wraps long labels
    labels = CONTEXT["__prompts__"]
    for name in prompts:
        label = labels[name]["__prompt__"] if isinstance(labels[name], dict) else labels[name]
        assert label in shown
    assert labels["backend"]["databases"] in shown
    assert (checkout / "notes-service" / "src" / "notes_service" / "main.py").is_file()


def test_benchmarks_commands_set_up_and_start_the_benchmark() -> None:
    # The full benchmark takes many minutes and is not part of the suite; its
    # commands must still be the real set-up script and entry point, with the options
    # the README names.
    (block,) = console_blocks(BENCHMARKS_README, "Run it")
    setup, start = block.splitlines()
    program, script = setup.split()
    assert program == "bash" and (TEMPLATE / script).is_file()
    executable, *module = start.split()
    assert executable == ".venv/bin/python" and module == ["-m", "benchmarks"]
    result = finished([sys.executable, *module, "--help"], TEMPLATE)
    assert result.returncode == 0, result.stderr
    for option in re.findall(r"`(--[a-z-]+)", BENCHMARKS_README):
        assert option in result.stdout, option


def test_benchmarks_readme_states_the_targets_the_criteria_hold() -> None:
    rows = re.findall(r"^\| (.+?) \| (.+?) \|$", section(BENCHMARKS_README, "Targets"), re.M)
    assert rows[0] == ("Target", "Threshold") and set(rows[1][0]) <= {"-", " "}
    assert rows[2:] == list(criteria.TARGETS), (
        "benchmarks/README.md's Targets table: the rows of benchmarks/criteria.py's TARGETS"
    )
