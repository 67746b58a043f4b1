"""`screening replay` as an evaluation: labels, exact merging, refusals, the disparity exit."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from google.protobuf import json_format

from screening_service.cli import main
from screening_service.evaluation.labels import read_labels
from screening_service.evaluation.output import write_evaluation_population
from screening_service.proto import pb
from screening_service.replay import replay
from tests.conftest import BUNDLED_RULES
from tests.factories import manifest, ordinary_adult

VOUCHER_RULE = """\
rules:
  - id: voucher-trial
    title: Ticket paid with a voucher (trial)
    typology: trafficking_general
    weight: 5
    refer: priority
    rationale: A trial rule for the disparity test; it refers everyone it fires on.
    source: Test fixture, not an indicator.
    when: booking.payment_form == "voucher"
    examples:
      refer: [{booking.payment_form: voucher}]
      pass: [{booking.payment_form: card}]
"""
BROKEN_EXAMPLE_RULE = VOUCHER_RULE.replace(
    "refer: [{booking.payment_form: voucher}]", "refer: [{booking.payment_form: cash}]"
)


def candidate(tmp_path: Path, rule: str, version: str | None = "2099.1.0") -> Path:
    directory = tmp_path / "candidate"
    shutil.copytree(BUNDLED_RULES, directory)
    (directory / "trial.yaml").write_text(rule)
    if version is not None:
        pack = directory / "pack.yaml"
        text = pack.read_text()
        start = text.index('version: "') + len('version: "')
        pack.write_text(text[:start] + version + text[text.index('"', start) :])
    return directory


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("population") / "evaluation.jsonl"
    write_evaluation_population(out, 3000, 5)
    return out


def test_one_process_and_two_give_the_same_report(population: Path) -> None:
    labels = read_labels(population.with_name("evaluation.labels.jsonl"))
    one = replay(BUNDLED_RULES, population, processes=1, labels=labels)
    two = replay(BUNDLED_RULES, population, processes=2, labels=labels)
    assert one.report is not None
    assert two.report is not None
    assert one.report.as_dict() == two.report.as_dict()
    assert 3000 == one.report.candidate.travelers
    assert one.report.candidate.recall is not None


def test_labels_beside_the_records_are_read_and_every_rule_is_listed(
    population: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, page = tmp_path / "report.json", tmp_path / "report.html"
    args = ["replay", "--rules", str(BUNDLED_RULES), "--processes", "1"]
    code = main([*args, "--json", str(out), "--html", str(page), str(population)])
    report = json.loads(out.read_text())
    evaluation = report["evaluation"]
    assert code == (1 if evaluation["flagged"] else 0)
    assert report["labelled"] is True
    listed = {row["rule_id"] for row in evaluation["rules"]}
    assert "circuitous-routing" in listed  # a rule with no hit on this population is listed
    assert 36 == len(listed)  # rules/*.yaml hold 36 rules
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert "Recall by typology" in capsys.readouterr().out


def test_a_pack_whose_examples_fail_is_refused(
    tmp_path: Path, population: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pack = candidate(tmp_path, BROKEN_EXAMPLE_RULE)
    assert 1 == main(["replay", "--rules", str(pack), str(population)])
    err = capsys.readouterr().err
    assert "refusing to replay this pack" in err
    assert "voucher-trial" in err


def test_the_same_version_on_both_sides_is_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records = tmp_path / "one.jsonl"
    body = json_format.MessageToDict(ordinary_adult())
    records.write_text(json.dumps({"traveler": body}) + "\n")
    pack = candidate(tmp_path, VOUCHER_RULE, version=None)
    args = ["replay", "--processes", "1", "--rules", str(pack), "--baseline", str(BUNDLED_RULES)]
    assert 0 == main([*args, str(records)])
    assert "warning: baseline and candidate both carry version 2026.12.1" in (
        capsys.readouterr().err
    )


def test_a_group_over_the_disparity_limit_fails_the_replay_naming_group_and_rule(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Three flights of 100: 40 travelers of NZL (20 of them on vouchers) and 60 of CAN.
    # Referred: 60 of 300 (20%); NZL 60 of 120 (50%): 2.5 times the overall rate.
    lines = []
    for f in range(3):
        travelers = []
        for i in range(100):
            t = ordinary_adult(f"T-{f}-{i:03d}")
            if i < 40:
                t.nationality = "NZL"
            if i < 20:
                t.booking.payment_form = pb.PAYMENT_FORM_VOUCHER
            travelers.append(t)
        flight = manifest(travelers)
        flight.flight_number = str(750 + f)
        lines.append(json.dumps({"manifest": json_format.MessageToDict(flight)}))
    records = tmp_path / "flights.jsonl"
    records.write_text("\n".join(lines) + "\n")
    pack = candidate(tmp_path, VOUCHER_RULE)

    assert 1 == main(["replay", "--processes", "2", "--rules", str(pack), str(records)])
    err = capsys.readouterr().err
    assert (
        "disparity: nationality=NZL is referred at 2.50x the overall rate "
        "(limit 2x; 60 of 120 travelers); driven by voucher-trial"
    ) in err
    assert "nationality=CAN" not in err


@pytest.mark.slow
def test_replay_of_20000_labelled_travelers_writes_json_and_html(tmp_path: Path) -> None:
    """20,000, not 100,000: the 100,000 run took 40 s on two idle cores but 98 s on a
    loaded machine, over the 90 s a slow test may take; it is run by hand for the report."""
    records = tmp_path / "evaluation.jsonl"
    assert 0 == main(["synth", "--population", "evaluation", "--travelers", "20000",
                      "--seed", "1", str(records)])  # fmt: skip
    out, page = tmp_path / "report.json", tmp_path / "report.html"
    code = main(["replay", "--rules", str(BUNDLED_RULES), "--json", str(out), "--html",
                 str(page), str(records)])  # fmt: skip
    evaluation = json.loads(out.read_text())["evaluation"]
    assert code == (1 if evaluation["flagged"] else 0)
    assert 20_000 == evaluation["candidate"]["travelers"]
    assert {} == evaluation["mismatches"]
    assert '<section id="disparity">' in page.read_text(encoding="utf-8")
