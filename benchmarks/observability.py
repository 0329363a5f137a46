"""What watching a service costs: each variant without accounts served five ways at once,
loaded in turn like the endpoint tables' targets.

- as shipped: the Dockerfile's CMD and its LOG_FORMAT=json, so a JSON access record per
  request and metrics on, tracing off;
- both off: the same, with the access record (LOG_LEVEL=WARNING) and metrics off;
- before-command: today's service served as the Dockerfile served it before the service
  wrote access records: without `--no-access-log`, so uvicorn writes its plain access
  line, and with the service's access record and metrics off (plain_access_log.py);
- before: the template as it was just before the service could be watched, baked from
  git and served with its own Dockerfile's CMD, uvicorn's plain access log on;
- traced: as shipped, with spans exported in batches to an OTLP/HTTP receiver on
  loopback (harness/otlp.py) that accepts every export.

Each gets a database of its own, seeded like the others. The figures are printed, with
the issue's targets as INFO verdicts: as shipped at least 0.85x both off and at least
1.0x before-command. Before-command is the fair "today's as-shipped command": the same
service code, so only the way requests are watched differs. Before predates features
that landed since (timestamps on every note, health probes...), which it does not pay
for; its ratio is printed, not judged, and so is the cost of tracing.
"""

from __future__ import annotations

import shlex
import subprocess
import tarfile
from argparse import Namespace
from dataclasses import replace
from io import BytesIO
from pathlib import Path
from typing import Any

from cookiecutter.main import cookiecutter

from harness.baking import TEMPLATE, Bake, rendered_answers
from harness.dockerfile import production_command
from harness.installing import install_with_uv, project_environment
from harness.otlp import otlp_receiver

from . import plain_access_log
from .load import ENDPOINTS, measure
from .report import figures_of
from .seeding import seeded_notes
from .served_targets import serving_all, signed_in
from .targets import Prepared, Target, new_database

# The template file whose first commit made services watchable; "before" is its parent.
WATCHED_SINCE = "{{cookiecutter.project_slug}}/src/{{cookiecutter.package_name}}/observability.py"
WAYS = ("shipped", "off", "before-command", "before", "traced")
# What the issue asks of the shipped service, against both off and against before-command.
TARGET_VS_OFF = 0.85
TARGET_VS_BEFORE = 1.0


def template_before(work: Path) -> Path:
    """The template at the commit before WATCHED_SINCE was added, unpacked into `work`."""

    def git(*args: str) -> bytes:
        return subprocess.run(["git", *args], cwd=TEMPLATE, check=True, capture_output=True).stdout

    added = git("log", "--diff-filter=A", "--format=%H", "-1", "--", WATCHED_SINCE).decode().strip()
    if not added:
        raise RuntimeError(f"no commit in the template's history adds {WATCHED_SINCE}")
    with tarfile.open(fileobj=BytesIO(git("archive", f"{added}^"))) as archive:
        archive.extractall(work, filter="data")
    return work


def before_target(variant: Target, template: Path, prepared: Prepared, work: Path) -> Target:
    """The variant as the earlier template baked it, installed as a deployment has it."""
    answers = {name: str(value) for name, value in variant_answers(variant).items()}
    path = Path(
        cookiecutter(str(template), no_input=True, extra_context=answers, output_dir=str(work))
    )
    baked = Bake(path, rendered_answers(answers))
    venv = baked.path / ".venv"
    env = project_environment(venv, {})
    install_with_uv(baked.path, venv, env, ".")
    name = f"{variant.name}-before"
    env["DATABASE_URL"] = new_database(prepared.database, name, baked.path, env)
    app, options = production_command(baked.path)
    return replace(
        variant,
        name=name,
        program=[str(venv / "bin" / "uvicorn"), app, *options],
        cwd=baked.path,
        env=env,
    )


