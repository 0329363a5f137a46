"""Each bake's compose.yaml, checked statically against the Dockerfile and the settings."""

from __future__ import annotations

from harness.baking import Bake

from .deploy_files import check_schema, compose, instructions, setting_variables, stages

KEYS = ("USER", "PASSWORD", "DB")


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
    if baked.answers["database"] == "sqlite":
        assert set(services) == {"app"}
        assert app["volumes"] == ["data:/data"]
        assert set(spec["volumes"]) == {"data"}
        assert url.startswith("sqlite+aiosqlite:////data/")
        # The image makes the mount point writable by its non-root user.
        assert any("mkdir /data && chown app:app /data" in v for v in instructions(final, "RUN"))
    else:
        assert set(services) == {"app", "db"}
        db = services["db"]
        assert db["image"].startswith("postgres:")
        assert "pg_isready" in " ".join(db["healthcheck"]["test"])
        assert app["depends_on"] == {"db": {"condition": "service_healthy"}}
        assert db["volumes"] == ["pgdata:/var/lib/postgresql/data"]
        assert set(spec["volumes"]) == {"pgdata"}
        assert "ports" not in db  # the database is reachable by the app only
        required = "${POSTGRES_PASSWORD:?"
        assert db["environment"]["POSTGRES_PASSWORD"].startswith(required)
        # The app's URL is built from the same variables as the server's.
        user, password, name = (db["environment"][f"POSTGRES_{key}"] for key in KEYS)
        assert url == f"postgresql://{user}:{password}@db:5432/{name}"


def test_compose_gives_the_app_only_settings_it_reads(baked: Bake) -> None:
    environment = compose(baked.path)["services"]["app"]["environment"]
    assert set(environment) <= setting_variables(baked.path)
