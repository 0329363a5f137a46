"""How much of the generated project is decided by Jinja rather than by owned files.

Files that differ by answer belong in `_variants/` (hooks/post_gen_project.py); a
file may branch on an answer only in a few readable blocks. This counts every
`{%` tag of every generated text file (Python, Markdown, TOML, YAML, the
Makefile, .env.example...) by the answers it decides, against a budget per
answer of cookiecutter.json: a new prompt has no budget until it is given one.

Text that differs by answer but cannot be a file of its own, such as a section
of the README, sits in `templates/` (cookiecutter's folder for `{% include %}`,
never copied into a project), one small file per answer: those are counted too.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from harness.baking import CHOICES, CONTEXT, TEMPLATE
from hooks import post_gen_project as post_gen

from .bakes import PROJECT_TEMPLATE

TAG = re.compile(r"\{%-?\s*(\w+)(.*?)-?%\}", re.S)
# `{% include "readme/database=" ~ cookiecutter.database ~ "/test.md" %}`: one file per answer.
INCLUDE_PER_ANSWER = re.compile(
    r'include "(?P<folder>[\w/]+)/(?P<variable>\w+)="'
    r' ~ cookiecutter\.(?P=variable) ~ "/(?P<file>[\w.-]+)"'
)
VARIABLE = re.compile(r"cookiecutter\.(\w+)")

# The most `{%` tags deciding each variable, over every generated text file. Every
# prompt of cookiecutter.json has an entry; one that only fills in text has 0.
BUDGETS = {
    "project_name": 0,
    "project_slug": 0,
    "package_name": 0,
    "description": 0,
    "author_name": 0,
    "author_email": 0,
    "version": 0,
    "backend": 56,
    "database": 123,
    "auth": 95,
    "license": 0,
}

# The most `{%` tags each group of answers may take in generated Python files: the
# backend and the database decide whole files only.
PYTHON_BUDGETS = {("backend", "database"): 0, ("auth",): 24}

# The most `{%` tags one file may take, unless it is named here.
FILE_BUDGET = 20
FILE_BUDGETS = {"README.md": 132, "pyproject.toml": 25}


def prompts() -> list[str]:
    """The variables cookiecutter.json asks for; `_` variables are its own settings."""
    return [name for name in CONTEXT if not name.startswith("_")]


# Files that generated files include; cookiecutter renders them, never copies them.
INCLUDED = TEMPLATE / "templates"


def text_files() -> Iterator[tuple[Path, str]]:
    """Every file of the project template and every file it includes that is text."""
    for root in (PROJECT_TEMPLATE, INCLUDED):
        for path in sorted(root.rglob("*")):
            if path.is_file():
                data = path.read_bytes()
                if b"\0" not in data:
                    yield path, data.decode()


def place(path: Path) -> str:
    """A project file's place in the project; an included file's in the template."""
    root = PROJECT_TEMPLATE if path.is_relative_to(PROJECT_TEMPLATE) else TEMPLATE
    return str(path.relative_to(root))


def is_shared(path: Path) -> bool:
    return post_gen.VARIANTS_DIR not in Path(place(path)).parts


def tags(text: str) -> Iterator[frozenset[str]]:
    """The answer variables each tag decides; `elif`, `else` and `endif` decide their `if`'s."""
    open_blocks: list[set[str]] = []
    for keyword, body in TAG.findall(text):
        variables = set(VARIABLE.findall(body))
        if keyword == "if":
            open_blocks.append(variables)
        elif keyword in ("elif", "else", "endif"):
            open_blocks[-1] |= variables
            variables = open_blocks[-1]
            if keyword == "endif":
                open_blocks.pop()
        yield frozenset(variables)
    assert not open_blocks, "an if without its endif"


def test_tags_count_for_the_answers_their_block_decides() -> None:
    text = (
        '{% if cookiecutter.database == "sqlite" %}a{% else %}b{% endif %}'
        "{{ cookiecutter.package_name }}{% if cookiecutter.auth != 'none' %}c{% endif %}"
    )
    assert list(tags(text)) == [frozenset({"database"})] * 3 + [frozenset({"auth"})] * 2


def test_every_prompt_has_a_budget() -> None:
    missing = [name for name in prompts() if name not in BUDGETS]
    assert not missing, (
        f"cookiecutter.json asks for {', '.join(missing)}: add each to BUDGETS in "
        f"{Path(__file__).name} with the most tags it may decide (0 if it only fills in text)"
    )


def test_text_files_are_read_including_non_python() -> None:
    names = {path.name for path, _ in text_files()}
    assert {"README.md", "pyproject.toml", ".env.example", "Makefile", "main.py"} <= names
    assert any(path.is_relative_to(INCLUDED) for path, _ in text_files())


def test_jinja_in_generated_files_stays_within_budget(
    record_property: Callable[[str, Any], None],
) -> None:
    per_variable: Counter[str] = Counter()
    per_group: Counter[tuple[str, ...]] = Counter()
    label = "jinja tags in generated text files"
    for path, text in text_files():
        file = place(path)
        in_file = 0
        for variables in tags(text):
            in_file += 1
            per_variable.update(variables or {"(no answer)"})
            for variable in variables:
                assert variable in BUDGETS, (
                    f"{file} branches on cookiecutter.{variable}, which has no budget: "
                    f"add {variable!r} to BUDGETS in {Path(__file__).name}"
                )
            if path.suffix == ".py":
                for group in PYTHON_BUDGETS:
                    per_group[group] += bool(variables & set(group))
                if is_shared(path):
                    assert "database" not in variables, f"{file} branches on the database"
        if in_file:
            record_property("figure", (label, f"in {file}", in_file))
        budget = FILE_BUDGETS.get(file, FILE_BUDGET)
        assert in_file <= budget, f"{file}: {in_file} tags, at most {budget}"
    for variable, count in sorted(per_variable.items()):
        budget = BUDGETS.get(variable)
        shown = count if budget is None else f"{count} of {budget}"
        record_property("figure", (label, f"deciding {variable}", shown))
    for variable, budget in BUDGETS.items():
        used = per_variable[variable]
        assert used <= budget, f"{variable}: {used} tags, at most {budget}"
    for group, budget in PYTHON_BUDGETS.items():
        used = per_group[group]
        shown = f"{used} of {budget}"
        record_property("figure", ("jinja tags in generated .py files", " or ".join(group), shown))
        assert used <= budget, f"{' or '.join(group)} in .py files: {used} tags, at most {budget}"


def test_every_answer_has_each_file_included_for_it_and_nothing_else_is_there() -> None:
    expected: set[Path] = set()
    for _, text in text_files():
        for found in INCLUDE_PER_ANSWER.finditer(text):
            variable = found["variable"]
            for answer in CHOICES[variable]:
                expected.add(INCLUDED / found["folder"] / f"{variable}={answer}" / found["file"])
    present = {path for path in INCLUDED.rglob("*") if path.is_file()}
    assert sorted(map(place, expected - present)) == [], "included but missing"
    assert sorted(map(place, present - expected)) == [], "in templates/ but included by nothing"
