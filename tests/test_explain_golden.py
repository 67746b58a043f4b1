"""`rules explain` prints, for the README's grpcurl traveler, exactly the card in the golden file.

The golden file was read and checked by hand against the bundled pack (weights,
rationales, guidance); a change of pack or card layout shows up here as a diff
to review. The pack's content hash is left out (any edit of a rule file
changes it).
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from screening_service import authoring
from tests.conftest import BUNDLED_RULES, ROOT

GOLDEN = ROOT / "tests" / "golden" / "readme_explain.txt"


def readme_traveler() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"ScreeningService/Screen <<'EOF'\n(.*?)\nEOF\n", readme, re.S)
    assert found is not None
    return found.group(1)


def card_of_readme_traveler(tmp_path: Path) -> str:
    record = tmp_path / "traveler.json"
    record.write_text(readme_traveler(), encoding="utf-8")
    out = io.StringIO()
    assert authoring.explain(BUNDLED_RULES, record, out) == 0
    return re.sub(r"^pack (\S+) \([0-9a-f]{12}\)", r"pack \1 (<hash>)", out.getvalue())


def test_explain_prints_the_golden_card_for_the_readme_traveler(tmp_path: Path) -> None:
    assert GOLDEN.read_text(encoding="utf-8") == card_of_readme_traveler(tmp_path)


def test_the_readme_shows_lines_of_the_golden_card() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = re.search(r"checked by a test\):\n\n```\n(.*?)```", readme, re.S)
    assert shown is not None
    golden = GOLDEN.read_text(encoding="utf-8").splitlines()
    for line in shown.group(1).splitlines():
        if not line.endswith("..."):
            assert line in golden
