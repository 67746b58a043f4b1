"""Hot reload: new packs go live whole, bad ones never do, calls never fail."""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from screening_service.proto import pb, pb_grpc
from screening_service.rules.build import compile_directory
from tests.conftest import BUNDLED_RULES
from tests.factories import lone_minor_cash_last_minute, ordinary_adult
from tests.serving import ServeProcess


def copy_pack(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(BUNDLED_RULES, target)
    return target


def set_version(rules: Path, version: str) -> None:
    pack = rules / "pack.yaml"
    text = pack.read_text()
    start = text.index('version: "') + len('version: "')
    end = text.index('"', start)
    pack.write_text(text[:start] + version + text[end:])


def wait_version(stub: pb_grpc.ScreeningServiceStub, version: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if stub.GetRuleset(pb.GetRulesetRequest(), timeout=5).ruleset.version == version:
            return
        time.sleep(0.05)
    raise AssertionError(f"version {version} did not go live")


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    return copy_pack(tmp_path)


@pytest.fixture
def served(rules: Path) -> Iterator[ServeProcess]:
    process = ServeProcess(rules)
    yield process
    process.kill()


def test_admin_rpc_reload_applies_a_good_pack_and_keeps_it_over_a_bad_one(
    served: ServeProcess, rules: Path
) -> None:
    with grpc.insecure_channel(served.address) as channel:
        stub = pb_grpc.ScreeningServiceStub(channel)
        unchanged = stub.ReloadRuleset(pb.ReloadRulesetRequest())
        assert (unchanged.applied, list(unchanged.errors)) == (False, [])

        set_version(rules, "reload-2")
        applied = stub.ReloadRuleset(pb.ReloadRulesetRequest())
        assert (applied.applied, applied.ruleset.version) == (True, "reload-2")

        (rules / "broken.yaml").write_text(
            "rules:\n  - id: broken\n    when: traveler.age_years >\n"
        )
        set_version(rules, "reload-3")
        rejected = stub.ReloadRuleset(pb.ReloadRulesetRequest())
        assert rejected.applied is False
        assert rejected.ruleset.version == "reload-2"
        assert any("broken.yaml" in error for error in rejected.errors)
        assert stub.GetRuleset(pb.GetRulesetRequest()).ruleset.version == "reload-2"
        decision = stub.Screen(pb.ScreenRequest(traveler=ordinary_adult())).decision
        assert decision.ruleset_version == "reload-2"


def test_sighup_reloads(served: ServeProcess, rules: Path) -> None:
    with grpc.insecure_channel(served.address) as channel:
        stub = pb_grpc.ScreeningServiceStub(channel)
        set_version(rules, "after-sighup")
        os.kill(served.process.pid, signal.SIGHUP)
        wait_version(stub, "after-sighup")


def test_failed_example_rejects_the_pack(served: ServeProcess, rules: Path) -> None:
    booking = rules / "booking.yaml"
    booking.write_text(
        booking.read_text().replace(
            "- {booking.hours_before_departure: 6}", "- {booking.hours_before_departure: 60}"
        )
    )
    with grpc.insecure_channel(served.address) as channel:
        stub = pb_grpc.ScreeningServiceStub(channel)
        rejected = stub.ReloadRuleset(pb.ReloadRulesetRequest())
    assert rejected.applied is False
    assert any("E400 [last-minute-booking]" in error for error in rejected.errors)


def make_change(rules: Path, change: int, pack_text: str) -> set[str]:
    """One of four kinds of change; returns the version it makes valid, if any."""
    kind = change % 4
    version = f"live-{change}"
    if kind == 1:
        (rules / "zz-invalid.yaml").write_text("rules:\n  - id: not-valid\n    when: nope ==\n")
        return set()
    if kind == 2:
        (rules / "pack.yaml").write_text(pack_text[: len(pack_text) // 2])
        time.sleep(0.15)
        (rules / "pack.yaml").write_text(pack_text)
    (rules / "zz-invalid.yaml").unlink(missing_ok=True)
    set_version(rules, version)
    return {version}


EXPECTED_REFERRAL = {
    "T-MINOR": pb.REFERRAL_PRIORITY_INTERVIEW,
    "T-ADULT": pb.REFERRAL_NONE,
}


def test_twenty_changes_under_sustained_traffic_lose_no_call(
    served: ServeProcess, rules: Path
) -> None:
    """Valid, invalid and half-written changes while a client screens without pause.

    Every change keeps the rules and only renames the version, so each
    traveler's referral is fixed whatever version answers.
    """
    valid_versions = {"2026.12.1"}
    answers: list[tuple[str, int, str]] = []
    failures: list[str] = []
    stop = threading.Event()

    def traffic() -> None:
        with grpc.insecure_channel(served.address) as channel:
            stub = pb_grpc.ScreeningServiceStub(channel)
            travelers = [lone_minor_cash_last_minute(), ordinary_adult()]
            while not stop.is_set():
                traveler = travelers[len(answers) % 2]
                try:
                    decision = stub.Screen(pb.ScreenRequest(traveler=traveler), timeout=10).decision
                except grpc.RpcError as error:
                    failures.append(f"{error.code()}: {error.details()}")
                    continue
                answers.append((decision.traveler_id, decision.referral, decision.ruleset_version))

    client = threading.Thread(target=traffic)
    client.start()
    try:
        pack_text = (rules / "pack.yaml").read_text()
        for change in range(20):
            valid_versions |= make_change(rules, change, pack_text)
            time.sleep(0.6)
        with grpc.insecure_channel(served.address) as channel:
            stub = pb_grpc.ScreeningServiceStub(channel)
            wait_version(stub, "live-19")
            final = stub.Screen(pb.ScreenRequest(traveler=ordinary_adult())).decision
            assert final.ruleset_version == "live-19"
    finally:
        stop.set()
        client.join(timeout=30)

    assert failures == []
    assert len(answers) > 100
    wrong = [a for a in answers if a[1] != EXPECTED_REFERRAL[a[0]]]
    assert [] == wrong
    assert {"T-MINOR", "T-ADULT"} == {a[0] for a in answers}
    seen_versions = {a[2] for a in answers}
    assert seen_versions <= valid_versions
    assert len(seen_versions) > 3


RUNNING_VERSION = "2026.12.1"
RUNNING_RULES = len(compile_directory(BUNDLED_RULES).rules)
MINOR_RULES = (BUNDLED_RULES / "minors.yaml").read_text().count("\n  - id: ")


def screen_minor(stub: pb_grpc.ScreeningServiceStub) -> pb.Decision:
    return stub.Screen(
        pb.ScreenRequest(traveler=lone_minor_cash_last_minute()), timeout=10
    ).decision


def assert_running_pack_kept(stub: pb_grpc.ScreeningServiceStub) -> None:
    ruleset = stub.GetRuleset(pb.GetRulesetRequest(), timeout=10).ruleset
    assert (RUNNING_VERSION, RUNNING_RULES) == (ruleset.version, len(ruleset.rules))
    decision = screen_minor(stub)
    assert (pb.REFERRAL_PRIORITY_INTERVIEW, RUNNING_VERSION) == (
        decision.referral,
        decision.ruleset_version,
    )


def test_an_empty_pack_is_never_applied(served: ServeProcess, rules: Path) -> None:
    """Only pack.yaml left, same version: rejected by the watcher and by the admin RPC."""
    for path in rules.glob("*.yaml"):
        if path.name != "pack.yaml":
            path.unlink()
    time.sleep(1.5)  # the watcher's debounce (0.3 s) and a reload attempt
    with grpc.insecure_channel(served.address) as channel:
        stub = pb_grpc.ScreeningServiceStub(channel)
        assert_running_pack_kept(stub)
        outcome = stub.ReloadRuleset(pb.ReloadRulesetRequest(), timeout=30)
        assert outcome.applied is False
        assert RUNNING_VERSION == outcome.ruleset.version
        assert [] != list(outcome.errors)
        assert any("rule" in error.lower() for error in outcome.errors), outcome.errors
        assert_running_pack_kept(stub)


def test_a_pack_that_drops_rules_under_the_same_version_is_rejected(
    served: ServeProcess, rules: Path
) -> None:
    (rules / "minors.yaml").unlink()
    time.sleep(1.5)
    with grpc.insecure_channel(served.address) as channel:
        stub = pb_grpc.ScreeningServiceStub(channel)
        assert_running_pack_kept(stub)
        outcome = stub.ReloadRuleset(pb.ReloadRulesetRequest(), timeout=30)
        assert outcome.applied is False
        assert RUNNING_VERSION == outcome.ruleset.version
        assert any("version" in error.lower() for error in outcome.errors), outcome.errors
        assert_running_pack_kept(stub)


def test_a_pack_that_drops_rules_under_a_new_version_is_applied(
    served: ServeProcess, rules: Path
) -> None:
    (rules / "minors.yaml").unlink()
    set_version(rules, "without-minors")
    with grpc.insecure_channel(served.address) as channel:
        stub = pb_grpc.ScreeningServiceStub(channel)
        wait_version(stub, "without-minors")
        ruleset = stub.GetRuleset(pb.GetRulesetRequest(), timeout=10).ruleset
        assert RUNNING_RULES - MINOR_RULES == len(ruleset.rules)
        fired = {i.rule_id for i in screen_minor(stub).indicators}
        assert "minor-without-parent-or-guardian" not in fired
