"""The fast protobuf JSON of the evaluation records is exactly json_format's."""

from __future__ import annotations

import pytest
from google.protobuf import json_format
from google.protobuf.timestamp_pb2 import Timestamp

from screening_service.evaluation.jsonl import as_dict
from screening_service.evaluation.population import generate_evaluation_population
from screening_service.proto import pb


def test_generated_manifests_convert_exactly_as_json_format_does() -> None:
    for flight in generate_evaluation_population(4_000, seed=8):
        expected = json_format.MessageToDict(flight.manifest, preserving_proto_field_name=True)
        assert expected == as_dict(flight.manifest)


def test_presence_and_defaults() -> None:
    booking = pb.Booking(checked_bags=0, purchaser_is_traveler=False, booking_time=Timestamp())
    expected = {
        "checked_bags": 0,
        "purchaser_is_traveler": False,
        "booking_time": "1970-01-01T00:00:00Z",
    }
    assert expected == as_dict(booking)
    assert expected == json_format.MessageToDict(booking, preserving_proto_field_name=True)


def test_unsupported_field_kinds_raise() -> None:
    with pytest.raises(TypeError, match="does not convert"):
        as_dict(pb.Decision(score=1.5))
