"""How much of the generated Python is decided by Jinja rather than by owned files.

Files that differ by answer belong in `_variants/` (hooks/post_gen_project.py); a
Python file may branch on an answer only in a few readable blocks. This counts
every `{%` tag of the generated Python files by the answers it decides.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from harness.options import ALL_CHOICES, METADATA_ONLY
from hooks import post_gen_project as post_gen

from .bakes import PROJECT_TEMPLATE

TAG = re.compile(r"\{%-?\s*(\w+)(.*?)-?%\}", re.S)
VARIABLE = re.compile(r"cookiecutter\.(\w+)")

# The most `{%` tags each group of answers may take in all generated Python files; an
# option that changes only metadata takes none.
BUDGETS = {("backend", "database"): 10, ("auth",): 24, METADATA_ONLY: 0}


def test_every_choice_prompt_has_a_budget() -> None:
    budgeted = {name for group in BUDGETS for name in group}
    missing = [name for name in ALL_CHOICES if name not in budgeted]
    assert not missing, f"BUDGETS in tests/test_jinja_budget.py: add a budget for {missing}"


def python_files() -> list[Path]:
    return sorted(path for path in PROJECT_TEMPLATE.rglob("*.py") if path.is_file())


def is_shared(path: Path) -> bool:
    return post_gen.VARIANTS_DIR not in path.relative_to(PROJECT_TEMPLATE).parts


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


def test_jinja_in_generated_python_stays_within_budget(
    record_property: Callable[[str, Any], None],
) -> None:
    per_variable: Counter[str] = Counter()
    per_group: Counter[tuple[str, ...]] = Counter()
    for path in python_files():
        for variables in tags(path.read_text()):
            per_variable.update(variables or {"(no answer)"})
            for group in BUDGETS:
                per_group[group] += bool(variables & set(group))
            if is_shared(path):
                assert "database" not in variables, f"{path.name} branches on the database"
    label = "jinja tags in generated .py files"
    for variable, count in sorted(per_variable.items()):
        record_property("figure", (label, f"deciding {variable}", count))
    for group, budget in BUDGETS.items():
        used = per_group[group]
        record_property("figure", (label, f"deciding {' or '.join(group)}", f"{used} of {budget}"))
        assert used <= budget, f"{' or '.join(group)}: {used} tags, at most {budget}"
