"""The in-process engine's own guards: a fact the sentinel did not see, a rule it does not know.

The durable-rules extension itself is pinned in test_conformance.py; here the
pack's spec is altered so the guards in `Engine._evaluate` are what fires.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from screening_service.engine.facts import to_fact
from screening_service.engine.native import Engine, EngineError
from screening_service.engine.spec import FACT_KIND, SENTINEL, EngineSpec
from screening_service.rules.build import compile_directory
from tests.conftest import BUNDLED_RULES

MINOR = {
    "traveler.age_years": 15,
    "traveler.is_minor": True,
    "booking.has_parent_or_guardian": False,
}
ADULT = {"traveler.age_years": 40, "traveler.is_minor": False}


@pytest.fixture(scope="module")
def spec() -> EngineSpec:
    return compile_directory(BUNDLED_RULES).engine_spec


@pytest.fixture
def engines() -> Iterator[list[Engine]]:
    made: list[Engine] = []
    yield made
    for engine in made:
        engine.close()


def test_the_bundled_pack_fires_for_the_minor_and_sees_both_facts(
    spec: EngineSpec, engines: list[Engine]
) -> None:
    engine = Engine(spec)
    engines.append(engine)
    fired = engine.evaluate([to_fact(MINOR, 0), to_fact(ADULT, 1)])
    assert 2 == len(fired)
    assert fired[0]
    assert engine.healthy


def test_a_shard_whose_sentinel_misses_a_fact_is_an_error_and_retires_the_engine(
    spec: EngineSpec, engines: list[Engine]
) -> None:
    """The sentinel sees the minor but not the adult: the guard must refuse the reply.

    The sentinel is narrowed, not removed: a ruleset that has never matched
    crashes the process on `delete_state` (ENGINE_NOTES crash path 2), so the
    minor keeps the shard "having matched" and the run safe.
    """
    narrowed = {
        **spec.definitions[0],
        SENTINEL: {"all": [{"m": {"$and": [{"kind": FACT_KIND}, {"traveler.age_years": 15}]}}]},
    }
    altered = dataclasses.replace(
        spec, prefix=spec.prefix + "narrow", definitions=(narrowed, *spec.definitions[1:])
    )
    engine = Engine(altered)
    engines.append(engine)
    with pytest.raises(EngineError, match=r"evaluated 1 of 2 facts in shard 0"):
        engine.evaluate([to_fact(MINOR, 0), to_fact(ADULT, 1)])
    assert not engine.healthy
    with pytest.raises(EngineError, match="retired"):
        engine.evaluate([to_fact(ADULT, 0)])


def test_a_firing_of_a_rule_the_pack_does_not_name_is_an_error(
    spec: EngineSpec, engines: list[Engine]
) -> None:
    altered = dataclasses.replace(
        spec, prefix=spec.prefix + "nameless", names=tuple({} for _ in spec.names)
    )
    engine = Engine(altered)
    engines.append(engine)
    with pytest.raises(EngineError, match="engine fired an unknown rule"):
        engine.evaluate([to_fact(MINOR, 0)])
    assert not engine.healthy


def test_a_refused_shard_is_an_error_at_load(spec: EngineSpec) -> None:
    broken = dataclasses.replace(
        spec, prefix=spec.prefix + "refused", definitions=({"r": {"all": "not a list"}},)
    )
    with pytest.raises(EngineError, match="engine refused shard 0"):
        Engine(broken)


def test_no_facts_is_no_call(spec: EngineSpec, engines: list[Engine]) -> None:
    engine = Engine(spec)
    engines.append(engine)
    assert [] == engine.evaluate([])
