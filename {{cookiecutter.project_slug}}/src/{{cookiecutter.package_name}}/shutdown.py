"""When the process has been asked to stop, so that readiness can turn 503 at once."""

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class Shutdown:
    """Set when SIGTERM arrives, before the server stops taking requests.

    A load balancer that still sends requests learns from `/health/ready` that
    it should stop; the server itself lets the requests in flight finish.
    """

    def __init__(self) -> None:
        self.begun = False


@contextmanager
def watch_shutdown() -> Iterator[Shutdown]:
    """Note SIGTERM, then hand it on to the handler the server installed.

    Signal handlers can be set only in the main thread; elsewhere (an app run
    in a thread by a test or another server) SIGTERM is left as it is.
    """
    shutdown = Shutdown()
    if threading.current_thread() is not threading.main_thread():
        yield shutdown
        return
    previous = signal.getsignal(signal.SIGTERM)

    def begin(signum: int, frame: FrameType | None) -> None:
        shutdown.begun = True
        if callable(previous):
            previous(signum, frame)
        elif previous != signal.SIG_IGN:
            # No server handler: stop as the default action would.
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.raise_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, begin)
    try:
        yield shutdown
    finally:
        signal.signal(signal.SIGTERM, previous)
