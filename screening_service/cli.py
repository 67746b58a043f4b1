"""The `screening` command line: serve, and the rule author's tools.

Exit codes: 0 success, 1 findings (rule errors, failed examples), 2 usage.
Every `serve` option can also be given as a SCREENING_* environment variable.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Final

BUNDLED_RULES: Final = Path(__file__).resolve().parent.parent / "rules"
DEFAULT_ADDRESS: Final = "127.0.0.1:50051"
DEFAULT_METRICS_ADDRESS: Final = "127.0.0.1:9464"


def _env(name: str, default: str) -> str:
    return os.environ.get(f"SCREENING_{name}", default)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="screening", description="Traveler risk-screening service"
    )
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the gRPC service")
    serve.add_argument(
        "--rules",
        type=Path,
        default=Path(_env("RULES", str(BUNDLED_RULES))),
        help="rule pack directory (SCREENING_RULES)",
    )
    serve.add_argument(
        "--address",
        default=_env("ADDRESS", DEFAULT_ADDRESS),
        help="gRPC HOST:PORT (SCREENING_ADDRESS)",
    )
    serve.add_argument(
        "--metrics-address",
        default=_env("METRICS_ADDRESS", DEFAULT_METRICS_ADDRESS),
        help="Prometheus HOST:PORT (SCREENING_METRICS_ADDRESS)",
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=int(_env("WORKERS", "1")),
        help="server processes (SCREENING_WORKERS)",
    )
    serve.add_argument(
        "--log-level",
        default=_env("LOG_LEVEL", "info"),
        help="debug, info, warning, error (SCREENING_LOG_LEVEL)",
    )

    rules = commands.add_parser("rules", help="check, test and explain a rule pack")
    rule_commands = rules.add_subparsers(dest="rules_command", required=True)
    check = rule_commands.add_parser("check", help="report every error of a pack (exit 1 when any)")
    check.add_argument("directory", type=Path)
    test = rule_commands.add_parser(
        "test", help="run every rule's examples through the compiled engine"
    )
    test.add_argument("directory", type=Path)
    schema = rule_commands.add_parser(
        "schema", help="write the JSON Schemas of rule and pack files"
    )
    schema.add_argument("directory", type=Path)
    explain = rule_commands.add_parser(
        "explain", help="evaluate one traveler record and show each rule"
    )
    explain.add_argument("directory", type=Path)
    explain.add_argument("record", type=Path, help="a Traveler (or ScreenRequest) as protobuf JSON")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    if args.command == "serve":
        from screening_service.observability.logging import configure
        from screening_service.server.app import serve

        if args.workers != 1:
            print("screening: --workers other than 1 is not supported yet", file=sys.stderr)
            return 2
        configure(args.log_level)
        return asyncio.run(serve(args.rules, args.address, args.metrics_address))
    from screening_service import authoring

    if args.rules_command == "check":
        return authoring.check(args.directory, sys.stdout)
    if args.rules_command == "test":
        return authoring.test(args.directory, sys.stdout)
    if args.rules_command == "schema":
        from screening_service.rules.schema import write_schemas

        for path in write_schemas(args.directory):
            print(path)
        return 0
    return authoring.explain(args.directory, args.record, sys.stdout)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
