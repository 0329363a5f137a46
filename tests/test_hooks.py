"""Unit tests of the hooks' plain functions and of the prune table."""

from __future__ import annotations

import ast
import math
import tomllib
from pathlib import Path

import pytest

from harness.baking import CHOICES, CONTEXT, DEFAULT_VARIANT, VARIANTS
from harness.options import ALL_CHOICES, METADATA_ONLY, every_combination
from hooks import post_gen_project as post_gen
from hooks import pre_gen_project as pre_gen
from local_extensions import py_str, toml_str

from .bakes import PROJECT_TEMPLATE, files_in

TEMPLATE_PACKAGE = "{{cookiecutter.package_name}}"


def template_owned_files() -> dict[str, list[str]]:
    return post_gen.owned_files(TEMPLATE_PACKAGE)


def test_every_listed_file_exists_in_the_template() -> None:
    variants = PROJECT_TEMPLATE / post_gen.VARIANTS_DIR
    for owner, paths in template_owned_files().items():
        for path in paths:
            assert (variants / owner / path).is_file(), (owner, path)


def test_every_template_file_is_shared_or_owned() -> None:
    variants = PROJECT_TEMPLATE / post_gen.VARIANTS_DIR
    owned = {
        variants / owner / path for owner, paths in template_owned_files().items() for path in paths
    }
    in_variants = {path for path in variants.rglob("*") if path.is_file()}
    assert in_variants - owned == set(), "files under _variants that no owner has"
    # Owned files replace nothing: no shared file sits where an owned one lands.
    for paths in template_owned_files().values():
        for path in paths:
            assert not (PROJECT_TEMPLATE / path).exists(), f"{path} is both shared and owned"


def test_every_owner_stands_for_answers_of_choice_prompts() -> None:
    for owner in post_gen.OWNED_FILES:
        for variable, any_of in post_gen.conditions(owner).items():
            for answer in any_of:
                assert answer in ALL_CHOICES.get(variable, []), owner
            assert len(set(any_of)) == len(any_of), f"{owner}: an answer named twice"
            # Every answer of a prompt is no condition at all: the file is shared.
            assert set(any_of) != set(ALL_CHOICES[variable]), f"{owner}: {variable} is every answer"


def test_variants_span_only_the_options_that_change_code() -> None:
    assert set(METADATA_ONLY) <= set(ALL_CHOICES), "METADATA_ONLY names a prompt with no choices"
    assert set(CHOICES) == set(ALL_CHOICES) - set(METADATA_ONLY)
    assert all(set(variant) == set(CHOICES) for variant in VARIANTS)
    assert len(VARIANTS) == math.prod(len(answers) for answers in CHOICES.values())


def test_metadata_only_options_change_no_code() -> None:
    """An option in METADATA_ONLY owns no Python file and no Python file reads it, so one
    bake per answer checked statically covers it."""
    for owner, paths in post_gen.OWNED_FILES.items():
        if set(post_gen.conditions(owner)) & set(METADATA_ONLY):
            assert not [path for path in paths if path.endswith(".py")], owner
    for path in PROJECT_TEMPLATE.rglob("*.py"):
        text = path.read_text()
        for name in METADATA_ONLY:
            assert f"cookiecutter.{name}" not in text, f"{path.name} reads {name}"


def test_owner_grammar_reads_all_of_and_any_of() -> None:
    owner = "backend=orm+database=postgresql,mysql"
    assert post_gen.conditions(owner) == {"backend": ["orm"], "database": ["postgresql", "mysql"]}
    assert post_gen.conditions("auth=none") == {"auth": ["none"]}


@pytest.mark.parametrize(
    ("owner", "answers", "expected"),
    [
        ("database=postgresql,mysql", {"database": "postgresql"}, True),
        ("database=postgresql,mysql", {"database": "mysql"}, True),
        ("database=postgresql,mysql", {"database": "sqlite"}, False),
        ("backend=orm+database=postgresql,mysql", {"backend": "orm", "database": "mysql"}, True),
        ("backend=orm+database=postgresql,mysql", {"backend": "orm", "database": "sqlite"}, False),
        (
            "backend=orm+database=postgresql,mysql",
            {"backend": "databases", "database": "mysql"},
            False,
        ),
        ("backend=orm+database=sqlite", {"backend": "orm", "database": "sqlite"}, True),
    ],
    ids=[
        "any-of-first",
        "any-of-second",
        "any-of-none",
        "all-of-with-any-of",
        "all-of-any-of-fails",
        "all-of-other-fails",
        "all-of",
    ],
)
def test_owner_is_chosen_when_every_condition_holds(
    owner: str, answers: dict[str, str], expected: bool
) -> None:
    assert post_gen.chosen(owner, answers) is expected


