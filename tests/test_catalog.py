"""The field catalog: its enum value tables are the proto enums' words, names are engine-safe."""

from __future__ import annotations

import pytest

from screening_service import catalog, proto
from screening_service.catalog import CATALOG, PROTECTED_FIELDS, FieldType, hash_collisions


@pytest.mark.parametrize(
    ("values", "words"),
    [
        (catalog.SEX_VALUES, proto.SEX),
        (catalog.DIRECTION_VALUES, proto.DIRECTION),
        (catalog.DOCUMENT_TYPE_VALUES, proto.DOCUMENT_TYPE),
        (catalog.TICKET_TYPE_VALUES, proto.TICKET_TYPE),
        (catalog.PAYMENT_FORM_VALUES, proto.PAYMENT_FORM),
        (catalog.RELATIONSHIP_VALUES, proto.RELATIONSHIP),
        (catalog.OBSERVATION_CODE_VALUES, proto.OBSERVATION_CODE),
        (catalog.OBSERVATION_SOURCE_VALUES, proto.OBSERVATION_SOURCE),
    ],
)
def test_enum_values_are_the_proto_enum_words_in_order(
    values: tuple[str, ...], words: dict[int, str]
) -> None:
    assert values == tuple(words[number] for number in sorted(words))


def test_protected_fields_are_exactly_the_four_attributes() -> None:
    assert PROTECTED_FIELDS == {
        "traveler.sex",
        "traveler.nationality",
        "traveler.country_of_residence",
        "document.issuing_country",
    }


def test_no_two_catalog_names_share_an_engine_hash() -> None:
    assert [] == hash_collisions(catalog.property_names())


def test_every_enum_or_closed_list_field_names_its_values() -> None:
    for field in CATALOG.values():
        if field.type is FieldType.ENUM:
            assert field.values, field.name
        if field.type is FieldType.LIST and field.item_type is FieldType.ENUM:
            assert field.values, field.name


def test_dob_agreement_values_are_the_matchers_own() -> None:
    from screening_service.lookout import DobAgreement  # noqa: PLC0415

    assert set(catalog.LOOKOUT_DOB_AGREEMENT_VALUES) == {a.value for a in DobAgreement}
