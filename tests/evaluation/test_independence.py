"""The evaluation must not be shaped by what it measures: no rule-pack import, no pack numbers."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "screening_service" / "evaluation"
ALLOWED = {
    "screening_service.evaluation",
    "screening_service.proto",
    "screening_service.geography",
    "screening_service.synthetic.names",
    "screening_service.synthetic.routes",
    # Where and in which format records are written: file plumbing, no population logic.
    "screening_service.synthetic.layout",
    "screening_service.synthetic.output",
    "screening_service.synthetic.encode",
    # random.Random's draws in fewer calls: no distribution of its own.
    "screening_service.synthetic.draws",
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_modules_import_only_the_allowed_parts_of_the_service() -> None:
    offending = {}
    for path in sorted(PACKAGE.glob("*.py")):
        ours = {m for m in _imports(path) if m.startswith("screening_service")}
        bad = {
            m
            for m in ours
            if not any(m == a or m.startswith(a + ".") for a in ALLOWED)
            and m not in {"screening_service", *(a.rsplit(".", 1)[0] for a in ALLOWED)}
        }
        if bad:
            offending[path.name] = sorted(bad)
    assert {} == offending


def test_importing_the_package_loads_no_rule_language_pipeline_or_engine() -> None:
    code = (
        "import sys\n"
        "import screening_service.evaluation.population, screening_service.evaluation.metrics\n"
        "import screening_service.evaluation.html, screening_service.evaluation.regions\n"
        "print('\\n'.join(sorted(sys.modules)))\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout.split()
    forbidden = (
        "screening_service.rules",
        "screening_service.pipeline",
        "screening_service.engine",
        "screening_service.catalog",
        "screening_service.authoring",
    )
    assert [] == [m for m in loaded if m.startswith(forbidden)]


def test_sources_name_no_rule_of_the_pack_and_read_no_pack_file() -> None:
    rule_ids = set()
    for path in (ROOT / "rules").glob("*.yaml"):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for rule in document.get("rules", []) or []:
            rule_ids.add(rule["id"])
    assert rule_ids, "the bundled pack has rules"
    text = "\n".join(p.read_text(encoding="utf-8") for p in PACKAGE.glob("*.py"))
    assert [] == sorted(r for r in rule_ids if re.search(rf"\b{re.escape(r)}\b", text))
    assert [] == re.findall(r"pack\.yaml|[\"']rules/", text)
