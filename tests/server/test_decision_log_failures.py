"""A decision that cannot be put on record is never returned: every RPC, one or several workers."""

from __future__ import annotations

import json
from pathlib import Path

import grpc
import pytest

from screening_service.proto import pb, pb_grpc
from tests.conftest import BUNDLED_RULES
from tests.factories import lone_minor_cash_last_minute, manifest, ordinary_adult
from tests.serving import ServeProcess

WITHHELD = "the decision could not be recorded; the result was withheld, retry"


def assert_every_rpc_withheld(address: str) -> None:
    with grpc.insecure_channel(address) as channel:
        stub = pb_grpc.ScreeningServiceStub(channel)
        with pytest.raises(grpc.RpcError) as unary:
            stub.Screen(pb.ScreenRequest(traveler=lone_minor_cash_last_minute()), timeout=10)
        assert (grpc.StatusCode.UNAVAILABLE, WITHHELD) == (
            unary.value.code(),
            unary.value.details(),
        )
        flight = manifest([ordinary_adult("T-1"), lone_minor_cash_last_minute()])
        with pytest.raises(grpc.RpcError) as batch:
            stub.ScreenManifest(pb.ScreenManifestRequest(manifest=flight), timeout=10)
        assert (grpc.StatusCode.UNAVAILABLE, WITHHELD) == (
            batch.value.code(),
            batch.value.details(),
        )
        items = list(
            stub.ScreenStream(
                iter([pb.ScreenRequest(traveler=ordinary_adult(f"T-{n}")) for n in range(3)]),
                timeout=10,
            )
        )
        assert [("T-0", "error"), ("T-1", "error"), ("T-2", "error")] == [
            (i.traveler_id, i.WhichOneof("result")) for i in items
        ]
        assert {(grpc.StatusCode.UNAVAILABLE.value[0], WITHHELD)} == {
            (i.error.code, i.error.message) for i in items
        }


MAX_CONNECTIONS = 60


def withheld_by(logs: list[dict[str, object]]) -> set[object]:
    """The workers that answered a call UNAVAILABLE."""
    return {line.get("worker") for line in logs if line.get("code") == "UNAVAILABLE"}


def decision_ids(path: Path) -> list[str]:
    return [json.loads(line)["decision_id"] for line in path.read_text().splitlines()]


NOT_SERVING = "decision log cannot be written; not serving"


def block(directory: Path) -> None:
    """Put a file where the log's directory is, so the log cannot be reopened there."""
    directory.rename(directory.with_name(directory.name + ".moved"))
    directory.write_text("a file where the log's directory must be\n")


def test_every_rpc_is_withheld_while_the_log_cannot_be_written_then_recovers(
    tmp_path: Path,
) -> None:
    blocker = tmp_path / "audit"
    blocker.mkdir()
    served = ServeProcess(BUNDLED_RULES, "--decision-log", str(blocker / "decisions.jsonl"))
    try:
        block(blocker)
        served.wait_log(NOT_SERVING)
        assert_every_rpc_withheld(served.address)
        blocker.unlink()
        served.wait_log("decision log writable again; serving")
        with grpc.insecure_channel(served.address) as channel:
            stub = pb_grpc.ScreeningServiceStub(channel)
            decision = stub.Screen(pb.ScreenRequest(traveler=ordinary_adult()), timeout=10).decision
        assert [decision.decision_id] == decision_ids(blocker / "decisions.jsonl")
    finally:
        served.kill()


def test_a_failed_rotation_withholds_the_decision(tmp_path: Path) -> None:
    path = tmp_path / "decisions.jsonl"
    (tmp_path / "decisions.jsonl.1").mkdir()
    (tmp_path / "decisions.jsonl.1" / "occupied").write_text("where the backup must go\n")
    served = ServeProcess(
        BUNDLED_RULES,
        "--decision-log",
        str(path),
        "--decision-log-max-bytes",
        "100",
        "--decision-log-backups",
        "1",
    )
    try:
        assert_every_rpc_withheld(served.address)
    finally:
        served.kill()


def test_several_workers_each_withhold_and_recover(tmp_path: Path) -> None:
    blocker = tmp_path / "audit"
    blocker.mkdir()
    served = ServeProcess(
        BUNDLED_RULES, "--workers", "2", "--decision-log", str(blocker / "decisions.jsonl")
    )
    try:
        block(blocker)
        served.wait_log(NOT_SERVING, count=2)
        # New connections, spread by the kernel over both workers (by a hash, so it
        # may take a few): until both workers have withheld.
        for _ in range(MAX_CONNECTIONS):
            assert_every_rpc_withheld(served.address)
            if {0, 1} <= withheld_by(served.logs()):
                break
        blocker.unlink()
        served.wait_log("decision log writable again; serving", count=2)
        screened = 0
        while screened < MAX_CONNECTIONS and (screened < 20 or len(list(blocker.iterdir())) < 2):
            with grpc.insecure_channel(served.address) as channel:
                stub = pb_grpc.ScreeningServiceStub(channel)
                traveler = ordinary_adult(f"T-{screened}")
                stub.Screen(pb.ScreenRequest(traveler=traveler), timeout=10)
            screened += 1
        code, logs = served.stop()
    finally:
        served.kill()
    assert 0 == code
    assert {0, 1} == withheld_by(logs)
    files = sorted(p.name for p in blocker.iterdir())
    assert ["decisions.worker0.jsonl", "decisions.worker1.jsonl"] == files
    assert screened == sum(len(decision_ids(blocker / name)) for name in files)
