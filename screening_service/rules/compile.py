"""Rule files -> parse -> check -> compile: conditions become durable-rules rulesets.

Each rule becomes one single-fact durable-rules rule, anchored on the fact
kind. Conditions are put in negation normal form on the way, under the
language's three-valued semantics: a test of an unknown (absent) field is
unknown, ``not unknown`` is unknown, and a rule fires only when its condition
is true. In negation normal form that needs nothing from the engine but its
own behaviour: a positive or negated comparison never matches a missing
property, so ``not (x > 5)`` becomes ``x <= 5`` and stays quiet when ``x`` is
unknown. Only ``is known`` / ``is unknown`` test absence itself.

What the engine cannot evaluate (field-to-field comparisons, arithmetic, text
tests, quantifiers, ``at least``) becomes a derived boolean property computed
before the engine (`rules.derive`); generated property names are checked for
hash collisions and the per-fact property limit like the catalog's.

Engine limits (see ENGINE_NOTES.md) are respected by construction:

* Error 303 is a fixed 64-entry stack in the engine's alpha walk. A rule's
  worst-case pushes onto that stack are computed from its shape (every test
  matching at once), and rules are packed into shards whose total stays under
  `STACK_BUDGET`; a single rule over the budget is refused with its position.
  The other node limits (children per node, identical conditions, not-exists
  tests per node, rules per ruleset) are far above what such a shard holds.
* Every shard carries a sentinel rule that matches every fact: it keeps the
  "never matched" crash path closed and proves that each fact was evaluated.
* No rule joins two facts: flight-level correlation is computed as group
  fields before evaluation, so the join crash paths cannot be reached.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Final

from screening_service.catalog import CATALOG, hash_collisions, property_names
from screening_service.engine.spec import FACT_KIND, SENTINEL, EngineSpec
from screening_service.rules import condition_ast as ast
from screening_service.rules import errors
from screening_service.rules.derive import (
    DERIVED_NODES,
    Derivation,
    Derivations,
    collect,
    derived_name,
)
from screening_service.rules.errors import ErrorSink, Location, RuleError
from screening_service.rules.model import Pack, Rule

ENGINE_STACK: Final = 64
# The root and the shared kind anchor take two entries; keep a margin below the limit.
STACK_BUDGET: Final = ENGINE_STACK - 2 - 4
MAX_PROPERTIES: Final = 250

NEGATED_OPERATOR: Final = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}
ENGINE_OPERATOR: Final = {"!=": "$neq", "<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte"}

Pattern = dict[str, Any]


@dataclass(frozen=True)
class CompiledRule:
    index: int
    engine_name: str
    rule: Rule
    fields: tuple[str, ...]
    pattern: Pattern
    stack_cost: int


@dataclass(frozen=True)
class CompiledPack:
    pack: Pack
    rules: tuple[CompiledRule, ...]
    shards: tuple[tuple[int, ...], ...]
    derivations: Derivations = field(default_factory=Derivations)
    warnings: tuple[RuleError, ...] = ()

    def definition(self, shard: int) -> dict[str, Any]:
        """The durable-rules ruleset definition (JSON-ready) of one shard."""
        body: dict[str, Any] = {SENTINEL: {"all": [{"m": {"kind": FACT_KIND}}]}}
        for index in self.shards[shard]:
            compiled = self.rules[index]
            body[compiled.engine_name] = {"all": [{"m": compiled.pattern}]}
        return body

    @cached_property
    def fact_fields(self) -> frozenset[str]:
        """Every field a rule of the pack reads: the only ones worth sending to the engine.

        A field no pattern names cannot change a firing (a missing property
        never matches), so leaving the rest out of the facts changes nothing
        but the encoding cost.
        """
        return frozenset(name for compiled in self.rules for name in compiled.fields)

    @cached_property
    def engine_spec(self) -> EngineSpec:
        """What an engine loads: every shard's definition and its rule names."""
        return EngineSpec(
            prefix=f"p{self.pack.content_hash[:12]}",
            definitions=tuple(self.definition(s) for s in range(len(self.shards))),
            names=tuple({self.rules[i].engine_name: i for i in members} for members in self.shards),
        )


def _compare(field: str, op: str, value: ast.Scalar) -> Pattern:
    if op == "==":
        return {field: value}
    return {ENGINE_OPERATOR[op]: {field: value}}


def _missing(field: str) -> Pattern:
    return {"$nex": {field: 1}}


def _present(field: str) -> Pattern:
    return {"$ex": {field: 1}}


def _join(kind: str, items: list[Pattern]) -> Pattern:
    flat: list[Pattern] = []
    for item in items:
        if len(item) == 1 and kind in item:
            flat.extend(item[kind])
        else:
            flat.append(item)
    return flat[0] if len(flat) == 1 else {kind: flat}


