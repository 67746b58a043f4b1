"""What a conversion returns: flights, warnings, and the one error type.

Warnings and errors carry a segment number, a stable code and a message
that never repeats a value from the message: values are names, dates of
birth and document numbers, and warnings end up in logs and client errors.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from screening_service.proto import pb


class MessageKind(enum.StrEnum):
    PAXLST = "paxlst"
    PNRGOV = "pnrgov"


@dataclass(frozen=True)
class ConversionWarning:
    """A defect worked around. ``segment`` is 1-based in the input (0: the input as a whole)."""

    segment: int
    code: str
    message: str

    def to_proto(self) -> pb.ConversionWarning:
        return pb.ConversionWarning(segment=self.segment, code=self.code, message=self.message)

    def __str__(self) -> str:
        return f"segment {self.segment}: {self.code}: {self.message}"


class MessageError(ValueError):
    """The input cannot be converted; ``segment`` names where (1-based, 0: the input)."""

    def __init__(self, segment: int, code: str, message: str) -> None:
        super().__init__(f"segment {segment}: {code}: {message}")
        self.segment = segment
        self.code = code
        self.message = message


@dataclass(frozen=True)
class FlightKey:
    """Carrier, flight number and the local date (YYYY-MM-DD) of the first departure."""

    carrier: str
    flight_number: str
    departure_date: str

    def to_proto(self) -> pb.FlightKey:
        return pb.FlightKey(
            carrier=self.carrier,
            flight_number=self.flight_number,
            departure_date=self.departure_date,
        )


@dataclass
class ConvertedFlight:
    key: FlightKey
    manifest: pb.Manifest
    warnings: list[ConversionWarning] = field(default_factory=list)


@dataclass
class Conversion:
    """Every flight of one input, in the order the input first names them."""

    kind: MessageKind
    flights: list[ConvertedFlight]
    # Warnings that concern no single flight (envelope, character set, counts of messages).
    warnings: list[ConversionWarning] = field(default_factory=list)
