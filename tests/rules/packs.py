"""Small rule packs written to a temporary directory for tests."""

from __future__ import annotations

import textwrap
from pathlib import Path

PACK_YAML = """\
pack:
  name: Test pack
  version: "t-1"
  thresholds: {interview: 50, priority_interview: 100}
  typologies:
    child_trafficking: {title: Child trafficking}
    trafficking_general: {title: Trafficking}
"""

GOOD_RULE = """\
rules:
  - id: adult-check
    title: Older than 18
    typology: trafficking_general
    weight: 10
    rationale: test
    source: test
    when: traveler.age_years > 18
    examples:
      refer: [{traveler.age_years: 40}]
      pass: [{traveler.age_years: 9}]
"""


def write_pack(directory: Path, files: dict[str, str], pack: str = PACK_YAML) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "pack.yaml").write_text(pack)
    for name, text in files.items():
        (directory / name).write_text(textwrap.dedent(text))
    return directory


def rule(
    rule_id: str, when: str, *, refer: str = "{}", passing: str = "{}", extra: str = ""
) -> str:
    """One rule file whose `when` is a one-line plain scalar on line 8, column 11."""
    return (
        "rules:\n"
        f"  - id: {rule_id}\n"
        "    title: A test rule\n"
        "    typology: trafficking_general\n"
        "    weight: 10\n"
        "    rationale: test\n"
        "    source: test\n"
        f"    when: {when}\n"
        "    examples:\n"
        f"      refer: [{refer}]\n"
        f"      pass: [{passing}]\n"
        f"{extra}"
    )


def generated_rules(count: int) -> str:
    """``count`` rules on shared fields; a traveler aged A fires rules 0..A (a third use `or`)."""
    lines = ["rules:"]
    for i in range(count):
        age = f"traveler.age_years >= {i}"
        if i % 3 == 0:
            age = f'(traveler.age_years >= {i} or booking.payment_form == "cash")'
        when = f"{age} and booking.party_size >= 1"
        card = "booking.party_size: 1, booking.payment_form: card"
        lines += [
            f"  - id: generated-{i:03d}",
            f"    title: Generated rule {i}",
            "    typology: trafficking_general",
            "    weight: 1",
            "    rationale: generated",
            "    source: generated",
            f"    when: '{when}'",
            "    examples:",
            f"      refer: [{{traveler.age_years: {i}, {card}}}]",
            f"      pass: [{{traveler.age_years: {i - 1}, {card}}}]",
        ]
    return "\n".join(lines) + "\n"
