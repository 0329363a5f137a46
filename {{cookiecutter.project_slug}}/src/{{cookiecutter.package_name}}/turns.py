"""Waiting in line for a connection or a lock: in arrival order, and not for ever."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from . import metrics
from .errors import DatabaseUnavailable


class Turns:
    """At most `places` holders at once; the others wait in the order they came.

    The drivers' pools, and SQLite's busy handler, give a connection or a lock
    to whichever task asks when it comes free, even one that has just arrived,
    while those already waiting go back in line: under load a few requests then
    wait many times longer than the rest. Waiting here first, in order, keeps
    the wait of each about the length of the line ahead of it.
    """

    def __init__(self, places: int, timeout: float, *, name: str) -> None:
        # Seconds a unit of work waits for its turn before the answer is a 503.
        self.timeout = timeout
        # asyncio.Semaphore wakes its waiters in the order they came, and a
        # newcomer queues behind them.
        self._free = asyncio.Semaphore(places)
        # The line, as metrics.py names it: places in use and free, waiters, timeouts.
        self._places = places
        self._used = metrics.connection_count.labels(name, "used")
        self._idle = metrics.connection_count.labels(name, "idle")
        self._pending = metrics.pending_requests.labels(name)
        self._timeouts = metrics.connection_timeouts.labels(name)
        self._idle.inc(places)

    async def take(self) -> None:
        """Wait for a place and hold it until `give`; DatabaseUnavailable after `timeout`."""
        # A free place with nobody waiting is taken at once, without a timer.
        if self._free.locked():
            self._pending.inc()
            try:
                async with asyncio.timeout(self.timeout):
                    await self._free.acquire()
            except TimeoutError as error:
                self._timeouts.inc()
                raise DatabaseUnavailable from error
            finally:
                self._pending.dec()
        else:
            await self._free.acquire()
        self._idle.dec()
        self._used.inc()

    def give(self) -> None:
        """Free the place `take` held, for the next in line."""
        self._free.release()
        self._used.dec()
        self._idle.inc()

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Hold a place until the block ends; DatabaseUnavailable after `timeout`."""
        await self.take()
        try:
            yield
        finally:
            self.give()

    def close(self) -> None:
        """Take this line's places out of the pool's gauges, as its pool closes."""
        self._idle.dec(self._places)