def test_owner_naming_a_prompt_twice_is_refused() -> None:
    with pytest.raises(post_gen.PruneError, match="database appears twice"):
        post_gen.conditions("database=sqlite+database=mysql")


def test_owners_are_folder_names_on_every_system() -> None:
    # Characters Windows, macOS or Linux refuse in a file name.
    for owner in post_gen.OWNED_FILES:
        assert not set(owner) & set('<>:"/\\|?*'), owner


def test_every_combination_of_answers_gets_each_owned_path_at_most_once() -> None:
    """Two owners chosen together never move a file onto the same path."""
    for answers in every_combination(ALL_CHOICES):
        kept = [
            path
            for owner, paths in template_owned_files().items()
            if post_gen.chosen(owner, answers)
            for path in paths
        ]
        assert len(kept) == len(set(kept)), answers


def make_tree(root: Path, files: list[str]) -> None:
    for name in files:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(name)


def small_table(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        post_gen,
        "OWNED_FILES",
        {
            "backend=orm": ["src/{package}/db.py"],
            "backend=databases": ["src/{package}/db.py"],
            "database=postgresql": ["compose.yaml"],
            "backend=orm+database=sqlite": ["src/{package}/sqlite.py"],
            "backend=orm+database=postgresql,mysql": ["src/{package}/server.py"],
        },
    )


ANSWERS_ORM_SQLITE = {"backend": "orm", "database": "sqlite", "package_name": "pkg"}
SMALL_TREE = [
    "README.md",
    "_variants/backend=orm/src/pkg/db.py",
    "_variants/backend=databases/src/pkg/db.py",
    "_variants/database=postgresql/compose.yaml",
    "_variants/backend=orm+database=sqlite/src/pkg/sqlite.py",
    "_variants/backend=orm+database=postgresql,mysql/src/pkg/server.py",
]


def test_prune_keeps_the_chosen_files_and_deletes_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    small_table(monkeypatch)
    make_tree(tmp_path, SMALL_TREE)
    kept = post_gen.prune(tmp_path, ANSWERS_ORM_SQLITE)
    assert kept == ["src/pkg/db.py", "src/pkg/sqlite.py"]
    files = files_in(tmp_path)
    assert files == {"README.md", "src/pkg/db.py", "src/pkg/sqlite.py"}
    assert (tmp_path / "src/pkg/db.py").read_text() == "_variants/backend=orm/src/pkg/db.py"
    # A second run on the pruned project changes nothing.
    assert post_gen.prune(tmp_path, ANSWERS_ORM_SQLITE) == []
    assert files_in(tmp_path) == files


def test_prune_drops_an_owner_unless_all_its_answers_are_chosen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    small_table(monkeypatch)
    make_tree(tmp_path, SMALL_TREE)
    kept = post_gen.prune(tmp_path, {**ANSWERS_ORM_SQLITE, "database": "postgresql"})
    assert kept == ["src/pkg/db.py", "compose.yaml", "src/pkg/server.py"]


