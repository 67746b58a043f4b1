"""The durable-rules C extension, used directly and contained.

One `Engine` holds the rulesets (shards) of one compiled pack under names of
its own. `evaluate` asserts a batch of facts into one session per shard,
drains every firing, deletes the session and returns, per fact, the indices
of the rules that fired. Everything the engine can do wrong is turned into
`EngineError`: an error code, a fact the sentinel did not see, a firing that
names an unknown rule. An engine that raised is retired (never reused), since
ENGINE_NOTES.md records crash paths after errors.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import threading
import weakref
from collections.abc import Sequence
from typing import Any, Final

import durable_rules_engine as native
import orjson

from screening_service.catalog import fnv1a_32
from screening_service.engine.spec import SENTINEL, EngineSpec

_ERROR_CODE = re.compile(r"error code: (\d+)")
# A firing is `{"RULE":{"m":{FACT}}}` where FACT is the asserted JSON text as
# sent; facts are asserted with `id` first (pinned by the conformance suite).
_FIRING = re.compile(r'\{"([^"\\]+)":\{"m":\{"id":\s*(\d+)\s*[,}]')


def _firing(message: str) -> tuple[str, object]:
    """Rule name and fact id of one firing, without decoding the whole fact."""
    match = _FIRING.match(message)
    if match:
        return match.group(1), int(match.group(2))
    rule_name, matched = next(iter(json.loads(message).items()))
    return rule_name, matched["m"]["id"]


def encode_facts(facts: Sequence[dict[str, Any]]) -> str:
    """The facts as the engine reads them: compact JSON, non-ASCII text escaped.

    orjson is several times faster than `json.dumps` and writes the same text
    for ASCII-only facts (catalog values are finite floats without exponent
    notation). The engine compares text as written, and rule definitions
    escape non-ASCII characters (`json.dumps`), so a fact with such text is
    encoded the same way or it would never match.
    """
    text = orjson.dumps(facts).decode()
    if text.isascii():
        return text
    return json.dumps(facts, separators=(",", ":"))


_generation = itertools.count(1)
SID_POOL_SIZE: Final = 64


class EngineError(RuntimeError):
    """The engine failed; the evaluation it served did not happen."""

    def __init__(self, message: str, code: int = 0) -> None:
        super().__init__(message)
        self.code = code


def _code(error: BaseException) -> int:
    match = _ERROR_CODE.search(str(error))
    return int(match.group(1)) if match else 0


def _sid_pool(size: int) -> tuple[str, ...]:
    """Session ids whose engine hashes are pairwise distinct (ENGINE_NOTES crash 6)."""
    pool: list[str] = []
    hashes: set[int] = set()
    for n in itertools.count():
        sid = f"s{n}"
        digest = fnv1a_32(sid)
        if digest not in hashes:
            hashes.add(digest)
            pool.append(sid)
        if len(pool) == size:
            return tuple(pool)
    raise AssertionError("unreachable")  # pragma: no cover


SIDS: Final = _sid_pool(SID_POOL_SIZE)


def _delete_rulesets(handles: list[int]) -> None:
    for handle in handles:
        with contextlib.suppress(native.error):
            native.delete_ruleset(handle)


class Engine:
    """Rulesets loaded into durable-rules in this process; thread-safe, one call at a time."""

    def __init__(self, spec: EngineSpec) -> None:
        self.generation = next(_generation)
        self._lock = threading.Lock()
        self._retired = False
        self._sids = itertools.cycle(SIDS)
        self._handles: list[int] = []
        self._names = spec.names
        self._finalizer = weakref.finalize(self, _delete_rulesets, self._handles)
        for shard, definition in enumerate(spec.definitions):
            try:
                handle = native.create_ruleset(
                    f"{spec.prefix}g{self.generation}s{shard}", json.dumps(definition)
                )
            except native.error as error:
                self.close()
                raise EngineError(f"engine refused shard {shard}: {error}", _code(error)) from None
            self._handles.append(handle)

    @property
    def shard_count(self) -> int:
        return len(self._handles)

    @property
    def healthy(self) -> bool:
        return not self._retired

    def close(self) -> None:
        self._retired = True
        self._finalizer()

    def evaluate(
        self, facts: Sequence[dict[str, Any]], timeout: float | None = None
    ) -> list[set[int]]:
        """Fired rule indices per fact; fact ``id`` values must be 0..n-1 in order.

        ``timeout`` is accepted for interface parity with the isolated engine;
        an in-process engine cannot be interrupted.
        """
        if not facts:
            return []
        sid = next(self._sids)
        for fact in facts:
            fact["sid"] = sid
        return self.evaluate_json(encode_facts(facts), len(facts), sid)

    async def evaluate_async(
        self, facts: Sequence[dict[str, Any]], timeout: float | None = None
    ) -> list[set[int]]:
        """The in-process engine cannot yield: this runs to completion on the caller's loop."""
        return self.evaluate(facts, timeout)

    def evaluate_json(self, payload: str, count: int, sid: str) -> list[set[int]]:
        """Evaluate facts already encoded (ids 0..count-1, all carrying ``sid``)."""
        with self._lock:
            if self._retired:
                raise EngineError("engine was retired after an error")
            try:
                return self._evaluate(payload, count, sid)
            except EngineError:
                self._retired = True
                raise
            except native.error as error:
                self._retired = True
                raise EngineError(f"engine error: {error}", _code(error)) from None

    def _evaluate(self, payload: str, count: int, sid: str) -> list[set[int]]:
        fired: list[set[int]] = [set() for _ in range(count)]
        for shard, (handle, names) in enumerate(zip(self._handles, self._names, strict=True)):
            seen: set[int] = set()
            result = native.assert_facts(handle, payload)
            state_handle = result[1] if isinstance(result, tuple) else result
            action = native.start_action_for_state(handle, state_handle)
            message = action[1] if action else None
            while message:
                rule_name, fact_id = _firing(message)
                if not isinstance(fact_id, int) or not 0 <= fact_id < count:
                    raise EngineError(f"engine returned a fact that was not asserted: {fact_id!r}")
                if rule_name == SENTINEL:
                    seen.add(fact_id)
                elif rule_name in names:
                    fired[fact_id].add(names[rule_name])
                else:
                    raise EngineError(f"engine fired an unknown rule {rule_name!r}")
                message = native.complete_and_start_action(handle, state_handle)
            native.delete_state(handle, sid)
            if len(seen) != count:
                raise EngineError(
                    f"the engine evaluated {len(seen)} of {count} facts in shard {shard}"
                )
        return fired
