import signal
from collections.abc import Iterator
from types import FrameType

import pytest
from httpx import AsyncClient

from {{ cookiecutter.package_name }}.main import create_app
from {{ cookiecutter.package_name }}.settings import Settings

from .provision import unreachable_database
from .support import serve


async def test_health_queries_the_database(client: AsyncClient) -> None:
    for path in ("/health/ready", "/health", "/health/live"):
        response = await client.get(path)
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}


async def test_readiness_is_503_when_the_database_is_down_and_liveness_is_not() -> None:
    with unreachable_database() as url:
        async with serve(create_app(Settings(database_url=url))) as client:
            ready = await client.get("/health/ready")
            health = await client.get("/health")
            notes = await client.get("/notes")
            live = await client.get("/health/live")
    for response in (ready, health, notes):
        assert response.status_code == 503
        assert response.json() == {"detail": "Database unavailable"}
    assert live.status_code == 200
    assert notes.headers["X-Request-ID"]


class ServerHandler:
    """A SIGTERM handler standing in for the server's: it records the signals handed on."""

    def __init__(self) -> None:
        self.received: list[int] = []

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.received.append(signum)


@pytest.fixture
def server_handler() -> Iterator[ServerHandler]:
    handler = ServerHandler()
    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield handler
    finally:
        signal.signal(signal.SIGTERM, previous)


async def test_readiness_is_503_from_sigterm_on(
    database_url: str, server_handler: ServerHandler
) -> None:
    async with serve(create_app(Settings(database_url=database_url))) as client:
        assert (await client.get("/health/ready")).status_code == 200
        signal.raise_signal(signal.SIGTERM)
        ready = await client.get("/health/ready")
        live = await client.get("/health/live")
        notes = await client.get("/notes")
    assert ready.status_code == 503
    assert ready.json() == {"detail": "Service stopping"}
    assert ready.headers["Retry-After"] == "1"
    # Requests are still served until the server stops taking them.
    assert live.status_code == notes.status_code == 200
    # The server still got the signal, and its handler is back once the app stopped.
    assert server_handler.received == [signal.SIGTERM]
    assert signal.getsignal(signal.SIGTERM) is server_handler
