"""The decision log: every personal category masked, rotation, and failures raised."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from screening_service.catalog import CATALOG
from screening_service.pipeline.decide import (
    Decision,
    Evidence,
    Hit,
    ReasonKind,
    Referral,
    ReferralReason,
)
from screening_service.pipeline.records import Observation
from screening_service.runtime.decision_log import DecisionLog, DecisionLogConfig, DecisionLogError

# Hand-written: the personal categories the README promises to mask, one
# distinctive synthetic value each.
PERSONAL = {
    "traveler.age_years": "15",
    "traveler.sex": "x",
    "traveler.nationality": "ZZA",
    "traveler.country_of_residence": "ZZB",
    "traveler.visa_category": "ZZVISA",
    "document.issuing_country": "ZZC",
    "document.issue_date": "2011-11-11",
    "document.expiry_date": "2033-03-03",
    "companion.age_years": "ZZ41",
    "booking.purchaser": "ZZPURCHASER",
    "booking.contact": "ZZCONTACT",
    "booking.record_locator": "ZZLOC1",
}
NOT_PERSONAL = {
    "booking.payment_form": "cash",
    "booking.hours_before_departure": "6",
    "traveler.is_minor": "true",
}


NOTE = "ZZNOTE adult in 14C held both passports"
REPORT = Observation(
    "documents_held_by_other", "crew", dt.datetime(2026, 1, 1, 9, 30, tzinfo=dt.UTC), NOTE
)


def decision(
    n: int = 0, evidence: dict[str, str] | None = None, reason: ReferralReason | None = None
) -> Decision:
    fields = tuple(Evidence(k, v) for k, v in (evidence or {}).items())
    hits = (
        (
            Hit(
                "rule-a",
                "A",
                "child_trafficking",
                10,
                False,
                fields,
                observations=(REPORT,),
                related=("T-8", "T-9"),
            ),
        )
        if fields
        else ()
    )
    shadow = (Hit("rule-s", "S", "labor_trafficking", 5, False, fields),) if fields else ()
    return Decision(
        f"T-{n}",
        f"d{n}",
        Referral.NONE,
        10 if fields else 0,
        (("child_trafficking", 10),) if fields else (),
        hits,
        shadow,
        "v1",
        "h1",
        dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        referral_reason=reason,
    )


def written(path: Path, mask: bool) -> dict[str, object]:
    log = DecisionLog(DecisionLogConfig(path, mask_personal_data=mask))
    log.write([decision(evidence={**PERSONAL, **NOT_PERSONAL})], "req-1")
    log.close()
    entry: dict[str, object] = json.loads(path.read_text())
    return entry


def test_the_catalog_marks_exactly_these_fields_personal() -> None:
    assert set(PERSONAL) == {name for name, field in CATALOG.items() if field.personal}


def test_every_personal_category_is_masked_in_enforced_and_shadow_hits(tmp_path: Path) -> None:
    entry = written(tmp_path / "masked.jsonl", mask=True)
    expected = {**dict.fromkeys(PERSONAL, "***"), **NOT_PERSONAL}
    assert expected == entry["indicators"][0]["evidence"]  # type: ignore[index]
    assert expected == entry["shadow_indicators"][0]["evidence"]  # type: ignore[index]
    text = (tmp_path / "masked.jsonl").read_text()
    for value in PERSONAL.values():
        assert f'"{value}"' not in text


def test_masking_can_be_turned_off(tmp_path: Path) -> None:
    entry = written(tmp_path / "clear.jsonl", mask=False)
    assert {**PERSONAL, **NOT_PERSONAL} == entry["indicators"][0]["evidence"]  # type: ignore[index]
    assert NOTE == entry["indicators"][0]["observations"][0]["note"]  # type: ignore[index]


def test_a_report_note_is_masked_and_its_code_source_and_time_kept(tmp_path: Path) -> None:
    entry = written(tmp_path / "masked.jsonl", mask=True)
    indicator = entry["indicators"][0]  # type: ignore[index]
    assert [
        {
            "code": "documents_held_by_other",
            "source": "crew",
            "reported_at": "2026-01-01T09:30:00+00:00",
            "note": "***",
        }
    ] == indicator["observations"]
    assert ["T-8", "T-9"] == indicator["related_traveler_ids"]
    assert "ZZNOTE" not in (tmp_path / "masked.jsonl").read_text()


def test_the_referral_reason_is_on_record(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    log = DecisionLog(DecisionLogConfig(path))
    reason = ReferralReason(
        Referral.PRIORITY_INTERVIEW, ReasonKind.PRIORITY_RULE, rule_id="observation-x"
    )
    log.write([decision(reason=reason)], "req")
    log.close()
    assert {
        "kind": "priority_rule",
        "rule_id": "observation-x",
        "typology": "",
        "threshold": 0.0,
    } == json.loads(path.read_text())["referral_reason"]


def test_an_entry_holds_what_an_audit_needs(tmp_path: Path) -> None:
    entry = written(tmp_path / "d.jsonl", mask=True)
    assert {
        "decision_id": "d0",
        "time": "2026-01-01T00:00:00+00:00",
        "request_id": "req-1",
        "ruleset_version": "v1",
        "ruleset_hash": "h1",
        "traveler_id": "T-0",
        "referral": "none",
        "score": 10,
        "typology_scores": {"child_trafficking": 10},
        "referral_reason": None,
    } == {k: v for k, v in entry.items() if k not in ("indicators", "shadow_indicators")}


def test_the_log_rotates_by_size_and_keeps_the_backups_asked_for(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    log = DecisionLog(DecisionLogConfig(path, max_bytes=2000, backups=2))
    for n in range(40):
        log.write([decision(n)], "req")
    log.close()
    assert ["d.jsonl", "d.jsonl.1", "d.jsonl.2"] == sorted(p.name for p in tmp_path.iterdir())
    assert all(p.stat().st_size <= 2400 for p in tmp_path.iterdir())
    ids = [json.loads(line)["decision_id"] for line in path.read_text().splitlines()]
    assert "d39" == ids[-1]


def test_a_full_disk_raises_and_a_later_write_succeeds(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.symlink_to("/dev/full")
    log = DecisionLog(DecisionLogConfig(path))
    with pytest.raises(DecisionLogError, match="decision log not written"):
        log.write([decision(1)], "req")
    path.unlink()
    log.write([decision(2)], "req")
    log.close()
    assert ["d2"] == [json.loads(line)["decision_id"] for line in path.read_text().splitlines()]


def test_a_rotation_that_fails_raises(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    (tmp_path / "d.jsonl.1").mkdir()
    (tmp_path / "d.jsonl.1" / "occupied").write_text("a directory where a backup must go\n")
    log = DecisionLog(DecisionLogConfig(path, max_bytes=100, backups=1))
    with pytest.raises(DecisionLogError):
        log.write([decision(1)], "req")
    log.close()


def test_a_log_under_a_file_cannot_be_opened(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("not a directory\n")
    log = DecisionLog(DecisionLogConfig(blocker / "d.jsonl"))
    with pytest.raises(DecisionLogError):
        log.write([decision(1)], "req")
