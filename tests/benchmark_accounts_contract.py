"""Send the same requests, accounts and notes, to a generated service with accounts or to
the benchmark's FastAPI Users reference app, in-process.

Run with the Python of the virtualenv that holds the app's libraries (the reference app
has one of its own: its SQLAlchemy adapter pins SQLAlchemy below 2.1):

    python benchmark_accounts_contract.py <repository> <app> <database URL>

`app` is the generated package's name, or `reference`; the database holds the auth
variant's migrated, empty tables, and AUTH_SECRET is set. Prints, as JSON, what the app
answered, one entry per request.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import sys
from typing import Any

import httpx

PASSWORD = "a long password for the contract"
# (who sends it, method, URL, JSON body); `login` and `register` steps act on accounts.
REQUESTS: list[tuple[str | None, str, str, str | None]] = [
    ("owner", "register", "", None),
    ("owner", "login", "", None),
    (None, "GET", "/notes/1", None),
    ("owner", "POST", "/notes", '{"text": "first"}'),
    ("owner", "POST", "/notes", '{"text": "second", "completed": true}'),
    ("owner", "GET", "/notes/1", None),
    ("owner", "GET", "/notes/2", None),
    ("owner", "GET", "/notes/999999", None),
    ("owner", "GET", "/notes/0", None),
    ("owner", "POST", "/notes", '{"text": ""}'),
    ("owner", "POST", "/notes", '{"text": "x", "colour": "red"}'),
    (None, "POST", "/notes", '{"text": "anonymous"}'),
    ("other", "register", "", None),
    ("other", "login", "", None),
    ("other", "GET", "/notes/1", None),
    ("other", "POST", "/notes", '{"text": "first"}'),
    ("other", "GET", "/notes/3", None),
]


async def answers(app: Any) -> list[dict[str, Any]]:
    seen = []
    tokens: dict[str, str] = {}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            for who, method, url, body in REQUESTS:
                email = f"{who}@example.com"
                if method == "register":
                    credentials = {"email": email, "password": PASSWORD}
                    response = await client.post("/auth/register", json=credentials)
                elif method == "login":
                    form = {"username": email, "password": PASSWORD}
                    response = await client.post("/auth/jwt/login", data=form)
                    tokens[str(who)] = response.json()["access_token"]
                else:
                    headers = {"Content-Type": "application/json"} if body is not None else {}
                    if who is not None:
                        headers["Authorization"] = f"Bearer {tokens[who]}"
                    response = await client.request(method, url, content=body, headers=headers)
                seen.append(
                    {
                        "request": f"{who} {method} {url} {body or ''}".strip(),
                        "status": response.status_code,
                        "content_type": response.headers["content-type"],
                        "location": response.headers.get("location"),
                        "body": response.json(),
                    }
                )
    return seen


def main(repository: str, app_name: str, url: str) -> None:
    sys.path.insert(0, repository)
    os.environ["DATABASE_URL"] = url
    if app_name == "reference":
        from benchmarks.apps import ACCOUNTS_REFERENCE

        app = importlib.import_module(ACCOUNTS_REFERENCE).app_from_environment()
    else:
        app = importlib.import_module(f"{app_name}.main").create_app()
    print(json.dumps(asyncio.run(answers(app))))


if __name__ == "__main__":
    main(*sys.argv[1:])
