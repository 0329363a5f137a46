"""What the template's tests do when no PostgreSQL server can be had."""

from __future__ import annotations

import pytest

from harness import postgres

pytest_plugins = ["pytester"]

NEEDS_POSTGRES = """
from tests.conftest import postgres_url

def test_needs_postgres(postgres_url):
    assert postgres_url
"""


def test_no_binaries_and_no_url_says_how_to_get_a_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(postgres.SERVER_URL_VARIABLE, raising=False)
    monkeypatch.setattr(postgres, "find_bin_dir", lambda: None)
    expected = r"apt-get install postgresql.*TEST_POSTGRES_URL"
    with pytest.raises(postgres.NoServer, match=expected), postgres.postgres_server():
        pass


def test_a_given_url_is_used_as_is(monkeypatch: pytest.MonkeyPatch) -> None:
    url = "postgresql://tester@127.0.0.1:1/postgres"
    monkeypatch.setenv(postgres.SERVER_URL_VARIABLE, url)
    with postgres.postgres_server() as given:
        assert given == url


@pytest.mark.parametrize(("ci", "outcome"), [("", "skipped"), ("true", "failed")])
def test_missing_server_skips_locally_and_fails_in_ci(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, ci: str, outcome: str
) -> None:
    monkeypatch.delenv(postgres.SERVER_URL_VARIABLE, raising=False)
    monkeypatch.setattr(postgres, "find_bin_dir", lambda: None)
    monkeypatch.setenv("CI", ci)
    pytester.makepyfile(test_missing=NEEDS_POSTGRES)
    result = pytester.runpytest_inprocess("-p", "no:xdist", "-rsE")
    result.assert_outcomes(**{"errors" if outcome == "failed" else outcome: 1})
    result.stdout.fnmatch_lines(["*no PostgreSQL server found: install one*"])
