"""The evaluation report, built from a (merged) tally.

Every ratio is None when its denominator is zero, never NaN, so the JSON is
valid and a reader sees "not measurable" rather than 0%. Definitions:

- precision: referred travelers who belong to a trafficking case (victim or
  escort) over all referred labelled travelers;
- recall: referred victims over victims (escorts are not counted: nothing
  asks the pack to find the controller, and a case is found through them
  only by the victim's interview);
- false-referral rate of a class: referred over travelers of the class;
- a rule's precision and recall: the same over the travelers it fired on;
  "alone" counts the referrals that fall to no referral without the rule
  (its marginal effect), "alone_priority" the priority interviews that fall
  to a lower level;
- disparity: among travelers not in a trafficking case (so that correctly
  referred victims, concentrated in the source countries of the cases, do
  not count as unfairness), each group's referral rate over the overall
  rate. A group is flagged when that ratio exceeds the pack's limit (its
  default, or the limit it sets for that attribute) and the
  group has at least ``min_group_size`` travelers and ``min_group_referrals``
  referrals on at least ``min_group_flights`` flights: below that, one or two
  referrals decide the ratio (with an overall rate of 1%, a group of 100
  expects one referral, and a single extra one doubles its rate), and one
  party (a school group of 25 on one booking) would decide it alone. The
  rules that drive a flagged group are those whose share of the group's
  travelers referred with the rule fired most exceeds their share overall.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any, Final

from screening_service.evaluation.outcomes import REFERRALS, PackSpec, RuleSpec
from screening_service.evaluation.tally import CLASSES, SCORE_SCALE, Tally, is_case

MIN_GROUP_SIZE: Final = 100
MIN_GROUP_REFERRALS: Final = 5
MIN_GROUP_FLIGHTS: Final = 3
HISTOGRAM_BINS: Final = 30


def ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


@dataclass(frozen=True)
class Summary:
    travelers: int
    referrals: dict[str, int]
    referred: int
    per_100: float | None
    precision: float | None
    recall: float | None
    referral_rate: dict[str, float | None]


@dataclass(frozen=True)
class TypologyRow:
    typology: str
    victims: int
    referred: int
    recall: float | None


@dataclass(frozen=True)
class PatternRow:
    cls: str
    pattern: str
    travelers: int
    referred: int
    rate: float | None


@dataclass(frozen=True)
class RuleRow:
    rule_id: str
    typology: str
    mode: str
    weight: float
    refer_priority: bool
    hits: int
    hits_by_class: dict[str, int]
    precision: float | None
    recall: float | None
    alone: int
    alone_victims: int
    alone_priority: int
    in_pack: bool = True


@dataclass(frozen=True)
class AttributedRow:
    typology: str
    referred: int
    correct: int
    precision: float | None


@dataclass(frozen=True)
class PairRow:
    a: str
    b: str
    both: int
    jaccard: float | None


@dataclass(frozen=True)
class HistogramBin:
    low: float
    high: float | None
    counts: dict[str, int]


@dataclass(frozen=True)
class FlightLoad:
    flight: str
    travelers: int
    referred: int


@dataclass(frozen=True)
class Workload:
    per_100: float | None
    flights: int
    mean_per_flight: float | None
    worst: FlightLoad | None


@dataclass(frozen=True)
class Driver:
    rule_id: str
    group_rate: float
    overall_rate: float


@dataclass(frozen=True)
class GroupRow:
    attribute: str
    group: str
    travelers: int
    referred: int
    flights: int
    rate: float | None
    ratio: float | None
    flagged: bool
    drivers: tuple[Driver, ...] = ()
    limit: float = 0.0


@dataclass(frozen=True)
class ChangeRow:
    traveler_id: str
    flight: str
    baseline: str
    candidate: str
    added: tuple[str, ...]
    removed: tuple[str, ...]
    reweighted: tuple[str, ...]


@dataclass(frozen=True)
class EvaluationReport:
    candidate_version: str
    baseline_version: str | None
    thresholds: dict[str, float]
    candidate: Summary
    baseline: Summary | None
    promoted: Summary
    typologies: tuple[TypologyRow, ...]
    patterns: tuple[PatternRow, ...]
    rules: tuple[RuleRow, ...]
    attributed: tuple[AttributedRow, ...]
    pairs: tuple[PairRow, ...]
    histogram: tuple[HistogramBin, ...]
    workload: Workload
    disparity_limit: float
    disparity_limits: dict[str, float]
    min_group_size: int
    min_group_referrals: int
    min_group_flights: int
    disparity: tuple[GroupRow, ...]
    changed: tuple[ChangeRow, ...]
    mismatches: dict[str, int] = field(default_factory=dict)

    @property
    def flagged(self) -> tuple[GroupRow, ...]:
        return tuple(row for row in self.disparity if row.flagged)

    def as_dict(self) -> dict[str, Any]:
        body = asdict(self)
        body["flagged"] = [asdict(row) for row in self.flagged]
        return body


def summary(referrals: Counter[tuple[str, str]]) -> Summary:
    travelers = sum(referrals.values())
    levels: dict[str, int] = {
        r: sum(n for (_, level), n in referrals.items() if level == r) for r in REFERRALS
    }
    referred = travelers - levels["none"]
    labelled_referred = sum(
        n for (cls, level), n in referrals.items() if level != "none" and cls != "unlabelled"
    )
    correct = sum(n for (cls, level), n in referrals.items() if level != "none" and is_case(cls))
    victims = sum(n for (cls, _), n in referrals.items() if cls == "victim")
    found = sum(n for (cls, level), n in referrals.items() if cls == "victim" and level != "none")
    rates: dict[str, float | None] = {}
    for cls in CLASSES:
        size = sum(n for (c, _), n in referrals.items() if c == cls)
        hit = sum(n for (c, level), n in referrals.items() if c == cls and level != "none")
        rates[cls] = ratio(hit, size)
    per_100 = ratio(100 * referred, travelers)
    return Summary(
        travelers,
        levels,
        referred,
        per_100,
        ratio(correct, labelled_referred),
        ratio(found, victims),
        rates,
    )


def _typologies(t: Tally) -> tuple[TypologyRow, ...]:
    names = sorted({name for name, _ in t.typologies})
    return tuple(
        TypologyRow(
            name,
            t.typologies[name, "travelers"],
            t.typologies[name, "referred"],
            ratio(t.typologies[name, "referred"], t.typologies[name, "travelers"]),
        )
        for name in names
    )


def _patterns(t: Tally) -> tuple[PatternRow, ...]:
    keys = sorted(
        {(cls, pattern) for cls, pattern, _ in t.patterns},
        key=lambda k: (CLASSES.index(k[0]), k[1]),
    )
    return tuple(
        PatternRow(
            cls,
            pattern,
            t.patterns[cls, pattern, "travelers"],
            t.patterns[cls, pattern, "referred"],
            ratio(t.patterns[cls, pattern, "referred"], t.patterns[cls, pattern, "travelers"]),
        )
        for cls, pattern in keys
    )


def _rules(t: Tally, pack: PackSpec, victims: int) -> tuple[RuleRow, ...]:
    rows = []
    fired_ids = {rule_id for rule_id, _ in t.hits}
    known = {r.rule_id for r in pack.rules}
    unknown = [RuleSpec(rule_id, "(unknown)", 0.0) for rule_id in sorted(fired_ids - known)]
    for spec in (*pack.rules, *unknown):
        by_class = {cls: t.hits[spec.rule_id, cls] for cls in CLASSES}
        hits = sum(by_class.values())
        labelled = hits - by_class["unlabelled"]
        correct = by_class["victim"] + by_class["escort"]
        rows.append(
            RuleRow(
                spec.rule_id,
                spec.typology,
                spec.mode,
                spec.weight,
                spec.refer_priority,
                hits,
                by_class,
                ratio(correct, labelled),
                ratio(by_class["victim"], victims),
                sum(t.alone[spec.rule_id, cls] for cls in CLASSES),
                t.alone[spec.rule_id, "victim"],
                sum(t.alone_priority[spec.rule_id, cls] for cls in CLASSES),
                spec.rule_id in known,
            )
        )
    return tuple(rows)


def _attributed(t: Tally) -> tuple[AttributedRow, ...]:
    names = sorted({name for name, _ in t.attributed})
    rows = []
    for name in names:
        referred = sum(t.attributed[name, cls] for cls in CLASSES)
        labelled = referred - t.attributed[name, "unlabelled"]
        correct = t.attributed[name, "victim"] + t.attributed[name, "escort"]
        rows.append(AttributedRow(name, referred, correct, ratio(correct, labelled)))
    return tuple(rows)


def _pairs(t: Tally) -> tuple[PairRow, ...]:
    hits: Counter[str] = Counter()
    for (rule_id, _), n in t.hits.items():
        hits[rule_id] += n
    rows = [
        PairRow(a, b, both, ratio(both, hits[a] + hits[b] - both))
        for (a, b), both in t.pairs.items()
        if both
    ]
    rows.sort(key=lambda r: (-r.both, r.a, r.b))
    return tuple(rows)


def _histogram(t: Tally, pack: PackSpec) -> tuple[HistogramBin, ...]:
    """Equal bins from 0 to 1.5 x the priority threshold, and one bin above.

    The width is a twentieth of the priority threshold, so both thresholds
    fall on bin edges when the interview threshold is a multiple of it.
    """
    top = 1.5 * pack.priority if pack.priority > 0 else 1.0
    width = top / HISTOGRAM_BINS
    counts: list[Counter[str]] = [Counter() for _ in range(HISTOGRAM_BINS + 1)]
    for (micro, cls), n in t.scores.items():
        score = micro / SCORE_SCALE
        index = HISTOGRAM_BINS if score >= top else max(0, int(score // width))
        counts[min(index, HISTOGRAM_BINS)][cls] += n
    return tuple(
        HistogramBin(
            round(i * width, 6),
            None if i == HISTOGRAM_BINS else round((i + 1) * width, 6),
            {cls: c[cls] for cls in CLASSES},
        )
        for i, c in enumerate(counts)
    )


def _workload(t: Tally) -> Workload:
    flights = sorted({flight for flight, _ in t.flights})
    loads = [FlightLoad(f, t.flights[f, "travelers"], t.flights[f, "referred"]) for f in flights]
    travelers = sum(load.travelers for load in loads)
    referred = sum(load.referred for load in loads)
    worst = min(loads, key=lambda x: (-x.referred, -x.travelers, x.flight), default=None)
    return Workload(
        ratio(100 * referred, travelers), len(loads), ratio(referred, len(loads)), worst
    )


def _disparity(
    t: Tally, pack: PackSpec, min_size: int, min_referrals: int, min_flights: int
) -> tuple[GroupRow, ...]:
    rows = []
    flights: Counter[tuple[str, str]] = Counter()
    for attribute, group, _ in t.group_flights:
        flights[attribute, group] += 1
    keys = sorted({(attribute, group) for attribute, group, _ in t.groups})
    attributes = {attribute for attribute, _ in keys}
    totals = {
        a: (
            sum(n for (x, _, kind), n in t.groups.items() if x == a and kind == "travelers"),
            sum(n for (x, _, kind), n in t.groups.items() if x == a and kind == "referred"),
        )
        for a in attributes
    }
    for attribute, group in keys:
        size, referred = (
            t.groups[attribute, group, "travelers"],
            t.groups[attribute, group, "referred"],
        )
        everyone, everyone_referred = totals[attribute]
        overall = ratio(everyone_referred, everyone)
        rate = ratio(referred, size)
        limit = pack.limit_for(attribute)
        relative = ratio(rate, overall) if rate is not None and overall else None
        flagged = (
            relative is not None
            and relative > limit
            and size >= min_size
            and referred >= min_referrals
            and flights[attribute, group] >= min_flights
        )
        drivers: tuple[Driver, ...] = ()
        if flagged:
            drivers = _drivers(t, attribute, group, size, everyone)
        rows.append(
            GroupRow(
                attribute,
                group,
                size,
                referred,
                flights[attribute, group],
                rate,
                relative,
                flagged,
                drivers,
                limit,
            )
        )
    return tuple(rows)


def _drivers(t: Tally, attribute: str, group: str, size: int, everyone: int) -> tuple[Driver, ...]:
    found = []
    for (a, g, rule_id), n in t.group_rules.items():
        if a != attribute or g != group:
            continue
        group_rate, overall_rate = n / size, t.rule_referred[rule_id] / everyone
        if group_rate > overall_rate:
            found.append(Driver(rule_id, group_rate, overall_rate))
    found.sort(key=lambda d: (-(d.group_rate - d.overall_rate), d.rule_id))
    return tuple(found[:3])


def build_report(
    t: Tally,
    candidate: PackSpec,
    baseline: PackSpec | None = None,
    *,
    min_group_size: int = MIN_GROUP_SIZE,
    min_group_referrals: int = MIN_GROUP_REFERRALS,
    min_group_flights: int = MIN_GROUP_FLIGHTS,
) -> EvaluationReport:
    """The report of a tally (usually merged from every chunk of a replay)."""
    current = summary(t.referrals)
    victims = sum(n for (cls, _), n in t.referrals.items() if cls == "victim")
    changed = tuple(ChangeRow(*c) for c in sorted(t.changed))
    return EvaluationReport(
        candidate_version=candidate.version,
        baseline_version=baseline.version if baseline else None,
        thresholds={"interview": candidate.interview, "priority_interview": candidate.priority},
        candidate=current,
        baseline=summary(t.baseline_referrals) if t.baseline_referrals else None,
        promoted=summary(t.promoted),
        typologies=_typologies(t),
        patterns=_patterns(t),
        rules=_rules(t, candidate, victims),
        attributed=_attributed(t),
        pairs=_pairs(t),
        histogram=_histogram(t, candidate),
        workload=_workload(t),
        disparity_limit=candidate.disparity_limit,
        disparity_limits=dict(candidate.disparity_limits),
        min_group_size=min_group_size,
        min_group_referrals=min_group_referrals,
        min_group_flights=min_group_flights,
        disparity=_disparity(t, candidate, min_group_size, min_group_referrals, min_group_flights),
        changed=changed,
        mismatches=dict(sorted(t.mismatches.items())),
    )
