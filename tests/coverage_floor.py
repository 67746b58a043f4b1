"""Fail the build when line coverage of a core package is under its floor.

Run by `make test` after pytest (which measured the test run and every server
and engine worker it started): reads the combined coverage data and prints
one line per package. Exit 1 when any package is under the floor.

    python tests/coverage_floor.py [DATA_FILE]
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Final

import coverage

ROOT: Final = Path(__file__).resolve().parent.parent
FLOOR_PERCENT: Final = 90.0
PACKAGES: Final = ("pipeline", "engine", "rules", "server")


def package_lines(data_file: str) -> dict[str, tuple[int, int]]:
    """Per package: (statements, statements run)."""
    measured = coverage.Coverage(data_file=data_file)
    measured.load()
    totals = dict.fromkeys(PACKAGES, (0, 0))
    for filename in measured.get_data().measured_files():
        parts = Path(filename).resolve().relative_to(ROOT).parts
        if len(parts) < 3 or parts[0] != "screening_service" or parts[1] not in totals:
            continue
        _name, statements, _excluded, missing, _text = measured.analysis2(filename)
        total, run = totals[parts[1]]
        totals[parts[1]] = (total + len(statements), run + len(statements) - len(missing))
    return totals


def main(argv: list[str]) -> int:
    data_file = argv[1] if len(argv) > 1 else str(ROOT / ".coverage")
    failed = False
    for package, (total, run) in package_lines(data_file).items():
        percent = 100.0 * run / total if total else 0.0
        verdict = "ok" if percent >= FLOOR_PERCENT else f"UNDER {FLOOR_PERCENT:.0f}%"
        failed |= percent < FLOOR_PERCENT
        print(f"coverage screening_service/{package}/: {percent:.1f}% ({run}/{total}) {verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
