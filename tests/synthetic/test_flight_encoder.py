"""Records encoded flight by flight are what encoding them all at once gives."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest

from screening_service.synthetic.encode import FlightEncoder, encode_records
from screening_service.synthetic.layout import Format


def _flight(number: int, size: int) -> list[dict[str, Any]]:
    return [
        {"traveler": {"traveler_id": f"T{number:03d}-{i:02d}", "surname": "TESTPERSON"}}
        for i in range(size)
    ]


@pytest.mark.parametrize("fmt", ["jsonl", "jsonl.gz", "parquet"])
@pytest.mark.parametrize("flights", [0, 1, 5, 12])
def test_flight_by_flight_is_all_at_once(fmt: Format, flights: int) -> None:
    encoder = FlightEncoder(fmt)
    everything: list[dict[str, Any]] = []
    for number in range(flights):
        records = _flight(number, 1 + number % 3)
        encoder.add(records)
        everything += records
    encoded, expected = encoder.encoded(), encode_records(everything, fmt)
    assert len(everything) == encoder.records
    if isinstance(expected, pa.Table):
        assert isinstance(encoded, pa.Table)
        assert expected.equals(encoded)
        assert encoded.num_rows == 0 or 1 == encoded.column("traveler").num_chunks
    else:
        assert expected == encoded
