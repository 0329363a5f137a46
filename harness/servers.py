"""Every server the tests and the benchmark run a service against, in one table: how it
starts throwaway on loopback, the variable that names a server of one's own instead, the
Debian packages that hold its programs, and the service that stands in for it in CI.

The standard library only: `.ci/run` asks it which packages to install before any
virtualenv exists (`python3 -m harness.servers debian-packages`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass

from . import mysql, otlp, pgbouncer, postgres, redis
from .throwaway import NoServer

Answers = Mapping[str, object]


@dataclass(frozen=True)
class ServerKind:
    """One kind of server; its key names the tests' session fixture (`<key>_url`)."""

    key: str
    title: str
    # Yields the admin URL of a new server, given the URLs of the servers it fronts.
    throwaway: Callable[..., AbstractContextManager[str]]
    # Whether its programs are installed, and the Debian packages that install them.
    installed: Callable[[], bool]
    debian_packages: tuple[str, ...] = ()
    # A server of one's own, used instead of a throwaway one when set.
    url_variable: str | None = None
    # The servers it runs in front of, by key.
    fronts: tuple[str, ...] = ()
    # The service of .github/workflows/ci.yml that stands in for it, if any.
    ci_service: str | None = None
    # Whether a variant's own tests need it, by the variant's answers.
    needed_by: Callable[[Answers], bool] = lambda answers: False

    @property
    def fixture(self) -> str:
        return f"{self.key}_url"

    def advice(self) -> str:
        """How to get the server when it is missing."""
        how = f"install one (apt-get install {' '.join(self.debian_packages)})"
        return f"{how} or set {self.url_variable} to a server URL" if self.url_variable else how

    @contextmanager
    def started(self, *fronted: str) -> Iterator[str]:
        """The URL in its variable if set, else a throwaway server's; NoServer, saying how
        to get one, when neither can be had."""
        given = os.environ.get(self.url_variable) if self.url_variable else None
        if given:
            yield given
            return
        with ExitStack() as stack:
            try:
                url = stack.enter_context(self.throwaway(*fronted))
            except NoServer as missing:
                raise NoServer(f"{missing}: {self.advice()}") from None
            yield url


@contextmanager
def postgres_cluster_url() -> Iterator[str]:
    with postgres.throwaway_cluster() as cluster:
        yield cluster.url


@contextmanager
def mariadb_server_url() -> Iterator[str]:
    with mysql.throwaway_server() as server:
        yield server.url


@contextmanager
def otlp_endpoint() -> Iterator[str]:
    with otlp.otlp_receiver(keep=False) as (endpoint, _):
        yield endpoint


def database_is(name: str) -> Callable[[Answers], bool]:
    return lambda answers: answers.get("database") == name


SERVERS = {
    server.key: server
    for server in [
        ServerKind(
            key="postgres",
            title="PostgreSQL",
            throwaway=postgres_cluster_url,
            installed=lambda: postgres.find_bin_dir() is not None,
            debian_packages=("postgresql",),
            url_variable="TEST_POSTGRES_URL",
            ci_service="postgres",
            needed_by=database_is("postgresql"),
        ),
        ServerKind(
            key="mysql",
            title="MariaDB",
            throwaway=mariadb_server_url,
            installed=lambda: mysql.find_programs() is not None,
            # The core packages hold the server, the program that creates a data folder,
            # and the `mariadb` client the tests use.
            debian_packages=("mariadb-server-core", "mariadb-client-core"),
            url_variable="TEST_MYSQL_URL",
            ci_service="mariadb",
            needed_by=database_is("mysql"),
        ),
        ServerKind(
            key="pgbouncer",
            title="PgBouncer",
            throwaway=pgbouncer.pgbouncer,
            installed=lambda: pgbouncer.find_program() is not None,
            debian_packages=("pgbouncer",),
            fronts=("postgres",),
        ),
        ServerKind(
            key="redis",
            title="Redis",
            throwaway=redis.throwaway_server,
            installed=lambda: redis.find_program() is not None,
            debian_packages=("redis-server",),
            url_variable="TEST_REDIS_URL",
            # Login attempts are counted in Redis, as replicas share them.
            needed_by=lambda answers: answers.get("auth") == "fastapi-users",
        ),
        ServerKind(
            key="otlp",
            title="OTLP receiver",
            throwaway=otlp_endpoint,
            installed=lambda: True,
        ),
    ]
}

# Every variable that names a server: none of them may leak from the shell into a project.
URL_VARIABLES = tuple(server.url_variable for server in SERVERS.values() if server.url_variable)


def needed_by(answers: Answers) -> list[ServerKind]:
    """The servers a variant's own tests need, each reached through its variable."""
    return [server for server in SERVERS.values() if server.needed_by(answers)]


def missing_debian_packages() -> list[str]:
    """The packages of the servers whose programs are not installed."""
    return [
        package
        for server in SERVERS.values()
        if not server.installed()
        for package in server.debian_packages
    ]


def main(arguments: list[str]) -> int:
    if arguments != ["debian-packages"]:
        print("usage: python3 -m harness.servers debian-packages", file=sys.stderr)
        return 2
    print(" ".join(missing_debian_packages()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