def pattern(node: ast.Condition, negate: bool = False) -> Pattern:
    """The engine pattern of a checked condition: negation normal form, three-valued.

    A negated test never adds an "or missing" branch: an unknown value keeps
    the test unknown, and the engine's comparisons never match a missing
    property. List fields reach the engine non-empty (an empty list is sent
    as one reserved item, `engine.facts.EMPTY_LIST_ITEM`), so ``$iall``
    reads a known-empty list as "no item equals the value".
    """
    if isinstance(node, ast.Not):
        return pattern(node.operand, not negate)
    if isinstance(node, ast.And | ast.Or):
        conjunction = isinstance(node, ast.And) != negate
        return _join("$and" if conjunction else "$or", [pattern(o, negate) for o in node.operands])
    if isinstance(node, DERIVED_NODES):
        return {derived_name(node): not negate}
    name = node.field.name
    if isinstance(node, ast.Presence):
        return _present(name) if node.present != negate else _missing(name)
    if isinstance(node, ast.Truthy):
        return {name: not negate}
    if isinstance(node, ast.Contains):
        if not negate:
            return {"$iany": {name: {"$i": node.value.value}}}
        return {"$iall": {name: {"$neq": {"$i": node.value.value}}}}
    if isinstance(node, ast.InList):
        # Distinct values: a repeated branch would fire (and push) once per copy.
        values = list(dict.fromkeys(literal.value for literal in node.values))
        if node.negated == negate:
            return _join("$or", [{name: v} for v in values])
        return _join("$and", [{"$neq": {name: v}} for v in values])
    if not negate:
        return _compare(name, node.op, node.value.value)
    return _compare(name, NEGATED_OPERATOR[node.op], node.value.value)


def stack_cost(item: Pattern, entries: int = 1) -> tuple[int, int]:
    """Worst-case pushes onto the engine's alpha stack, and the exits.

    ``entries`` is how many times the walk arrives at this pattern. A test
    node is pushed once per arrival; an ``$or`` is a forward node reached once
    per matching branch (which is also why an ``$or`` fires once per branch).
    An ``$or`` of equalities on one property matches at most one branch.
    """
    if "$and" in item:
        pushes, current = 0, entries
        for element in item["$and"]:
            cost, current = stack_cost(element, current)
            pushes += cost
        return pushes, current
    if "$or" in item:
        branches = item["$or"]
        if _single_property_equalities(branches):
            return 2 * entries, entries
        pushes, exits = 0, 0
        for branch in branches:
            cost, out = stack_cost(branch, entries)
            pushes += cost
            exits += out
        return pushes + exits, exits
    return entries, entries


def _single_property_equalities(branches: list[Pattern]) -> bool:
    """Equalities on one property with distinct values: at most one can match."""
    names = set()
    values = set()
    for branch in branches:
        if len(branch) != 1:
            return False
        key, value = next(iter(branch.items()))
        if key.startswith("$") or isinstance(value, dict | list):
            return False
        names.add(key)
        values.add((type(value).__name__, value))
    return len(names) == 1 and len(values) == len(branches)


def _shard(rules: list[CompiledRule]) -> tuple[tuple[int, ...], ...]:
    shards: list[list[int]] = []
    load: list[int] = []
    for compiled in sorted(rules, key=lambda r: -r.stack_cost):
        for slot, used in enumerate(load):
            if used + compiled.stack_cost <= STACK_BUDGET:
                shards[slot].append(compiled.index)
                load[slot] += compiled.stack_cost
                break
        else:
            shards.append([compiled.index])
            load.append(compiled.stack_cost)
    return tuple(tuple(sorted(s)) for s in shards) or ((),)


def check_catalog(sink: ErrorSink, extra: tuple[str, ...] = ()) -> None:
    """Property names of the catalog plus the pack's generated ones: count and hashes."""
    names = [*property_names(), *extra]
    if len(names) > MAX_PROPERTIES:
        sink.add(
            errors.E_CATALOG,
            f"the catalog and the pack's derived values make {len(names)} properties; the engine "
            f"takes {MAX_PROPERTIES}: use fewer field-to-field comparisons, text tests, "
            "quantifiers or aggregates",
            Location("<catalog>"),
        )
    for first, second in hash_collisions(names):
        sink.add(
            errors.E_CATALOG,
            f"fields '{first}' and '{second}' share an engine hash",
            Location("<catalog>"),
        )


def compile_pack(pack: Pack, sink: ErrorSink) -> CompiledPack:
    """Compile checked rules; shapes the engine cannot run go to ``sink``."""
    derived: dict[str, Derivation] = {}
    for rule in pack.rules:
        for item in collect(rule.condition):
            derived.setdefault(item.name, item)
    derivations = Derivations(tuple(derived.values()), pack.info.aggregates)
    check_catalog(sink, derivations.names)
    compiled: list[CompiledRule] = []
    for index, rule in enumerate(pack.rules):
        condition = pattern(rule.condition)
        body = _join("$and", [{"kind": FACT_KIND}, condition])
        pushes, _ = stack_cost(condition)
        if pushes > STACK_BUDGET:
            sink.add(
                errors.E_LIMIT,
                f"the condition has {pushes} match paths in the worst case; the engine takes at "
                f"most {STACK_BUDGET} per rule: split it into several rules or use fewer 'or' "
                "alternatives",
                rule.when_source.locate(rule.condition.pos),
                rule.id,
            )
            continue
        compiled.append(
            CompiledRule(
                index=len(compiled),
                engine_name=f"r{index}",
                rule=rule,
                fields=ast.fields_read(rule.condition),
                pattern=body,
                stack_cost=pushes,
            )
        )
    known = set(CATALOG) | set(derivations.names)
    unknown = {f for c in compiled for f in c.fields if f not in known}
    if unknown:  # pragma: no cover - the checker refuses unknown fields first
        raise AssertionError(f"unchecked fields reached the compiler: {sorted(unknown)}")
    return CompiledPack(
        pack=pack, rules=tuple(compiled), shards=_shard(compiled), derivations=derivations
    )
