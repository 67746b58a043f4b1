"""Engine conformance: pins the durable-rules 2.0.28 facts our engine layer relies on.

Every test talks to the C extension ``durable_rules_engine`` directly (not
``durable.lang``), the way ``screening_service.engine.native`` does, so an
upgrade of the engine or a new rule shape cannot silently change what
/work/shared/ENGINE_NOTES.md records.

In-process rulesets always carry a sentinel rule that matches every fact and
every firing is drained before ``delete_state``: that keeps crash paths 2 and 3
closed inside the test runner. Every crash-shaped reproduction runs in a child
interpreter, so a crash is a failed assertion and not a dead test runner.

About the crash reproductions: the engine allocates session (state) nodes with
``malloc`` and never initialises their ``context.messages`` pointer
(``createStateNode`` in ``src/rules/state.c``); ``deleteStateNode`` frees that
pointer unless an action was started and completed on the session first. On a
clean heap the pointer happens to be NULL and nothing happens; on a heap that
holds freed garbage it is a wild ``free``. The children therefore fill the heap
with non-zero garbage first (``pollute_heap()``), which makes crash paths 2 and
3 deterministic instead of depending on what the process did before.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final, TypeAlias

import durable_rules_engine as native
import pytest

from screening_service.catalog import fnv1a_32, hash_collisions, property_names
from screening_service.engine.native import SIDS
from screening_service.engine.spec import FACT_KIND, SENTINEL
from screening_service.rules import condition_ast as ast
from screening_service.rules.compile import (
    STACK_BUDGET,
    CompiledPack,
    compile_pack,
    stack_cost,
)
from screening_service.rules.errors import ErrorSink, Location
from screening_service.rules.model import (
    ExpressionSource,
    Mode,
    Pack,
    PackInfo,
    Rule,
    Typology,
)

Pattern: TypeAlias = dict[str, Any]
Fact: TypeAlias = dict[str, Any]

KIND: Final = "t"
SID: Final = "s1"
RULE: Final = "r"
SENTINEL_RULE: Final = "sentinel"

# Status codes returned by assert_fact(s) (see _handle_result in durable/engine.py).
HANDLED: Final = 0
NOT_HANDLED: Final = 1
OBSERVED: Final = 2  # the fact (same id) is already in the session: dropped

# Engine error codes our layer parses out of "... error code: N".
ERR_MAX_STACK_SIZE: Final = 303
ERR_SID_NOT_FOUND: Final = 309

# ENGINE_NOTES crash 6: two different sids the engine maps to one session.
COLLIDING_SIDS: Final = ("trav-154669", "trav-1600020")
# Two property names with one FNV-1a hash, found with our fnv1a_32 (birthday search).
COLLIDING_PROPERTIES: Final = ("p2039599", "p2222382")

CHILD_TIMEOUT: Final = 60

# ---------------------------------------------------------------------------
# In-process helpers
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Firing:
    rule: str
    fact_id: Any  # an int for our facts; "sid-<sid>" for the engine's session fact


def anchored(condition: Pattern, kind: str = KIND) -> Pattern:
    """A single-fact pattern anchored on the fact kind, as our compiler emits them."""
    return {"$and": [{"kind": kind}, condition]}


def single(pattern: Pattern) -> dict[str, Any]:
    return {"all": [{"m": pattern}]}


def with_sentinel(rules: Mapping[str, Pattern], kind: str = KIND) -> dict[str, Any]:
    """A ruleset definition: the given single-fact rules plus a sentinel on ``kind``."""
    definition: dict[str, Any] = {SENTINEL_RULE: single({"kind": kind})}
    definition.update({name: single(pattern) for name, pattern in rules.items()})
    return definition


def unique_name(prefix: str = "conformance") -> str:
    return f"{prefix}_{uuid.uuid4().hex}"


@dataclass
class Ruleset:
    """One ruleset created from its JSON definition; tracks sessions for teardown."""

    definition: Mapping[str, Any]
    name: str = field(default_factory=unique_name)
    handle: int = field(init=False)
    live_sids: set[str] = field(init=False, default_factory=set)

    def __post_init__(self) -> None:
        self.handle = native.create_ruleset(self.name, json.dumps(self.definition))

    def assert_facts(self, facts: Sequence[Fact], sid: str = SID) -> tuple[int, list[Firing]]:
        """Assert a batch into one session (as Engine._evaluate does); drain every firing."""
        payload = [{**fact, "sid": sid} for fact in facts]
        status, state = native.assert_facts(self.handle, json.dumps(payload))
        self.live_sids.add(sid)
        return status, self.drain(state)

    def assert_fact(self, fact: Fact, sid: str = SID) -> tuple[int, list[Firing]]:
        status, state = native.assert_fact(self.handle, json.dumps({**fact, "sid": sid}))
        self.live_sids.add(sid)
        return status, self.drain(state)

    def drain(self, state: int) -> list[Firing]:
        firings: list[Firing] = []
        action = native.start_action_for_state(self.handle, state)
        message = action[1] if action else None
        while message:
            rule, matched = next(iter(json.loads(message).items()))
            firings.append(Firing(rule, matched["m"].get("id")))
            message = native.complete_and_start_action(self.handle, state)
        return firings

    def delete_state(self, sid: str) -> None:
        self.live_sids.discard(sid)
        native.delete_state(self.handle, sid)

    def close(self) -> None:
        for sid in sorted(self.live_sids):
            native.delete_state(self.handle, sid)
        self.live_sids.clear()
        native.delete_ruleset(self.handle)


MakeRuleset: TypeAlias = Callable[[Mapping[str, Any]], Ruleset]


@pytest.fixture
def make_ruleset() -> Iterator[MakeRuleset]:
    """Create rulesets with unique names; delete their sessions and them afterwards."""
    created: list[Ruleset] = []

    def make(definition: Mapping[str, Any]) -> Ruleset:
        ruleset = Ruleset(definition)
        created.append(ruleset)
        return ruleset

    yield make
    for ruleset in created:
        ruleset.close()


def fired_ids(firings: Sequence[Firing], rule: str = RULE) -> list[Any]:
    """Fact ids the given rule fired for, in order (repeats kept)."""
    return [f.fact_id for f in firings if f.rule == rule]


def evaluate_one_rule(
    make_ruleset: MakeRuleset, condition: Pattern, values: Sequence[object], prop: str = "x"
) -> list[object]:
    """Values of ``prop`` for which the anchored ``condition`` fired (one fact each)."""
    ruleset = make_ruleset(with_sentinel({RULE: anchored(condition)}))
    facts = [{"id": n, "kind": KIND, prop: value} for n, value in enumerate(values)]
    _, firings = ruleset.assert_facts(facts)
    assert list(range(len(values))) == sorted(fired_ids(firings, SENTINEL_RULE))
    return [values[position] for position in sorted(fired_ids(firings))]


# ---------------------------------------------------------------------------
# Child-process helpers (crash-shaped reproductions)
# ---------------------------------------------------------------------------

_CHILD_PRELUDE: Final = """\
import json
import sys

