"""What replay hands to the evaluation: plain data per traveler, and the pack's numbers.

No engine, no protobuf: a pack is its rule list and thresholds (`PackSpec`),
a decision is its referral, score and fired rule ids (`PackOutcome`). The
referral is recomputed from those numbers by `referral_of` (the rule of
pipeline/decide.py: enforced weights add up; a fired ``refer_priority`` rule
or the priority threshold gives a priority interview, the interview
threshold an interview; optional per-typology thresholds apply to a
typology's own sum). A recomputed referral that disagrees with
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
    group: str = ""
    replaces: tuple[str, ...] = ()
    mitigates: bool = False


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
    # Group id -> cap on the summed weights of its fired rules.
    group_caps: Mapping[str, float] = field(default_factory=dict)
    # Audit attribute (nationality, sex, age_band, origin_region) -> its own limit.
    disparity_limits: Mapping[str, float] = field(default_factory=dict)

    def limit_for(self, attribute: str) -> float:
        """The disparity limit of one audit attribute (the pack's default unless it sets one)."""
        return self.disparity_limits.get(attribute, self.disparity_limit)

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


def typology_sums(
    pack: PackSpec, fired: Iterable[str], *, without: str | None = None, promote: bool = False
) -> tuple[dict[str, float], bool]:
    """Per-typology scores of ``fired`` (minus ``without``), and whether a priority rule fired.

    The scoring of pipeline/decide.py, restated over plain data: a rule
    another fired rule replaces counts nothing, a group counts at most its
    cap, a mitigating rule subtracts its weight (never below zero) and never
    cancels a priority rule. With ``promote``, shadow rules count as
    enforced; otherwise shadow rules and unknown ids count nothing.
    """
    rules = [
        rule
        for rule_id in fired
        if rule_id != without
        and (rule := pack.rule(rule_id)) is not None
        and (rule.mode == "enforce" or promote)
    ]
    replaced = {other for rule in rules for other in rule.replaces}
    counted = [rule for rule in rules if rule.rule_id not in replaced]
    adding: dict[str, dict[str, float]] = {}
    for rule in counted:
        if not rule.mitigates:
            by_group = adding.setdefault(rule.typology, {})
            key = rule.group or f"#{rule.rule_id}"
            by_group[key] = by_group.get(key, 0.0) + rule.weight
    sums = {
        typology: sum(
            min(weight, pack.group_caps[key]) if key in pack.group_caps else weight
            for key, weight in groups.items()
        )
        for typology, groups in adding.items()
    }
    for rule in counted:
        if rule.mitigates:
            sums[rule.typology] = max(0.0, sums.get(rule.typology, 0.0) - rule.weight)
    priority = any(rule.refer_priority and not rule.mitigates for rule in rules)
    return sums, priority


def referral_of(
    pack: PackSpec, fired: Iterable[str], *, without: str | None = None, promote: bool = False
) -> Referral:
    """The referral the pack gives when ``fired`` rules fire (minus ``without``).

    With ``promote``, shadow rules count as enforced (the "enforce the shadow
    rules" question); otherwise shadow rules and unknown ids count nothing.
    """
    by_typology, priority = typology_sums(pack, fired, without=without, promote=promote)
    score = sum(by_typology.values())
    if priority or score >= pack.priority:
        return "priority_interview"
    own = [
        (pack.typology_thresholds[t], sub)
        for t, sub in by_typology.items()
        if t in pack.typology_thresholds
    ]
    if any(t.priority is not None and sub >= t.priority for t, sub in own):
        return "priority_interview"
    if score >= pack.interview:
        return "interview"
    if any(t.interview is not None and sub >= t.interview for t, sub in own):
        return "interview"
    return "none"
