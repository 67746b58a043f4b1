"""The evaluation records are built as JSON bodies: exactly what json_format gives."""

from __future__ import annotations

from google.protobuf import json_format
from google.protobuf.timestamp_pb2 import Timestamp

from screening_service.evaluation.population import generate_evaluation_population
from screening_service.evaluation.records import companion, rfc3339
from screening_service.proto import pb


def test_generated_bodies_are_what_message_to_dict_gives_for_them() -> None:
    """Parse each body into a message and back: any key json_format would drop, rename,
    reorder or render otherwise (a default value, an enum number, a timestamp) shows."""
    for flight in generate_evaluation_population(6_000, seed=8):
        message = json_format.ParseDict(flight.body, pb.Manifest())
        assert flight.body == json_format.MessageToDict(message, preserving_proto_field_name=True)
        travelers = flight.body["travelers"]
        assert list(flight.body) == list(
            json_format.MessageToDict(message, preserving_proto_field_name=True)
        )
        for body, traveler in zip(travelers, message.travelers, strict=True):
            expected = json_format.MessageToDict(traveler, preserving_proto_field_name=True)
            assert list(expected) == list(body)
            assert list(expected["booking"]) == list(body["booking"])


def test_timestamps_render_as_protobuf_does() -> None:
    for seconds in (0, 59, 86_399, 86_400, 1_756_684_800, 1_759_276_799, 4_102_444_800):
        assert Timestamp(seconds=seconds).ToJsonString() == rfc3339(seconds)
    assert "2025-09-01T00:00:00Z" == rfc3339(1_756_684_800)


def test_a_companion_of_unspecified_relationship_leaves_the_field_out() -> None:
    assert {"traveler_id": "E000001-0002"} == companion("E000001-0002", 0)
    assert {"traveler_id": "E000001-0002", "relationship": "RELATIONSHIP_SPOUSE"} == companion(
        "E000001-0002", pb.RELATIONSHIP_SPOUSE
    )
