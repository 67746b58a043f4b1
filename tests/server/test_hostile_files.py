"""Hostile rule and lookout files against a running server under load (issue 13).

Each case puts something hostile into a watched directory of a running
`screening serve` while a client screens the README's lone minor without
pause. Throughout: health answers SERVING within 1 s per probe, the server's
RSS stays under 500 MB, every screening is the running pack's
PRIORITY_INTERVIEW; after each case the failure was logged and counted, and
after all of them a valid change still goes live.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from screening_service.proto import pb, pb_grpc
from tests.conftest import BUNDLED_RULES, ROOT, SUMMARY
from tests.factories import lone_minor_cash_last_minute
from tests.server.test_faults import metric
from tests.server.test_reload import set_version, wait_version
from tests.serving import ServeProcess

RSS_LIMIT_BYTES = 500 * 1024 * 1024
PROBE_LIMIT_SECONDS = 1.0
RULE_FAILURES = 'screening_ruleset_reloads_total{result="failure"}'
LOOKOUT_FAILURES = 'screening_lookout_reloads_total{result="failure"}'

RULE_HEAD = """\
rules:
  - id: hostile
    title: Hostile
    typology: trafficking_general
    weight: 1
    rationale: synthetic test of a hostile file
    source: issue 13
"""


def rule_with(when: str) -> str:
    return RULE_HEAD + f"    when: {when}\n"


def deep_list(depth: int) -> str:
    return (
        RULE_HEAD
        + "    when: traveler.age_years > 1\n    examples:\n      refer: "
        + ("[" * depth + "]" * depth)
        + "\n"
    )


def alias_bomb() -> str:
    """Under 1 KB of YAML whose example expands to 9**9 strings."""
    lines = [RULE_HEAD + "    when: traveler.age_years > 1\n    examples:\n      refer:"]
    lines.append('        - {traveler.age_years: &a0 ["lol","lol","lol","lol","lol","lol","lol"]}')
    for level in range(1, 9):
        refs = ",".join([f"*a{level - 1}"] * 9)
        lines.append(f"        - {{traveler.age_years: &a{level} [{refs}]}}")
    return "\n".join(lines) + "\n"


def rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


class Load:
    """Screens continuously and probes health; records anything that breaks the promise."""

    def __init__(self, served: ServeProcess) -> None:
        self.served = served
        self.stop = threading.Event()
        self.problems: list[str] = []
        self.screened = 0
        self.slowest_probe = 0.0
        self.peak_rss = 0
        self.threads = [
            threading.Thread(target=self._screen, daemon=True),
            threading.Thread(target=self._probe, daemon=True),
        ]
        for thread in self.threads:
            thread.start()

    def _screen(self) -> None:
        request = pb.ScreenRequest(traveler=lone_minor_cash_last_minute())
        with grpc.insecure_channel(self.served.address) as channel:
            stub = pb_grpc.ScreeningServiceStub(channel)
            while not self.stop.is_set():
                try:
                    decision = stub.Screen(request, timeout=10).decision
                except grpc.RpcError as error:
                    self.problems.append(f"Screen failed: {error.code()}")
                    continue
                if decision.referral != pb.REFERRAL_PRIORITY_INTERVIEW:
                    self.problems.append(f"referral {decision.referral}")
                self.screened += 1
                time.sleep(0.01)

    def _probe(self) -> None:
        with grpc.insecure_channel(self.served.address) as channel:
            health = health_pb2_grpc.HealthStub(channel)
            while not self.stop.is_set():
                started = time.perf_counter()
                try:
                    status = health.Check(
                        health_pb2.HealthCheckRequest(), timeout=PROBE_LIMIT_SECONDS
                    ).status
                except grpc.RpcError as error:
                    self.problems.append(f"health probe failed: {error.code()}")
                    continue
                elapsed = time.perf_counter() - started
                self.slowest_probe = max(self.slowest_probe, elapsed)
                if status != health_pb2.HealthCheckResponse.SERVING:
                    self.problems.append("health not SERVING")
                resident = rss(self.served.process.pid)
                self.peak_rss = max(self.peak_rss, resident)
                if resident > RSS_LIMIT_BYTES:
                    self.problems.append(f"RSS {resident // 2**20} MB")
                time.sleep(0.1)

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=30)


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServeProcess, Path, Path]]:
    base = tmp_path_factory.mktemp("hostile")
    rules = base / "rules"
    shutil.copytree(BUNDLED_RULES, rules)
    lookout = base / "lookout"
    lookout.mkdir()
    shutil.copy(ROOT / "lookout" / "sample.csv", lookout / "sample.csv")
    served = ServeProcess(rules, "--lookout", str(lookout))
    yield served, rules, lookout
    served.kill()


def wait_counted(served: ServeProcess, name: str, before: float, timeout: float = 60) -> float:
    deadline = time.monotonic() + timeout
    while True:
        value = metric(served.metrics, name) or 0.0
        if value > before:
            return value
        assert time.monotonic() < deadline, f"{name} did not count the failure"
        time.sleep(0.2)


def fifo(rules: Path) -> Callable[[], None]:
    os.mkfifo(rules / "queue.yaml")
    return (rules / "queue.yaml").unlink


def device_link(rules: Path) -> Callable[[], None]:
    (rules / "zero.yaml").symlink_to("/dev/zero")
    return (rules / "zero.yaml").unlink


def outside_link(rules: Path) -> Callable[[], None]:
    outside = rules.parent / "outside.yaml"
    outside.write_text(rule_with("traveler.age_years > 200"))
    (rules / "borrowed.yaml").symlink_to(outside)
    return (rules / "borrowed.yaml").unlink


def write_rule(name: str, text: str) -> Callable[[Path], Callable[[], None]]:
    def apply(rules: Path) -> Callable[[], None]:
        (rules / name).write_text(text)
        return (rules / name).unlink

    return apply


def huge_file(rules: Path) -> Callable[[], None]:
    with (rules / "huge.yaml").open("w") as handle:
        handle.write("# " + "x" * (8 << 20) + "\n")
    return (rules / "huge.yaml").unlink


def empty_pack(rules: Path) -> Callable[[], None]:
    stash = rules.parent / "stash"
    stash.mkdir()
    for path in rules.glob("*.yaml"):
        if path.name != "pack.yaml":
            shutil.move(path, stash / path.name)
    set_version(rules, "2026.12.0-empty")

    def undo() -> None:
        for path in stash.iterdir():
            shutil.move(path, rules / path.name)
        set_version(rules, "2026.12.1")
        stash.rmdir()

    return undo


def same_version_drop(rules: Path) -> Callable[[], None]:
    moved = rules.parent / "minors.yaml"
    shutil.move(rules / "minors.yaml", moved)

    def undo() -> None:
        shutil.move(moved, rules / "minors.yaml")

    return undo


RULE_CASES: list[object] = [
    pytest.param(fifo, id="fifo"),
    pytest.param(device_link, id="device-link"),
    pytest.param(outside_link, id="outside-link"),
    pytest.param(write_rule("nested.yaml", deep_list(3000)), id="deep-yaml-nesting"),
    pytest.param(
        write_rule("not.yaml", rule_with("not " * 3000 + "traveler.age_years > 1")),
        id="deep-not-chain",
    ),
    pytest.param(
        write_rule(
            "clauses.yaml",
            rule_with(" or ".join(f"traveler.age_years == {n}" for n in range(500))),
        ),
        id="500-clauses",
    ),
    pytest.param(write_rule("bomb.yaml", alias_bomb()), id="alias-bomb"),
    pytest.param(
        write_rule(
            "clauses10k.yaml",
            rule_with(" or ".join(f"traveler.age_years == {n}" for n in range(10_000))),
        ),
        id="10000-clauses",
    ),
    pytest.param(huge_file, id="huge-file"),
    pytest.param(empty_pack, id="empty-pack"),
    pytest.param(same_version_drop, id="same-version-rule-drop"),
]


@pytest.mark.parametrize("hostile", RULE_CASES)
def test_hostile_rule_file_is_rejected_while_serving(
    setup: tuple[ServeProcess, Path, Path], hostile: Callable[[Path], Callable[[], None]]
) -> None:
    served, rules, _lookout = setup
    before = metric(served.metrics, RULE_FAILURES) or 0.0
    logged = sum(1 for e in served.logs() if e.get("event") == "rule pack rejected")
    load = Load(served)
    try:
        undo = hostile(rules)
        try:
            wait_counted(served, RULE_FAILURES, before)
            time.sleep(1)
        finally:
            undo()
    finally:
        load.finish()
    assert load.problems == []
    assert load.screened > 0
    assert sum(1 for e in served.logs() if e.get("event") == "rule pack rejected") > logged
    SUMMARY.append(
        f"hostile rule file: slowest probe {load.slowest_probe * 1000:.0f} ms, "
        f"peak RSS {load.peak_rss // 2**20} MB, {load.screened} screened"
    )


def test_a_million_row_lookout_list_is_refused_while_serving(
    setup: tuple[ServeProcess, Path, Path],
) -> None:
    served, _rules, lookout = setup
    before = metric(served.metrics, LOOKOUT_FAILURES) or 0.0
    load = Load(served)
    big = lookout / "big.csv"
    try:
        with big.open("w", encoding="utf-8") as handle:
            handle.write("list_kind,entry_id,surname,given_names,date_of_birth\n")
            for n in range(1_000_000):
                handle.write(f"other,BIG-{n:07d},Testperson,Synthetic,1990-01-01\n")
        wait_counted(served, LOOKOUT_FAILURES, before)
        time.sleep(1)
    finally:
        big.unlink()
        load.finish()
    assert load.problems == []
    SUMMARY.append(
        f"1M-row lookout list: slowest probe {load.slowest_probe * 1000:.0f} ms, "
        f"peak RSS {load.peak_rss // 2**20} MB"
    )


def test_a_valid_change_still_goes_live_afterwards(
    setup: tuple[ServeProcess, Path, Path],
) -> None:
    served, rules, _lookout = setup
    set_version(rules, "2026.12.0-after-hostile")
    with grpc.insecure_channel(served.address) as channel:
        wait_version(pb_grpc.ScreeningServiceStub(channel), "2026.12.0-after-hostile", timeout=60)
