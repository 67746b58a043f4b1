"""Broken rule files: each problem has its own error, code and file:line:col."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from screening_service import authoring
from screening_service.cli import main
from screening_service.rules.build import compile_directory
from screening_service.rules.errors import PackError, RuleError
from screening_service.runtime.packs import build_snapshot
from tests.rules.packs import GOOD_RULE, rule, write_pack


def findings(directory: Path) -> list[RuleError]:
    with pytest.raises(PackError) as caught:
        build_snapshot(directory)
    return list(caught.value.errors)


def one(directory: Path) -> RuleError:
    errors = findings(directory)
    assert len(errors) == 1, [str(e) for e in errors]
    return errors[0]


def test_syntax_error_points_at_the_token(tmp_path: Path) -> None:
    error = one(write_pack(tmp_path, {"r.yaml": rule("bad-syntax", "traveler.age_years > > 3")}))
    assert (error.code, str(error.location), error.rule_id) == ("E200", "r.yaml:8:32", "bad-syntax")
    assert "unexpected '>'" in error.message


def test_unknown_field_suggests_the_nearest(tmp_path: Path) -> None:
    error = one(write_pack(tmp_path, {"r.yaml": rule("typo", "traveler.age_yaers > 18")}))
    assert (error.code, str(error.location)) == ("E201", "r.yaml:8:11")
    assert error.suggestion == "traveler.age_years"
    assert "did you mean 'traveler.age_years'" in str(error)


def test_type_mismatch_names_the_expected_type(tmp_path: Path) -> None:
    error = one(
        write_pack(tmp_path, {"r.yaml": rule("types", 'booking.hours_before_departure < "soon"')})
    )
    assert (error.code, str(error.location)) == ("E202", "r.yaml:8:44")
    assert error.message == 'booking.hours_before_departure expects a number, not "soon"'


def test_unknown_enum_value_suggests_a_known_one(tmp_path: Path) -> None:
    error = one(write_pack(tmp_path, {"r.yaml": rule("enum", 'booking.payment_form == "csah"')}))
    assert (error.code, error.suggestion) == ("E203", "cash")


def test_ordering_on_text_is_refused(tmp_path: Path) -> None:
    error = one(write_pack(tmp_path, {"r.yaml": rule("order", 'booking.payment_form > "cash"')}))
    assert error.code == "E202"
    assert "needs a number or a date" in error.message


def test_duplicate_rule_id(tmp_path: Path) -> None:
    files = {
        "a.yaml": rule("same-id", "traveler.is_minor", refer="{traveler.is_minor: true}"),
        "b.yaml": rule("same-id", "traveler.is_minor", refer="{traveler.is_minor: true}"),
    }
    error = one(write_pack(tmp_path, files))
    assert (error.code, str(error.location), error.rule_id) == ("E103", "b.yaml:2:5", "same-id")
    assert "already used at a.yaml:2:5" in error.message


def test_missing_examples(tmp_path: Path) -> None:
    text = "\n".join(rule("no-examples", "traveler.is_minor").splitlines()[:8]) + "\n"
    error = one(write_pack(tmp_path, {"r.yaml": text}))
    assert (error.code, str(error.location)) == ("E104", "r.yaml:2:5")


def test_protected_attribute_only_rule_is_refused(tmp_path: Path) -> None:
    error = one(
        write_pack(
            tmp_path,
            {"r.yaml": rule("profiling", 'traveler.nationality == "NGA" or traveler.sex == "F"')},
        )
    )
    assert (error.code, str(error.location)) == ("E204", "r.yaml:8:11")
    assert "protected attributes" in error.message


@pytest.mark.parametrize(
    ("when", "column"),
    [
        (
            'traveler.nationality in ["DOM", "HTI"] and traveler.sex == "F" and '
            "traveler.age_years < 30",
            11,
        ),
        ('traveler.nationality == "DOM" and traveler.direction is present', 11),
        ('traveler.is_minor and document.issuing_country == "DOM"', 33),
    ],
)
def test_a_rule_mentioning_a_protected_attribute_is_refused_however_combined(
    tmp_path: Path, when: str, column: int
) -> None:
    error = one(write_pack(tmp_path, {"r.yaml": rule("bypass", when)}))
    assert (error.code, str(error.location)) == ("E204", f"r.yaml:8:{column}")
    assert "mentions protected attributes" in error.message
    assert "document.issuer_differs_from_nationality" in error.hint


def test_failing_example_is_reported_with_its_position(tmp_path: Path) -> None:
    error = one(
        write_pack(
            tmp_path,
            {
                "r.yaml": rule(
                    "wrong-example",
                    "traveler.age_years > 18",
                    refer="{traveler.age_years: 9}",
                    passing="{traveler.age_years: 5}",
                )
            },
        )
    )
    assert (error.code, error.rule_id) == ("E400", "wrong-example")
    assert str(error.location) == "r.yaml:10:15"


def test_yaml_syntax_error_has_a_position(tmp_path: Path) -> None:
    error = one(write_pack(tmp_path, {"r.yaml": "rules:\n  - id: x\n    title: [unclosed\n"}))
    assert error.code == "E100"
    assert error.location.file == "r.yaml"
    assert error.location.line >= 3


def test_block_scalar_positions_map_to_file_lines(tmp_path: Path) -> None:
    text = rule("block", '>\n      traveler.is_minor\n      and booking.paymnet_form == "cash"')
    error = one(write_pack(tmp_path, {"r.yaml": text}))
    assert (error.code, str(error.location)) == ("E201", "r.yaml:10:11")


def test_all_errors_of_a_pack_are_reported_sorted(tmp_path: Path) -> None:
    files = {
        "a.yaml": rule("syntax", "traveler.age_years >"),
        "b.yaml": rule("unknown", "booking.nope"),
        "c.yaml": rule("profiling", 'traveler.sex == "F"'),
        "d.yaml": GOOD_RULE,
    }
    errors = findings(write_pack(tmp_path, files))
    assert [(e.code, e.location.file) for e in errors] == [
        ("E200", "a.yaml"),
        ("E201", "b.yaml"),
        ("E204", "c.yaml"),
    ]


def test_rules_check_prints_every_error_and_exits_1(tmp_path: Path) -> None:
    files = {
        "a.yaml": rule("syntax", "traveler.age_years >"),
        "b.yaml": rule("unknown", "booking.nope"),
    }
    out = io.StringIO()
    code = authoring.check(write_pack(tmp_path, files), out)
    lines = out.getvalue().splitlines()
    assert code == 1
    assert lines[0].startswith("a.yaml:8:")
    assert lines[1].startswith("b.yaml:8:11: E201 [unknown]: unknown field 'booking.nope'")
    assert lines[-1] == "2 error(s)"


def test_rules_check_on_a_good_pack_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rules", "check", str(write_pack(tmp_path, {"r.yaml": GOOD_RULE}))]) == 0
    assert capsys.readouterr().out.startswith("ok: pack t-1")


def test_rules_test_reports_each_failing_example(tmp_path: Path) -> None:
    text = rule(
        "flipped",
        "traveler.age_years > 18",
        refer="{traveler.age_years: 9}",
        passing="{traveler.age_years: 40}",
    )
    out = io.StringIO()
    code = authoring.test(write_pack(tmp_path, {"r.yaml": text}), out)
    assert code == 1
    assert out.getvalue().splitlines() == [
        "FAIL flipped example refer[0] (r.yaml:10:15): should fire, it did not",
        "FAIL flipped example pass[0] (r.yaml:11:14): should not fire, it fired",
        "0 passed, 2 failed",
    ]


def test_usage_error_exits_2() -> None:
    assert main(["rules", "frobnicate"]) == 2


def test_pack_file_is_required(tmp_path: Path) -> None:
    (tmp_path / "r.yaml").write_text(GOOD_RULE)
    with pytest.raises(PackError) as caught:
        compile_directory(tmp_path)
    assert [e.code for e in caught.value.errors] == ["E102"]


def test_a_rule_file_that_cannot_be_read_is_an_error_not_skipped(tmp_path: Path) -> None:
    """Regression: a dangling link named like a rule file was silently left out."""
    pack = write_pack(tmp_path, {"r.yaml": GOOD_RULE})
    (pack / "zz.yaml").symlink_to(tmp_path / "nowhere.yaml")
    error = one(pack)
    assert (error.code, str(error.location)) == ("E100", "zz.yaml")
    assert error.message.startswith("cannot read file")


def test_a_configmap_mount_is_read_once(tmp_path: Path) -> None:
    """Regression: the kubelet's hidden `..<timestamp>/` copy made every rule a duplicate."""
    data = tmp_path / "..2026_11_23_17_00_00.000000001"
    write_pack(data, {"r.yaml": GOOD_RULE})
    (tmp_path / "..data").symlink_to(data.name)
    for name in ("pack.yaml", "r.yaml"):
        (tmp_path / name).symlink_to(f"..data/{name}")
    compiled = compile_directory(tmp_path)
    assert [c.rule.id for c in compiled.rules] == ["adult-check"]
