"""Jinja filters: the answers checked, and free-text answers quoted for the file they land in.

Project names and descriptions may hold quotes, backslashes, tabs and unicode;
each quoting filter returns a literal that parses back to exactly the answer.
"""

from __future__ import annotations

import sys
from contextlib import suppress
from pathlib import Path
from typing import Any

from jinja2 import Environment
from jinja2.ext import Extension

_CONTROL_ESCAPES = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def _escape(text: str, quote: str) -> str:
    out = []
    for char in text:
        if char == "\\" or char == quote:
            out.append("\\" + char)
        elif char in _CONTROL_ESCAPES:
            out.append(_CONTROL_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return "".join(out)


def toml_str(text: str) -> str:
    """A TOML basic string."""
    return '"' + _escape(text, '"') + '"'


def py_str(text: str) -> str:
    """A Python string literal quoted the way `ruff format` would quote it."""
    # Like the formatter: double quotes, unless single ones need fewer escapes.
    quote = "'" if text.count('"') > text.count("'") else '"'
    return quote + _escape(text, quote) + quote


def checked_answers(answers: dict[str, Any]) -> dict[str, Any]:
    """The answers, if all are good; otherwise one line per bad answer, and exit 1.

    The pre-generation hook passes its answers through this filter. Cookiecutter
    renders the hook in its own process, so refusing here ends the bake with the
    lines alone; a hook script that fails makes cookiecutter log its traceback
    after them. The project folder, created empty just before, is removed.
    """
    import cookiecutter

    from hooks.pre_gen_project import validate

    errors = validate(answers, cookiecutter.__version__)
    if not errors:
        return answers
    for error in errors:
        print(f"ERROR: {error}", file=sys.stderr)
    with suppress(OSError):  # only if it is empty, as cookiecutter left it
        (Path(answers["_output_dir"]) / answers["project_slug"]).rmdir()
    raise SystemExit(1)


class QuotingExtension(Extension):
    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters["checked_answers"] = checked_answers
        environment.filters["toml_str"] = toml_str
        environment.filters["py_str"] = py_str