import durable_rules_engine as native

PARAMS = json.loads(sys.argv[1])


def pollute_heap():
    # Freed 40 kB blocks of 0x41: later mallocs of the engine's pools reuse them.
    junk = [bytes([0x41]) * 40000 for _ in range(64)]
    del junk


def drain(handle, state):
    fired = 0
    action = native.start_action_for_state(handle, state)
    message = action[1] if action else None
    while message:
        fired += 1
        message = native.complete_and_start_action(handle, state)
    return fired


def say(*parts):
    print(*parts, flush=True)

"""


@dataclass(frozen=True)
class ChildResult:
    returncode: int
    stdout: str
    stderr: str

    @property
    def lines(self) -> list[str]:
        return self.stdout.splitlines()

    def describe(self) -> str:
        return f"rc={self.returncode}\nstdout:\n{self.stdout}\nstderr:\n{self.stderr}"


def run_child(body: str, params: Mapping[str, Any] | None = None) -> ChildResult:
    """Run engine code in a fresh interpreter; a segfault there is just a return code."""
    code = _CHILD_PRELUDE + textwrap.dedent(body)
    completed = subprocess.run(
        [sys.executable, "-c", code, json.dumps(dict(params or {}))],
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT,
        check=False,
    )
    return ChildResult(completed.returncode, completed.stdout, completed.stderr)


def assert_child_crashed(result: ChildResult) -> None:
    """The child died from a signal (SIGSEGV / SIGABRT), not from a Python error."""
    assert result.returncode < 0, result.describe()
    assert "Traceback" not in result.stderr, result.describe()


def assert_child_clean(result: ChildResult) -> None:
    assert result.returncode == 0, result.describe()


def gt_rules(count: int, prop: str = "a", kind: str = KIND) -> dict[str, Pattern]:
    """``count`` rules ``prop > n`` (distinct n), each anchored on ``kind``."""
    return {f"g{n}": anchored({"$gt": {prop: n}}, kind) for n in range(count)}


# ---------------------------------------------------------------------------
# API shape our layer depends on
# ---------------------------------------------------------------------------


def test_assert_and_drain_api_shape(make_ruleset: MakeRuleset) -> None:
    ruleset = make_ruleset(with_sentinel({RULE: anchored({"x": 1})}))
    result = native.assert_facts(
        ruleset.handle, json.dumps([{"id": 7, "kind": KIND, "x": 1, "sid": SID}])
    )
    ruleset.live_sids.add(SID)
    assert isinstance(result, tuple)
    assert 2 == len(result)
    status, state = result
    assert HANDLED == status
    assert isinstance(state, int)
    action = native.start_action_for_state(ruleset.handle, state)
    assert isinstance(action, tuple)
    first = json.loads(action[1])
    second = json.loads(native.complete_and_start_action(ruleset.handle, state))
    # One firing per call, as {rule name: {"m": matched fact}}.
    assert {SENTINEL_RULE, RULE} == {next(iter(first)), next(iter(second))}
    assert {"id": 7, "kind": KIND, "x": 1, "sid": SID} == first[next(iter(first))]["m"]
    assert native.complete_and_start_action(ruleset.handle, state) is None


def test_sentinel_sees_a_fact_no_rule_matches(make_ruleset: MakeRuleset) -> None:
    """Without the sentinel the status would be NOT_HANDLED (pinned in the crash-2 children)."""
    ruleset = make_ruleset(with_sentinel({RULE: anchored({"x": 1})}))
    status, firings = ruleset.assert_fact({"id": 1, "kind": KIND, "x": 2})
    assert (HANDLED, [Firing(SENTINEL_RULE, 1)]) == (status, firings)


def test_error_message_carries_the_code_our_layer_parses(make_ruleset: MakeRuleset) -> None:
    ruleset = make_ruleset(with_sentinel({}))
    with pytest.raises(native.error) as raised:
        native.delete_state(ruleset.handle, "never-created")
    assert f"error code: {ERR_SID_NOT_FOUND}" in str(raised.value)


def test_dotted_flat_property_names_match_dotted_rule_names(make_ruleset: MakeRuleset) -> None:
    """Our facts use flat dotted keys ("traveler.age_years"); the engine accepts both forms."""
    ruleset = make_ruleset(with_sentinel({RULE: anchored({"$gt": {"traveler.age_years": 18}})}))
    _, firings = ruleset.assert_facts(
        [
            {"id": 1, "kind": KIND, "traveler.age_years": 20},
            {"id": 2, "kind": KIND, "traveler.age_years": 10},
            {"id": 3, "kind": KIND, "traveler": {"age_years": 30}},
        ]
    )
    assert [1, 3] == sorted(fired_ids(firings))


# ---------------------------------------------------------------------------
# 1-2. Type coercion hazards
# ---------------------------------------------------------------------------


def test_number_against_string_compares_as_text(make_ruleset: MakeRuleset) -> None:
    """``age > 18``: "9" fires (text "9" > "18"), "100" does not; int 9 does not."""
    ruleset = make_ruleset(with_sentinel({RULE: anchored({"$gt": {"age": 18}})}))
    _, firings = ruleset.assert_facts(
        [
            {"id": 1, "kind": KIND, "age": "9"},
            {"id": 2, "kind": KIND, "age": "100"},
            {"id": 3, "kind": KIND, "age": 9},
            {"id": 4, "kind": KIND, "age": 100},
        ]
    )
    assert [1, 2, 3, 4] == sorted(fired_ids(firings, SENTINEL_RULE))
    assert [1, 4] == sorted(fired_ids(firings))


def test_equals_one_matches_true_and_text(make_ruleset: MakeRuleset) -> None:
    values: list[object] = [1, "1", 1.0, True, False, 0, "", 2, "true"]
    assert [1, "1", 1.0, True] == evaluate_one_rule(make_ruleset, {"x": 1}, values)


def test_equals_zero_matches_false(make_ruleset: MakeRuleset) -> None:
    # ENGINE_NOTES also lists "" as matching ``x == 0``: measured here, it does not.
    values: list[object] = [0, 0.0, False, "0", "", True, 1, "false"]
    assert [0, 0.0, False, "0"] == evaluate_one_rule(make_ruleset, {"x": 0}, values)


def test_equals_true_matches_one_and_text(make_ruleset: MakeRuleset) -> None:
    values: list[object] = [True, 1, "true", False, 0, "yes"]
    assert [True, 1, "true"] == evaluate_one_rule(make_ruleset, {"x": True}, values)


# ---------------------------------------------------------------------------
# 3. Missing properties
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "condition",
    [
        pytest.param({"$gt": {"x": 1}}, id="gt"),
        pytest.param({"$lt": {"x": 1}}, id="lt"),
        pytest.param({"x": 1}, id="eq"),
        pytest.param({"$neq": {"x": 1}}, id="neq"),
    ],
)
def test_comparison_on_missing_property_does_not_fire(
    make_ruleset: MakeRuleset, condition: Pattern
) -> None:
    ruleset = make_ruleset(with_sentinel({RULE: anchored(condition)}))
    _, firings = ruleset.assert_fact({"id": 1, "kind": KIND, "y": 5})
    assert [Firing(SENTINEL_RULE, 1)] == firings


def test_exists_and_not_exists_work(make_ruleset: MakeRuleset) -> None:
    ruleset = make_ruleset(
        with_sentinel({"ex": anchored({"$ex": {"x": 1}}), "nex": anchored({"$nex": {"x": 1}})})
    )
    _, firings = ruleset.assert_facts(
        [
            {"id": 1, "kind": KIND, "x": 5},
            {"id": 2, "kind": KIND, "y": 5},
            {"id": 3, "kind": KIND, "x": False},
        ]
    )
    assert [1, 3] == sorted(fired_ids(firings, "ex"))
    assert [2] == fired_ids(firings, "nex")


def test_bare_not_exists_also_matches_the_session_fact(make_ruleset: MakeRuleset) -> None:
    """Why our compiler anchors every rule on the fact kind."""
    ruleset = make_ruleset(with_sentinel({RULE: {"$nex": {"x": 1}}}))
    _, firings = ruleset.assert_fact({"id": 1, "kind": KIND, "x": 5})
    assert [f"sid-{SID}"] == fired_ids(firings)


# ---------------------------------------------------------------------------
# 4. $or fires once per matching branch
# ---------------------------------------------------------------------------


def test_or_fires_once_per_matching_branch(make_ruleset: MakeRuleset) -> None:
    condition = {"$or": [{"$gt": {"a": 1}}, {"$gt": {"b": 1}}, {"c": 3}]}
    ruleset = make_ruleset(with_sentinel({RULE: anchored(condition)}))
    _, firings = ruleset.assert_facts(
        [
            {"id": 1, "kind": KIND, "a": 5, "b": 5, "c": 3},
            {"id": 2, "kind": KIND, "a": 5, "b": 0, "c": 3},
            {"id": 3, "kind": KIND, "a": 5},
            {"id": 4, "kind": KIND, "a": 0},
        ]
    )
    counts = {n: fired_ids(firings).count(n) for n in (1, 2, 3, 4)}
    assert {1: 3, 2: 2, 3: 1, 4: 0} == counts


def test_or_of_identical_equalities_fires_per_branch(make_ruleset: MakeRuleset) -> None:
    """Equality branches on one property are only exclusive when their values differ."""
    condition = {"$or": [{"x": 1}, {"x": 1}, {"x": 2}]}
    ruleset = make_ruleset(with_sentinel({RULE: anchored(condition)}))
    _, firings = ruleset.assert_facts(
        [{"id": 1, "kind": KIND, "x": 1}, {"id": 2, "kind": KIND, "x": 2}]
    )
    assert [1, 1, 2] == sorted(fired_ids(firings))


# ---------------------------------------------------------------------------
# 5. Arrays
# ---------------------------------------------------------------------------


def test_iany_matches_lists(make_ruleset: MakeRuleset) -> None:
    condition = {"$iany": {"tags": {"$i": "x"}}}
    values: list[object] = [["a", "x"], ["x"], ["a"], []]
    assert [["a", "x"], ["x"]] == evaluate_one_rule(make_ruleset, condition, values, "tags")


def test_iall_does_not_match_an_empty_list(make_ruleset: MakeRuleset) -> None:
    """Why facts.py leaves empty lists out of the fact (absent, not empty)."""
    condition = {"$iall": {"tags": {"$neq": {"$i": "x"}}}}
    values: list[object] = [["a", "b"], ["a", "x"], []]
    assert [["a", "b"]] == evaluate_one_rule(make_ruleset, condition, values, "tags")


def test_iall_equality_matches_only_uniform_lists(make_ruleset: MakeRuleset) -> None:
    condition = {"$iall": {"tags": {"$i": "x"}}}
    values: list[object] = [["x", "x"], ["x", "a"], []]
    assert [["x", "x"]] == evaluate_one_rule(make_ruleset, condition, values, "tags")


# ---------------------------------------------------------------------------
# 6. Hashes: our fnv1a_32 is the engine's hash
# ---------------------------------------------------------------------------


def test_fnv1a_32_reference_vectors() -> None:
    assert 0x811C9DC5 == fnv1a_32("")
    assert 0xE40C292C == fnv1a_32("a")
    assert 0xBF9CF968 == fnv1a_32("foobar")


def test_crash6_sids_collide_under_our_hash() -> None:
    first, second = COLLIDING_SIDS
    assert first != second
    assert fnv1a_32(first) == fnv1a_32(second)


def test_colliding_sids_share_one_engine_session(make_ruleset: MakeRuleset) -> None:
    first, second = COLLIDING_SIDS
    ruleset = make_ruleset(with_sentinel({}))
    assert (HANDLED, [Firing(SENTINEL_RULE, 1)]) == ruleset.assert_fact(
        {"id": 1, "kind": KIND}, first
    )
    # Same id under the other sid: the engine sees a duplicate in the same session.
    assert (OBSERVED, []) == ruleset.assert_fact({"id": 1, "kind": KIND}, second)
    stored = json.loads(native.get_facts(ruleset.handle, second))
    assert [{"id": 1, "kind": KIND, "sid": first}] == stored
    ruleset.delete_state(first)
    with pytest.raises(native.error, match=f"error code: {ERR_SID_NOT_FOUND}"):
        ruleset.delete_state(second)


def test_colliding_property_names_are_one_property_to_the_engine(
    make_ruleset: MakeRuleset,
) -> None:
    wanted, other = COLLIDING_PROPERTIES
    assert fnv1a_32(wanted) == fnv1a_32(other)
    ruleset = make_ruleset(with_sentinel({RULE: anchored({wanted: 5})}))
    _, firings = ruleset.assert_facts(
        [
            {"id": 1, "kind": KIND, other: 5},  # only the colliding name: still fires
            {"id": 2, "kind": KIND, f"{other}x": 5},  # a non-colliding name: does not
        ]
    )
    assert [1] == fired_ids(firings)


def test_sid_pool_hashes_are_pairwise_distinct() -> None:
    hashes = [fnv1a_32(sid) for sid in SIDS]
    assert len(SIDS) == len(set(SIDS))
    assert len(hashes) == len(set(hashes))


def test_catalog_property_names_do_not_collide() -> None:
    assert [] == hash_collisions(property_names())


# ---------------------------------------------------------------------------
# 7. Error 303 and the compiler's sharding
# ---------------------------------------------------------------------------

_ASSERT_ONE_FACT: Final = """\
handle = native.create_ruleset(PARAMS["name"], json.dumps(PARAMS["definition"]))
try:
    status, state = native.assert_facts(handle, json.dumps([PARAMS["fact"]]))
