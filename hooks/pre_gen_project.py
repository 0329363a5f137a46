"""Validate the free-text answers before anything is written.

Each check is a plain function that returns an error message or None, so the
template's tests can call them directly. The hook prints one line for each bad
answer and exits non-zero; cookiecutter then removes the half-made project
folder. Choice answers need no check here: cookiecutter refuses one outside its
list in cookiecutter.json before the hook runs.
"""

from __future__ import annotations

import json
import keyword
import re
import sys

# Rendering this line checks the answers first (local_extensions.checked_answers).
ANSWERS_JSON = r"""{{ cookiecutter | checked_answers | tojson }}"""

SLUG_RE = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")
PACKAGE_RE = re.compile(r"[a-z_][a-z0-9_]*")
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
# PEP 440 public versions in canonical form: 1.2, 1.2.3rc1, 1.0.post2, 2.0.dev1.
VERSION_RE = re.compile(r"(\d+!)?\d+(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?")


def version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version)[:3])


def check_cookiecutter_version(installed: str, required: str) -> str | None:
    if version_tuple(installed) < version_tuple(required):
        return (
            f"cookiecutter {installed} is too old for this template: "
            f"upgrade to {required} or newer (pip install -U cookiecutter)"
        )
    return None


def check_project_name(name: str) -> str | None:
    if not name.strip():
        return "project_name: must not be empty"
    return None


def check_slug(slug: str) -> str | None:
    if not SLUG_RE.fullmatch(slug):
        return (
            f"project_slug: {slug!r} is not allowed; use lowercase letters, digits "
            "and single hyphens, starting with a letter (e.g. notes-service)"
        )
    return None


def check_package_name(name: str) -> str | None:
    if not PACKAGE_RE.fullmatch(name):
        return (
            f"package_name: {name!r} is not a valid import name; use lowercase "
            "letters, digits and underscores, not starting with a digit"
        )
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        return f"package_name: {name!r} is a Python keyword; choose another name"
    if name in sys.stdlib_module_names:
        return f"package_name: {name!r} would shadow the standard library module of that name"
    return None


def check_email(email: str) -> str | None:
    if not EMAIL_RE.fullmatch(email):
        return f"author_email: {email!r} is not an email address (expected name@example.com)"
    return None


def check_version(version: str) -> str | None:
    if not VERSION_RE.fullmatch(version):
        return f"version: {version!r} is not a PEP 440 version (e.g. 0.1.0)"
    return None


def validate(answers: dict[str, str], cookiecutter_version: str) -> list[str]:
    """Every problem with the answers, in prompt order."""
    slug, package = answers["project_slug"], answers["package_name"]
    slug_error = check_slug(slug)
    # A package name made from a bad slug is fixed by fixing the slug.
    derived = package == slug.replace("-", "_")
    results = [
        check_cookiecutter_version(cookiecutter_version, answers["_min_cookiecutter_version"]),
        check_project_name(answers["project_name"]),
        slug_error,
        None if slug_error and derived else check_package_name(package),
        check_email(answers["author_email"]),
        check_version(answers["version"]),
    ]
    return [message for message in results if message]


def main() -> int:
    import cookiecutter

    errors = validate(json.loads(ANSWERS_JSON), cookiecutter.__version__)
    # Every bad answer at once, so that one run shows all there is to fix.
    for error in errors:
        print(f"ERROR: {error}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
