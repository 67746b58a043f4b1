"""Conversion helpers for the message tests."""

from __future__ import annotations

from typing import Any

from google.protobuf import json_format

from screening_service.messages import Conversion, convert
from screening_service.proto import pb
from tests.factories import violations_of
from tests.messages.samples import KEY


def run(text: str | bytes, home: str | None = "USA") -> Conversion:
    data = text.encode() if isinstance(text, str) else text
    conversion = convert(data, home_country=home, key=KEY)
    for flight in conversion.flights:
        assert [] == violations_of(pb.ScreenManifestRequest(manifest=flight.manifest))
    return conversion


def as_dict(manifest: pb.Manifest) -> dict[str, Any]:
    return json_format.MessageToDict(manifest, preserving_proto_field_name=True)


def codes(conversion: Conversion) -> list[tuple[int, str]]:
    found = [(w.segment, w.code) for w in conversion.warnings]
    for flight in conversion.flights:
        found.extend((w.segment, w.code) for w in flight.warnings)
    return sorted(found)