except native.error as error:
    say("ERROR", error)
else:
    say("FIRED", drain(handle, state))
    native.delete_state(handle, PARAMS["fact"]["sid"])
    say("DELETED")
# After an error, no delete_state: that is crash path 3.
"""

BIG_A_FACT: Final = {"id": 1, "kind": KIND, "a": 1_000_000, "sid": SID}


def test_error_303_when_one_fact_matches_more_than_64_alpha_nodes() -> None:
    result = run_child(
        _ASSERT_ONE_FACT,
        {"name": unique_name(), "definition": with_sentinel(gt_rules(80)), "fact": BIG_A_FACT},
    )
    assert_child_clean(result)
    assert [f"ERROR Could not assert facts, error code: {ERR_MAX_STACK_SIZE}"] == result.lines


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        (64, ["FIRED 65", "DELETED"]),
        (65, [f"ERROR Could not assert facts, error code: {ERR_MAX_STACK_SIZE}"]),
    ],
)
def test_error_303_boundary(rules: int, expected: list[str]) -> None:
    """64 matching anchored rules plus the sentinel pass; 65 exceed the engine's stack."""
    result = run_child(
        _ASSERT_ONE_FACT,
        {"name": unique_name(), "definition": with_sentinel(gt_rules(rules)), "fact": BIG_A_FACT},
    )
    assert_child_clean(result)
    assert expected == result.lines


