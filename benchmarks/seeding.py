"""Every target's database seeded with the same notes; an auth variant's belong to the
account its load runs as, registered through its API first, so that the notes read
by id are the account's own."""

from __future__ import annotations

import uuid
from pathlib import Path

from .accounts import register
from .served_targets import serving_all
from .targets import NOTES, Prepared, Target


def seeded_notes() -> list[tuple[str, bool]]:
    """The notes every target's database starts with: (text, completed)."""
    return [(f"note {number}", number % 2 == 0) for number in range(1, NOTES + 1)]


def seed(prepared: Prepared) -> None:
    notes = seeded_notes()
    logs = prepared.logs / "sign-up"
    for target in prepared.targets:
        owner = owner_of(target, prepared.options, logs) if target.signs_in else None
        prepared.database.seed(target.database, notes, owner)


def owner_of(target: Target, options: list[str], logs: Path) -> uuid.UUID:
    """Serve an auth variant once, to register the account that will own its notes."""
    with serving_all([target], options, logs) as (server,):
        return register(server.url)
