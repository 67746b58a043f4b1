"""Replay computes the history the live service kept: fed flight by flight, decided alike.

A month of flights where purchasers buy for travelers across flights (so the
cross-flight rule fires on some) goes through the real server flight by
flight in event-time order, and through `screening replay` of the same file
(JSON lines in another order: replay orders by event time itself); every
traveler gets the same referral, score, rules and evidence.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import grpc
from google.protobuf import json_format

from screening_service.cli import main
from screening_service.proto import pb, pb_grpc
from tests.conftest import BUNDLED_RULES
from tests.server.test_history_service import RULE, flight
from tests.serving import ServeProcess
from tests.test_pipeline_parity import Outcome, _from_proto, _from_replay


def manifests() -> list[pb.Manifest]:
    """Twelve daily flights; two purchasers alternate, so counts build up across flights."""
    flights = []
    for day in range(12):
        manifest = flight(day)
        for n, traveler in enumerate(manifest.travelers):
            traveler.booking.purchaser_id = f"purchaser-history-{(day + n) % 2}"
        flights.append(manifest)
    return flights


def test_replay_decides_as_the_live_service_fed_in_order(tmp_path: Path) -> None:
    flights = manifests()
    live: dict[str, Outcome] = {}
    server = ServeProcess(BUNDLED_RULES, "--no-watch")
    try:
        with grpc.insecure_channel(server.address) as channel:
            stub = pb_grpc.ScreeningServiceStub(channel)
            for manifest in flights:
                request = pb.ScreenManifestRequest(manifest=manifest)
                for decision in stub.ScreenManifest(request, timeout=30).decisions:
                    live[decision.traveler_id] = _from_proto(decision)
    finally:
        server.kill()
    assert any(RULE in {rule for rule, _ in rules} for _, _, rules in live.values())

    shuffled = list(flights)
    random.Random(3).shuffle(shuffled)
    records = tmp_path / "month.jsonl"
    records.write_text(
        "".join(
            json.dumps({"manifest": json_format.MessageToDict(m, preserving_proto_field_name=True)})
            + "\n"
            for m in shuffled
        )
    )
    decisions = tmp_path / "decisions.jsonl"
    args = ["replay", "--rules", str(BUNDLED_RULES), "--processes", "2"]
    assert main([*args, "--decisions", str(decisions), str(records)]) == 0
    replayed = {
        line["traveler_id"]: _from_replay(line["detail"])
        for line in map(json.loads, decisions.read_text().splitlines())
    }
    assert live == replayed