def _rule(index: int, condition: ast.Condition, when: str) -> Rule:
    location = Location("conformance.yaml", index + 1, 1)
    return Rule(
        id=f"conformance-{index}",
        title=when,
        typology="conformance",
        weight=1.0,
        mode=Mode.ENFORCE,
        refer_priority=False,
        rationale="engine conformance",
        source="tests/engine",
        when=when,
        condition=condition,
        when_source=ExpressionSource("conformance.yaml", index + 1, 11),
        examples_refer=(),
        examples_pass=(),
        location=location,
    )


def _age_above_pack(count: int) -> Pack:
    """``count`` rules ``traveler.age_years > n`` (n = 0 .. count-1), built as ASTs."""
    pos = ast.Pos(1, 1)
    rules = tuple(
        _rule(
            n,
            ast.Compare(ast.FieldRef("traveler.age_years", pos), ">", ast.Literal(n, pos), pos),
            f"traveler.age_years > {n}",
        )
        for n in range(count)
    )
    info = PackInfo(
        name="conformance",
        version="c-1",
        interview_threshold=1.0,
        priority_threshold=2.0,
        typologies=MappingProxyType({"conformance": Typology("conformance", "Conformance")}),
        location=Location("pack.yaml"),
    )
    return Pack(info=info, rules=rules, content_hash="0" * 64, directory="<conformance>")


