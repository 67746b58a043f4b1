"""The generated protobuf modules under stable names, and enum <-> catalog words."""

from __future__ import annotations

from collections.abc import Iterable

from screening_service._generated.screening.v1 import screening_pb2 as pb
from screening_service._generated.screening.v1 import screening_pb2_grpc as pb_grpc

__all__ = ["enum_words", "pb", "pb_grpc"]


def enum_words(items: Iterable[tuple[str, int]], prefix: str) -> dict[int, str]:
    """Enum numbers -> catalog words (``PAYMENT_FORM_CASH`` -> ``cash``); UNSPECIFIED left out."""
    words: dict[int, str] = {}
    for name, number in items:
        if number == 0:
            continue
        word = name.removeprefix(prefix)
        words[number] = word if len(word) == 1 else word.lower()
    return words


SEX = enum_words(pb.Sex.items(), "SEX_")
DOCUMENT_TYPE = enum_words(pb.DocumentType.items(), "DOCUMENT_TYPE_")
DIRECTION = enum_words(pb.Direction.items(), "DIRECTION_")
TICKET_TYPE = enum_words(pb.TicketType.items(), "TICKET_TYPE_")
PAYMENT_FORM = enum_words(pb.PaymentForm.items(), "PAYMENT_FORM_")
RELATIONSHIP = enum_words(pb.Relationship.items(), "RELATIONSHIP_")
OBSERVATION_CODE = enum_words(pb.ObservationCode.items(), "OBSERVATION_CODE_")
OBSERVATION_SOURCE = enum_words(pb.ObservationSource.items(), "OBSERVATION_SOURCE_")
ROLE = enum_words(pb.TravelerRole.items(), "TRAVELER_ROLE_")
