"""Lookout lists in the running service: a hit refers, the list reloads like rules."""

from __future__ import annotations

import shutil
import time
import urllib.request
from pathlib import Path

import grpc

from screening_service.proto import pb, pb_grpc
from tests.conftest import BUNDLED_RULES, ROOT
from tests.factories import traveler
from tests.serving import ServeProcess


def missing_person() -> pb.Traveler:
    t = traveler(
        "T-LOOK", surname="TESTPERSONOVA", given_names="ZOFIA", document_number="ZZ9999999"
    )
    t.date_of_birth = "2004-03-07"
    return t


def lookout_hits(stub: pb_grpc.ScreeningServiceStub, t: pb.Traveler) -> list[str]:
    decision = stub.Screen(pb.ScreenRequest(traveler=t), timeout=10).decision
    return [i.rule_id for i in decision.indicators if i.rule_id.startswith("lookout-")]


def failures(served: ServeProcess) -> float:
    with urllib.request.urlopen(f"http://{served.metrics}/metrics", timeout=10) as response:
        for line in response.read().decode().splitlines():
            if line.startswith('screening_lookout_reloads_total{result="failure"}'):
                return float(line.split()[1])
    return 0.0


def test_hits_refer_and_the_list_reloads_on_change(tmp_path: Path) -> None:
    lookout = tmp_path / "lookout.csv"
    shutil.copy(ROOT / "lookout" / "sample.csv", lookout)
    served = ServeProcess(BUNDLED_RULES, "--lookout", str(lookout))
    try:
        with grpc.insecure_channel(served.address) as channel:
            stub = pb_grpc.ScreeningServiceStub(channel)
            decision = stub.Screen(pb.ScreenRequest(traveler=missing_person()), timeout=10).decision
            assert decision.referral == pb.REFERRAL_PRIORITY_INTERVIEW
            hit = next(i for i in decision.indicators if i.rule_id == "lookout-missing-person")
            evidence = {e.field: e.value for e in hit.evidence}
            assert evidence == {
                "lookout.kinds": "missing_person",
                "lookout.document_match": "false",
                "lookout.best_score": "100",
            }

            newcomer = traveler(
                "T-NEW", surname="NEWLYLISTED", given_names="EXAMPLE", document_number="ZZ7777777"
            )
            assert lookout_hits(stub, newcomer) == []
            with lookout.open("a", encoding="utf-8") as handle:
                handle.write("other,SAMPLE-900,Newlylisted,Example,,,ZZ7777777\n")
            deadline = time.monotonic() + 20
            while lookout_hits(stub, newcomer) != ["lookout-other-list"]:
                assert time.monotonic() < deadline, "the lookout list was not reloaded"
                time.sleep(0.1)

            lookout.write_text("list_kind,entry_id\nnot_a_kind,X\n")
            deadline = time.monotonic() + 20
            while failures(served) < 1:
                assert time.monotonic() < deadline, "the broken list was not noticed"
                time.sleep(0.1)
            assert lookout_hits(stub, newcomer) == ["lookout-other-list"]
            assert "lookout-missing-person" in lookout_hits(stub, missing_person())
    finally:
        code, _ = served.stop()
    assert code == 0
    text = "".join(served.output)
    for personal in ("TESTPERSONOVA", "NEWLYLISTED", "ZZ7777777", "2004-03-07"):
        assert personal not in text
