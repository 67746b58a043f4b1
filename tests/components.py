"""Real components a test needs (Prometheus, nginx, validators): skip locally, fail in CI.

On a developer machine a missing component skips its tests with the reason;
with ``CI=true`` (set by `.ci/run`) the same absence fails them, so CI can
never pass by not running them.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def in_ci() -> bool:
    return os.environ.get("CI") == "true"


def missing(reason: str) -> NoReturn:
    """Skip (developer machine) or fail (CI) a test whose real component is absent."""
    if in_ci():
        pytest.fail(f"CI=true and a required component is missing: {reason}", pytrace=False)
    pytest.skip(reason)