@pytest.fixture(scope="module")
def compiled_80() -> CompiledPack:
    sink = ErrorSink()
    compiled = compile_pack(_age_above_pack(80), sink)
    assert [] == sink.errors
    return compiled


def test_stack_cost_of_a_simple_comparison_is_one() -> None:
    assert (1, 1) == stack_cost({"$gt": {"a": 7}})


def test_compiler_shards_80_matching_rules_under_the_budget(compiled_80: CompiledPack) -> None:
    shards = compiled_80.shards
    costs = [sum(compiled_80.rules[i].stack_cost for i in shard) for shard in shards]
    assert 80 == sum(costs)  # every rule costs 1
    assert len(shards) >= 2
    assert all(cost <= STACK_BUDGET for cost in costs), costs
    assert list(range(80)) == sorted(i for shard in shards for i in shard)
    assert STACK_BUDGET < 64  # the budget itself stays below the engine's stack


def test_every_shard_of_the_compiled_pack_asserts_cleanly(
    make_ruleset: MakeRuleset, compiled_80: CompiledPack
) -> None:
    fired: list[str] = []
    for shard, members in enumerate(compiled_80.shards):
        ruleset = make_ruleset(compiled_80.definition(shard))
        fact = {"id": 1, "kind": FACT_KIND, "traveler.age_years": 1000}
        status, firings = ruleset.assert_facts([fact], SIDS[0])
        assert HANDLED == status
        assert [1] == fired_ids(firings, SENTINEL)
        names = sorted(f.rule for f in firings if f.rule != SENTINEL)
        assert sorted(compiled_80.rules[i].engine_name for i in members) == names
        fired.extend(names)
    assert sorted(r.engine_name for r in compiled_80.rules) == sorted(fired)