def test_prune_keeps_an_any_of_owner_for_each_of_its_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    small_table(monkeypatch)
    make_tree(tmp_path, SMALL_TREE)
    kept = post_gen.prune(tmp_path, {**ANSWERS_ORM_SQLITE, "database": "mysql"})
    assert kept == ["src/pkg/db.py", "src/pkg/server.py"]
    source = "_variants/backend=orm+database=postgresql,mysql/src/pkg/server.py"
    assert (tmp_path / "src/pkg/server.py").read_text() == source


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (
            [path for path in SMALL_TREE if "databases" not in path],
            "_variants/backend=databases/src/pkg/db.py is listed but missing",
        ),
        (
            [*SMALL_TREE, "_variants/backend=orm/stray.py"],
            "_variants/backend=orm/stray.py belongs to no owner",
        ),
        (
            [*SMALL_TREE, "src/pkg/db.py"],
            "src/pkg/db.py is both shared and owned",
        ),
    ],
    ids=["listed-but-missing", "unlisted", "collides-with-shared"],
)
def test_prune_is_strict(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: list[str], message: str
) -> None:
    small_table(monkeypatch)
    make_tree(tmp_path, files)
    with pytest.raises(post_gen.PruneError, match=message):
        post_gen.prune(tmp_path, ANSWERS_ORM_SQLITE)


@pytest.mark.parametrize("slug", ["notes-service", "a", "api2", "my-api-v2"])
def test_good_slugs(slug: str) -> None:
    assert pre_gen.check_slug(slug) is None


@pytest.mark.parametrize(
    "slug", ["", "Notes", "notes_service", "-notes", "notes-", "notes--service", "2notes", "a b"]
)
def test_bad_slugs(slug: str) -> None:
    message = pre_gen.check_slug(slug)
    assert message is not None
    assert message.startswith("project_slug:")


@pytest.mark.parametrize("name", ["notes_service", "_private", "api2"])
def test_good_package_names(name: str) -> None:
    assert pre_gen.check_package_name(name) is None


@pytest.mark.parametrize(
    "name", ["class", "2fa", "Notes", "notes-service", "match", "json", "", "café"]
)
def test_bad_package_names(name: str) -> None:
    message = pre_gen.check_package_name(name)
    assert message is not None
    assert message.startswith("package_name:")


@pytest.mark.parametrize("email", ["you@example.com", "first.last+tag@mail.example.org"])
def test_good_emails(email: str) -> None:
    assert pre_gen.check_email(email) is None


@pytest.mark.parametrize("email", ["", "you", "you@", "@example.com", "you@example", "a b@c.de"])
def test_bad_emails(email: str) -> None:
    assert pre_gen.check_email(email) is not None


@pytest.mark.parametrize("version", ["0.1.0", "1.0", "2.0.0rc1", "1.0.post2", "3.1.dev4"])
def test_good_versions(version: str) -> None:
    assert pre_gen.check_version(version) is None


@pytest.mark.parametrize("version", ["", "v1.0", "1.0-beta", "latest", "1..0"])
def test_bad_versions(version: str) -> None:
    assert pre_gen.check_version(version) is not None


def test_a_package_name_made_from_a_bad_slug_is_not_reported_again() -> None:
    answers = dict(CONTEXT, **DEFAULT_VARIANT)
    answers.update(project_slug="Bad_Slug", package_name="Bad_Slug")
    errors = pre_gen.validate(answers, "2.7.1")
    assert [error.split(":")[0] for error in errors] == ["project_slug"]
    answers["package_name"] = "json"
    errors = pre_gen.validate(answers, "2.7.1")
    assert [error.split(":")[0] for error in errors] == ["project_slug", "package_name"]


def test_old_cookiecutter_is_refused_with_the_fix() -> None:
    message = pre_gen.check_cookiecutter_version("2.1.1", "2.2.0")
    assert message is not None
    assert "2.1.1 is too old" in message
    assert "pip install -U cookiecutter" in message
    assert pre_gen.check_cookiecutter_version("2.7.1", "2.2.0") is None
    assert pre_gen.check_cookiecutter_version("10.0.0", "2.2.0") is None


def test_validate_accepts_the_defaults() -> None:
    answers = dict(CONTEXT, **DEFAULT_VARIANT)
    answers.update(project_slug="notes-service", package_name="notes_service")
    assert pre_gen.validate(answers, "2.7.1") == []


AWKWARD = ['Zoë\'s "quoted" notes', "back\\slash", "tab\there", "# hash", "🚀 ünïcode", '"', "'"]


@pytest.mark.parametrize("text", AWKWARD)
def test_quoting_filters_round_trip(text: str) -> None:
    assert ast.literal_eval(py_str(text)) == text
    assert tomllib.loads(f"value = {toml_str(text)}")["value"] == text
