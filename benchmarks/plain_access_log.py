"""Today's service with uvicorn's plain access log: the observability case's before-command way.

Before the service wrote an access record of its own, its Dockerfile served it without
`--no-access-log`, so uvicorn wrote one plain line per request to standard output. This
factory serves today's service that way: its own access record and metrics are turned
off by the environment (LOG_LEVEL=WARNING, METRICS_ENABLED=false), and since building the
app quiets uvicorn's access logger (logs.py), the logger is given uvicorn's default
configuration back afterwards. The variant's uvicorn serves it from the template's root:

    uvicorn benchmarks.plain_access_log:create_app --factory --app-dir <template root>

with SERVED_APP naming the factory of the variant's Dockerfile CMD.
"""

import logging
import os
import sys
from typing import Any

from uvicorn.config import LOGGING_CONFIG
from uvicorn.importer import import_from_string
from uvicorn.logging import AccessFormatter

# The environment variable naming the service's factory, such as notes_service.main:create_app.
SERVED_APP = "SERVED_APP"


def create_app() -> Any:
    """The service's app, with uvicorn.access as uvicorn's default logging sets it up."""
    app = import_from_string(os.environ[SERVED_APP])()
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(AccessFormatter(LOGGING_CONFIG["formatters"]["access"]["fmt"]))
    access = logging.getLogger("uvicorn.access")
    access.handlers = [handler]
    access.propagate = False
    access.setLevel(logging.INFO)
    return app
