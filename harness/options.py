"""The template's prompts, which of them change code, and the variants they make.

Only the standard library, so that CI can list its jobs before installing anything:
`python3 -m harness.options` prints the template workflow's job matrix.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

TEMPLATE = Path(__file__).resolve().parents[1]
CONTEXT_FILE = TEMPLATE / "cookiecutter.json"
# The prompts with their defaults, as cookiecutter reads them.
CONTEXT: dict[str, Any] = json.loads(CONTEXT_FILE.read_text())

# Choice prompts whose answers change only metadata and text, never code: each answer
# is baked once and checked statically, and the variants do not multiply by them.
METADATA_ONLY = ("license",)

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


ALL_CHOICES = choice_prompts(CONTEXT)
# The choice prompts that change code; the variants span these.
CHOICES = {name: answers for name, answers in ALL_CHOICES.items() if name not in METADATA_ONLY}
METADATA_CHOICES = {name: ALL_CHOICES[name] for name in METADATA_ONLY}
# Every supported combination of the code answers, and the one a bare bake makes.
VARIANTS = every_combination(CHOICES)
DEFAULT_VARIANT = {name: answers[0] for name, answers in CHOICES.items()}


def variant_id(variant: Variant) -> str:
    return "-".join(variant.values())


def ci_jobs() -> list[dict[str, str]]:
    """The template CI's jobs: one per variant and one for every other test, each with
    the pytest -k expression that selects its tests, so that nothing runs twice."""
    ids = [variant_id(variant) for variant in VARIANTS]
    return [
        *({"name": id_, "select": id_} for id_ in ids),
        {"name": "other tests", "select": f"not ({' or '.join(ids)})"},
    ]


if __name__ == "__main__":
    # A GitHub Actions step output: `python3 -m harness.options >> "$GITHUB_OUTPUT"`.
    print(f"tests={json.dumps(ci_jobs())}")
