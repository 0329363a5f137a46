"""Each bake's compose.yaml, checked statically against the Dockerfile and the settings."""

from __future__ import annotations

from harness.baking import CHOICES, Bake

from .deploy_files import check_schema, compose, instructions, setting_variables, stages

# Per server: its image, health check, volume, the variables naming the user, password and
# database (in that order), and the app's URL built from them.
SERVERS = {
    "postgresql": {
        "image": "postgres:",
        "health": "pg_isready",
        "volume": "pgdata:/var/lib/postgresql/data",
        "variables": ("POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"),
        "url": "postgresql://{}:{}@db:5432/{}",
    },
    "mysql": {
        "image": "mariadb:",
        "health": "healthcheck.sh --connect --innodb_initialized",
        "volume": "mariadb:/var/lib/mysql",
        "variables": ("MARIADB_USER", "MARIADB_PASSWORD", "MARIADB_DATABASE"),
        "url": "mysql://{}:{}@db:3306/{}",
    },
}


# The database answers that are a file the app keeps on a volume, with no server.
FILE_DATABASES = {"sqlite"}


def test_server_table_names_every_database_answer() -> None:
    missing = set(CHOICES["database"]) - FILE_DATABASES - set(SERVERS)
    assert not missing, (
        f"SERVERS in tests/test_compose.py: add {', '.join(sorted(missing))} with its image, "
        "health check, volume and variables (or FILE_DATABASES, if it needs no server)"
    )


def test_compose_file_matches_the_schema(baked: Bake) -> None:
    check_schema("vendor.compose-spec", baked.path / "compose.yaml")


def test_compose_services_ports_and_storage(baked: Bake) -> None:
    spec = compose(baked.path)
    services = spec["services"]
    app = services["app"]
    assert app["build"] == "."
    _, final = stages(baked.path)
    (exposed,) = instructions(final, "EXPOSE")
    # Published on loopback only; a proxy or load balancer fronts it in production.
    assert app["ports"] == [f"127.0.0.1:{exposed}:{exposed}"]
    url = app["environment"]["DATABASE_URL"]
    if baked.answers["database"] in FILE_DATABASES:
        assert set(services) == {"app"}
        assert app["volumes"] == ["data:/data"]
        assert set(spec["volumes"]) == {"data"}
        assert url.startswith("sqlite+aiosqlite:////data/")
        # The image makes the mount point writable by its non-root user.
        assert any("mkdir /data && chown app:app /data" in v for v in instructions(final, "RUN"))
    else:
        server = SERVERS[baked.answers["database"]]
        assert set(services) == {"app", "db"}
        db = services["db"]
        assert db["image"].startswith(server["image"])
        assert server["health"] in " ".join(db["healthcheck"]["test"])
        assert app["depends_on"] == {"db": {"condition": "service_healthy"}}
        assert db["volumes"] == [server["volume"]]
        assert set(spec["volumes"]) == {server["volume"].split(":")[0]}
        assert "ports" not in db  # the database is reachable by the app only
        password = server["variables"][1]
        assert db["environment"][password].startswith(f"${{{password}:?")
        # The app's URL is built from the same variables as the server's.
        values = (db["environment"][variable] for variable in server["variables"])
        assert url == server["url"].format(*values)


def test_compose_gives_the_app_only_settings_it_reads(baked: Bake) -> None:
    environment = compose(baked.path)["services"]["app"]["environment"]
    assert set(environment) <= setting_variables(baked.path)
