"""The template's prompts and variants, and baking it."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cookiecutter.generate import generate_context
from cookiecutter.main import cookiecutter
from cookiecutter.prompt import prompt_for_config

TEMPLATE = Path(__file__).resolve().parents[1]
CONTEXT_FILE = TEMPLATE / "cookiecutter.json"
# The prompts with their defaults, as cookiecutter reads them.
CONTEXT: dict[str, Any] = json.loads(CONTEXT_FILE.read_text())

Variant = dict[str, str]


def choice_prompts(context: dict[str, Any]) -> dict[str, list[str]]:
    """The prompts that offer a list of answers, the first being the default."""
    return {
        name: answers
        for name, answers in context.items()
        if isinstance(answers, list) and not name.startswith("_")
    }


def every_combination(choices: dict[str, list[str]]) -> list[Variant]:
    return [
        dict(zip(choices, answers, strict=True)) for answers in itertools.product(*choices.values())
    ]


CHOICES = choice_prompts(CONTEXT)
# Every supported combination of the choice answers, and the one a bare bake makes.
VARIANTS = every_combination(CHOICES)
DEFAULT_VARIANT = {name: answers[0] for name, answers in CHOICES.items()}


def variant_id(variant: Variant) -> str:
    return "-".join(variant.values())


@dataclass(frozen=True)
class Bake:
    """A baked project and the answers it was baked with, derived ones included."""

    path: Path
    answers: dict[str, Any]

    @property
    def variant(self) -> Variant:
        return {name: self.answers[name] for name in CHOICES}

    @property
    def label(self) -> str:
        return variant_id(self.variant)

    @property
    def package(self) -> str:
        return str(self.answers["package_name"])


def rendered_answers(answers: dict[str, str]) -> dict[str, Any]:
    """Every prompt's answer, the defaults rendered, as cookiecutter would bake them."""
    context = generate_context(context_file=str(CONTEXT_FILE), extra_context=answers)
    return dict(prompt_for_config(context, no_input=True))


def bake_into(output_dir: Path, **answers: str) -> Bake:
    """Bake the template without prompts; answers not given take their defaults."""
    path = cookiecutter(
        str(TEMPLATE), no_input=True, extra_context=answers, output_dir=str(output_dir)
    )
    return Bake(Path(path), rendered_answers(answers))
