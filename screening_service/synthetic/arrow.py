"""The Parquet form of a records file: one row per request, the JSON body as structs.

A records file holds ``{"manifest": {...}}`` or ``{"traveler": {...}}``
lines (export.py). The Parquet form has the same two keys as nullable struct
columns, each row setting one of them, and the body's nested structure and
value encodings unchanged: enums, Timestamps (RFC 3339) and dates stay
strings, repeated messages are lists of structs, int32 stays an integer.
``pyarrow.parquet`` -> ``to_pylist()`` -> dropping None values gives back
exactly the dict of the JSON line (tests/synthetic/test_formats.py).

The schema is derived from the .proto descriptors, so a field added to the
contract appears in Parquet too, and written explicitly into every file, so
all partitions share it whatever fields their rows happen to set. A field
kind protobuf JSON would render in a way this table does not mirror (int64
as a string, bytes as base64, floats) raises rather than being written wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import pyarrow as pa
from google.protobuf.descriptor import Descriptor, FieldDescriptor

from screening_service.proto import pb

_TIMESTAMP: Final = "google.protobuf.Timestamp"
_STRINGS: Final = frozenset({FieldDescriptor.TYPE_STRING, FieldDescriptor.TYPE_ENUM})
_INT32: Final = frozenset(
    {FieldDescriptor.TYPE_INT32, FieldDescriptor.TYPE_SINT32, FieldDescriptor.TYPE_SFIXED32}
)


def _type(field: FieldDescriptor) -> pa.DataType:
    kind = field.type
    value: pa.DataType
    if kind == FieldDescriptor.TYPE_MESSAGE:
        message = field.message_type
        assert message is not None  # a message field always has its type
        value = pa.string() if message.full_name == _TIMESTAMP else struct_of(message)
    elif kind in _STRINGS:
        value = pa.string()
    elif kind == FieldDescriptor.TYPE_BOOL:
        value = pa.bool_()
    elif kind in _INT32:
        value = pa.int32()
    else:
        raise TypeError(f"no Parquet mapping for field {field.full_name}")
    return pa.list_(value) if field.is_repeated else value


def struct_of(message: Descriptor) -> pa.StructType:
    """The struct of a message's protobuf JSON body, fields in field-number order."""
    fields = sorted(message.fields, key=lambda f: f.number)
    return pa.struct([pa.field(f.name, _type(f)) for f in fields])


RECORD_SCHEMA: Final = pa.schema(
    [
        pa.field("manifest", struct_of(pb.Manifest.DESCRIPTOR)),
        pa.field("traveler", struct_of(pb.Traveler.DESCRIPTOR)),
    ],
    metadata={"screening.records": "protobuf JSON bodies of screening.v1 requests, one per row"},
)


def records_table(records: Sequence[dict[str, Any]]) -> pa.Table:
    """``[{"manifest": body} | {"traveler": body}, ...]`` as a table of RECORD_SCHEMA."""
    return pa.Table.from_pylist(list(records), schema=RECORD_SCHEMA)
