"""Send the same requests to the benchmark's apps and to a generated service, in-process.

Run with a generated project's Python, with the reference apps' libraries:

    python benchmark_apps_contract.py <repository> <package> <databases>

`databases` is a JSON object: for the service and each app by name, the async SQLAlchemy
URL of a database of its own that holds the same migrated, seeded notes. Prints, as
JSON, what each app answered, one entry per request:
{"service": [...], "floor": [...], "framework": [...], "reference-orm": [...], ...}.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import sys
from typing import Any

import httpx

REQUESTS: list[tuple[str, str, str | None]] = [
    ("GET", "/notes/1", None),
    ("GET", "/notes/999999", None),
    ("GET", "/notes/0", None),
    ("GET", "/notes?limit=2", None),
    ("GET", "/notes?limit=2&offset=1", None),
    ("GET", "/notes?limit=0", None),
    ("POST", "/notes", '{"text": "from the contract check"}'),
    ("POST", "/notes", '{"text": "done", "completed": true}'),
    ("POST", "/notes", '{"text": '),
    ("POST", "/notes", '{"text": "x", "colour": "red"}'),
    ("POST", "/notes", '{"text": ""}'),
    ("POST", "/notes", '{"text": 5}'),
    ("GET", "/notes/4", None),
]


async def answers(app: Any) -> list[dict[str, Any]]:
    seen = []
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            for method, url, body in REQUESTS:
                headers = {"Content-Type": "application/json"} if body is not None else {}
                response = await client.request(method, url, content=body, headers=headers)
                seen.append(
                    {
                        "request": f"{method} {url} {body or ''}".strip(),
                        "status": response.status_code,
                        "content_type": response.headers["content-type"],
                        "location": response.headers.get("location"),
                        "body": response.json(),
                    }
                )
    return seen


def main(repository: str, package: str, databases: str) -> None:
    sys.path.insert(0, repository)
    from benchmarks.apps import FLOOR, FRAMEWORK, REFERENCES

    urls = json.loads(databases)
    settings = importlib.import_module(f"{package}.settings").Settings(database_url=urls["service"])
    service = importlib.import_module(f"{package}.main").create_app(settings)
    seen = {"service": asyncio.run(answers(service))}
    apps = {"floor": FLOOR, "framework": FRAMEWORK}
    apps |= {f"reference-{backend}": app for backend, app in REFERENCES.items()}
    for name, module in apps.items():
        app = importlib.import_module(module).create_app(urls[name])
        seen[name] = asyncio.run(answers(app))
    print(json.dumps(seen))


if __name__ == "__main__":
    os.environ.pop("DATABASE_URL", None)
    main(*sys.argv[1:])
