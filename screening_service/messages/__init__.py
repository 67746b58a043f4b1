"""Airline messages (UN/EDIFACT PAXLST and PNRGOV) -> manifests.

`convert` is the one entry point; the project README's section for
integrators has the mapping tables and the defects tolerated.
"""

from screening_service.messages.convert import MAX_INPUT_BYTES, convert
from screening_service.messages.detect import is_message
from screening_service.messages.model import (
    Conversion,
    ConversionWarning,
    ConvertedFlight,
    FlightKey,
    MessageError,
    MessageKind,
)

__all__ = [
    "MAX_INPUT_BYTES",
    "Conversion",
    "ConversionWarning",
    "ConvertedFlight",
    "FlightKey",
    "MessageError",
    "MessageKind",
    "convert",
    "is_message",
]
