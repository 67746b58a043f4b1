"""Mergeable partial counts of an evaluation.

Replay screens chunks of records in several processes; each chunk is tallied
here and the tallies are added (`Tally.merge`). Every field is an integer
counter keyed by plain strings, or a list sorted when the report is built, so
adding the tallies of any partition of the travelers gives exactly the tally
of the whole: a distributed run reports what a local run reports. Scores are
keyed in millionths of a point, so floating-point sums never enter a key.

Classes: a traveler is a ``victim`` or an ``escort`` (a labelled trafficking
case), ``lawful`` (a look-alike), ``background`` or ``unlabelled`` (no label
given).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from itertools import combinations
from typing import Final

from screening_service.evaluation.outcomes import (
    PackOutcome,
    PackSpec,
    Referral,
    TravelerOutcome,
    referral_of,
    typology_sums,
)

CLASSES: Final = ("victim", "escort", "lawful", "background", "unlabelled")
SCORE_SCALE: Final = 1_000_000
Change = tuple[str, str, str, str, tuple[str, ...], tuple[str, ...], tuple[str, ...]]


def traveler_class(outcome: TravelerOutcome) -> str:
    label = outcome.label
    if label is None:
        return "unlabelled"
    if label.kind == "trafficking":
        return "victim" if label.label == "victim" else "escort"
    return label.kind


def is_case(cls: str) -> bool:
    """A referral of a victim or of the escort travelling with one is a correct referral."""
    return cls in ("victim", "escort")


@dataclass
class Tally:
    """Counts of one part of the travelers; `merge` adds another part's."""

    # (class, referral) for the candidate; the same for the baseline.
    referrals: Counter[tuple[str, str]] = field(default_factory=Counter)
    baseline_referrals: Counter[tuple[str, str]] = field(default_factory=Counter)
    # (class, referral) when the candidate's shadow rules are enforced.
    promoted: Counter[tuple[str, str]] = field(default_factory=Counter)
    # (typology or pattern key, "travelers" | "referred") for labelled travelers.
    typologies: Counter[tuple[str, str]] = field(default_factory=Counter)
    patterns: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    # (rule id, class): enforced and shadow hits of the candidate.
    hits: Counter[tuple[str, str]] = field(default_factory=Counter)
    # (rule id, class): referrals that fall to none without the rule; and
    # priority interviews that fall to a lower level.
    alone: Counter[tuple[str, str]] = field(default_factory=Counter)
    alone_priority: Counter[tuple[str, str]] = field(default_factory=Counter)
    # (rule a, rule b) with a < b, fired together (enforced or shadow).
    pairs: Counter[tuple[str, str]] = field(default_factory=Counter)
    # (pack typology with the highest sum, class) among referred travelers.
    attributed: Counter[tuple[str, str]] = field(default_factory=Counter)
    # (score in millionths, class).
    scores: Counter[tuple[int, str]] = field(default_factory=Counter)
    # (flight, "travelers" | "referred").
    flights: Counter[tuple[str, str]] = field(default_factory=Counter)
    # (attribute, group, "travelers" | "referred"), travelers not in a case.
    groups: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    # (attribute, group, rule id): referred travelers not in a case the rule fired on.
    group_rules: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    # (attribute, group, flight): referred travelers not in a case, by flight.
    group_flights: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    # rule id: the same, all groups together.
    rule_referred: Counter[str] = field(default_factory=Counter)
    mismatches: Counter[str] = field(default_factory=Counter)
    changed: list[Change] = field(default_factory=list)

    def merge(self, other: Tally) -> Tally:
        """Add ``other`` into this tally (in place) and return it."""
        for f in fields(self):
            mine, theirs = getattr(self, f.name), getattr(other, f.name)
            if isinstance(mine, Counter):
                mine.update(theirs)
            else:
                mine.extend(theirs)
        return self


def merge_all(parts: Iterable[Tally]) -> Tally:
    total = Tally()
    for part in parts:
        total.merge(part)
    return total


def _top_typology(pack: PackSpec, fired: Iterable[str]) -> str:
    sums = {t: s for t, s in typology_sums(pack, fired)[0].items() if s > 0}
    if not sums:
        return "(none)"
    return min(sums, key=lambda t: (-sums[t], t))