def test_the_same_pack_unsharded_hits_303(compiled_80: CompiledPack) -> None:
    merged: dict[str, Any] = {}
    for shard in range(len(compiled_80.shards)):
        merged.update(compiled_80.definition(shard))
    fact = {"id": 1, "kind": FACT_KIND, "traveler.age_years": 1000, "sid": SIDS[0]}
    result = run_child(
        _ASSERT_ONE_FACT, {"name": unique_name(), "definition": merged, "fact": fact}
    )
    assert_child_clean(result)
    assert [f"ERROR Could not assert facts, error code: {ERR_MAX_STACK_SIZE}"] == result.lines


def test_crash_path_3_delete_state_after_303() -> None:
    body = """\
    pollute_heap()
    handle = native.create_ruleset(PARAMS["name"], json.dumps(PARAMS["definition"]))
    try:
        native.assert_facts(handle, json.dumps([PARAMS["fact"]]))
    except native.error as error:
        say("ERROR", error)
    native.delete_state(handle, PARAMS["fact"]["sid"])
    say("SURVIVED")
    """
    result = run_child(
        body,
        {"name": unique_name(), "definition": with_sentinel(gt_rules(80)), "fact": BIG_A_FACT},
    )
    assert_child_crashed(result)
    assert [f"ERROR Could not assert facts, error code: {ERR_MAX_STACK_SIZE}"] == result.lines


