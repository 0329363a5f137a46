"""Baking the template: a bake and its answers (the prompts and variants are in options.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cookiecutter.generate import generate_context
from cookiecutter.main import cookiecutter
from cookiecutter.prompt import prompt_for_config

from harness.options import (
    CHOICES,
    CONTEXT,
    CONTEXT_FILE,
    DEFAULT_VARIANT,
    TEMPLATE,
    VARIANTS,
    Variant,
    variant_id,
)

# The prompts and variants are defined in harness.options; tests take them from here too.
__all__ = [
    "CHOICES",
    "CONTEXT",
    "DEFAULT_VARIANT",
    "TEMPLATE",
    "VARIANTS",
    "Bake",
    "Variant",
    "bake_into",
    "rendered_answers",
    "variant_id",
]


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