def _change(
    outcome: TravelerOutcome, candidate: PackSpec, baseline: PackSpec, before: PackOutcome
) -> Change:
    now, then = set(outcome.candidate.fired), set(before.fired)
    reweighted = []
    for rule_id in sorted(now & then):
        new, old = candidate.rule(rule_id), baseline.rule(rule_id)
        if (
            new is not None
            and old is not None
            and (new.weight, new.refer_priority)
            != (
                old.weight,
                old.refer_priority,
            )
        ):
            reweighted.append(rule_id)
    return (
        outcome.traveler_id,
        outcome.flight,
        before.referral,
        outcome.candidate.referral,
        tuple(sorted(now - then)),
        tuple(sorted(then - now)),
        tuple(reweighted),
    )


def _rank(referral: str) -> int:
    return ("none", "interview", "priority_interview").index(referral)


def tally(
    outcomes: Iterable[TravelerOutcome], candidate: PackSpec, baseline: PackSpec | None = None
) -> Tally:
    """The counts of ``outcomes`` under the candidate (and baseline) pack."""
    t = Tally()
    referral = _Referrals(candidate)
    for outcome in outcomes:
        _one(t, outcome, candidate, baseline, referral)
    return t


class _Referrals:
    """`referral_of` one pack, remembered by rule set: most travelers fire no rule, and
    the rest share a few sets, so the scoring is done once per set, not per traveler."""

    def __init__(self, pack: PackSpec) -> None:
        self.pack = pack
        self.known: dict[tuple[tuple[str, ...], bool], Referral] = {}

    def __call__(self, fired: tuple[str, ...], promote: bool = False) -> Referral:
        key = (fired, promote)
        found = self.known.get(key)
        if found is None:
            found = self.known[key] = referral_of(self.pack, fired, promote=promote)
        return found


def _one(
    t: Tally,
    outcome: TravelerOutcome,
    candidate: PackSpec,
    baseline: PackSpec | None,
    referral_for: _Referrals,
) -> None:
    cls = traveler_class(outcome)
    mine = outcome.candidate
    referral: Referral = mine.referral
    referred = referral != "none"
    t.referrals[cls, referral] += 1
    recomputed = referral_for(mine.fired)
    if recomputed != referral:
        t.mismatches[f"{referral}->{recomputed}"] += 1
    t.promoted[cls, referral_for((*mine.fired, *mine.shadow), True)] += 1
    label = outcome.label
    if label is not None:
        state = "referred" if referred else "not_referred"
        if cls == "victim" and label.typology:
            t.typologies[label.typology, "travelers"] += 1
            t.typologies[label.typology, state] += 1
        pattern = label.pattern or "(none)"
        t.patterns[cls, pattern, "travelers"] += 1
        t.patterns[cls, pattern, state] += 1
    for rule_id in (*mine.fired, *mine.shadow):
        t.hits[rule_id, cls] += 1
    everything = sorted({*mine.fired, *mine.shadow})
    for a, b in combinations(everything, 2):
        t.pairs[a, b] += 1
    if referred:
        t.attributed[_top_typology(candidate, mine.fired), cls] += 1
        for rule_id in set(mine.fired):
            without = referral_of(candidate, mine.fired, without=rule_id)
            if without == "none":
                t.alone[rule_id, cls] += 1
            elif referral == "priority_interview" and _rank(without) < _rank(referral):
                t.alone_priority[rule_id, cls] += 1
    t.scores[round(mine.score * SCORE_SCALE), cls] += 1
    t.flights[outcome.flight, "travelers"] += 1
    if referred:
        t.flights[outcome.flight, "referred"] += 1
    if not is_case(cls):
        for attribute, group in outcome.groups.items():
            key = group or "(unknown)"
            t.groups[attribute, key, "travelers"] += 1
            if referred:
                t.groups[attribute, key, "referred"] += 1
                t.group_flights[attribute, key, outcome.flight] += 1
                for rule_id in set(mine.fired):
                    t.group_rules[attribute, key, rule_id] += 1
        if referred:
            for rule_id in set(mine.fired):
                t.rule_referred[rule_id] += 1
    before = outcome.baseline
    if before is not None:
        t.baseline_referrals[cls, before.referral] += 1
        if baseline is not None and before.referral != referral:
            t.changed.append(_change(outcome, candidate, baseline, before))