# ---------------------------------------------------------------------------
# 8. Crash path 2: delete_state of a session that never had an action
# ---------------------------------------------------------------------------

_CRASH_2: Final = """\
pollute_heap()
handle = native.create_ruleset(PARAMS["name"], json.dumps(PARAMS["definition"]))
if PARAMS["warm_up"]:
    status, state = native.assert_fact(handle, json.dumps({"a": 1, "sid": "w", "id": 1}))
    say("WARM", status, drain(handle, state))
    native.delete_state(handle, "w")
status, state = native.assert_fact(handle, json.dumps({"a": 2}))
fired = drain(handle, state) if PARAMS["drain"] else "-"
say("ASSERTED", status, fired)
native.delete_state(handle, "0")
say("SURVIVED")
"""

_CRASH_2_RULE: Final = {"r": single({"a": 1})}
_CRASH_2_WITH_SENTINEL: Final = {**_CRASH_2_RULE, "sentinel": single({"$ex": {"a": 1}})}


def _crash_2(definition: Mapping[str, Any], *, drain: bool, warm_up: bool = False) -> ChildResult:
    params = {"name": unique_name(), "definition": definition, "drain": drain, "warm_up": warm_up}
    return run_child(_CRASH_2, params)


def test_crash_path_2_first_fact_unmatched_then_delete_state() -> None:
    result = _crash_2(_CRASH_2_RULE, drain=True)
    assert_child_crashed(result)
    assert [f"ASSERTED {NOT_HANDLED} 0"] == result.lines


