"""The rule author's commands: `rules check`, `rules test`, `rules explain`.

Each returns an exit code (0 ok, 1 findings) and writes plain text for a
person to read.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TextIO

from google.protobuf import json_format

from screening_service.engine.native import EngineError
from screening_service.lookout import LookoutIndex, LookoutLoadError, load_lookout
from screening_service.messages import MessageError, convert, is_message
from screening_service.pipeline.card import card
from screening_service.pipeline.decide import evidence
from screening_service.pipeline.respond import to_proto
from screening_service.pipeline.screen import Context, FlightResult, Request, screen
from screening_service.pipeline.validate import Invalid
from screening_service.proto import pb
from screening_service.pseudonyms import PseudonymKey
from screening_service.rules import prove
from screening_service.rules.build import compile_directory
from screening_service.rules.errors import PackError
from screening_service.rules.prove import run_examples
from screening_service.runtime.pack_policy import empty_pack_problems
from screening_service.runtime.packs import build_engine, build_snapshot


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
    except PackError as error:
        return _report(error, out)
    empty = empty_pack_problems(compiled)
    if empty:
        for problem in empty:
            print(f"{compiled.pack.directory}: {problem}", file=out)
        print(f"{len(empty)} error(s)", file=out)
        return 1
    try:
        engine = build_engine(compiled)
    except PackError as error:
        return _report(error, out)
    info = compiled.pack.info
    for warning in sorted(compiled.warnings, key=lambda w: w.sort_key):
        print(warning, file=out)
    print(
        f"ok: pack {info.version} ({compiled.pack.content_hash[:12]}), {len(compiled.rules)} rules "
        f"in {engine.shard_count} engine shard(s)"
        + (f", {len(compiled.warnings)} warning(s)" if compiled.warnings else ""),
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


def load_requests(path: Path, home_country: str | None = None) -> list[Request]:
    """A traveler or a whole flight from protobuf JSON, or every flight of an airline message.

    Accepts a Traveler, a ScreenRequest (``{"traveler": ...}``), a Manifest
    (it has ``travelers``), a ScreenManifestRequest (``{"manifest": ...}``), or
    a PAXLST / PNRGOV file (converted as `screening convert` does).
    """
    raw = path.read_bytes()
    if is_message(raw[:64]):
        conversion = convert(raw, None, home_country, PseudonymKey.from_environment())
        return [pb.ScreenManifestRequest(manifest=f.manifest) for f in conversion.flights]
    return [_load_json(raw)]


def _load_json(raw: bytes) -> Request:
    data = json.loads(raw.decode("utf-8"))
    if not isinstance(data, dict):
        raise ValueError("the record must be a JSON object")
    if "manifest" in data:
        return pb.ScreenManifestRequest(
            manifest=json_format.ParseDict(data["manifest"], pb.Manifest())
        )
    if "travelers" in data:
        return pb.ScreenManifestRequest(manifest=json_format.ParseDict(data, pb.Manifest()))
    body = data.get("traveler", data)
    return pb.ScreenRequest(traveler=json_format.ParseDict(body, pb.Traveler()))


def _explain_json(result: FlightResult) -> dict[str, Any]:
    compiled = result.snapshot.compiled
    info = compiled.pack.info
    travelers = []
    for decision, record, fired in zip(result.decisions, result.records, result.fired, strict=True):
        rules = []
        for c in compiled.rules:
            verdict: dict[str, Any] = {
                "rule_id": c.rule.id,
                "mode": c.rule.mode.value,
                "fired": c.index in fired,
                "evidence": {e.field: e.value for e in evidence(c, record, info)},
                "phrases": [e.phrase for e in evidence(c, record, info)],
            }
            if c.index not in fired:
                verdict["decided_by"] = prove.explain(c.rule.condition, record)
            rules.append(verdict)
        travelers.append(
            {
                "decision": json_format.MessageToDict(
                    to_proto(decision), preserving_proto_field_name=True
                ),
                "rules": rules,
            }
        )
    return {
        "ruleset_version": result.snapshot.version,
        "ruleset_hash": result.snapshot.content_hash,
        "travelers": travelers,
    }


def _explain_text(result: FlightResult, out: TextIO) -> None:
    snapshot = result.snapshot
    print(f"pack {snapshot.version} ({snapshot.content_hash[:12]})", file=out)
    for decision, record, fired in zip(result.decisions, result.records, result.fired, strict=True):
        print("", file=out)
        for line in card(decision, record, fired, snapshot.compiled):
            print(line, file=out)


def explain(
    directory: Path,
    record_path: Path,
    out: TextIO,
    *,
    lookout: Path | None = None,
    as_json: bool = False,
    home_country: str | None = None,
) -> int:
    """Screen a traveler or a flight as the service would: the officer's card for each traveler
    (or, with ``as_json``, the decision and every rule's verdict and deciding clause)."""
    try:
        snapshot = build_snapshot(directory, prove_examples=False)
    except PackError as error:
        return _report(error, out)
    try:
        index = LookoutIndex.build(load_lookout(lookout)) if lookout else None
        requests = load_requests(record_path, home_country)
    except (LookoutLoadError, MessageError) as error:
        snapshot.engine.close()
        print(error, file=out)
        return 1
    except (OSError, ValueError, json_format.ParseError) as error:
        snapshot.engine.close()
        print(f"cannot read {record_path}: {error}", file=out)
        return 2
    try:
        results = [screen(Context(snapshot, index), r, live=False) for r in requests]
    finally:
        snapshot.engine.close()
    invalid = [v for r in results if isinstance(r, Invalid) for v in r.violations]
    for violation in invalid:
        print(f"invalid: {violation.field} {violation.description}", file=out)
    if invalid:
        return 1
    valid = [r for r in results if not isinstance(r, Invalid)]
    if as_json:
        flights = [_explain_json(r) for r in valid]
        print(json.dumps(flights[0] if len(flights) == 1 else flights, indent=2), file=out)
    else:
        for result in valid:
            _explain_text(result, out)
    return 0
