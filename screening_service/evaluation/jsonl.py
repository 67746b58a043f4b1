"""Protobuf JSON for the evaluation records, at generation speed.

`json_format.MessageToDict` walks each field in Python with many checks and
costs about four times the generation of a traveler. `as_dict` reads the
set fields from the C implementation (`ListFields`, in field-number order,
as MessageToDict does) and converts the few field kinds these records use:
strings, bools, 32-bit integers, enums (by name), Timestamps (RFC 3339) and
nested or repeated messages. Anything else raises, so an unsupported field
can never be written wrong; tests/evaluation/test_jsonl.py checks the output
equals MessageToDict's on a generated population.
"""

from __future__ import annotations

from typing import Any, Final

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

_TIMESTAMP: Final = "google.protobuf.Timestamp"
_PLAIN: Final = frozenset(
    {
        FieldDescriptor.TYPE_STRING,
        FieldDescriptor.TYPE_BOOL,
        FieldDescriptor.TYPE_INT32,
        FieldDescriptor.TYPE_SINT32,
        FieldDescriptor.TYPE_UINT32,
    }
)
_enum_names: dict[FieldDescriptor, dict[int, str]] = {}


def _enum(field: FieldDescriptor, value: int) -> str | int:
    names = _enum_names.get(field)
    if names is None:
        enum = field.enum_type
        assert enum is not None  # an enum field always has its type
        names = {v.number: v.name for v in enum.values}
        _enum_names[field] = names
    return names.get(value, value)


def _value(field: FieldDescriptor, value: Any) -> Any:
    kind = field.type
    if kind == FieldDescriptor.TYPE_MESSAGE:
        message_type = field.message_type
        assert message_type is not None  # a message field always has its type
        if message_type.full_name == _TIMESTAMP:
            return value.ToJsonString()
        return as_dict(value)
    if kind == FieldDescriptor.TYPE_ENUM:
        return _enum(field, value)
    if kind in _PLAIN:
        return value
    raise TypeError(f"as_dict does not convert field {field.full_name}")


def as_dict(message: Message) -> dict[str, Any]:
    """What ``MessageToDict(message, preserving_proto_field_name=True)`` returns."""
    body: dict[str, Any] = {}
    for field, value in message.ListFields():
        if field.is_repeated:
            body[field.name] = [_value(field, item) for item in value]
        else:
            body[field.name] = _value(field, value)
    return body
