"""The test servers of harness/servers.py: what the tests do when a server cannot be had,
a server of one's own named in a variable, and the throwaway servers they start otherwise."""

from __future__ import annotations

import glob
import re
import shutil
import sys

import pytest

from harness import mysql
from harness.baking import TEMPLATE
from harness.commands import run
from harness.servers import SERVERS, ServerKind
from harness.throwaway import NoServer

from . import conftest

pytest_plugins = ["pytester"]

INSTALLABLE = [server for server in SERVERS.values() if server.debian_packages]
NAMED_BY_A_VARIABLE = [server for server in SERVERS.values() if server.url_variable]


def key(server: ServerKind) -> str:
    return server.key


@pytest.fixture
def nothing_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    """No server program on PATH or where Debian puts it, and no server named."""
    monkeypatch.setattr(shutil, "which", lambda *args, **kwargs: None)
    monkeypatch.setattr(glob, "glob", lambda *args, **kwargs: [])
    for server in NAMED_BY_A_VARIABLE:
        monkeypatch.delenv(str(server.url_variable), raising=False)


@pytest.mark.parametrize("server", INSTALLABLE, ids=key)
@pytest.mark.usefixtures("nothing_installed")
def test_no_programs_and_no_url_says_how_to_get_a_server(server: ServerKind) -> None:
    assert not server.installed()
    expected = re.escape(f"apt-get install {' '.join(server.debian_packages)}")
    if server.url_variable:
        expected += f".*{server.url_variable}"
    fronted = ["postgresql://postgres@127.0.0.1:1/postgres" for _ in server.fronts]
    with pytest.raises(NoServer, match=expected), server.started(*fronted):
        pass


@pytest.mark.parametrize("server", NAMED_BY_A_VARIABLE, ids=key)
def test_a_given_url_is_used_as_is(server: ServerKind, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"{server.key}://tester:secret@127.0.0.1:1/admin"
    monkeypatch.setenv(str(server.url_variable), url)
    with server.started() as given:
        assert given == url


def test_the_mysql_client_is_pointed_at_the_given_server() -> None:
    url = "mysql://tester:secret@127.0.0.1:1/mysql"
    assert mysql.mysql_client_environment(url, "notes") == {
        "MYSQL_HOST": "127.0.0.1",
        "MYSQL_TCP_PORT": "1",
        "MYSQL_PWD": "secret",
        "DATABASE_URL": "mysql://tester:secret@127.0.0.1:1/notes",
    }


NEEDS_A_SERVER = """
from tests.conftest import {fixture}

def test_needs_a_server({fixture}):
    assert {fixture}
"""


@pytest.mark.parametrize("server", NAMED_BY_A_VARIABLE, ids=key)
@pytest.mark.parametrize(("ci", "outcome"), [("", "skipped"), ("true", "failed")])
@pytest.mark.usefixtures("nothing_installed")
def test_missing_server_skips_locally_and_fails_in_ci(
    server: ServerKind,
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    ci: str,
    outcome: str,
) -> None:
    monkeypatch.setenv("CI", ci)
    pytester.makepyfile(test_missing=NEEDS_A_SERVER.format(fixture=server.fixture))
    result = pytester.runpytest_inprocess("-p", "no:xdist", "-rsE")
    result.assert_outcomes(**{"errors" if outcome == "failed" else outcome: 1})
    result.stdout.fnmatch_lines([f"*no {server.title}*found: install one*"])


def test_ci_asks_for_the_packages_of_missing_servers_without_a_virtualenv() -> None:
    """`.ci/run` runs this before any virtualenv exists: the standard library only (-S)."""
    listed = run(
        [sys.executable, "-S", "-m", "harness.servers", "debian-packages"], TEMPLATE
    ).split()
    every = {package for server in INSTALLABLE for package in server.debian_packages}
    assert set(listed) <= every
    for server in INSTALLABLE:
        assert server.installed() == (not set(server.debian_packages) & set(listed)), server.key
    assert "harness.servers debian-packages" in (TEMPLATE / ".ci/run").read_text()


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


def test_every_server_has_a_session_fixture() -> None:
    missing = [
        server.fixture for server in SERVERS.values() if not hasattr(conftest, server.fixture)
    ]
    assert not missing, f"add `{missing[0]} = server_fixture(...)` to tests/conftest.py"
