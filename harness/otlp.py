"""An OTLP/HTTP receiver on loopback that takes a service's span exports as a collector does."""

from __future__ import annotations

import gzip
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@contextmanager
def otlp_receiver(*, keep: bool) -> Iterator[tuple[str, list[bytes]]]:
    """Its endpoint, and with `keep` the body of every export it took, uncompressed.

    Every export is answered as accepted; a caller decodes the bodies it keeps
    (opentelemetry-proto's ExportTraceServiceRequest).
    """
    bodies: list[bytes] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if keep:
                gzipped = self.headers.get("Content-Encoding") == "gzip"
                bodies.append(gzip.decompress(body) if gzipped else body)
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the tests' and the benchmark's output is theirs

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", bodies
    finally:
        server.shutdown()
        server.server_close()