def test_crash_path_2_closed_by_a_drained_sentinel() -> None:
    result = _crash_2(_CRASH_2_WITH_SENTINEL, drain=True)
    assert_child_clean(result)
    assert [f"ASSERTED {HANDLED} 1", "SURVIVED"] == result.lines


def test_crash_path_2_sentinel_protects_only_once_drained() -> None:
    """Our layer must drain before delete_state: a matched but undrained session crashes too."""
    result = _crash_2(_CRASH_2_WITH_SENTINEL, drain=False)
    assert_child_crashed(result)
    assert [f"ASSERTED {HANDLED} -"] == result.lines


def test_crash_path_2_closed_by_one_warm_up_match() -> None:
    result = _crash_2(_CRASH_2_RULE, drain=True, warm_up=True)
    assert_child_clean(result)
    assert [f"WARM {HANDLED} 1", f"ASSERTED {NOT_HANDLED} 0", "SURVIVED"] == result.lines


# ---------------------------------------------------------------------------
# 9. Duplicate facts
# ---------------------------------------------------------------------------


def test_duplicate_fact_is_dropped_silently(make_ruleset: MakeRuleset) -> None:
    ruleset = make_ruleset(with_sentinel({RULE: anchored({"x": 1})}))
    first = ruleset.assert_fact({"id": 1, "kind": KIND, "x": 1})
    assert (HANDLED, [Firing(SENTINEL_RULE, 1), Firing(RULE, 1)]) == first
    # Same id, same or different content: not an error, nothing fires, nothing changes.
    assert (OBSERVED, []) == ruleset.assert_fact({"id": 1, "kind": KIND, "x": 1})
    assert (OBSERVED, []) == ruleset.assert_fact({"id": 1, "kind": KIND, "x": 2})
    stored = json.loads(native.get_facts(ruleset.handle, SID))
    assert [{"id": 1, "kind": KIND, "x": 1, "sid": SID}] == stored


def test_duplicate_id_in_one_batch_is_dropped_silently(make_ruleset: MakeRuleset) -> None:
    """Engine._evaluate relies on the sentinel count to notice this."""
    ruleset = make_ruleset(with_sentinel({}))
    _, firings = ruleset.assert_facts(
        [
            {"id": 1, "kind": KIND, "x": 1},
            {"id": 1, "kind": KIND, "x": 2},
            {"id": 2, "kind": KIND, "x": 3},
        ]
    )
    assert [1, 2] == sorted(fired_ids(firings, SENTINEL_RULE))


def test_firing_messages_start_with_the_rule_name_and_the_fact_id() -> None:
    """Our layer reads the rule name and fact id of a firing without decoding the fact."""
    from screening_service.engine.native import _firing  # noqa: PLC0415 - the private parser

    message = '{"r0":{"m":{"id":12,"kind":"traveler","x":"a\\\\"b","sid":"s0"}}}'
    assert _firing(message) == ("r0", 12)
    assert _firing('{"r0":{"m":{"kind":"traveler","id":3}}}') == ("r0", 3)


def test_real_firings_match_the_fast_parser() -> None:
    """The engine's own messages take the fast path (no fallback to json.loads)."""
    from screening_service.engine.facts import to_fact  # noqa: PLC0415
    from screening_service.engine.native import _FIRING  # noqa: PLC0415 - the private pattern

    name = f"fmt_{uuid.uuid4().hex}"
    definition = {"__evaluated__": {"all": [{"m": {"kind": "traveler"}}]}}
    handle = native.create_ruleset(name, json.dumps(definition))
    facts = [
        to_fact({"traveler.age_years": 15, "booking.payment_form": "cash"}, n) for n in range(3)
    ]
    for fact in facts:
        fact["sid"] = "s0"
    result = native.assert_facts(handle, json.dumps(facts))
    action = native.start_action_for_state(handle, result[1])
    messages = []
    message = action[1] if action else None
    while message:
        messages.append(message)
        message = native.complete_and_start_action(handle, result[1])
    native.delete_state(handle, "s0")
    native.delete_ruleset(handle)
    assert sorted(int(_FIRING.match(m).group(2)) for m in messages) == [0, 1, 2]  # type: ignore[union-attr]
