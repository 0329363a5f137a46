"""The template's README: its prompt table and its commands."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.request
from pathlib import Path
from urllib.error import URLError

from .conftest import ANSWERS, TEMPLATE
from .postgres import free_port

README = (TEMPLATE / "README.md").read_text()


def console_blocks(section: str) -> list[str]:
    match = re.search(rf"^## {re.escape(section)}\n(.*?)(?=^## |\Z)", README, re.M | re.S)
    assert match, section
    return re.findall(r"```console\n(.*?)```", match.group(1), re.S)


def test_prompt_table_matches_cookiecutter_json() -> None:
    section = README.split("## Prompts\n", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(\w+)` \| (.*?) \|", section, re.M)
    prompts = [name for name in ANSWERS if not name.startswith("_")]
    assert [name for name, _ in rows] == prompts
    for name, default in rows:
        answer = ANSWERS[name]
        if isinstance(answer, list):
            assert default == f"`{answer[0]}`", name
        elif "{{" in answer:
            assert default.startswith("derived from"), name
        else:
            assert default == f"`{answer}`", name


def test_ci_runs_the_readme_test_command() -> None:
    _, test_command = console_blocks("Try it")
    assert test_command.strip() in (TEMPLATE / ".ci/run").read_text()


def clone(destination: Path) -> Path:
    """The files a fresh clone has: tracked ones, and new ones git does not ignore."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=TEMPLATE,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    for name in filter(None, listed):
        if (TEMPLATE / name).is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(TEMPLATE / name, destination / name)
    return destination


def get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read().decode()


def post(url: str, body: dict[str, object]) -> tuple[int, str]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status, response.read().decode()


def wait_for(url: str, server: subprocess.Popen[bytes], log: Path, limit: float) -> None:
    """Poll until the server answers; the limit only stops a hung run, it is no benchmark."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        assert server.poll() is None, f"the command ended early:\n{log.read_text()}"
        try:
            get(url)
            return
        except (URLError, ConnectionError):
            time.sleep(0.5)
    raise AssertionError(f"no answer from {url}:\n{log.read_text()}")


def test_try_it_bakes_and_starts_the_default_service(tmp_path: Path) -> None:
    bake_and_start, _ = console_blocks("Try it")
    checkout = clone(tmp_path / "checkout")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "VIRTUAL_ENV")}
    # uvicorn reads its options from UVICORN_* variables, so the command runs as written.
    env["UVICORN_PORT"] = str(port)
    log = tmp_path / "output.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            ["bash", "-euo", "pipefail", "-c", bake_and_start],
            cwd=checkout,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/health", server, log, limit=600)
        status, docs = get(f"{base}/docs")
        assert status == 200
        assert "swagger-ui" in docs
        assert get(f"{base}/health") == (200, '{"status":"ok"}')
        status, created = post(f"{base}/notes", {"text": "from the README"})
        assert status == 201
        note = json.loads(created)
        assert get(f"{base}/notes/{note['id']}") == (200, created)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    assert (checkout / "notes-service" / "notes_service.db").is_file()
