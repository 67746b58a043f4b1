"""Interview guidance in pack.yaml: parsed with its sources, refused without one."""

from __future__ import annotations

from pathlib import Path

import pytest

from screening_service.rules.build import compile_directory
from screening_service.rules.errors import PackError
from screening_service.rules.model import GuidanceKind
from tests.rules.packs import GOOD_RULE, PACK_YAML, write_pack

INLINE = PACK_YAML.replace(
    "    trafficking_general: {title: Trafficking}\n",
    "    trafficking_general:\n"
    "      title: Trafficking\n"
    "      guidance:\n"
    "        - {question: 'Who holds your passport?', source: State Department}\n",
)
BLOCK = PACK_YAML + (
    "  guidance:\n"
    "    child_trafficking:\n"
    "      - {check: Confirm the adult's relationship, source: Blue Lightning}\n"
)


def test_both_places_are_read(tmp_path: Path) -> None:
    inline = compile_directory(write_pack(tmp_path / "a", {"r.yaml": GOOD_RULE}, INLINE))
    block = compile_directory(write_pack(tmp_path / "b", {"r.yaml": GOOD_RULE}, BLOCK))

    ((kind, text, source),) = [
        (g.kind, g.text, g.source)
        for g in inline.pack.info.typologies["trafficking_general"].guidance
    ]
    assert (GuidanceKind.QUESTION, "Who holds your passport?", "State Department") == (
        kind,
        text,
        source,
    )
    assert [(GuidanceKind.CHECK, "Confirm the adult's relationship", "Blue Lightning")] == [
        (g.kind, g.text, g.source) for g in block.pack.info.typologies["child_trafficking"].guidance
    ]


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("{question: 'Who paid?'}", "lacks required key 'source'"),
        ("{question: 'Who paid?', check: Look, source: S}", "exactly one of question, check"),
        ("{ask: 'Who paid?', source: S}", "unknown key 'ask'"),
        ("{question: '', source: S}", "question must not be empty"),
    ],
)
def test_an_item_without_a_source_or_a_kind_is_refused(
    tmp_path: Path, item: str, message: str
) -> None:
    pack = PACK_YAML + f"  guidance:\n    child_trafficking:\n      - {item}\n"
    with pytest.raises(PackError) as caught:
        compile_directory(write_pack(tmp_path, {"r.yaml": GOOD_RULE}, pack))
    assert any(message in e.message for e in caught.value.errors)
    assert {"E101"} == {e.code for e in caught.value.errors}


def test_guidance_for_an_undeclared_typology_is_refused(tmp_path: Path) -> None:
    pack = PACK_YAML + "  guidance:\n    child_traffiking:\n      - {check: Look, source: S}\n"
    with pytest.raises(PackError) as caught:
        compile_directory(write_pack(tmp_path, {"r.yaml": GOOD_RULE}, pack))
    (error,) = caught.value.errors
    assert ("E102", "child_trafficking") == (error.code, error.suggestion)
