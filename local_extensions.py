"""Jinja filters that quote free-text answers for the file they land in.

Project names and descriptions may hold quotes, backslashes, tabs and unicode;
each filter returns a literal that parses back to exactly the answer.
"""

from __future__ import annotations

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


class QuotingExtension(Extension):
    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters["toml_str"] = toml_str
        environment.filters["py_str"] = py_str
