"""Broken files of every kind the rule language 2 catches: message, file:line:col, hint.

`rule()` puts a one-line `when` on line 8, column 11 of `r.yaml`, so a
column inside the condition is 10 plus its offset in the text.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from screening_service.rules.build import compile_directory
from screening_service.rules.check import check_pack
from screening_service.rules.errors import ErrorSink, PackError, RuleError
from screening_service.rules.parse import parse_pack
from tests.rules.packs import GOOD_RULE, PACK_YAML, rule, write_pack


def findings(directory: Path) -> list[RuleError]:
    with pytest.raises(PackError) as caught:
        compile_directory(directory)
    return list(caught.value.errors)


def one(directory: Path) -> RuleError:
    errors = findings(directory)
    assert len(errors) == 1, [str(e) for e in errors]
    return errors[0]


@pytest.mark.parametrize(
    ("when", "column", "message", "hint"),
    [
        ("traveler.age_years = 18", 30, "unexpected character '='", "compare with '=='"),
        (
            "traveler.is_minor && lookout.hit",
            29,
            "unexpected character '&'",
            "'and' instead of '&&'",
        ),
        (
            "traveler.is_minor || lookout.hit",
            29,
            "unexpected character '|'",
            "'or' instead of '||'",
        ),
        (
            "traveler.visa_category == \u201cH-2A\u201d",
            37,
            "unexpected character",
            "straight quotes",
        ),
        ('traveler.visa_category like "H-2%"', 34, "unexpected 'like'", "matches"),
    ],
)
def test_parse_errors_lead_with_comparisons_and_give_a_hint(
    tmp_path: Path, when: str, column: int, message: str, hint: str
) -> None:
    error = one(write_pack(tmp_path, {"r.yaml": rule("slip", when)}))
    assert (error.code, str(error.location)) == ("E200", f"r.yaml:8:{column}")
    assert message in error.message
    assert hint in error.hint


def test_expected_tokens_list_comparisons_first(tmp_path: Path) -> None:
    error = one(write_pack(tmp_path, {"r.yaml": rule("slip", "traveler.age_years 18")}))
    assert error.message.startswith(
        "unexpected '18'; expected a comparison (== != < <= > >=), 'in [..]'"
    )


def test_unknown_field_is_reported_once_per_rule(tmp_path: Path) -> None:
    when = "traveler.agee > 1 and traveler.agee < 9 and not traveler.agee == 3"
    error = one(write_pack(tmp_path, {"r.yaml": rule("typo", when)}))
    assert (error.code, str(error.location)) == ("E201", "r.yaml:8:11")


def test_yaml_error_points_at_the_unclosed_brace_with_context(tmp_path: Path) -> None:
    text = GOOD_RULE.replace(
        "refer: [{traveler.age_years: 40}]", "refer: [{traveler.age_years: 40]"
    )
    error = one(write_pack(tmp_path, {"r.yaml": text}))
    assert (error.code, str(error.location)) == ("E100", "r.yaml:10:15")
    assert "while parsing a flow mapping" in error.message
    assert "'{' is not closed" in error.hint


@pytest.mark.parametrize("word", ["yes", "NO", "on", "Off"])
def test_yaml_11_booleans_are_refused_with_a_hint(tmp_path: Path, word: str) -> None:
    text = rule(
        "visa",
        'traveler.visa_category == "NO"',
        refer=f"{{traveler.visa_category: {word}}}",
    )
    error = one(write_pack(tmp_path, {"r.yaml": text}))
    assert (error.code, str(error.location)) == ("E100", "r.yaml:10:40")
    assert f"unquoted '{word}'" in error.message
    assert "quote it" in error.hint


def test_yaml_aliases_are_refused(tmp_path: Path) -> None:
    bomb = 'a: &a ["x", "x"]\nb: &b [*a, *a]\nc: &c [*b, *b]\n'
    error = one(write_pack(tmp_path, {"r.yaml": bomb}))
    assert (error.code, str(error.location)) == ("E100", "r.yaml:2:8")
    assert "aliases" in error.message


def test_yaml_nesting_is_bounded(tmp_path: Path) -> None:
    deep = "rules: " + "[" * 5000 + "]" * 5000 + "\n"
    error = one(write_pack(tmp_path, {"r.yaml": deep}))
    assert error.code == "E100"
    assert "nests deeper than" in error.message


def test_deep_conditions_are_refused_without_recursion_error(tmp_path: Path) -> None:
    when = "not (" * 3000 + "lookout.hit" + ")" * 3000
    error = one(write_pack(tmp_path, {"r.yaml": rule("deep", f"'{when}'")}))
    assert error.code == "E300"
    assert "nests deeper than" in error.message


def test_too_many_clauses_are_refused(tmp_path: Path) -> None:
    when = " and ".join(f"traveler.age_years != {i}" for i in range(70))
    error = one(write_pack(tmp_path, {"r.yaml": rule("wide", when)}))
    assert error.code == "E300"
    assert "at most 64" in error.message


@pytest.mark.parametrize(
    "when",
    [
        "traveler.is_minor and traveler.age_years >= 30",
        "traveler.age_years > 17 and traveler.age_years < 18",
        'booking.payment_form == "cash" and booking.payment_form == "card"',
        "lookout.hit and lookout.hit is unknown",
    ],
)
def test_unsatisfiable_conditions_are_errors(tmp_path: Path, when: str) -> None:
    error = one(write_pack(tmp_path, {"r.yaml": rule("never", when)}))
    assert (error.code, str(error.location)) == ("E206", "r.yaml:8:11")
    assert "no record can make this condition true" in error.message


@pytest.mark.parametrize(
    ("when", "column", "hint"),
    [
        ('itinerary.countries contains "Mexico"', 40, 'ISO 3166-1 alpha-3, e.g. "MEX"'),
        ('itinerary.origin == "jfk"', 31, 'upper case: "JFK"'),
        ('traveler.visa_category == "H2B "', 37, 'write "H2B"'),
        ('any companion (companion.relationship == "unknown")', 52, "is unknown"),
    ],
)
def test_values_are_checked_against_their_domain(
    tmp_path: Path, when: str, column: int, hint: str
) -> None:
    error = one(write_pack(tmp_path, {"r.yaml": rule("domain", when)}))
    assert (error.code, str(error.location)) == ("E203", f"r.yaml:8:{column}")
    assert hint in error.hint


def test_undeclared_typology_is_reported_alongside_a_syntax_error(tmp_path: Path) -> None:
    text = rule("two", "traveler.age_years > > 1").replace(
        "typology: trafficking_general", "typology: trafficking_generl"
    )
    errors = findings(write_pack(tmp_path, {"r.yaml": text}))
    assert [(e.code, str(e.location)) for e in errors] == [
        ("E205", "r.yaml:2:5"),
        ("E200", "r.yaml:8:32"),
    ]


def test_empty_source_and_shadow_priority_are_errors(tmp_path: Path) -> None:
    text = (
        rule("meta", "lookout.hit", refer="{lookout.hit: true}", passing="{lookout.hit: false}")
        .replace("source: test", "source: ''")
        .replace("    weight: 10\n", "    weight: 10\n    mode: shadow\n    refer: priority\n")
    )
    errors = findings(write_pack(tmp_path, {"r.yaml": text}))
    messages = sorted(e.message for e in errors)
    assert [e.code for e in errors] == ["E207", "E207"]
    assert messages[0].startswith("a shadow rule cannot 'refer: priority'")
    assert messages[1].startswith("source is empty")


def test_contradicting_example_is_an_error(tmp_path: Path) -> None:
    text = rule(
        "contradiction",
        "traveler.is_minor",
        refer="{traveler.is_minor: true, traveler.age_years: 30}",
        passing="{traveler.is_minor: false}",
    )
    error = one(write_pack(tmp_path, {"r.yaml": text}))
    assert (error.code, str(error.location)) == ("E208", "r.yaml:10:15")
    assert "contradicts traveler.age_years 30" in error.message


def test_heavy_weight_without_refer_and_overdue_review_are_warnings(tmp_path: Path) -> None:
    text = rule("heavy", "lookout.hit", refer="{lookout.hit: true}", passing="{lookout.hit: false}")
    text = text.replace("weight: 10", "weight: 1000").replace(
        "    source: test\n", "    source: test\n    owner: team-a\n    review_by: 2020-01-01\n"
    )
    sink = ErrorSink()
    pack = parse_pack(write_pack(tmp_path, {"r.yaml": text}), sink)
    assert pack is not None
    check_pack(pack, sink, today=dt.date(2026, 11, 30))
    assert sink.errors == []
    assert [(w.code, str(w.location)) for w in sink.warnings] == [
        ("W100", "r.yaml:2:5"),
        ("W101", "r.yaml:2:5"),
    ]
    assert "team-a" in sink.warnings[1].hint


def test_failing_example_names_the_deciding_clause_and_values(tmp_path: Path) -> None:
    from screening_service.runtime.packs import build_snapshot  # noqa: PLC0415

    text = rule(
        "explained",
        'traveler.is_minor and booking.payment_form == "cash"',
        refer="{traveler.is_minor: true, booking.payment_form: card}",
        passing="{traveler.is_minor: false}",
    )
    with pytest.raises(PackError) as caught:
        build_snapshot(write_pack(tmp_path, {"r.yaml": text}))
    (error,) = caught.value.errors
    assert (error.code, str(error.location)) == ("E400", "r.yaml:10:15")
    assert error.message.endswith(
        "'booking.payment_form == \"cash\"' is false (booking.payment_form = card)"
    )


def test_undeclared_group_and_replaced_rule_are_errors(tmp_path: Path) -> None:
    text = rule("combo", "lookout.hit", refer="{lookout.hit: true}", passing="{lookout.hit: false}")
    text = text.replace(
        "    weight: 10\n", "    weight: 10\n    group: nowhere\n    replaces: [missing-rule]\n"
    )
    errors = findings(write_pack(tmp_path, {"r.yaml": text}))
    assert sorted(e.message for e in errors) == [
        "group 'nowhere' is not declared under 'groups:' in pack.yaml",
        "replaces 'missing-rule', which is not another rule of the pack",
    ]


def test_aggregate_grouping_by_a_protected_attribute_is_refused(tmp_path: Path) -> None:
    pack = PACK_YAML + (
        "  aggregates:\n"
        "    same_country:\n"
        "      count: traveler.is_minor\n"
        "      same: traveler.nationality\n"
    )
    error = one(write_pack(tmp_path, {"r.yaml": GOOD_RULE}, pack=pack))
    assert (error.code, str(error.location)) == ("E204", "pack.yaml:9:5")
