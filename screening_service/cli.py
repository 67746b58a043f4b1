"""The `screening` command line: serve, and the rule author's tools.

Exit codes: 0 success, 1 findings (rule errors, failed examples), 2 usage.
Every `serve` option can also be given as a SCREENING_* environment variable.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final, TextIO

from screening_service.addresses import is_loopback, split_address
from screening_service.engine.spec import DEFAULT_BUDGET_SECONDS

if TYPE_CHECKING:
    from screening_service.evaluation.labels import LabelIndex
    from screening_service.server.app import ServeConfig
    from screening_service.server.security import TlsConfig

BUNDLED_RULES: Final = Path(__file__).resolve().parent.parent / "rules"
DEFAULT_ADDRESS: Final = "127.0.0.1:50051"
DEFAULT_METRICS_ADDRESS: Final = "127.0.0.1:9464"


def _env(name: str, default: str) -> str:
    return os.environ.get(f"SCREENING_{name}", default)


def _path(name: str) -> Path | None:
    value = _env(name, "")
    return Path(value) if value else None


def _add_limit_arguments(serve: argparse.ArgumentParser) -> None:
    """Limits on what is served: concurrency budgets and the departure window."""
    serve.add_argument(
        "--max-concurrent-rpcs",
        type=int,
        default=int(_env("MAX_CONCURRENT_RPCS", "256")),
        help="calls served at once per process; more get RESOURCE_EXHAUSTED "
        "(SCREENING_MAX_CONCURRENT_RPCS)",
    )
    serve.add_argument(
        "--max-open-rpcs",
        type=int,
        default=int(_env("MAX_OPEN_RPCS", "16")),
        help="reflection, health Watch and (with --auth) calls without credentials served "
        "at once, apart from the screening budget; health Check is always served "
        "(SCREENING_MAX_OPEN_RPCS)",
    )
    serve.add_argument(
        "--departure-window-days",
        type=int,
        default=int(_env("DEPARTURE_WINDOW_DAYS", "400")),
        help="refuse live calls whose departure is more than this many days before or after "
        "today (SCREENING_DEPARTURE_WINDOW_DAYS)",
    )


def _exposure_flags(serve: argparse.ArgumentParser) -> None:
    """The explicit opt-ins for listening beyond loopback."""
    serve.add_argument(
        "--allow-insecure-public-bind",
        action="store_true",
        default=_env("ALLOW_INSECURE_PUBLIC_BIND", "") == "1",
        help="allow a non-loopback address without TLS (logs a warning)",
    )
    serve.add_argument(
        "--allow-public-metrics",
        action="store_true",
        default=_env("ALLOW_PUBLIC_METRICS", "") == "1",
        help="allow a non-loopback --metrics-address (metrics are served without TLS or auth)",
    )


def _add_convert(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``screening convert``: airline message files -> manifests (screening_service.messages)."""
    convert = commands.add_parser(
        "convert", help="airline messages (PAXLST, PNRGOV) -> manifests as JSON lines"
    )
    convert.add_argument("--format", choices=["auto", "paxlst", "pnrgov"], default="auto")
    convert.add_argument(
        "--home-country", help="ISO 3166-1 alpha-3 of the receiving country (inbound/outbound)"
    )
    convert.add_argument("--out", type=Path, help="write the JSON lines here, not to stdout")
    convert.add_argument(
        "--pseudonym-key",
        type=Path,
        help="key file for payer and contact pseudonyms"
        " (else SCREENING_PSEUDONYM_KEY_FILE or SCREENING_PSEUDONYM_KEY)",
    )
    convert.add_argument("files", type=Path, nargs="+")