def variant_answers(variant: Target) -> dict[str, str]:
    backend, database, auth = variant.name.split("-", 2)
    return {"backend": backend, "database": database, "auth": auth}


def way(variant: Target, prepared: Prepared, suffix: str, **settings: str) -> Target:
    """The installed variant served with the Dockerfile's options and these settings."""
    name = f"{variant.name}-{suffix}"
    env = {**variant.env, "LOG_FORMAT": "json", **settings}
    env["DATABASE_URL"] = new_database(prepared.database, name, variant.cwd, env)
    return replace(variant, name=name, program=[*variant.program, *prepared.options], env=env)


def before_command(variant: Target, prepared: Prepared) -> Target:
    """Today's service with uvicorn's plain access log instead of its own record and metrics."""
    target = way(variant, prepared, "before-command", LOG_LEVEL="WARNING", METRICS_ENABLED="false")
    uvicorn, app = variant.program
    factory = f"{plain_access_log.__name__}:create_app"
    options = [option for option in prepared.options if option != "--no-access-log"]
    return replace(
        target,
        program=[uvicorn, factory, "--app-dir", str(TEMPLATE), *options],
        env={**target.env, plain_access_log.SERVED_APP: app},
    )


def measure_observability(prepared: Prepared, args: Namespace) -> int:
    """Serve and load every way of every variant without accounts; print what it costs."""
    variants = [t for t in prepared.targets if t.role == "variant" and not t.signs_in]
    work = prepared.logs.parent / "observability"
    template = template_before(work / "template")
    with otlp_receiver(keep=False) as (endpoint, _):
        targets = []
        for variant in variants:
            targets += [
                way(variant, prepared, "shipped"),
                way(variant, prepared, "off", LOG_LEVEL="WARNING", METRICS_ENABLED="false"),
                before_command(variant, prepared),
                before_target(variant, template, prepared, work / "before" / variant.name),
                way(variant, prepared, "traced", OTEL_EXPORTER_OTLP_ENDPOINT=endpoint),
            ]
        for target in targets:
            prepared.database.seed(target.database, seeded_notes())
        print(f"{prepared.answer}, observability:", flush=True)
        for target in targets:
            print(f"  {target.name}: {shlex.join(target.program[1:])}", flush=True)
        with serving_all(targets, [], prepared.logs / "observability") as servers:
            figures = figures_of(measure(signed_in(servers), prepared.database, args))
    print_costs(prepared.answer, variants, figures, args)
    return 0


def print_costs(answer: str, variants: list[Target], figures: Any, args: Namespace) -> None:
    print(f"\n{answer}, observability: medians of {args.repetitions} runs")
    print(f"{'target':<40}{'endpoint':<22}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'non-2xx':>8}")
    verdicts = []
    for variant in variants:
        for endpoint, label in ENDPOINTS.items():
            rates = {}
            for suffix in WAYS:
                name = f"{variant.name}-{suffix}"
                shown = figures[name][endpoint]
                rates[suffix] = shown.rate
                print(
                    f"{name:<40}{label:<22}{shown.rate:>8.0f}{shown.p50_ms:>9.1f}"
                    f"{shown.p99_ms:>9.1f}{shown.non2xx:>8}"
                )
            versus_off = rates["shipped"] / rates["off"]
            versus_command = rates["shipped"] / rates["before-command"]
            met = versus_off >= TARGET_VS_OFF and versus_command >= TARGET_VS_BEFORE
            verdicts.append(
                f"INFO {'met' if met else 'MISSED'}: {variant.name} {label}: as shipped "
                f"{versus_off:.2f}x both off (target {TARGET_VS_OFF}), "
                f"{versus_command:.2f}x before-command (target {TARGET_VS_BEFORE}); "
                f"{rates['shipped'] / rates['before']:.2f}x before (not judged); "
                f"traced {rates['traced'] / rates['shipped']:.2f}x as shipped"
            )
    print()
    print("\n".join(verdicts))
