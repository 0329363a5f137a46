"""Every target of a run served at once on loopback, each with the same uvicorn options."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import psutil

from harness.serving import free_port, serving

from .accounts import log_in
from .targets import Target

# How the targets are served, by the settings the services read; every target runs the
# Dockerfiles' CMD, which has uvicorn's access log off. The judged way first: the
# services' own access record off too (a log line cost the floor a third of its reads),
# the cost of the app alone; then as shipped, with the Dockerfile's LOG_FORMAT=json.
JUDGED = "access log off"
MODES = {JUDGED: {"LOG_LEVEL": "WARNING"}, "as shipped": {"LOG_FORMAT": "json"}}


@dataclass(frozen=True)
class Server:
    target: Target
    port: int
    pid: int
    # The bearer token its requests carry: an auth variant's, once signed in.
    token: str | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cpu_seconds(self) -> float:
        return sum(p.cpu_times().user + p.cpu_times().system for p in self._processes())

    def rss_bytes(self) -> int:
        return sum(p.memory_info().rss for p in self._processes())

    def _processes(self) -> list[psutil.Process]:
        uvicorn = psutil.Process(self.pid)
        return [uvicorn, *uvicorn.children(recursive=True)]


@contextmanager
def serving_all(
    targets: list[Target], options: list[str], logs: Path, settings: Mapping[str, str] = {}
) -> Iterator[list[Server]]:
    """Serve every target, with these settings over its own, until it answers; stop them
    all afterwards."""
    logs.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        servers = []
        for target in targets:
            port = free_port()
            # exec: the process measured and profiled is uvicorn itself, not a shell.
            command = f"exec {target.command(options, port)}"
            answers = f"http://127.0.0.1:{port}{target.ready_path}"
            log = logs / f"{target.name}.log"
            env = {**target.env, **settings}
            process = stack.enter_context(serving(command, target.cwd, env, answers, log))
            servers.append(Server(target, port, process.pid))
        yield servers


def signed_in(servers: list[Server]) -> list[Server]:
    """The servers, each auth variant's with a token of its own; the others as they are."""
    return [
        replace(server, token=log_in(server.url)) if server.target.signs_in else server
        for server in servers
    ]
