"""`screening replay`: a candidate adding one rule reports exactly whom it newly refers."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from google.protobuf import json_format

from screening_service.cli import main
from screening_service.proto import pb
from screening_service.synthetic import read_jsonl
from tests.conftest import BUNDLED_RULES
from tests.factories import (
    interview_adult,
    lone_minor_cash_last_minute,
    ordinary_adult,
)
from tests.messages.samples import PAXLST_D05B

NEW_RULE = """\
rules:
  - id: voucher-open-jaw-trial
    title: Open-jaw ticket paid with a voucher (trial)
    typology: trafficking_general
    weight: 5
    refer: priority
    rationale: A trial rule for the replay test; it refers everyone it fires on.
    source: Test fixture, not an indicator.
    when: booking.payment_form == "voucher" or booking.ticket_type == "open_jaw"
    examples:
      refer: [{booking.payment_form: voucher}]
      pass: [{booking.payment_form: card, booking.ticket_type: round_trip}]
"""


def matches_new_rule(records: Path) -> set[str]:
    """Travelers the trial rule must fire on, read from the raw input fields (no enrichment)."""
    found = set()
    for message in read_jsonl(records):
        assert isinstance(message, pb.Manifest)
        for traveler in message.travelers:
            if (
                traveler.booking.payment_form == pb.PAYMENT_FORM_VOUCHER
                or traveler.booking.ticket_type == pb.TICKET_TYPE_OPEN_JAW
            ):
                found.add(traveler.traveler_id)
    return found


@pytest.mark.slow
def test_replay_of_100000_travelers_reports_exactly_the_newly_referred(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records = tmp_path / "population.jsonl"
    assert main(["synth", "--travelers", "100000", "--seed", "11", str(records)]) == 0
    candidate = tmp_path / "candidate"
    shutil.copytree(BUNDLED_RULES, candidate)
    (candidate / "trial.yaml").write_text(NEW_RULE)
    report_path, decisions_path = tmp_path / "report.json", tmp_path / "decisions.jsonl"
    code = main(
        [
            "replay",
            "--rules", str(candidate),
            "--baseline", str(BUNDLED_RULES),
            "--json", str(report_path),
            "--decisions", str(decisions_path),
            str(records),
        ]
    )  # fmt: skip
    assert code == 0
    report = json.loads(report_path.read_text())
    decisions = [json.loads(line) for line in decisions_path.read_text().splitlines()]
    candidate_referral = {d["traveler_id"]: d["candidate"] for d in decisions}
    matching = matches_new_rule(records)
    newly = {c["traveler_id"] for c in report["changed"]}

    assert report["travelers"] == 100_000 == len(decisions)
    # The rule refers everyone it fires on, and changes no one else.
    assert {"priority_interview"} == {candidate_referral[t] for t in matching}
    assert newly <= matching
    assert {c["to"] for c in report["changed"]} == {"priority_interview"}
    assert report["candidate"]["hits"]["voucher-open-jaw-trial"] == len(matching)
    assert "voucher-open-jaw-trial" not in report["baseline"]["hits"]
    assert len(newly) > 100
    out = capsys.readouterr().out
    assert f"referral changed for {len(newly)} traveler(s)" in out
    assert "travelers/s on" in out


def small_population() -> list[pb.Traveler]:
    """Five travelers whose referrals under both packs are known by hand."""
    voucher = ordinary_adult("T-VOUCHER")
    voucher.booking.payment_form = pb.PAYMENT_FORM_VOUCHER
    open_jaw = ordinary_adult("T-OPENJAW")
    open_jaw.booking.ticket_type = pb.TICKET_TYPE_OPEN_JAW
    return [
        lone_minor_cash_last_minute(),
        ordinary_adult(),
        voucher,
        open_jaw,
        interview_adult("T-INTERVIEW"),
    ]


def test_replay_of_a_hand_written_population(tmp_path: Path) -> None:
    """Referrals written by hand: the trial rule refers the voucher and open-jaw travelers."""
    records = tmp_path / "five.jsonl"
    records.write_text(
        "".join(
            json.dumps({"traveler": json_format.MessageToDict(t)}) + "\n"
            for t in small_population()
        )
    )
    candidate = tmp_path / "candidate"
    shutil.copytree(BUNDLED_RULES, candidate)
    (candidate / "trial.yaml").write_text(NEW_RULE)
    report_path, decisions_path = tmp_path / "report.json", tmp_path / "decisions.jsonl"
    code = main(
        [
            "replay", "--processes", "1",
            "--rules", str(candidate), "--baseline", str(BUNDLED_RULES),
            "--json", str(report_path), "--decisions", str(decisions_path), str(records),
        ]
    )  # fmt: skip
    assert 0 == code
    report = json.loads(report_path.read_text())
    assert (5, 5, []) == (report["records"], report["travelers"], report["invalid"])
    assert [
        {"traveler_id": "T-VOUCHER", "from": "none", "to": "priority_interview"},
        {"traveler_id": "T-OPENJAW", "from": "none", "to": "priority_interview"},
    ] == sorted(report["changed"], key=lambda c: c["traveler_id"], reverse=True)
    assert {"priority_interview": 1, "interview": 1, "none": 3} == report["baseline"]["referrals"]
    assert {"priority_interview": 3, "interview": 1, "none": 1} == report["candidate"]["referrals"]
    assert 2 == report["candidate"]["hits"]["voucher-open-jaw-trial"]
    assert "voucher-open-jaw-trial" not in report["baseline"]["hits"]
    by_traveler = {
        line["traveler_id"]: (line["baseline"], line["candidate"])
        for line in map(json.loads, decisions_path.read_text().splitlines())
    }
    assert {
        "T-MINOR": ("priority_interview", "priority_interview"),
        "T-ADULT": ("none", "none"),
        "T-VOUCHER": ("none", "priority_interview"),
        "T-OPENJAW": ("none", "priority_interview"),
        "T-INTERVIEW": ("interview", "interview"),
    } == by_traveler


def test_replay_reports_invalid_records_by_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records = tmp_path / "mixed.jsonl"
    valid = {
        "traveler_id": "T-2",
        "surname": "TESTPERSON",
        "given_names": "SYNTH",
        "date_of_birth": "1980-01-01",
    }
    lines = ['{"traveler": {"traveler_id": "T-1"}}', "not json", json.dumps({"traveler": valid})]
    records.write_text("\n".join(lines) + "\n")
    assert main(["replay", "--rules", str(BUNDLED_RULES), "--processes", "1", str(records)]) == 0
    out = capsys.readouterr().out
    assert "1 travelers in 3 records (2 invalid)" in out
    assert "invalid record at line 1: 3 violation(s), first: traveler.surname is required" in out
    assert "invalid record at line 2: not a record: JSONDecodeError" in out


def test_replay_and_explain_read_airline_messages(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    message = tmp_path / "apis.edi"
    message.write_text(PAXLST_D05B)
    decisions = tmp_path / "decisions.jsonl"
    code = main(
        [
            "replay", "--rules", str(BUNDLED_RULES), "--processes", "1",
            "--home-country", "USA", "--decisions", str(decisions), str(message),
        ]
    )  # fmt: skip
    assert code == 0
    replayed = [json.loads(line) for line in decisions.read_text().splitlines()]
    assert "replayed" in capsys.readouterr().out
    assert main(["rules", "explain", str(BUNDLED_RULES), str(message), "--json"]) == 0
    explained = json.loads(capsys.readouterr().out)["travelers"]
    assert [d["traveler_id"] for d in replayed] == [t["decision"]["traveler_id"] for t in explained]
    assert len(replayed) >= 2


def test_replay_of_an_unreadable_message_file_is_a_finding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    message = tmp_path / "broken.edi"
    message.write_text("UNB+UNOA:4'UNH+1'")
    assert main(["replay", "--rules", str(BUNDLED_RULES), str(message)]) == 1
    assert "segment" in capsys.readouterr().err
