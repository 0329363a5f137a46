"""The command a baked project's container runs, as the tests and benchmarks serve it."""

from __future__ import annotations

import json
from pathlib import Path

# Where the Dockerfile binds: the address is moved to loopback, the port is the caller's.
BIND_OPTIONS = ("--host", "--port")


def production_command(project: Path) -> tuple[str, list[str]]:
    """The app and uvicorn's options of the Dockerfile's CMD, on loopback with one worker.

    The CMD is exec form: ["uvicorn", "<package>.main:create_app", "--factory", ...];
    uvicorn[standard] picks uvloop and httptools itself. Callers add `--port`.
    """
    lines = (project / "Dockerfile").read_text().splitlines()
    cmd = next(line for line in reversed(lines) if line.startswith("CMD "))
    program, app, *given = json.loads(cmd.removeprefix("CMD "))
    if program != "uvicorn":
        raise RuntimeError(f"the Dockerfile's CMD does not run uvicorn: {cmd}")
    options: list[str] = []
    arguments = iter(given)
    for argument in arguments:
        if argument in BIND_OPTIONS:
            next(arguments)
        else:
            options.append(argument)
    return app, [*options, "--host", "127.0.0.1", "--workers", "1"]
