"""The JSON Schemas for editors are current and accept the bundled pack."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml

from screening_service.rules.files import pack_files
from screening_service.rules.parse import PACK_FILE
from screening_service.rules.schema import (
    PACK_FILE_SCHEMA,
    RULE_FILE_SCHEMA,
    pack_file_schema,
    pack_typologies,
    render,
    rule_file_schema,
)
from tests.conftest import BUNDLED_RULES

SCHEMAS = BUNDLED_RULES / "schema"


def test_committed_schemas_are_up_to_date() -> None:
    typologies = pack_typologies(BUNDLED_RULES)
    assert typologies == [
        "child_trafficking",
        "labor_trafficking",
        "sex_trafficking",
        "trafficking_general",
    ]
    assert (SCHEMAS / RULE_FILE_SCHEMA).read_text() == render(rule_file_schema(typologies))
    assert (SCHEMAS / PACK_FILE_SCHEMA).read_text() == render(pack_file_schema())


def test_every_bundled_file_validates_and_names_its_schema() -> None:
    for path in pack_files(BUNDLED_RULES):
        name = PACK_FILE_SCHEMA if path.name == PACK_FILE else RULE_FILE_SCHEMA
        assert path.read_text().splitlines()[0] == f"# yaml-language-server: $schema=schema/{name}"
        schema = json.loads((SCHEMAS / name).read_text())
        jsonschema.validate(yaml.safe_load(path.read_text()), schema)


def test_schema_rejects_an_unknown_example_field() -> None:
    document = yaml.safe_load((BUNDLED_RULES / "booking.yaml").read_text())
    document["rules"][0]["examples"]["refer"][0]["booking.paymnet_form"] = "cash"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, rule_file_schema())


def test_schema_rejects_an_undeclared_typology() -> None:
    document = yaml.safe_load((BUNDLED_RULES / "booking.yaml").read_text())
    schema = json.loads((SCHEMAS / RULE_FILE_SCHEMA).read_text())
    document["rules"][0]["typology"] = "trafficking_generl"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, schema)


def test_the_tour_pack_validates() -> None:
    tour = BUNDLED_RULES.parent / "tests" / "rules" / "tour"
    schema = rule_file_schema(pack_typologies(tour))
    jsonschema.validate(yaml.safe_load((tour / "tour.yaml").read_text()), schema)
    jsonschema.validate(yaml.safe_load((tour / "pack.yaml").read_text()), pack_file_schema())
