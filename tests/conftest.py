"""Shared fixtures. The core suite uses data shipped in the repo; tests marked ``shared`` read
``../shared/data`` and skip cleanly when it is absent (users do not have it)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEED = REPO / "data" / "raw" / "NCT06145308.txt"


def shared_path(*parts: str) -> Path:
    """A path under ../shared/data, or a skip when it is not there."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} not present (shared evaluation data is not shipped with the repo)")
    return path


@pytest.fixture(scope="session")
def seed_text() -> str:
    with open(SEED, encoding="utf-8", newline="") as handle:
        return handle.read()


@pytest.fixture(scope="session")
def fixtures() -> Path:
    return FIXTURES


# Property tests explore new random cases on every local run; in CI (CI=true) they replay a
# fixed, derandomized set so that a run's outcome does not depend on chance.
from hypothesis import settings as _hypothesis_settings  # noqa: E402

_hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if __import__("os").environ.get("CI"):
    _hypothesis_settings.load_profile("ci")
