"""What an engine is built from: a neutral description of a compiled pack.

The compiler (`rules.compile`) produces an `EngineSpec`; the engines (in
process or in worker processes) load it. Neither side imports the other's
internals, and the worker receives exactly this, as JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

FACT_KIND: Final = "traveler"
SENTINEL: Final = "__evaluated__"
# Seconds one engine call may take before its worker is deemed hung and replaced.
DEFAULT_BUDGET_SECONDS: Final = 2.0


@dataclass(frozen=True)
class EngineSpec:
    """Shard definitions (durable-rules JSON) and, per shard, engine rule name -> rule index.

    ``prefix`` makes ruleset names unique per pack (a ruleset name cannot be
    registered twice in one process).
    """

    prefix: str
    definitions: tuple[dict[str, Any], ...]
    names: tuple[dict[str, int], ...]

    def to_json(self) -> bytes:
        return json.dumps(
            {
                "prefix": self.prefix,
                "definitions": list(self.definitions),
                "names": list(self.names),
            }
        ).encode()

    @classmethod
    def from_json(cls, data: bytes) -> EngineSpec:
        raw = json.loads(data)
        return cls(raw["prefix"], tuple(raw["definitions"]), tuple(raw["names"]))
