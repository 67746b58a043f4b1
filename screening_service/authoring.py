"""The rule author's commands: `rules check`, `rules test`, `rules explain`.

Each returns an exit code (0 ok, 1 findings) and writes plain text for a
person to read.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TextIO

from google.protobuf import json_format

from screening_service.engine.native import EngineError
from screening_service.pipeline.decide import ABSENT, decide, evidence
from screening_service.pipeline.enrich import FlightContext, enrich_flight
from screening_service.pipeline.evaluate import evaluate
from screening_service.pipeline.validate import validate_traveler
from screening_service.proto import pb
from screening_service.rules.errors import PackError
from screening_service.rules.prove import run_examples
from screening_service.rules.swap import Snapshot, build_engine, build_snapshot, compile_directory


def _report(error: PackError, out: TextIO) -> int:
    for finding in error.errors:
        print(finding, file=out)
    if error.total > len(error.errors):
        print(f"... and {error.total - len(error.errors)} more", file=out)
    print(f"{error.total} error(s)", file=out)
    return 1


def check(directory: Path, out: TextIO) -> int:
    try:
        compiled = compile_directory(directory)
        engine = build_engine(compiled)
    except PackError as error:
        return _report(error, out)
    info = compiled.pack.info
    print(
        f"ok: pack {info.version} ({compiled.pack.content_hash[:12]}), {len(compiled.rules)} rules "
        f"in {engine.shard_count} engine shard(s)",
        file=out,
    )
    engine.close()
    return 0


def test(directory: Path, out: TextIO) -> int:
    try:
        compiled = compile_directory(directory)
        engine = build_engine(compiled)
    except PackError as error:
        return _report(error, out)
    try:
        outcomes = run_examples(compiled, engine)
    except EngineError as error:
        print(f"engine error while running examples: {error}", file=out)
        return 1
    finally:
        engine.close()
    failed = [o for o in outcomes if not o.passed]
    for outcome in failed:
        wanted = "fire" if outcome.expected_fire else "not fire"
        got = "it fired" if outcome.fired else "it did not"
        print(
            f"FAIL {outcome.rule_id} example {outcome.example.label} ({outcome.example.location}): "
            f"should {wanted}, {got}",
            file=out,
        )
    rules_without = [
        c.rule.id for c in compiled.rules if not (c.rule.examples_refer and c.rule.examples_pass)
    ]
    print(f"{len(outcomes) - len(failed)} passed, {len(failed)} failed", file=out)
    return 1 if failed or rules_without else 0


def load_traveler(path: Path) -> pb.Traveler:
    """A Traveler, or a ScreenRequest holding one, from protobuf JSON."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(data, dict) and "traveler" in data:
        data = data["traveler"]
    return json_format.ParseDict(data, pb.Traveler())


def explain(directory: Path, record_path: Path, out: TextIO) -> int:
    try:
        snapshot: Snapshot = build_snapshot(directory, prove_examples=False)
    except PackError as error:
        return _report(error, out)
    try:
        traveler = load_traveler(record_path)
    except (OSError, ValueError, json_format.ParseError) as error:
        print(f"cannot read {record_path}: {error}", file=out)
        return 2
    violations = validate_traveler(traveler)
    if violations:
        for violation in violations:
            print(f"invalid: {violation.field} {violation.description}", file=out)
        return 1
    now = dt.datetime.now(dt.UTC)
    record = enrich_flight([traveler], FlightContext(), now)[0]
    fired = evaluate(snapshot, [record])[0]
    decision = decide(snapshot, traveler.traveler_id, record, fired, now)
    print(f"pack {snapshot.version} ({snapshot.content_hash[:12]})", file=out)
    for compiled in snapshot.compiled.rules:
        rule = compiled.rule
        mark = "FIRED" if compiled.index in fired else "-    "
        print(f"{mark} {rule.id} [{rule.mode.value}, weight {rule.weight:g}]", file=out)
        for item in evidence(compiled, record):
            shown = item.value if item.value != ABSENT else "absent"
            print(f"        {item.field} = {shown}", file=out)
    print(
        f"referral: {decision.referral.value}  score: {decision.score:g}  "
        + "  ".join(f"{t}: {s:g}" for t, s in decision.typology_scores),
        file=out,
    )
    snapshot.engine.close()
    return 0
