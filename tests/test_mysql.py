"""What the template's tests do when no MySQL-family server can be had, and the
throwaway server they start otherwise."""

from __future__ import annotations

import pytest

from harness import mysql

pytest_plugins = ["pytester"]

NEEDS_MYSQL = """
from tests.conftest import mysql_url

def test_needs_mysql(mysql_url):
    assert mysql_url
"""


def test_no_programs_and_no_url_says_how_to_get_a_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(mysql.SERVER_URL_VARIABLE, raising=False)
    monkeypatch.setattr(mysql, "find_programs", lambda: None)
    expected = r"apt-get install mariadb-server-core mariadb-client-core.*TEST_MYSQL_URL"
    with pytest.raises(mysql.NoServer, match=expected), mysql.mysql_server():
        pass


def test_a_given_url_is_used_as_is(monkeypatch: pytest.MonkeyPatch) -> None:
    url = "mysql://tester:secret@127.0.0.1:1/mysql"
    monkeypatch.setenv(mysql.SERVER_URL_VARIABLE, url)
    with mysql.mysql_server() as given:
        assert given == url
    assert mysql.mysql_client_environment(url, "notes") == {
        "MYSQL_HOST": "127.0.0.1",
        "MYSQL_TCP_PORT": "1",
        "MYSQL_PWD": "secret",
        "DATABASE_URL": "mysql://tester:secret@127.0.0.1:1/notes",
    }


@pytest.mark.parametrize(("ci", "outcome"), [("", "skipped"), ("true", "failed")])
def test_missing_server_skips_locally_and_fails_in_ci(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, ci: str, outcome: str
) -> None:
    monkeypatch.delenv(mysql.SERVER_URL_VARIABLE, raising=False)
    monkeypatch.setattr(mysql, "find_programs", lambda: None)
    monkeypatch.setenv("CI", ci)
    pytester.makepyfile(test_missing=NEEDS_MYSQL)
    result = pytester.runpytest_inprocess("-p", "no:xdist", "-rsE")
    result.assert_outcomes(**{"errors" if outcome == "failed" else outcome: 1})
    result.stdout.fnmatch_lines(["*no MariaDB server found: install one*"])


def test_throwaway_server_listens_on_loopback_in_utf8mb4_and_restarts() -> None:
    if mysql.find_programs() is None:
        pytest.skip("skipped: no MariaDB server programs (see .ci/run)")
    with mysql.throwaway_server() as server:
        settings = "SELECT @@bind_address, @@character_set_server, @@port"
        assert mysql.client(server.url, settings).split("\t") == [
            "127.0.0.1",
            "utf8mb4",
            str(server.port),
        ]
        server.stop()
        with pytest.raises(RuntimeError):
            mysql.client(server.url, "SELECT 1")
        server.start()
        assert mysql.client(server.url, "SELECT 1") == "1"
