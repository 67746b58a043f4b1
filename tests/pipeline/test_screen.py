"""The one entry point fails closed: an engine answer it cannot trust is an error."""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest

from screening_service.engine.native import Engine
from screening_service.pipeline.decide import Referral
from screening_service.pipeline.screen import (
    Context,
    FlightResult,
    ScreeningFailed,
    screen,
    screen_async,
)
from screening_service.pipeline.snapshot import Snapshot
from screening_service.proto import pb
from screening_service.rules.build import compile_directory
from screening_service.rules.compile import CompiledPack
from tests.conftest import BUNDLED_RULES
from tests.factories import (
    DEPARTURE,
    interview_adult,
    lone_minor_cash_last_minute,
    manifest,
    ordinary_adult,
)
from tests.fakes import (
    FailingEngine,
    FakeEngine,
    Tamper,
    drop_last,
    index_as_text,
    one_extra,
    snapshot_with,
    unknown_rule,
)

NOW = DEPARTURE - dt.timedelta(hours=6)
BUNDLED_RULE_COUNT = 36  # rules/*.yaml, the two history rules included


@pytest.fixture(scope="module")
def compiled() -> CompiledPack:
    return compile_directory(BUNDLED_RULES)


def flight() -> pb.ScreenManifestRequest:
    return pb.ScreenManifestRequest(
        manifest=manifest([lone_minor_cash_last_minute(), ordinary_adult()])
    )


def run(context: Context, request: Any, asynchronous: bool) -> FlightResult:
    if asynchronous:
        result = asyncio.run(screen_async(context, request, now=NOW, live=False))
    else:
        result = screen(context, request, now=NOW, live=False)
    assert isinstance(result, FlightResult)
    return result


def test_bundled_pack_has_the_rule_count_the_unknown_index_cases_assume(
    compiled: CompiledPack,
) -> None:
    assert BUNDLED_RULE_COUNT == len(compiled.rules)


@pytest.mark.parametrize("asynchronous", [False, True])
def test_an_honest_fake_decides_like_the_real_engine(
    compiled: CompiledPack, asynchronous: bool
) -> None:
    context = Context(snapshot_with(compiled, FakeEngine(compiled)))
    result = run(context, flight(), asynchronous)
    assert [Referral.PRIORITY_INTERVIEW, Referral.NONE] == [d.referral for d in result.decisions]


TAMPERED: dict[str, tuple[Tamper, str]] = {
    "a dropped fact (short reply)": (drop_last, "answered for 1 of 2 travelers"),
    "an extra answer": (one_extra, "answered for 3 of 2 travelers"),
    "an unknown rule index past the end": (
        unknown_rule(BUNDLED_RULE_COUNT),
        f"unknown rule index {BUNDLED_RULE_COUNT}",
    ),
    "a negative rule index": (unknown_rule(-1), "unknown rule index -1"),
    "a malformed (text) rule index": (index_as_text, "unknown rule index '"),
}


@pytest.mark.parametrize("asynchronous", [False, True])
@pytest.mark.parametrize("case", sorted(TAMPERED))
def test_an_untrustworthy_reply_raises_and_decides_nothing(
    compiled: CompiledPack, case: str, asynchronous: bool
) -> None:
    tamper, message = TAMPERED[case]
    engine = FakeEngine(compiled, tamper)
    context = Context(snapshot_with(compiled, engine))
    with pytest.raises(ScreeningFailed, match=message):
        run(context, flight(), asynchronous)
    assert 1 == engine.calls


@pytest.mark.parametrize("asynchronous", [False, True])
def test_an_unhealthy_engine_is_not_asked(compiled: CompiledPack, asynchronous: bool) -> None:
    engine = FakeEngine(compiled, healthy=False)
    context = Context(snapshot_with(compiled, engine))
    with pytest.raises(ScreeningFailed, match="not healthy"):
        run(context, flight(), asynchronous)
    assert 0 == engine.calls


@pytest.mark.parametrize("asynchronous", [False, True])
def test_an_engine_error_is_raised_as_screening_failed(
    compiled: CompiledPack, asynchronous: bool
) -> None:
    context = Context(snapshot_with(compiled, FailingEngine(compiled)))
    with pytest.raises(ScreeningFailed, match="rule evaluation failed: fake engine failure"):
        run(context, flight(), asynchronous)


def _pack_copy(into: Path, version: str, drop: str | None = None) -> Snapshot:
    shutil.copytree(BUNDLED_RULES, into)
    pack = into / "pack.yaml"
    pack.write_text(pack.read_text().replace('version: "', f'version: "{version}-', 1))
    if drop is not None:
        (into / drop).unlink()
    compiled = compile_directory(into)
    return snapshot_with(compiled, Engine(compiled.engine_spec))


def _decided(result: FlightResult) -> list[tuple[str, str, float, list[str]]]:
    return [
        (d.traveler_id, d.referral.value, d.score, sorted(h.rule_id for h in d.indicators))
        for d in result.decisions
    ]


@pytest.mark.parametrize(
    ("candidate_drops", "baseline_drops", "same_facts"),
    [(None, None, True), ("minors.yaml", None, False), (None, "minors.yaml", False)],
)
def test_a_baseline_beside_the_candidate_decides_as_it_does_alone(
    tmp_path: Path, candidate_drops: str | None, baseline_drops: str | None, same_facts: bool
) -> None:
    """Replay's ``also``: a baseline reading the same facts evaluates the candidate's
    facts; one reading other fields builds its own; both decide as when screened alone."""
    candidate = _pack_copy(tmp_path / "candidate", "candidate", candidate_drops)
    baseline = _pack_copy(tmp_path / "baseline", "baseline", baseline_drops)
    try:
        same = (candidate.compiled.fact_fields, candidate.compiled.derivations) == (
            baseline.compiled.fact_fields,
            baseline.compiled.derivations,
        )
        assert same is same_facts
        request = pb.ScreenManifestRequest(
            manifest=manifest(
                [lone_minor_cash_last_minute(), ordinary_adult(), interview_adult("T-9")]
            )
        )
        both = screen(Context(candidate), request, now=NOW, live=False, also=(baseline,))
        alone = screen(Context(baseline), request, now=NOW, live=False)
        first = screen(Context(candidate), request, now=NOW, live=False)
        assert isinstance(both, FlightResult)
        assert isinstance(alone, FlightResult)
        assert isinstance(first, FlightResult)
        (beside,) = both.alternatives
        assert beside.snapshot is baseline
        assert _decided(beside) == _decided(alone)
        assert _decided(both) == _decided(first)
        assert any(d.referral is not Referral.NONE for d in alone.decisions)
    finally:
        candidate.engine.close()
        baseline.engine.close()
