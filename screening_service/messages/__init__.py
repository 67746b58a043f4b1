"""Airline messages (UN/EDIFACT PAXLST and PNRGOV) -> manifests.

`convert` is the one entry point; see ``README.md`` beside this file for
the mapping tables and the defects tolerated.
"""

from screening_service.messages.convert import MAX_INPUT_BYTES, convert
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
]
