"""JSON Schemas for rule files and the pack file, generated from the catalog.

Editors with a YAML language server use them to complete and validate rule
files (`# yaml-language-server: $schema=...` at the top of a file). They are
generated, not written, so that example fields and enum values cannot drift
from the catalog; `screening rules schema DIR` writes them and a test fails
when the committed copies are stale.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import yaml

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


WHEN_DESCRIPTION: Final = (
    "The condition (README: 'The when language'). Three-valued: a test of an unknown field "
    "is unknown, 'not unknown' is unknown, a rule fires only when its condition is true. "
    "Tests: field == != < <= > >= literal or another expression; field in [..] / not in [..]; "
    "list contains value; field is known / is unknown; a bare boolean field; text starts "
    'with / ends with / matches "RE2"; expressions: a + b, a - b (date - date = days), '
    "days_between(a, b), years_between(a, b), abs(x), lower(x), length(x); "
    "any companion (...) / all companions (...) over companion.*; at least n of (a, b, ...); "
    "and, or, not, parentheses; flight.<name> reads an aggregate declared in pack.yaml. "
    "Protected attributes (nationality, residence, issuing country, sex) may not be mentioned."
)


def _value_schema(field: Field) -> dict[str, Any]:
    if field.scope == "companion":
        return {
            "type": "array",
            "items": {"type": "string"},
            "description": f"{field.description}: one item per companion, '' when unknown",
        }
    if field.type is FieldType.ENUM:
        schema: dict[str, Any] = {"enum": list(field.values)}
    elif field.type is FieldType.LIST:
        item: dict[str, Any] = {"enum": list(field.values)} if field.values else {"type": "string"}
        schema = {"type": "array", "items": item}
    else:
        schema = dict(_SCALAR[field.type])
    schema["description"] = field.description + (f" ({field.unit})" if field.unit else "")
    return schema


def rule_file_schema(typologies: Sequence[str] = ()) -> dict[str, Any]:
    """The rule-file schema; with ``typologies`` (the pack's), a rule's typology is checked too."""
    record = {
        "type": "object",
        "description": "Catalog field values of one record; a field left out is unknown",
        "properties": {name: _value_schema(field) for name, field in CATALOG.items()},
        "patternProperties": {
            r"^flight\.[a-z][a-z0-9_]*$": {
                "type": ["integer", "boolean"],
                "description": "A flight-level aggregate declared in pack.yaml",
            }
        },
        "additionalProperties": False,
    }
    typology: dict[str, Any] = {"type": "string", "description": "A typology declared in pack.yaml"}
    if typologies:
        typology["enum"] = sorted(typologies)
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
            "typology": typology,
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
            "when": {"type": "string", "description": WHEN_DESCRIPTION},
            "owner": {"type": "string", "description": "Who answers for the rule"},
            "review_by": {
                "type": "string",
                "pattern": r"^\d{4}-\d{2}-\d{2}$",
                "description": "Date by which the rule must be reviewed (a warning after it)",
            },
            "group": {
                "type": "string",
                "description": "A group declared in pack.yaml (its rules count up to its cap)",
            },
            "replaces": {
                "type": "array",
                "items": {"type": "string", "pattern": RULE_ID.pattern},
                "description": "Rules whose weight this one replaces when both fire",
            },
            "mitigates": {
                "type": "boolean",
                "description": "Subtracts its weight from its typology's score (never below 0)",
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


def _guidance_list() -> dict[str, Any]:
    text = {"type": "string", "minLength": 1}
    return {
        "type": "array",
        "minItems": 1,
        "description": "Interview questions and checks shown with a referral, each with its source",
        "items": {
            "type": "object",
            "required": ["source"],
            "additionalProperties": False,
            "properties": {
                "question": {**text, "description": "A question to ask the traveler"},
                "check": {**text, "description": "Something to check or observe"},
                "source": {**text, "description": "The public material it comes from"},
            },
            "oneOf": [{"required": ["question"]}, {"required": ["check"]}],
        },
    }


def pack_file_schema() -> dict[str, Any]:
    guidance = _guidance_list()
    typology = {
        "type": "object",
        "required": ["title"],
        "additionalProperties": False,
        "properties": {
            "title": {"type": "string"},
            "description": {"type": "string"},
            "interview": {"type": "number", "exclusiveMinimum": 0},
            "priority_interview": {"type": "number", "exclusiveMinimum": 0},
            "guidance": guidance,
        },
    }
    group = {
        "type": "object",
        "required": ["cap"],
        "additionalProperties": False,
        "properties": {"cap": {"type": "number", "minimum": 0}, "description": {"type": "string"}},
    }
    limit = {"type": "number", "exclusiveMinimum": 1}
    aggregate = {
        "type": "object",
        "additionalProperties": False,
        "minProperties": 1,
        "properties": {
            "count": {
                "type": "string",
                "description": "Travelers of the flight for whom it is true",
            },
            "any": {"type": "string", "description": "True if it is true for some traveler"},
            "all": {"type": "string", "description": "True if it is true for every traveler"},
            "same": {"type": "string", "description": "Only travelers with this traveler's value"},
            "description": {"type": "string"},
        },
        "oneOf": [{"required": ["count"]}, {"required": ["any"]}, {"required": ["all"]}],
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
                    "groups": {"type": "object", "additionalProperties": group},
                    "disparity_limit": {
                        "description": "Replay fails when a group's referral rate exceeds this "
                        "many times the overall rate; a mapping sets an attribute's own limit",
                        "oneOf": [
                            limit,
                            {
                                "type": "object",
                                "required": ["default"],
                                "additionalProperties": False,
                                "properties": dict.fromkeys(
                                    ("default", "nationality", "sex", "age_band", "origin_region"),
                                    limit,
                                ),
                            },
                        ],
                    },
                    "aggregates": {
                        "type": "object",
                        "propertyNames": {"pattern": "^[a-z][a-z0-9_]*$"},
                        "additionalProperties": aggregate,
                    },
                    "guidance": {
                        "type": "object",
                        "description": "Interview guidance keyed by typology id",
                        "propertyNames": {"pattern": RULE_ID.pattern},
                        "additionalProperties": guidance,
                    },
                },
            }
        },
    }


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def pack_typologies(pack_directory: Path) -> list[str]:
    """The typology ids a pack declares (empty when it has no readable pack.yaml)."""
    try:
        data = yaml.safe_load((pack_directory / "pack.yaml").read_text(encoding="utf-8"))
        return sorted(str(key) for key in data["pack"]["typologies"])
    except (OSError, yaml.YAMLError, KeyError, TypeError):
        return []


def write_schemas(directory: Path, typologies: Sequence[str] | None = None) -> list[Path]:
    """Write both schemas; typologies default to those of the pack ``directory`` sits in."""
    if typologies is None:
        typologies = pack_typologies(directory.parent)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in (
        (RULE_FILE_SCHEMA, rule_file_schema(typologies)),
        (PACK_FILE_SCHEMA, pack_file_schema()),
    ):
        path = directory / name
        path.write_text(render(schema), encoding="utf-8")
        written.append(path)
    return written
