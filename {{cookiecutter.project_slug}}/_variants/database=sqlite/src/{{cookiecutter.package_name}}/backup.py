"""Copy the live database to another file while the service keeps writing.

    {{ cookiecutter.project_slug }}-backup [DESTINATION]

SQLite's online backup API copies every page in one step, from a snapshot that
writers do not wait for (WAL mode), so the copy holds exactly what was committed
when it began. Without DESTINATION the copy goes to
`backups/<database name>-<UTC time>.db`. To restore, stop the service and copy
the file back in place of the database, deleting the database's `-wal` and
`-shm` files beside it.
"""

import argparse
import sqlite3
import sys
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import make_url

from .db import DatabaseSettings


def database_path(database_url: str) -> Path:
    database = make_url(database_url).database
    if not database:
        raise ValueError("DATABASE_URL names no database file")
    return Path(database)


def backup(source: Path, destination: Path) -> None:
    """Copy `source` to `destination` as it is now; raise unless the copy checks out."""
    if destination.exists():
        raise FileExistsError(f"{destination} exists already")
    destination.parent.mkdir(parents=True, exist_ok=True)
    # Reading takes no lock that writers wait for. `closing`: a sqlite3
    # connection's own `with` ends a transaction, not the connection.
    with (
        closing(sqlite3.connect(source)) as live,
        closing(sqlite3.connect(destination)) as copy,
    ):
        live.backup(copy)
        (result,) = copy.execute("PRAGMA integrity_check").fetchone()
    if result != "ok":
        raise RuntimeError(f"the copy failed its integrity check: {result}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("destination", nargs="?", type=Path, help="the file to write")
    args = parser.parse_args(argv)
    source = database_path(DatabaseSettings().database_url)
    if not source.is_file():
        print(f"error: no database at {source}", file=sys.stderr)
        return 1
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    destination = args.destination or Path("backups") / f"{source.stem}-{stamp}.db"
    try:
        backup(source, destination)
    except (OSError, sqlite3.Error, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"backed up {source} to {destination} ({destination.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
