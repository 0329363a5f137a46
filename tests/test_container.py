"""Each bake's Dockerfile and .dockerignore, checked statically (no Docker engine here)."""

from __future__ import annotations

import json
import re
import shlex

from dockerfile_parse import DockerfileParser

from harness.baking import Bake
from harness.dockerfile import production_command

from .deploy_files import instructions, stages

SECRET_WORDS = re.compile(r"PASSWORD|SECRET|TOKEN|DATABASE_URL", re.I)
SLIM_PYTHON = re.compile(r"python:3\.(1[1-9])-slim$")


def test_dockerfile_builds_in_two_stages_and_runs_as_non_root(baked: Bake) -> None:
    builder, final = stages(baked.path)
    base, alias = instructions(builder, "FROM")[0].split(" AS ")
    assert SLIM_PYTHON.match(base) and alias == "builder"
    assert SLIM_PYTHON.match(instructions(final, "FROM")[0])
    # The final image takes only the built virtualenv from the builder.
    copied_from = [v for v in instructions(final, "COPY") if v.startswith("--from=")]
    assert copied_from == ["--from=builder /opt/venv /opt/venv"]

    users = instructions(final, "USER")
    assert users, "the final stage sets no USER"
    uid, _, gid = users[-1].partition(":")
    assert uid.isdigit() and int(uid) > 0, users[-1]
    assert not gid or (gid.isdigit() and int(gid) > 0), users[-1]
    # The user is set after every RUN and COPY: the app cannot write its own code.
    names = [i["instruction"] for i in final]
    assert names.index("USER") > max(i for i, name in enumerate(names) if name in ("RUN", "COPY"))


def test_dockerfile_health_check_and_command(baked: Bake) -> None:
    _, final = stages(baked.path)
    (exposed,) = instructions(final, "EXPOSE")
    (healthcheck,) = instructions(final, "HEALTHCHECK")
    options, _, command = healthcheck.partition("CMD ")
    probe = json.loads(command)
    # Slim images have no curl: the probe is Python's urllib, and fails on a non-2xx answer.
    assert probe[:2] == ["python", "-c"]
    assert f"urlopen('http://127.0.0.1:{exposed}/health/live'" in probe[2]
    assert "--timeout=" in options

    (cmd,) = instructions(final, "CMD")
    argv = json.loads(cmd)  # exec form: uvicorn is PID 1 and gets the stop signal
    assert argv[:3] == ["uvicorn", f"{baked.package}.main:create_app", "--factory"]
    assert "--reload" not in argv
    # The service writes the access records, as JSON lines (observability.py).
    assert "--no-access-log" in argv
    assert "LOG_FORMAT=json" in " ".join(instructions(final, "ENV")).split()
    assert argv[argv.index("--port") + 1] == exposed
    assert argv[argv.index("--host") + 1] == "0.0.0.0"
    assert not instructions(final, "ENTRYPOINT")  # migrations are not hidden in start-up


def test_tests_and_benchmarks_serve_the_dockerfile_command(baked: Bake) -> None:
    # The service is measured and tested as shipped: the Dockerfile's CMD, with only
    # the address moved to loopback and one worker.
    shipped = DockerfileParser(str(baked.path / "Dockerfile")).cmd
    app, options = production_command(baked.path)

    program, shipped_app, *shipped_options = json.loads(shipped)
    assert (program, shipped_app) == ("uvicorn", app)
    kept = [
        option
        for option, previous in zip(shipped_options, [None, *shipped_options], strict=False)
        if option not in ("--host", "--port") and previous not in ("--host", "--port")
    ]
    assert kept and options == [*kept, "--host", "127.0.0.1", "--workers", "1"]


def test_dockerfile_bakes_in_no_secrets_and_copies_what_the_image_needs(baked: Bake) -> None:
    builder, final = stages(baked.path)
    for stage in (builder, final):
        for value in instructions(stage, "ENV") + instructions(stage, "ARG"):
            assert not SECRET_WORDS.search(value), value
        for value in instructions(stage, "COPY"):
            if value.startswith("--from="):
                continue
            *sources, _ = shlex.split(value)
            for source in sources:
                assert not source.startswith(".env") and source not in (".", "./"), value
                assert (baked.path / source).exists(), f"COPY of missing {source}"
    final_copies = " ".join(instructions(final, "COPY"))
    # The image can run `alembic upgrade head`: it holds the configuration and the scripts.
    assert "alembic.ini" in final_copies and "migrations" in final_copies

    ignored = (baked.path / ".dockerignore").read_text().splitlines()
    for pattern in (".env", ".git/", ".venv/", "*.db"):
        assert pattern in ignored
