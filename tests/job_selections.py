"""A pytest plugin for one `--collect-only` run: prints which tests each `-k` expression
in JOB_SELECTIONS (a JSON list) selects, matched as `-k` itself matches them."""

from __future__ import annotations

import json
import os

import pytest
from _pytest.mark import KeywordMatcher
from _pytest.mark.expression import Expression

SELECTIONS_VARIABLE = "JOB_SELECTIONS"
# Marks the printed line among pytest's own output.
PREFIX = "selected: "


def pytest_collection_finish(session: pytest.Session) -> None:
    selections: list[str] = json.loads(os.environ[SELECTIONS_VARIABLE])
    selected = {
        select: [
            item.nodeid
            for item in session.items
            if Expression.compile(select).evaluate(KeywordMatcher.from_item(item))
        ]
        for select in selections
    }
    print(PREFIX + json.dumps(selected))
