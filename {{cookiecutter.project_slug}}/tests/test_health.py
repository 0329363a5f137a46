from httpx import AsyncClient

from {{ cookiecutter.package_name }}.main import create_app
from {{ cookiecutter.package_name }}.settings import Settings

from .provision import unreachable_database
from .support import serve


async def test_health_queries_the_database(client: AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_health_is_503_when_the_database_is_down() -> None:
    with unreachable_database() as url:
        async with serve(create_app(Settings(database_url=url))) as client:
            health = await client.get("/health")
            notes = await client.get("/notes")
    assert health.status_code == 503
    assert health.json() == {"detail": "Database unavailable"}
    assert notes.status_code == 503
    assert notes.json() == {"detail": "Database unavailable"}
    assert notes.headers["X-Request-ID"]
