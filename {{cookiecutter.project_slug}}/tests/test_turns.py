"""Work waits for a connection in the order it asked for one (turns.py)."""

import asyncio

from {{ cookiecutter.package_name }}.main import create_app
from {{ cookiecutter.package_name }}.settings import Settings

from .isolation import connection_held, execute
from .support import serve


async def test_units_of_work_get_a_connection_in_the_order_they_asked(database_url: str) -> None:
    settings = Settings.model_validate({"database_url": database_url, "database_pool_size": 1})
    app = create_app(settings)
    served: list[int] = []

    async def unit_of_work(number: int) -> None:
        await execute(app, "SELECT 1", writes=False)
        served.append(number)

    async with serve(app):
        async with connection_held(app):
            waiting = [asyncio.create_task(unit_of_work(number)) for number in range(5)]
            for _ in range(20):  # let each of them start and wait
                await asyncio.sleep(0)
        # One more asks just as the connection comes back: it is served last.
        waiting.append(asyncio.create_task(unit_of_work(5)))
        await asyncio.gather(*waiting)
    assert served == list(range(6))
