"""The JSON lines the service logs: one parseable line per event, whatever the values."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from screening_service.observability.logging import configure, get_logger
from tests.conftest import LOG_STREAM


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    captured = io.StringIO()
    configure("info", stream=captured)
    try:
        yield captured
    finally:
        configure("debug", stream=LOG_STREAM)


def test_values_json_cannot_hold_natively_are_written_not_raised(stream: io.StringIO) -> None:
    get_logger("test").info(
        "synthetic", count=2**70, where=Path("/synthetic/dir"), by_code={7: "x"}, text="é"
    )
    (line,) = stream.getvalue().splitlines()
    event = json.loads(line)
    assert (2**70, repr(Path("/synthetic/dir")), {"7": "x"}, "é") == (
        event["count"],
        event["where"],
        event["by_code"],
        event["text"],
    )


def test_an_exception_is_one_line_without_frame_locals(stream: io.StringIO) -> None:
    try:
        secret_local = "ZZSYNTHETIC"  # noqa: F841  a local the line must not carry
        raise ValueError("synthetic failure")
    except ValueError:
        get_logger("test").exception("failed")
    (line,) = stream.getvalue().splitlines()
    assert "ZZSYNTHETIC" not in line
    assert "synthetic failure" in line
    assert "error" == json.loads(line)["level"]
