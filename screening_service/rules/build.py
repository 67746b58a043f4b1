"""Rule files -> parse -> check -> compile, for a whole pack directory."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from screening_service.rules.check import check_pack
from screening_service.rules.compile import CompiledPack, compile_pack
from screening_service.rules.errors import ErrorSink, PackError
from screening_service.rules.parse import parse_pack


def compile_directory(directory: Path) -> CompiledPack:
    """Parse, check and compile a pack directory; raise PackError with every finding.

    Warnings (W1xx: a weight that refers alone, an overdue review) do not stop
    the pack; they ride on the result as ``CompiledPack.warnings``.
    """
    sink = ErrorSink()
    pack = parse_pack(directory, sink)
    if pack is None:
        sink.raise_if_any()
        raise PackError([])  # pragma: no cover - parse_pack reports why it returned None
    checked = check_pack(pack, sink)
    compiled = compile_pack(checked, sink)
    sink.raise_if_any()
    return dataclasses.replace(compiled, warnings=tuple(sink.warnings))
