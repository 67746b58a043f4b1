"""Every decision on record; no name, date of birth, document number or report note in any log.

The decision log itself (masking, rotation, failures) is tested in
tests/runtime/test_decision_log.py and tests/server/test_decision_log_failures.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import grpc
import pytest

from screening_service.proto import pb, pb_grpc
from tests.conftest import BUNDLED_RULES
from tests.factories import lone_minor_cash_last_minute, manifest, traveler
from tests.serving import ServeProcess

DISTINCTIVE = [
    ("QUILLFEATHER-TESTNAME", "ZEPHYRINA OBVIOUSLYFAKE", "QX9876543"),
    ("ВЫМЫШЛЕННАЯ", "ТЕСТОВАЯ", "RU1234567X"),
    ("اختبار", "وهمي", "AR5550001"),
]


NOTES = [f"ZZNOTE-{n} adult in seat 14C held both passports" for n in range(len(DISTINCTIVE))]


def personal_values() -> list[str]:
    values = list(NOTES)
    for surname, given, number in DISTINCTIVE:
        values += [surname, given, number]
    return values


def distinctive_travelers() -> list[pb.Traveler]:
    travelers = []
    for n, (surname, given, number) in enumerate(DISTINCTIVE):
        t = traveler(
            f"T-PII-{n}",
            age=15 + n * 20,
            surname=surname,
            given_names=given,
            document_number=number,
        )
        t.date_of_birth = f"{1990 + n}-07-2{n}"
        t.observations.append(
            pb.Observation(
                code=pb.OBSERVATION_CODE_DOCUMENTS_HELD_BY_OTHER,
                source=pb.OBSERVATION_SOURCE_CREW,
                note=NOTES[n],
            )
        )
        travelers.append(t)
    return travelers


def test_decisions_are_logged_and_personal_data_appears_nowhere(tmp_path: Path) -> None:
    decision_log = tmp_path / "audit" / "decisions.jsonl"
    served = ServeProcess(
        BUNDLED_RULES, "--decision-log", str(decision_log), "--log-level", "debug"
    )
    try:
        with grpc.insecure_channel(served.address) as channel:
            stub = pb_grpc.ScreeningServiceStub(channel)
            travelers = distinctive_travelers()
            decisions = [stub.Screen(pb.ScreenRequest(traveler=t)).decision for t in travelers]
            decisions += list(
                stub.ScreenManifest(
                    pb.ScreenManifestRequest(manifest=manifest(travelers))
                ).decisions
            )
            decisions += [
                r.decision
                for r in stub.ScreenStream(iter([pb.ScreenRequest(traveler=t) for t in travelers]))
            ]
            bad = travelers[0]
            bad.date_of_birth = "1990-02-30"
            with pytest.raises(grpc.RpcError) as caught:
                stub.Screen(pb.ScreenRequest(traveler=bad))
            assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
            for value in [*personal_values(), "1990-02-30"]:
                assert value not in (caught.value.details() or "")
            minor = stub.Screen(pb.ScreenRequest(traveler=lone_minor_cash_last_minute())).decision
            decisions.append(minor)
    finally:
        code, _ = served.stop()
    assert code == 0

    log_text = "".join(served.output)
    audit_text = decision_log.read_text(encoding="utf-8")
    dates_of_birth = [t.date_of_birth for t in distinctive_travelers()]
    for value in [*personal_values(), *dates_of_birth]:
        assert value not in log_text
        assert value not in audit_text

    for decision in decisions[: len(DISTINCTIVE)]:  # the officer does see the note
        n = int(decision.traveler_id.rsplit("-", 1)[1])
        reported = next(
            i for i in decision.indicators if i.rule_id == "observation-documents-held-by-other"
        )
        assert [NOTES[n]] == [o.note for o in reported.observations]

    entries = [json.loads(line) for line in audit_text.splitlines()]
    masked_notes = [
        o["note"] for e in entries for i in e["indicators"] for o in i.get("observations", [])
    ]
    assert ["***"] * 3 * len(DISTINCTIVE) == masked_notes
    assert [e["decision_id"] for e in entries] == [d.decision_id for d in decisions]
    by_id = {e["decision_id"]: e for e in entries}
    entry = by_id[minor.decision_id]
    assert entry["referral"] == "priority_interview"
    assert entry["ruleset_version"] == minor.ruleset_version
    assert entry["ruleset_hash"] == minor.ruleset_hash
    assert entry["traveler_id"] == "T-MINOR"
    assert entry["score"] == minor.score
    fired = {i["rule_id"]: i["evidence"] for i in entry["indicators"]}
    assert fired["minor-third-party-cash-last-minute"]["booking.payment_form"] == "cash"
    assert all(len(e["request_id"]) == 32 for e in entries)
    logged_ids = {i for line in served.logs() for i in line.get("decision_ids", [])}
    logged_ids |= {line["decision_id"] for line in served.logs() if "decision_id" in line}
    assert {d.decision_id for d in decisions} == logged_ids
