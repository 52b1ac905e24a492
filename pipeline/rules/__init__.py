"""Rules are data: JSON files in this folder, loaded on first use (never at import time).

Each file has one top-level key per rule family; every rule carries a ``metadata.example`` that
the test-suite checks the rule against (see ``tests/test_rules.py``).
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any


@lru_cache(maxsize=None)
def load(name: str) -> dict[str, Any]:
    """Return the parsed rule file ``pipeline/rules/<name>.json``."""
    path = resources.files(__name__).joinpath(f"{name}.json")
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def rule_files() -> list[str]:
    """Names of every rule file shipped with the package (without ``.json``)."""
    return sorted(
        entry.name[: -len(".json")]
        for entry in resources.files(__name__).iterdir()
        if entry.name.endswith(".json")
    )
