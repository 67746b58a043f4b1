"""Decide's per-pack plan: the quiet decision comes from the pack, and packs never mix."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from screening_service.engine.native import Engine
from screening_service.pipeline.decide import ReasonKind, Referral, decide
from screening_service.pipeline.snapshot import Snapshot
from screening_service.rules.build import compile_directory
from tests.rules.packs import GOOD_RULE, PACK_YAML, write_pack

WHEN = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def _snapshot(directory: Path, pack_yaml: str) -> Snapshot:
    compiled = compile_directory(write_pack(directory, {"rules.yaml": GOOD_RULE}, pack_yaml))
    return Snapshot(compiled, Engine(compiled.engine_spec), WHEN)


def test_a_quiet_decision_reads_its_own_pack(tmp_path: Path) -> None:
    """Nothing fired: no referral, and the reason names this pack's interview threshold."""
    eager = _snapshot(
        tmp_path / "eager",
        PACK_YAML.replace('version: "t-1"', 'version: "eager-1"').replace(
            "interview: 50", "interview: 30"
        ),
    )
    usual = _snapshot(tmp_path / "usual", PACK_YAML)
    try:
        for _ in range(2):  # alternating packs: each decision reads its own pack's plan
            for snapshot, version, threshold in ((eager, "eager-1", 30), (usual, "t-1", 50)):
                quiet = decide(snapshot, "T1", {}, iter(()), WHEN)
                assert quiet.referral is Referral.NONE
                assert quiet.referral_reason is not None
                assert quiet.referral_reason.kind is ReasonKind.NONE
                assert quiet.referral_reason.threshold == threshold
                assert quiet.referral_reason.text == (
                    f"score 0 is below the interview threshold {threshold}"
                )
                assert (quiet.score, quiet.typology_scores, quiet.indicators) == (0, (), ())
                assert quiet.ruleset_version == version
    finally:
        eager.engine.close()
        usual.engine.close()


def test_a_fired_rule_is_explained_from_its_own_pack(tmp_path: Path) -> None:
    snapshot = _snapshot(tmp_path / "pack", PACK_YAML)
    try:
        decision = decide(snapshot, "T1", {"traveler.age_years": 40}, {0}, WHEN)
    finally:
        snapshot.engine.close()
    (hit,) = decision.indicators
    assert (hit.rule_id, hit.rationale, hit.source) == ("adult-check", "test", "test")
    assert [(e.field, e.value) for e in hit.evidence] == [("traveler.age_years", "40")]
    assert decision.score == 10


def test_remembered_evidence_tells_equal_values_of_other_types_apart(tmp_path: Path) -> None:
    """True == 1 and -0.0 == 0.0 in Python, but evidence shows them differently."""
    snapshot = _snapshot(tmp_path / "pack", PACK_YAML)
    shown = []
    try:
        for value in (True, 1, 1.0, True, -0.0, 0.0, -0.0, None):
            decision = decide(snapshot, "T1", {"traveler.age_years": value}, {0}, WHEN)
            shown.append(decision.indicators[0].evidence[0].value)
    finally:
        snapshot.engine.close()
    assert shown == ["true", "1", "1", "true", "-0", "0", "-0", "unknown"]
