"""The populations' bytes for a seed, pinned: a speed-up must leave them as they are.

The digests were taken before the generators were tuned for speed (many
draws are made inline, without the random module's call layers); a change
that moves, adds or drops a draw changes them. A deliberate change of a
population updates them and says so in the changelog.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from screening_service.evaluation.output import write_evaluation_population
from screening_service.synthetic.parallel import write_population

EVALUATION = {
    "e.jsonl": "93b0153b102dac8f73e68405ae4cfdd54c6a4dd0254bb186bfe17b27743c9d0f",
    "e.labels.jsonl": "e393d1e7029b2853df9f0833e95f718d1f6e817f6a9f5004cacaea63158adf42",
}
SCENARIOS = {
    "s.jsonl": "d0d9deebb087efefc57b22425e2ffb06c5ae79f9affd0c5e8905fed9f3079490",
    "s.labels.jsonl": "158046b2800a127d4ab179ab3c5e76ce6eefe31b7cb5fc939a00f6d77865d3c4",
}


def _digests(root: Path, names: dict[str, str]) -> dict[str, str]:
    return {name: hashlib.sha256((root / name).read_bytes()).hexdigest() for name in names}


@pytest.mark.parametrize("processes", [1, 2])
def test_the_evaluation_population_keeps_its_bytes(tmp_path: Path, processes: int) -> None:
    write_evaluation_population(tmp_path / "e.jsonl", 3_000, 4, processes=processes)
    assert EVALUATION == _digests(tmp_path, EVALUATION)


def test_the_scenario_population_keeps_its_bytes(tmp_path: Path) -> None:
    write_population(tmp_path / "s.jsonl", 3_000, 4)
    assert SCENARIOS == _digests(tmp_path, SCENARIOS)
