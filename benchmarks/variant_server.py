"""`screening serve` with one setting changed, for what-if measurements (never for production).

    python -m benchmarks.variant_server --inproc-engine serve --rules rules ...

``--inproc-engine`` makes `serve` build its snapshots with the in-process
engine (`EngineOptions(isolated=False)`) instead of engine worker processes:
the shape ENGINE_NOTES.md calls "supervised server processes that each embed
the engine". Everything else is the real command line (`screening_service.cli`).
"""

from __future__ import annotations

import sys
from typing import Any

from screening_service import cli
from screening_service.runtime.packs import EngineOptions
from screening_service.server import app


def _in_process(*args: Any, **kwargs: Any) -> EngineOptions:
    kwargs["isolated"] = False
    return EngineOptions(*args, **kwargs)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if "--inproc-engine" in args:
        args.remove("--inproc-engine")
        app.EngineOptions = _in_process  # type: ignore[attr-defined, assignment, misc, unused-ignore]
    return cli.main(args)


if __name__ == "__main__":
    sys.exit(main())
