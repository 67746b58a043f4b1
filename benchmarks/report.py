"""Results of one run: rows, the printed table, the JSON file, and the machine they ran on.

Every benchmark returns a `BenchmarkResult`: rows of one measured value each,
optionally with the baseline row it is compared to (measured in the same
run), the ratio, a target and whether it was met. A value that could not be
measured (a feature that does not exist yet) is a row with ``value=None`` and
a note saying why; it is never faked.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import platform
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Final

ROOT: Final = Path(__file__).resolve().parent.parent
RESULTS_DIR: Final = Path(__file__).resolve().parent / "results"


@dataclass
class Row:
    """One measured value; ``ratio`` is value / baseline value, both from this run."""

    name: str
    value: float | None
    unit: str
    baseline: str = ""
    ratio: float | None = None
    target: str = ""
    met: bool | None = None
    note: str = ""


@dataclass
class BenchmarkResult:
    name: str
    title: str
    rows: list[Row] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    error: str = ""

    def add(self, row: Row) -> Row:
        self.rows.append(row)
        return row

    def compare(
        self,
        name: str,
        value: float | None,
        unit: str,
        baseline_name: str,
        baseline_value: float | None,
        *,
        target: str = "",
        check: Callable[[float], bool] | None = None,
        note: str = "",
    ) -> Row:
        """A row with its ratio to a baseline; ``check(ratio)`` says whether the target is met."""
        ratio = (
            value / baseline_value
            if value is not None and baseline_value is not None and baseline_value > 0
            else None
        )
        met = check(ratio) if check is not None and ratio is not None else None
        return self.add(Row(name, value, unit, baseline_name, ratio, target, met, note))


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..100) of unsorted values; NaN when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100.0 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    return percentile(values, 50.0)


# -- machine -----------------------------------------------------------------


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def _git(*args: str) -> str:
    try:
        out = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return out.stdout.strip()


def machine() -> dict[str, Any]:
    usable = len(os.sched_getaffinity(0))
    load1, load5, _ = os.getloadavg()
    return {
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "cpu": _cpu_model(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "grpcio": _version("grpcio"),
        "protobuf": _version("protobuf"),
        "durable_rules": _version("durable_rules"),
        "git_commit": _git("rev-parse", "--short", "HEAD"),
        "git_dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
        "load_average_at_start": [round(load1, 2), round(load5, 2)],
        "shared_cores": (
            f"client (load generator), server process(es) and engine workers all run on "
            f"the same {usable} cores; nothing is pinned"
        ),
    }


# -- table -------------------------------------------------------------------


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if math.isnan(value):
        return "nan"
    magnitude = abs(value)
    if unit == "%":
        return f"{value:+.1f}"
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if magnitude >= 100:
        return f"{value:.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _status(row: Row) -> str:
    if row.met is None:
        return "n/a" if row.target and row.value is None else ""
    return "met" if row.met else "MISSED"


def table(results: Sequence[BenchmarkResult], info: dict[str, Any]) -> str:
    header = ("measurement", "value", "unit", "vs baseline (same run)", "target", "status")
    lines: list[str] = [
        f"machine: {info['cores']} cores ({info['usable_cores']} usable), {info['cpu']}, "
        f"{info['memory_gib']} GiB; Python {info['python']}, grpcio {info['grpcio']}, "
        f"durable_rules {info['durable_rules']}; commit {info['git_commit']}"
        f"{' (dirty tree)' if info['git_dirty'] else ''}",
        f"NOTE: {info['shared_cores']}. "
        f"Load average at start: {info['load_average_at_start'][0]} (1 min).",
    ]
    for result in results:
        lines.append("")
        lines.append(f"== {result.name}: {result.title} ({result.seconds:.0f} s)")
        if result.error:
            lines.append(f"   FAILED: {result.error}")
        body = [
            (
                row.name,
                _number(row.value, row.unit),
                row.unit,
                f"{row.ratio:.2f}x {row.baseline}" if row.ratio is not None else row.baseline,
                row.target,
                _status(row),
            )
            for row in result.rows
        ]
        widths = [max(len(str(c)) for c in column) for column in zip(header, *body, strict=False)]

        def fmt(cells: Sequence[str], widths: list[int] = widths) -> str:
            return (
                "   "
                + "  ".join(
                    c.rjust(w) if i in (1,) else c.ljust(w)
                    for i, (c, w) in enumerate(zip(cells, widths, strict=True))
                ).rstrip()
            )

        if body:
            lines.append(fmt(header))
            lines.append(fmt(["-" * w for w in widths]))
            lines.extend(fmt(cells) for cells in body)
        notes = [f"{row.name}: {row.note}" for row in result.rows if row.note] + result.notes
        lines.extend(f"   * {note}" for note in notes)
    return "\n".join(lines)


def summary(results: Sequence[BenchmarkResult]) -> str:
    targets = [(r.name, row) for r in results for row in r.rows if row.target]
    if not targets:
        return ""
    lines = ["", "== targets"]
    for bench, row in targets:
        status = _status(row) or "n/a"
        measured = f"{_number(row.value, row.unit)} {row.unit}"
        if row.ratio is not None:
            measured += f" = {row.ratio:.2f}x {row.baseline}"
        lines.append(f"   {status:>6}  {row.target}  (measured {measured}; {bench}: {row.name})")
    return "\n".join(lines)


def write_json(
    results: Sequence[BenchmarkResult],
    info: dict[str, Any],
    arguments: dict[str, Any],
    started: dt.datetime,
    directory: Path = RESULTS_DIR,
) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    document = {
        "started": started.isoformat(),
        "finished": dt.datetime.now(dt.UTC).isoformat(),
        "machine": info,
        "arguments": arguments,
        "benchmarks": {r.name: asdict(r) for r in results},
    }
    path.write_text(json.dumps(document, indent=2, default=str, allow_nan=True) + "\n")
    return path
