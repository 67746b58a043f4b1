"""JSON Schemas for rule files and the pack file, generated from the catalog.

Editors with a YAML language server use them to complete and validate rule
files (`# yaml-language-server: $schema=...` at the top of a file). They are
generated, not written, so that example fields and enum values cannot drift
from the catalog; `screening rules schema DIR` writes them and a test fails
when the committed copies are stale.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

from screening_service.catalog import CATALOG, Field, FieldType
from screening_service.rules.parse import RULE_ID

RULE_FILE_SCHEMA: Final = "rule-file.schema.json"
PACK_FILE_SCHEMA: Final = "pack.schema.json"

_SCALAR: Final[dict[FieldType, dict[str, Any]]] = {
    FieldType.INT: {"type": "integer"},
    FieldType.FLOAT: {"type": "number"},
    FieldType.BOOL: {"type": "boolean"},
    FieldType.STRING: {"type": "string"},
    FieldType.DATE: {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
}


def _value_schema(field: Field) -> dict[str, Any]:
    if field.type is FieldType.ENUM:
        schema: dict[str, Any] = {"enum": list(field.values)}
    elif field.type is FieldType.LIST:
        item: dict[str, Any] = {"enum": list(field.values)} if field.values else {"type": "string"}
        schema = {"type": "array", "items": item}
    else:
        schema = dict(_SCALAR[field.type])
    schema["description"] = field.description + (f" ({field.unit})" if field.unit else "")
    return schema


def rule_file_schema() -> dict[str, Any]:
    record = {
        "type": "object",
        "description": "Catalog field values of one record; absent fields are absent",
        "properties": {name: _value_schema(field) for name, field in CATALOG.items()},
        "additionalProperties": False,
    }
    rule = {
        "type": "object",
        "required": [
            "id",
            "title",
            "typology",
            "weight",
            "rationale",
            "source",
            "when",
            "examples",
        ],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "string", "pattern": RULE_ID.pattern, "description": "Unique rule id"},
            "title": {"type": "string", "description": "One line an officer reads"},
            "typology": {"type": "string", "description": "A typology declared in pack.yaml"},
            "weight": {
                "type": "number",
                "minimum": 0,
                "description": "Added to the score when enforced",
            },
            "mode": {"enum": ["enforce", "shadow"], "default": "enforce"},
            "refer": {
                "enum": ["priority"],
                "description": "Refers for a priority interview on its own",
            },
            "rationale": {"type": "string", "description": "Why this is an indicator"},
            "source": {"type": "string", "description": "The public source of the indicator"},
            "when": {
                "type": "string",
                "description": "The condition (see README: the when language)",
            },
            "examples": {
                "type": "object",
                "required": ["refer", "pass"],
                "additionalProperties": False,
                "properties": {
                    "refer": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/record"}},
                    "pass": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/record"}},
                },
            },
        },
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Screening rule file",
        "$defs": {"rule": rule, "record": record},
        "oneOf": [
            {
                "type": "object",
                "required": ["rules"],
                "additionalProperties": False,
                "properties": {"rules": {"type": "array", "items": {"$ref": "#/$defs/rule"}}},
            },
            {"$ref": "#/$defs/rule"},
        ],
    }


def pack_file_schema() -> dict[str, Any]:
    typology = {
        "type": "object",
        "required": ["title"],
        "additionalProperties": False,
        "properties": {"title": {"type": "string"}, "description": {"type": "string"}},
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Screening rule pack file (pack.yaml)",
        "type": "object",
        "required": ["pack"],
        "additionalProperties": False,
        "properties": {
            "pack": {
                "type": "object",
                "required": ["name", "version", "thresholds", "typologies"],
                "additionalProperties": False,
                "properties": {
                    "name": {"type": "string"},
                    "version": {"type": "string", "minLength": 1},
                    "description": {"type": "string"},
                    "thresholds": {
                        "type": "object",
                        "required": ["interview", "priority_interview"],
                        "additionalProperties": False,
                        "properties": {
                            "interview": {"type": "number", "exclusiveMinimum": 0},
                            "priority_interview": {"type": "number", "exclusiveMinimum": 0},
                        },
                    },
                    "typologies": {
                        "type": "object",
                        "minProperties": 1,
                        "propertyNames": {"pattern": RULE_ID.pattern},
                        "additionalProperties": {"oneOf": [typology, {"type": "string"}]},
                    },
                },
            }
        },
    }


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def write_schemas(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in (
        (RULE_FILE_SCHEMA, rule_file_schema()),
        (PACK_FILE_SCHEMA, pack_file_schema()),
    ):
        path = directory / name
        path.write_text(render(schema), encoding="utf-8")
        written.append(path)
    return written
