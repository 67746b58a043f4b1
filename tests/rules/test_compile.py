"""The compiler keeps durable-rules inside its limits and its values typed."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from google.protobuf import json_format

from screening_service import authoring
from screening_service.engine.facts import to_fact
from screening_service.rules.build import compile_directory
from screening_service.rules.compile import STACK_BUDGET, pattern, stack_cost
from screening_service.rules.condition_parser import parse_condition
from screening_service.rules.errors import PackError
from screening_service.runtime.packs import build_snapshot
from screening_service.values import FactValue, ValueTypeError
from tests.factories import traveler
from tests.rules.packs import GOOD_RULE, generated_rules, write_pack


def test_300_rules_on_shared_fields_compile_and_100_fire_without_engine_error(
    tmp_path: Path,
) -> None:
    snapshot = build_snapshot(write_pack(tmp_path, {"generated.yaml": generated_rules(300)}))
    compiled = snapshot.compiled

    assert len(compiled.rules) == 300
    assert sorted(i for shard in compiled.shards for i in shard) == list(range(300))
    for shard in compiled.shards:
        assert sum(compiled.rules[i].stack_cost for i in shard) <= STACK_BUDGET
    record: dict[str, FactValue | None] = {
        "traveler.age_years": 99,
        "booking.party_size": 1,
        "booking.payment_form": "card",
    }
    fired = snapshot.engine.evaluate([to_fact(record, 0)])[0]
    assert {compiled.rules[i].rule.id for i in fired} == {f"generated-{i:03d}" for i in range(100)}
    snapshot.engine.close()


def test_a_rule_too_large_for_the_engine_is_refused_with_its_position(tmp_path: Path) -> None:
    alternatives = " or ".join(f"traveler.age_years > {i}" for i in range(STACK_BUDGET))
    text = GOOD_RULE.replace("when: traveler.age_years > 18", f"when: {alternatives}")
    with pytest.raises(PackError) as caught:
        compile_directory(write_pack(tmp_path, {"r.yaml": text}))
    error = caught.value.errors[0]
    assert (error.code, str(error.location)) == ("E300", "r.yaml:8:11")
    assert "split it into several rules" in error.message


def test_equality_lists_cost_one_branch() -> None:
    condition = parse_condition('booking.payment_form in ["cash", "voucher", "other", "unknown"]')
    assert stack_cost(pattern(condition)) == (2, 1)


def test_nine_year_old_never_fires_age_over_18() -> None:
    assert to_fact({"traveler.age_years": 9}, 0)["traveler.age_years"] == 9
    with pytest.raises(ValueTypeError):
        to_fact({"traveler.age_years": "9"}, 0)


def test_quoted_number_in_an_example_is_a_type_error(tmp_path: Path) -> None:
    text = GOOD_RULE.replace("pass: [{traveler.age_years: 9}]", "pass: [{traveler.age_years: '9'}]")
    with pytest.raises(PackError) as caught:
        compile_directory(write_pack(tmp_path, {"r.yaml": text}))
    assert [e.code for e in caught.value.errors] == ["E202"]


def test_nine_year_old_from_json_through_explain_does_not_fire(tmp_path: Path) -> None:
    pack = write_pack(tmp_path / "pack", {"r.yaml": GOOD_RULE})
    record = tmp_path / "record.json"
    record.write_text(json.dumps(json_format.MessageToDict(traveler("T-9", age=9))))
    out = io.StringIO()

    assert authoring.explain(pack, record, out) == 0
    assert out.getvalue().splitlines()[2:] == [
        "traveler T-9: no referral",
        "  reason: score 0 is below the interview threshold 50",
        "  score: 0",
        "rules that did not fire:",
        "  - adult-check: 'traveler.age_years > 18' is false (traveler.age_years = 9)",
    ]


def test_explain_shows_fired_rules_and_values_read(tmp_path: Path) -> None:
    pack = write_pack(tmp_path / "pack", {"r.yaml": GOOD_RULE})
    record = tmp_path / "record.json"
    record.write_text(json.dumps({"traveler": json_format.MessageToDict(traveler("T-40", age=40))}))
    out = io.StringIO()

    assert authoring.explain(pack, record, out) == 0
    assert out.getvalue().splitlines()[2:] == [
        "traveler T-40: no referral",
        "  reason: score 10 is below the interview threshold 50",
        "  score: 10 (trafficking_general 10)",
        "indicators:",
        "  * Older than 18",
        "    [adult-check, trafficking_general, weight 10]",
        "    why: test",
        "    - 40 years old at departure",
    ]


def test_repeated_list_values_are_compiled_once(tmp_path: Path) -> None:
    """Regression: 40 copies of one value fired 40 times and overflowed the stack (error 303)."""
    repeated = ", ".join(["1"] * 40)
    files = {
        f"r{n}.yaml": GOOD_RULE.replace("adult-check", f"repeat-{n}")
        .replace("when: traveler.age_years > 18", f"when: traveler.companion_count in [{repeated}]")
        .replace("refer: [{traveler.age_years: 40}]", "refer: [{traveler.companion_count: 1}]")
        .replace("pass: [{traveler.age_years: 9}]", "pass: [{traveler.companion_count: 2}]")
        for n in range(2)
    }
    snapshot = build_snapshot(write_pack(tmp_path, files))
    fired = snapshot.engine.evaluate([to_fact({"traveler.companion_count": 1}, 0)])[0]
    assert len(fired) == 2
    snapshot.engine.close()
