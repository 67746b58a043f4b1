"""What replay hands to the evaluation: plain data per traveler, and the pack's numbers.

No engine, no protobuf: a pack is its rule list and thresholds (`PackSpec`),
a decision is its referral, score and fired rule ids (`PackOutcome`). The
referral is recomputed from those numbers by `referral_of` (the rule of
pipeline/decide.py: enforced weights add up; a fired ``refer_priority`` rule
or the priority threshold gives a priority interview, the interview
threshold an interview; optional per-typology thresholds apply to a
typology's own sum), which is what makes "without this rule" and "with the
shadow rules enforced" computable. A recomputed referral that disagrees with
the engine's is counted (`Tally.mismatches`), never silently preferred.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Final, Literal

from screening_service.evaluation.labels import Label

Referral = Literal["none", "interview", "priority_interview"]
REFERRALS: Final[tuple[Referral, ...]] = ("none", "interview", "priority_interview")
Mode = Literal["enforce", "shadow"]
DEFAULT_DISPARITY_LIMIT: Final = 2.0


@dataclass(frozen=True)
class RuleSpec:
    rule_id: str
    typology: str
    weight: float
    mode: Mode = "enforce"
    refer_priority: bool = False


@dataclass(frozen=True)
class TypologyThreshold:
    """A typology's own thresholds on the sum of its rules' weights (None: not set)."""

    interview: float | None = None
    priority: float | None = None


@dataclass(frozen=True)
class PackSpec:
    version: str
    rules: tuple[RuleSpec, ...]
    interview: float
    priority: float
    typology_thresholds: Mapping[str, TypologyThreshold] = field(default_factory=dict)
    disparity_limit: float = DEFAULT_DISPARITY_LIMIT

    def rule(self, rule_id: str) -> RuleSpec | None:
        return self._index.get(rule_id)

    @cached_property
    def _index(self) -> dict[str, RuleSpec]:
        return {r.rule_id: r for r in self.rules}


@dataclass(frozen=True)
class PackOutcome:
    """One pack's decision: the referral, the score, enforced and shadow rule ids that fired."""

    referral: Referral
    score: float
    fired: tuple[str, ...] = ()
    shadow: tuple[str, ...] = ()


@dataclass(frozen=True)
class Groups:
    """Attributes the disparity audit compares; "" when unknown."""

    nationality: str = ""
    sex: str = ""
    age_band: str = ""
    region: str = ""

    def items(self) -> tuple[tuple[str, str], ...]:
        return (
            ("nationality", self.nationality),
            ("sex", self.sex),
            ("age_band", self.age_band),
            ("origin_region", self.region),
        )


@dataclass(frozen=True)
class TravelerOutcome:
    traveler_id: str
    flight: str
    label: Label | None
    groups: Groups
    candidate: PackOutcome
    baseline: PackOutcome | None = None


# Age bands: children (under 12, 12-17) apart because minors-alone rules
# fire on them; adult bands as in the GLOTIP and CTDC profiles (18-24 is the
# most recruited adult band).
AGE_BANDS: Final = (
    (65, "65+"),
    (45, "45-64"),
    (25, "25-44"),
    (18, "18-24"),
    (12, "12-17"),
    (0, "0-11"),
)


def age_band(age: int | None) -> str:
    """The band of an age in years; "" when unknown."""
    if age is None or age < 0:
        return ""
    return next(name for low, name in AGE_BANDS if age >= low)


def referral_of(
    pack: PackSpec, fired: Iterable[str], *, without: str | None = None, promote: bool = False
) -> Referral:
    """The referral the pack gives when ``fired`` rules fire (minus ``without``).

    With ``promote``, shadow rules count as enforced (the "enforce the shadow
    rules" question); otherwise shadow rules and unknown ids count nothing.
    """
    score = 0.0
    by_typology: dict[str, float] = {}
    priority = False
    for rule_id in fired:
        if rule_id == without:
            continue
        rule = pack.rule(rule_id)
        if rule is None or (rule.mode != "enforce" and not promote):
            continue
        score += rule.weight
        by_typology[rule.typology] = by_typology.get(rule.typology, 0.0) + rule.weight
        priority = priority or rule.refer_priority
    if priority or score >= pack.priority:
        return "priority_interview"
    interview = score >= pack.interview
    for typology, sub in by_typology.items():
        own = pack.typology_thresholds.get(typology)
        if own is None:
            continue
        if own.priority is not None and sub >= own.priority:
            return "priority_interview"
        interview = interview or (own.interview is not None and sub >= own.interview)
    return "interview" if interview else "none"
