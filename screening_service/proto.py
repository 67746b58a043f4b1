"""The generated protobuf modules under stable names, and enum <-> catalog words."""

from __future__ import annotations

from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper

from screening_service._generated.screening.v1 import screening_pb2 as pb
from screening_service._generated.screening.v1 import screening_pb2_grpc as pb_grpc

__all__ = ["enum_word", "enum_words", "pb", "pb_grpc"]


def enum_words(enum: EnumTypeWrapper, prefix: str) -> dict[int, str]:
    """Enum numbers -> catalog words (``PAYMENT_FORM_CASH`` -> ``cash``); UNSPECIFIED left out."""
    words: dict[int, str] = {}
    for name, number in enum.items():
        if number == 0:
            continue
        word = name.removeprefix(prefix)
        words[number] = word if len(word) == 1 else word.lower()
    return words


SEX = enum_words(pb.Sex, "SEX_")
DOCUMENT_TYPE = enum_words(pb.DocumentType, "DOCUMENT_TYPE_")
DIRECTION = enum_words(pb.Direction, "DIRECTION_")
TICKET_TYPE = enum_words(pb.TicketType, "TICKET_TYPE_")
PAYMENT_FORM = enum_words(pb.PaymentForm, "PAYMENT_FORM_")
RELATIONSHIP = enum_words(pb.Relationship, "RELATIONSHIP_")
OBSERVATION_CODE = enum_words(pb.ObservationCode, "OBSERVATION_CODE_")
OBSERVATION_SOURCE = enum_words(pb.ObservationSource, "OBSERVATION_SOURCE_")


def enum_word(words: dict[int, str], number: int) -> str | None:
    return words.get(number)
