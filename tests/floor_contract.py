"""Send the same requests to the benchmark's floor and to a generated service, in-process.

Run with a generated SQLite project's Python:

    python floor_contract.py <benchmarks dir> <package> <service db file> <floor db file>

Both files must hold the same migrated, seeded notes. Prints, as JSON, what each app
answered: {"floor": [...], "service": [...]}, one entry per request.
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


def main(benchmarks: str, package: str, service_db: str, floor_db: str) -> None:
    sys.path.insert(0, benchmarks)
    floor = importlib.import_module("floor")
    main_module = importlib.import_module(f"{package}.main")
    settings = importlib.import_module(f"{package}.settings")
    service = main_module.create_app(settings.Settings(database_url=f"sqlite:///{service_db}"))
    floor_app = floor.create_app(f"sqlite:///{floor_db}", 2)
    result = {
        "floor": asyncio.run(answers(floor_app)),
        "service": asyncio.run(answers(service)),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    os.environ.pop("DATABASE_URL", None)
    main(*sys.argv[1:])