def _add_serve(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``screening serve``: every option also from a SCREENING_* environment variable."""
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
        "--decision-log",
        type=Path,
        default=Path(v) if (v := _env("DECISION_LOG", "")) else None,
        help="write one JSON line per decision to this file (SCREENING_DECISION_LOG)",
    )
    serve.add_argument(
        "--decision-log-max-bytes",
        type=int,
        default=int(_env("DECISION_LOG_MAX_BYTES", str(64 * 1024 * 1024))),
        help="rotate the decision log at this size (SCREENING_DECISION_LOG_MAX_BYTES)",
    )
    serve.add_argument(
        "--decision-log-backups",
        type=int,
        default=int(_env("DECISION_LOG_BACKUPS", "10")),
        help="rotated decision logs to keep (SCREENING_DECISION_LOG_BACKUPS)",
    )
    serve.add_argument(
        "--decision-log-unmasked",
        action="store_true",
        default=_env("DECISION_LOG_UNMASKED", "") == "1",
        help="keep personal evidence values (age, nationality, ...) in the decision log",
    )
    serve.add_argument(
        "--engine-timeout",
        type=float,
        default=float(_env("ENGINE_TIMEOUT", str(DEFAULT_BUDGET_SECONDS))),
        help="seconds an engine call may take before its worker is replaced "
        "(SCREENING_ENGINE_TIMEOUT)",
    )
    _add_limit_arguments(serve)
    serve.add_argument(
        "--tls-cert",
        type=Path,
        default=_path("TLS_CERT"),
        help="PEM certificate chain (SCREENING_TLS_CERT)",
    )
    serve.add_argument(
        "--tls-key", type=Path, default=_path("TLS_KEY"), help="PEM private key (SCREENING_TLS_KEY)"
    )
    serve.add_argument(
        "--tls-client-ca",
        type=Path,
        default=_path("TLS_CLIENT_CA"),
        help="CA that signs client certificates, for mutual TLS (SCREENING_TLS_CLIENT_CA)",
    )
    serve.add_argument(
        "--require-client-cert",
        action="store_true",
        default=_env("REQUIRE_CLIENT_CERT", "") == "1",
        help="mutual TLS: refuse connections without a valid client certificate",
    )
    serve.add_argument(
        "--auth",
        type=Path,
        default=_path("AUTH"),
        help="callers and roles: token digests and client certificate names (SCREENING_AUTH)",
    )
    serve.add_argument(
        "--lookout",
        type=Path,
        default=_path("LOOKOUT"),
        help="lookout list: a CSV file or a directory of them (SCREENING_LOOKOUT)",
    )
    _exposure_flags(serve)
    serve.add_argument(
        "--shutdown-delay",
        type=float,
        default=float(_env("SHUTDOWN_DELAY", "0")),
        help="on SIGTERM, report NOT_SERVING and keep serving this many seconds before "
        "draining (SCREENING_SHUTDOWN_DELAY)",
    )
    serve.add_argument(
        "--no-watch",
        action="store_true",
        default=_env("NO_WATCH", "") == "1",
        help="do not reload when rule files change (SIGHUP and the admin RPC still do)",
    )
    serve.add_argument(
        "--data-dir",
        type=Path,
        default=Path(_env("DATA_DIR", "var")),
        help="state of the embedded default: pseudonym key, history database (SCREENING_DATA_DIR)",
    )
    serve.add_argument(
        "--history",
        default=_env("HISTORY", "sqlite"),
        help="travel history: 'sqlite' (in --data-dir), 'sqlite:PATH', 'postgresql://...' "
        "(shared by replicas) or 'none' (history fields unknown) (SCREENING_HISTORY)",
    )
    serve.add_argument(
        "--history-retention-days",
        type=int,
        default=int(_env("HISTORY_RETENTION_DAYS", "180")),
        help="days of travel history kept and purged after; 180 is the EU PNR directive's "
        "depersonalisation horizon (SCREENING_HISTORY_RETENTION_DAYS)",
    )
    serve.add_argument(
        "--history-degraded",
        choices=["fail", "unknown"],
        default=_env("HISTORY_DEGRADED", "fail"),
        help="when the history store is unreachable: fail the call UNAVAILABLE (default), or "
        "screen with history fields unknown and say so in the decision "
        "(SCREENING_HISTORY_DEGRADED)",
    )
    serve.add_argument(
        "--pseudonym-key",
        type=Path,
        default=_path("PSEUDONYM_KEY_FILE"),
        help="key file for pseudonyms of contact data; default DATA_DIR/pseudonym.key, created "
        "on first start (SCREENING_PSEUDONYM_KEY_FILE, or the key in hex in "
        "SCREENING_PSEUDONYM_KEY)",
    )
    serve.add_argument(
        "--log-level",
        default=_env("LOG_LEVEL", "info"),
        help="debug, info, warning, error (SCREENING_LOG_LEVEL)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="screening", description="Traveler risk-screening service"
    )
    commands = parser.add_subparsers(dest="command", required=True)

    _add_serve(commands)

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
    explain.add_argument(
        "record",
        type=Path,
        help="a Traveler, ScreenRequest, Manifest or ScreenManifestRequest as protobuf JSON",
    )
    explain.add_argument("--lookout", type=Path, help="lookout list: a CSV file or a directory")
    explain.add_argument("--json", action="store_true", help="the full structure as JSON")
    explain.add_argument(
        "--home-country", help="for airline messages: ISO alpha-3 of the receiving country"
    )
    replay = commands.add_parser(
        "replay", help="run a candidate pack (and a baseline) over recorded traffic"
    )
    replay.add_argument("--rules", type=Path, required=True, help="the candidate pack")
    replay.add_argument("--baseline", type=Path, help="the pack to compare with")
    replay.add_argument("--lookout", type=Path, help="lookout list: a CSV file or a directory")
    replay.add_argument(
        "--home-country", help="for airline messages: ISO alpha-3 of the receiving country"
    )
    replay.add_argument(
        "--no-history",
        action="store_true",
        help="do not compute travel history from the input (history fields unknown)",
    )
    replay.add_argument(
        "--history-database",
        metavar="POSTGRESQL_URI",
        type=_postgres_uri,
        help="compute travel history in a new schema of this PostgreSQL database (dropped "
        "at the end) rather than in a file on this machine: for workers on other machines; "
        "SCREENING_REPLAY_HISTORY_DATABASE sets it without putting a password on a command line",
        default=os.environ.get("SCREENING_REPLAY_HISTORY_DATABASE") or None,
    )
    replay.add_argument(
        "records",
        type=Path,
        help="JSON lines of {traveler} or {manifest} (.jsonl, .jsonl.gz), Parquet, airline "
        "messages, or a directory of such partitions",
    )
    replay.add_argument(
        "--processes", type=int, help="local Dask worker processes (default: every core)"
    )
    replay.add_argument(
        "--scheduler",
        help="run on an existing Dask cluster: its scheduler's address (tcp://HOST:PORT)",
    )
    replay.add_argument("--json", type=Path, help="also write the full report as JSON")
    replay.add_argument("--html", type=Path, help="also write the evaluation as an HTML page")
    replay.add_argument(
        "--labels",
        type=Path,
        help="ground truth, one JSON line per traveler (default: NAME.labels.jsonl beside "
        "the records, when it exists)",
    )
    replay.add_argument(
        "--decisions", type=Path, help="write every traveler's referral under both packs"
    )

    _add_convert(commands)
    from screening_service.history.commands import add_history_parser

    add_history_parser(commands)
    synth = commands.add_parser(
        "synth",
        help="write a synthetic population (JSON lines, gzip or Parquet; one file or partitions)",
        description="OUT chooses the format: NAME.jsonl, NAME.jsonl.gz or NAME.parquet (labels "
        "in NAME.labels.jsonl), or a directory (a path ending in /, an existing directory, or "
        "with --partitions) of part-00000.EXT files with DIR/labels.jsonl.",
    )
    synth.add_argument("--travelers", type=int, required=True)
    synth.add_argument("--seed", type=int, default=1)
    synth.add_argument("--scenario-rate", type=float, default=0.005)
    synth.add_argument(
        "--population",
        choices=("scenarios", "evaluation"),
        default="scenarios",
        help="scenarios: planted indicator scenarios; evaluation: the independent evaluation "
        "population (public case typologies and lawful look-alikes, every traveler labelled)",
    )
    synth.add_argument(
        "--travelers-only", action="store_true", help="one traveler per line, not manifests"
    )
    synth.add_argument(
        "--format",
        choices=("jsonl", "jsonl.gz", "parquet"),
        help="when OUT does not say (a directory without a suffix: parquet)",
    )
    synth.add_argument(
        "--partitions",
        type=_positive,
        help="a directory of this many partitions of whole flights "
        "(a directory's default: one per million travelers)",
    )
    synth.add_argument(
        "--processes",
        type=_positive,
        help="processes drawing the population (default: every core); "
        "the output is the same whatever the number",
    )
    # A string, not a Path: a trailing "/" (a directory of partitions) must survive.
    synth.add_argument("out")
    return parser


def _postgres_uri(text: str) -> str:
    """A PostgreSQL URI; the error never repeats it (it may hold a password)."""
    if not text.startswith(("postgresql://", "postgres://")):
        raise argparse.ArgumentTypeError("expected a postgresql:// URI")
    return text


def _labels_beside(records: Path) -> LabelIndex | None:
    """The labels in ``NAME.labels.jsonl`` beside ``NAME.jsonl`` (what `screening synth`
    writes), if there.

    Only the evaluation population's labels are ground truth for the evaluation; the
    scenario generator's labels file (one scenario per planted traveler) is left alone,
    with a note, rather than failing the replay the caller did not ask to evaluate.
    """
    from screening_service.evaluation.labels import LabelIndex
    from screening_service.synthetic.layout import Layout, format_of

    directory = records.is_dir()
    beside = Layout(records, format_of(records.name) or "jsonl", 1 if directory else None).labels
    if beside == records or not beside.is_file():
        return None
    try:
        return LabelIndex.read(beside)
    except ValueError:
        print(
            f"screening replay: {beside} is not an evaluation labels file "
            "(screening synth --population evaluation writes one); replaying without labels",
            file=sys.stderr,
        )
        return None


def _replay(args: argparse.Namespace) -> int:
    from screening_service.evaluation.html import render_html
    from screening_service.evaluation.labels import LabelIndex
    from screening_service.history.store import HistoryUnavailable
    from screening_service.lookout import LookoutLoadError
    from screening_service.messages import MessageError
    from screening_service.replay import (
        ClusterError,
        InputError,
        disparity_findings,
        print_report,
        replay,
        report_json,
    )
    from screening_service.rules.errors import PackError

    decisions: TextIO | None = None
    try:
        labels = LabelIndex.read(args.labels) if args.labels else _labels_beside(args.records)
        if args.decisions:
            decisions = args.decisions.open("w", encoding="utf-8")
        report = replay(
            args.rules,
            args.records,
            args.baseline,
            lookout=args.lookout,
            home_country=args.home_country,
            history=not args.no_history,
            history_database=args.history_database,
            processes=args.processes,
            scheduler=args.scheduler,
            progress=sys.stderr.isatty(),
            decisions=decisions,
            labels=labels,
        )
    except PackError as error:
        print(f"screening replay: refusing to replay this pack: {error}", file=sys.stderr)
        return 1
    except (LookoutLoadError, MessageError) as error:
        print(error, file=sys.stderr)
        return 1
    except (InputError, ClusterError, HistoryUnavailable) as error:
        print(f"screening replay: {error}", file=sys.stderr)
        return 2
    except ValueError as error:  # an unreadable labels file names its line
        print(f"screening replay: labels: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"screening replay: {error}", file=sys.stderr)
        return 2
    finally:
        if decisions is not None:
            decisions.close()
    print_report(report, args.records, sys.stdout)
    if args.json:
        args.json.write_text(json.dumps(report_json(report), indent=2) + "\n")
    if args.html and report.report is not None:
        args.html.write_text(render_html(report.report), encoding="utf-8")
    for warning in report.warnings:
        print(f"screening replay: warning: {warning}", file=sys.stderr)
    findings = disparity_findings(report)
    for finding in findings:
        print(f"screening replay: {finding}", file=sys.stderr)
    return 1 if findings else 0


def _convert(args: argparse.Namespace) -> int:
    from screening_service.messages.cli import convert_command
    from screening_service.pseudonyms import PseudonymKey, PseudonymKeyError

    try:
        key = PseudonymKey.from_environment(args.pseudonym_key)
    except PseudonymKeyError as error:
        print(f"screening convert: {error}", file=sys.stderr)
        return 2
    return convert_command(
        args.files, args.format, args.home_country, args.out, key, sys.stdout, sys.stderr
    )


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1, got {value}")
    return value


def _synth(args: argparse.Namespace) -> int:
    from screening_service.synthetic.layout import OutputError

    try:
        return _write_synth(args)
    except (OutputError, ValueError) as error:
        print(f"screening synth: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        reason = error.strerror or str(error)
        where = f": {error.filename}" if error.filename else ""
        print(f"screening synth: cannot write{where}: {reason}", file=sys.stderr)
        return 2


def _write_synth(args: argparse.Namespace) -> int:
    if args.population == "evaluation":
        from screening_service.evaluation.output import write_evaluation_population

        done = write_evaluation_population(
            args.out,
            args.travelers,
            args.seed,
            args.format,
            as_manifests=not args.travelers_only,
            partitions=args.partitions,
            processes=args.processes or os.cpu_count() or 1,
        )
        print(
            f"wrote {done.travelers} travelers in {done.records} records to {args.out} "
            f"({done.labelled} labelled, {_labels_where(args.out)})"
        )
        return 0
    from screening_service.synthetic import write_population

    written = write_population(
        args.out,
        args.travelers,
        args.seed,
        args.scenario_rate,
        args.format,
        as_manifests=not args.travelers_only,
        partitions=args.partitions,
        processes=args.processes or os.cpu_count() or 1,
    )
    print(
        f"wrote {written.travelers} travelers in {written.records} records to {args.out} "
        f"({written.labelled} planted, {_labels_where(args.out)})"
    )
    return 0


def _labels_where(out: str) -> str:
    return f"labels in {Path(out) / 'labels.jsonl'}" if Path(out).is_dir() else "labels beside it"


def _serve_config(args: argparse.Namespace, worker: int | None) -> ServeConfig:
    from screening_service.runtime.decision_log import DecisionLogConfig
    from screening_service.server.app import ServeConfig

    decision_log = None
    if args.decision_log:
        path: Path = args.decision_log
        if worker is not None:
            path = path.with_name(f"{path.stem}.worker{worker}{path.suffix}")
        decision_log = DecisionLogConfig(
            path,
            args.decision_log_max_bytes,
            args.decision_log_backups,
            not args.decision_log_unmasked,
        )
    return ServeConfig(
        rules=args.rules,
        address=args.address,
        metrics_address=args.metrics_address,
        decision_log=decision_log,
        watch=not args.no_watch,
        engine_budget_seconds=args.engine_timeout,
        max_concurrent_rpcs=args.max_concurrent_rpcs,
        max_open_rpcs=args.max_open_rpcs,
        departure_window_days=args.departure_window_days,
        tls=_tls(args),
        auth_file=args.auth,
        lookout=args.lookout,
        allow_insecure_public=args.allow_insecure_public_bind,
        allow_public_metrics=args.allow_public_metrics,
        shutdown_delay=args.shutdown_delay,
        worker_index=worker,
        data_dir=args.data_dir,
        pseudonym_key=args.pseudonym_key,
        history=args.history,
        history_retention_days=args.history_retention_days,
        history_degraded_unknown=args.history_degraded == "unknown",
    )


def _tls(args: argparse.Namespace) -> TlsConfig | None:
    from screening_service.server.security import TlsConfig

    if args.tls_cert is None and args.tls_key is None:
        return None
    return TlsConfig(args.tls_cert, args.tls_key, args.tls_client_ca, args.require_client_cert)


def _run_server(args: argparse.Namespace, worker: int | None) -> int:
    from screening_service.observability.logging import configure
    from screening_service.server.app import serve

    configure(args.log_level, static={"worker": worker} if worker is not None else None)
    return asyncio.run(serve(_serve_config(args, worker)))


def _is_loopback(address: str) -> bool:
    """HOST:PORT names this machine only (a malformed address does not)."""
    try:
        return is_loopback(split_address(address)[0])
    except ValueError:
        return False


def _serve(args: argparse.Namespace) -> int:
    if args.workers < 1:
        print("screening: --workers must be at least 1", file=sys.stderr)
        return 2
    if (args.tls_cert is None) != (args.tls_key is None):
        print("screening: --tls-cert and --tls-key go together", file=sys.stderr)
        return 2
    if args.workers == 1:
        return _run_server(args, None)
    if not args.allow_public_metrics and not _is_loopback(args.metrics_address):
        # The supervisor serves metrics before any worker checks its configuration.
        print(
            f"screening: refusing to serve metrics on {args.metrics_address}, which is not "
            "loopback: give --allow-public-metrics to expose them",
            file=sys.stderr,
        )
        return 2
    from screening_service.server.supervisor import (
        Supervisor,
        cleanup,
        prepare_multiprocess_metrics,
    )

    directory = prepare_multiprocess_metrics()
    from screening_service.observability.logging import configure

    configure(args.log_level)
    try:
        supervisor = Supervisor(
            args.workers, lambda index: _run_server(args, index), args.metrics_address
        )
        return supervisor.run()
    finally:
        cleanup(directory)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    if args.command == "serve":
        return _serve(args)
    if args.command == "replay":
        return _replay(args)
    if args.command == "synth":
        return _synth(args)
    if args.command == "convert":
        return _convert(args)
    if args.command == "history":
        from screening_service.history.commands import run

        return run(args, sys.stdout)
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
    return authoring.explain(
        args.directory,
        args.record,
        sys.stdout,
        lookout=args.lookout,
        as_json=args.json,
        home_country=args.home_country,
    )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
