"""Rule files -> parse -> check: types, names, values and policy.

Checks each condition against the field catalog and the pack's declared
aggregates (unknown fields with a "did you mean", reported once per rule;
operators that do not fit a type; enum values, country and airport codes,
dates, stray whitespace; RE2 patterns), refuses any rule that mentions a
protected attribute however it is combined, refuses conditions no record can
satisfy, checks examples (fields, values, derivation rules) and rule
metadata, and returns rules whose literals carry their catalog types.
Every finding of a pack is reported in one run.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

import re2

from screening_service import geography
from screening_service.catalog import CATALOG, PROTECTED_FIELDS, Field, FieldType
from screening_service.engine.facts import EMPTY_LIST_ITEM
from screening_service.rules import condition_ast as ast
from screening_service.rules import errors
from screening_service.rules.errors import ErrorSink, Location, nearest
from screening_service.rules.model import Aggregate, Example, ExampleValue, Pack, Rule
from screening_service.rules.satisfy import satisfiable
from screening_service.values import ValueTypeError, coerce, coerce_item

MAX_LIST_LITERALS: Final = 64
MAX_PATTERN_CHARS: Final = 256
RE2_MAX_MEM: Final = 1 << 20
PROTECTED_HINT: Final = (
    "rules may not read nationality, country of residence, issuing country or sex at all; "
    "use document.issuer_differs_from_nationality or an itinerary field instead"
)

# Expression kinds: what a sub-expression holds.
NUMBER, DATE, TEXT, BOOL, LIST = "number", "date", "text", "bool", "list"


def expr_kind(field: Field) -> str:
    return {
        FieldType.INT: NUMBER,
        FieldType.FLOAT: NUMBER,
        FieldType.DATE: DATE,
        FieldType.STRING: TEXT,
        FieldType.ENUM: TEXT,
        FieldType.BOOL: BOOL,
        FieldType.LIST: LIST,
    }[field.type]


def compile_pattern(text: str) -> re2._Regexp:
    """An RE2 pattern with a bounded program size (linear-time matching)."""
    options = re2.Options()
    options.max_mem = RE2_MAX_MEM
    return re2.compile(text, options)


def aggregate_fields(aggregates: tuple[Aggregate, ...]) -> dict[str, Field]:
    return {
        a.field_name: Field(
            a.field_name,
            FieldType.INT if a.kind == "count" else FieldType.BOOL,
            a.description or f"{a.kind} over the flight's travelers: {a.when}",
            group=True,
        )
        for a in aggregates
    }


class _RuleChecker:
    def __init__(
        self,
        rule_id: str,
        locate: object,
        sink: ErrorSink,
        fields: Mapping[str, Field],
        allow_aggregates: bool = True,
    ) -> None:
        self.rule_id = rule_id
        self.locate = locate
        self.sink = sink
        self.fields = fields
        self.ok = True
        self.in_quantifier = False
        self.reported: set[str] = set()
        self.allow_aggregates = allow_aggregates

    def where(self, pos: ast.Pos) -> Location:
        locate = self.locate
        assert callable(locate)
        found: Location = locate(pos)
        return found

    def error(
        self, code: str, message: str, pos: ast.Pos, suggestion: str = "", hint: str = ""
    ) -> None:
        self.ok = False
        self.sink.add(code, message, self.where(pos), self.rule_id, suggestion, hint)

    def field(self, ref: ast.FieldRef) -> Field | None:
        found = self.fields.get(ref.name)
        if found is None:
            if ref.name not in self.reported:
                self.reported.add(ref.name)
                hint = ""
                if ref.name.startswith("flight."):
                    hint = "declare flight-level counts under 'aggregates:' in pack.yaml"
                self.error(
                    errors.E_UNKNOWN_FIELD,
                    f"unknown field '{ref.name}'",
                    ref.pos,
                    nearest(ref.name, self.fields),
                    hint,
                )
            else:
                self.ok = False
            return None
        if found.scope == "key":
            self.error(
                errors.E_TYPE,
                f"{found.name} is an identifier: name it only in an aggregate's 'same:'",
                ref.pos,
            )
            return None
        if found.scope == "companion" and not self.in_quantifier:
            self.error(
                errors.E_TYPE,
                f"{found.name} describes one companion: read it inside "
                "'any companion (...)' or 'all companions (...)'",
                ref.pos,
            )
            return None
        if (
            found.group
            and found.name.startswith("flight.")
            and not self.allow_aggregates
            and found.name not in CATALOG
        ):
            self.error(
                errors.E_COMPOSITION,
                f"an aggregate's condition cannot read another aggregate ({found.name})",
                ref.pos,
            )
            return None
        return found

    def literal(self, field: Field, literal: ast.Literal) -> ast.Literal:
        value = literal.value
        if isinstance(value, str) and value != value.strip():
            self.error(
                errors.E_UNKNOWN_VALUE,
                f"{_show(value)} has leading or trailing spaces and can never match",
                literal.pos,
                hint=f"write {_show(value.strip())}",
            )
            return literal
        try:
            typed = ast.Literal(coerce_item(field, value), literal.pos)
        except ValueTypeError as problem:
            code = (
                errors.E_UNKNOWN_VALUE if field.values and isinstance(value, str) else errors.E_TYPE
            )
            suggestion = nearest(value, field.values) if isinstance(value, str) else ""
            hint = ""
            if field.scope == "companion" and value == "unknown":
                hint = f"write '{field.name} is unknown'"
            self.error(
                code, f"{field.name} {problem}, not {_show(value)}", literal.pos, suggestion, hint
            )
            return literal
        if isinstance(typed.value, str):
            self.domain(field, typed)
        return typed

    def domain(self, field: Field, literal: ast.Literal) -> None:
        value = str(literal.value)
        if field.domain == "country" and not geography.is_country(value):
            upper = value.upper()
            hint = (
                f"country codes are upper case: {_show(upper)}"
                if geography.is_country(upper)
                else 'country codes are ISO 3166-1 alpha-3, e.g. "MEX"'
            )
            self.error(
                errors.E_UNKNOWN_VALUE,
                f"{field.name} holds ISO 3166-1 alpha-3 codes; {_show(value)} is not one",
                literal.pos,
                hint=hint,
            )
        elif field.domain == "airport" and geography.airport(value) is None:
            upper = value.upper()
            hint = (
                f"airport codes are upper case: {_show(upper)}"
                if geography.airport(upper) is not None
                else 'airport codes are IATA codes, e.g. "JFK"'
            )
            self.error(
                errors.E_UNKNOWN_VALUE,
                f"{field.name} holds IATA airport codes; {_show(value)} is not one",
                literal.pos,
                hint=hint,
            )
        elif value == EMPTY_LIST_ITEM:
            self.error(errors.E_UNKNOWN_VALUE, f"{_show(value)} is reserved", literal.pos)

    # -- expressions ---------------------------------------------------------

    def expr(self, node: ast.Expr, want: str = "") -> tuple[ast.Expr, str | None]:
        """The checked expression and its kind (None when it could not be typed)."""
        if isinstance(node, ast.FieldRef):
            field = self.field(node)
            return node, (expr_kind(field) if field else None)
        if isinstance(node, ast.Literal):
            value = node.value
            if isinstance(value, bool):
                return node, BOOL
            if isinstance(value, int | float):
                return node, NUMBER
            if want == DATE:
                try:
                    return ast.Literal(
                        coerce_item(CATALOG["document.issue_date"], value), node.pos
                    ), DATE
                except ValueTypeError:
                    self.error(
                        errors.E_TYPE,
                        f"expected a date written YYYY-MM-DD, not {_show(value)}",
                        node.pos,
                    )
                    return node, None
            return node, TEXT
        if isinstance(node, ast.Arith):
            left, lk = self.expr(node.left)
            right, rk = self.expr(node.right, NUMBER if lk == DATE else "")
            checked = ast.Arith(node.op, left, right, node.pos)
            if lk is None or rk is None:
                return checked, None
            if lk == rk == NUMBER:
                return checked, NUMBER
            if lk == rk == DATE and node.op == "-":
                return checked, NUMBER
            if lk == DATE and rk == NUMBER:
                return checked, DATE
            self.error(
                errors.E_TYPE,
                f"'{node.op}' does not fit {lk} and {rk} (numbers add and subtract; a date minus "
                "a date is a number of days; a date plus or minus a number of days is a date)",
                node.pos,
            )
            return checked, None
        args = []
        kinds = []
        for arg in node.args:
            checked_arg, kind = self.expr(arg, DATE if node.function.endswith("_between") else "")
            args.append(checked_arg)
            kinds.append(kind)
        call = ast.Call(node.function, tuple(args), node.pos)
        signature = {
            "days_between": ((DATE, DATE), NUMBER),
            "years_between": ((DATE, DATE), NUMBER),
            "abs": ((NUMBER,), NUMBER),
            "lower": ((TEXT,), TEXT),
            "length": ((TEXT,), NUMBER),
        }[node.function]
        wanted, result = signature
        if None in kinds:
            return call, None
        if tuple(kinds) != wanted and not (node.function == "length" and kinds == [LIST]):
            self.error(
                errors.E_TYPE,
                f"{node.function} takes ({', '.join(wanted)}), "
                f"not ({', '.join(str(k) for k in kinds)})",
                node.pos,
            )
            return call, None
        return call, result

    # -- conditions ----------------------------------------------------------

    def check(self, node: ast.Condition) -> ast.Condition:
        if isinstance(node, ast.And):
            return ast.And(tuple(self.check(o) for o in node.operands), node.pos)
        if isinstance(node, ast.Or):
            return ast.Or(tuple(self.check(o) for o in node.operands), node.pos)
        if isinstance(node, ast.Not):
            return ast.Not(self.check(node.operand), node.pos)
        if isinstance(node, ast.AtLeast):
            if not 1 <= node.count <= len(node.operands):
                self.error(
                    errors.E_UNSATISFIABLE if node.count > len(node.operands) else errors.E_TYPE,
                    f"'at least {node.count} of' needs between 1 and {len(node.operands)}",
                    node.pos,
                )
            return ast.AtLeast(node.count, tuple(self.check(o) for o in node.operands), node.pos)
        if isinstance(node, ast.Quantifier):
            if self.in_quantifier:
                self.error(errors.E_TYPE, "quantifiers over companions cannot nest", node.pos)
                return node
            self.in_quantifier = True
            try:
                body = self.check(node.body)
            finally:
                self.in_quantifier = False
            return ast.Quantifier(node.kind, body, node.pos)
        if isinstance(node, ast.Relation):
            return self.relation(node)
        field = self.field(node.field)
        if field is None:
            return node
        if isinstance(node, ast.Presence):
            return node
        if isinstance(node, ast.Truthy):
            if field.type is not FieldType.BOOL:
                self.error(
                    errors.E_TYPE,
                    f"{field.name} is {_kind(field)}, not true/false: compare it with a value",
                    node.pos,
                )
            return node
        if isinstance(node, ast.TextTest):
            return self.text_test(field, node)
        if isinstance(node, ast.Contains):
            if field.type is not FieldType.LIST:
                self.error(
                    errors.E_TYPE,
                    f"'contains' needs a list field; {field.name} is {_kind(field)}",
                    node.pos,
                )
                return node
            return ast.Contains(node.field, self.literal(field, node.value), node.pos)
        if field.type is FieldType.LIST:
            self.error(
                errors.E_TYPE,
                f"{field.name} is a list: use 'contains', 'is known' or 'is unknown'",
                node.pos,
            )
            return node
        if isinstance(node, ast.InList):
            if field.type in (FieldType.BOOL, FieldType.FLOAT):
                self.error(
                    errors.E_TYPE, f"'in' does not fit {_kind(field)} field {field.name}", node.pos
                )
            if not node.values:
                self.error(errors.E_TYPE, "the list after 'in' is empty", node.pos)
            if len(node.values) > MAX_LIST_LITERALS:
                self.error(
                    errors.E_LIMIT, f"a list may hold at most {MAX_LIST_LITERALS} values", node.pos
                )
            return ast.InList(
                node.field,
                tuple(self.literal(field, v) for v in node.values),
                node.negated,
                node.pos,
            )
        if node.op in ast.ORDERING_OPERATORS and not field.type.is_ordered:
            self.error(
                errors.E_TYPE,
                f"'{node.op}' needs a number or a date; {field.name} is {_kind(field)}",
                node.pos,
            )
            return node
        return ast.Compare(node.field, node.op, self.literal(field, node.value), node.pos)

    def text_test(self, field: Field, node: ast.TextTest) -> ast.Condition:
        if field.type not in (FieldType.STRING, FieldType.ENUM):
            self.error(
                errors.E_TYPE,
                f"'{node.kind.replace('_', ' ')}' needs a text field; "
                f"{field.name} is {_kind(field)}",
                node.pos,
            )
            return node
        text = str(node.pattern.value)
        if node.kind == "matches":
            if len(text) > MAX_PATTERN_CHARS:
                self.error(
                    errors.E_LIMIT,
                    f"a pattern may be at most {MAX_PATTERN_CHARS} characters",
                    node.pattern.pos,
                )
                return node
            try:
                compile_pattern(text)
            except re2.error as problem:
                self.error(
                    errors.E_TYPE,
                    f"not a valid RE2 pattern: {problem}",
                    node.pattern.pos,
                    hint="RE2 has no backreferences or lookaround; the whole value must match",
                )
        elif not text:
            self.error(errors.E_TYPE, "the text to test is empty", node.pattern.pos)
        return node

    def relation(self, node: ast.Relation) -> ast.Condition:
        left, lk = self.expr(node.left)
        right, rk = self.expr(node.right, lk or "")
        if rk == DATE and isinstance(node.left, ast.Literal) and lk == TEXT:
            left, lk = self.expr(node.left, DATE)
        checked = ast.Relation(left, node.op, right, node.pos)
        if lk is None or rk is None:
            return checked
        if isinstance(left, ast.Literal) and isinstance(right, ast.Literal):
            self.error(errors.E_TYPE, "the comparison has no field: it never changes", node.pos)
            return checked
        if LIST in (lk, rk):
            self.error(errors.E_TYPE, "a list cannot be compared: use 'contains'", node.pos)
            return checked
        if lk != rk:
            self.error(errors.E_TYPE, f"cannot compare {lk} with {rk}", node.pos)
            return checked
        if node.op in ast.ORDERING_OPERATORS and lk not in (NUMBER, DATE):
            self.error(errors.E_TYPE, f"'{node.op}' needs numbers or dates, not {lk}", node.pos)
        return checked


def _show(value: ast.Scalar) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return f'"{value}"' if isinstance(value, str) else str(value)


def _kind(field: Field) -> str:
    return {
        FieldType.INT: "a whole number",
        FieldType.FLOAT: "a number",
        FieldType.BOOL: "true/false",
        FieldType.STRING: "text",
        FieldType.ENUM: "one of a fixed set of values",
        FieldType.DATE: "a date",
        FieldType.LIST: "a list",
    }[field.type]


def check_shape(node: ast.Condition, checker: _RuleChecker) -> bool:
    """Depth and clause limits, checked before any recursive walk."""
    leaves = 0
    for current, depth in ast.walk(node):
        if depth > ast.MAX_DEPTH:
            checker.error(
                errors.E_LIMIT,
                f"the condition nests deeper than {ast.MAX_DEPTH} levels",
                current.pos,
                hint="split it into several rules or flatten the parentheses",
            )
            return False
        if isinstance(current, ast.FieldRef):
            leaves += 1
    if leaves > ast.MAX_CLAUSES:
        checker.error(
            errors.E_LIMIT,
            f"the condition reads {leaves} fields; a rule may read at most {ast.MAX_CLAUSES}",
            node.pos,
            hint="split it into several rules",
        )
        return False
    return True


def _protected(node: ast.Condition, checker: _RuleChecker) -> None:
    mentioned = [ref for ref in ast.field_refs(node) if ref.name in PROTECTED_FIELDS]
    if mentioned:
        names = ", ".join(dict.fromkeys(ref.name for ref in mentioned))
        checker.error(
            errors.E_PROTECTED,
            f"the condition mentions protected attributes ({names}); a rule must key on "
            "indicators of trafficking, not on who a person is",
            mentioned[0].pos,
            hint=PROTECTED_HINT,
        )


def check_condition(condition: ast.Condition, checker: _RuleChecker) -> ast.Condition | None:
    if not check_shape(condition, checker):
        return None
    _protected(condition, checker)
    checked = checker.check(condition)
    if checker.ok and not satisfiable(checked, checker.fields):
        checker.error(
            errors.E_UNSATISFIABLE,
            "no record can make this condition true",
            condition.pos,
            hint="two of its tests contradict each other (or a derived field's definition)",
        )
    return checked


def check_example(
    example: Example, rule_id: str, sink: ErrorSink, fields: Mapping[str, Field]
) -> Example | None:
    typed: dict[str, ExampleValue] = {}
    ok = True
    for name, value in example.values.items():
        field = fields.get(name)
        if field is None:
            sink.add(
                errors.E_UNKNOWN_FIELD,
                f"example {example.label} names unknown field '{name}'",
                example.location,
                rule_id,
                nearest(name, fields),
            )
            ok = False
            continue
        if field.scope == "companion" and isinstance(value, list):
            typed[name] = [str(v) for v in value]
            continue
        try:
            typed[name] = coerce(field, value)
        except ValueTypeError as problem:
            hint = ""
            if isinstance(value, bool) and field.type is not FieldType.BOOL:
                hint = "YAML read an unquoted yes/no/on/off as true/false: quote the value"
            sink.add(
                errors.E_TYPE,
                f"example {example.label}: {name} {problem}, not {value!r}",
                example.location,
                rule_id,
                hint=hint,
            )
            ok = False
    minor, age = typed.get("traveler.is_minor"), typed.get("traveler.age_years")
    if isinstance(minor, bool) and isinstance(age, int) and minor != (age < 18):
        sink.add(
            errors.E_EXAMPLE_CONTRADICTS,
            f"example {example.label}: traveler.is_minor {str(minor).lower()} contradicts "
            f"traveler.age_years {age} (a minor is under 18)",
            example.location,
            rule_id,
        )
        ok = False
    if not ok:
        return None
    return dataclasses.replace(example, values=MappingProxyType(typed))


def _metadata(rule: Rule, sink: ErrorSink, interview: float, today: dt.date) -> bool:
    ok = True
    for key, text in (("rationale", rule.rationale), ("source", rule.source)):
        if not text.strip():
            sink.add(
                errors.E_POLICY,
                f"{key} is empty: say "
                + ("why this is an indicator" if key == "rationale" else "where it comes from"),
                rule.location,
                rule.id,
            )
            ok = False
    if not rule.enforced and rule.refer_priority:
        sink.add(
            errors.E_POLICY,
            "a shadow rule cannot 'refer: priority' (shadow rules change no referral)",
            rule.location,
            rule.id,
            hint="remove 'refer: priority' until the rule is enforced",
        )
        ok = False
    if rule.mitigates and rule.refer_priority:
        sink.add(
            errors.E_POLICY, "a mitigating rule cannot 'refer: priority'", rule.location, rule.id
        )
        ok = False
    if (
        rule.enforced
        and not rule.refer_priority
        and not rule.mitigates
        and rule.weight >= interview
    ):
        sink.warn(
            errors.W_WEIGHT_REFERS,
            f"weight {rule.weight:g} alone reaches the interview threshold ({interview:g})",
            rule.location,
            rule.id,
            hint="lower the weight, or say 'refer: priority' if one hit should refer",
        )
    if rule.review_by is not None and rule.review_by < today:
        sink.warn(
            errors.W_REVIEW_OVERDUE,
            f"review_by {rule.review_by.isoformat()} has passed",
            rule.location,
            rule.id,
            hint=f"review the rule{' with ' + rule.owner if rule.owner else ''} and move review_by",
        )
    return ok


def check_rule(
    rule: Rule,
    typologies: frozenset[str],
    sink: ErrorSink,
    fields: Mapping[str, Field] = CATALOG,
    *,
    interview: float = float("inf"),
    today: dt.date | None = None,
) -> Rule | None:
    checker = _RuleChecker(rule.id, rule.when_source.locate, sink, fields)
    condition = None if rule.broken else check_condition(rule.condition, checker)
    if rule.typology not in typologies:
        sink.add(
            errors.E_TYPOLOGY,
            f"typology '{rule.typology}' is not declared in pack.yaml",
            rule.location,
            rule.id,
            nearest(rule.typology, typologies),
        )
        checker.ok = False
    meta_ok = _metadata(rule, sink, interview, today or dt.date.today())
    refer = [check_example(x, rule.id, sink, fields) for x in rule.examples_refer]
    passing = [check_example(x, rule.id, sink, fields) for x in rule.examples_pass]
    if condition is None or not checker.ok or not meta_ok or None in refer or None in passing:
        return None
    if rule.broken:  # pragma: no cover - condition is None for broken rules
        return None
    return dataclasses.replace(
        rule,
        condition=condition,
        examples_refer=tuple(x for x in refer if x is not None),
        examples_pass=tuple(x for x in passing if x is not None),
    )


def check_aggregate(aggregate: Aggregate, sink: ErrorSink) -> Aggregate | None:
    checker = _RuleChecker("", aggregate.when_source.locate, sink, CATALOG, allow_aggregates=False)
    condition = check_condition(aggregate.condition, checker)
    if aggregate.same:
        same = CATALOG.get(aggregate.same)
        if same is None or same.scope == "companion" or same.type is FieldType.LIST:
            sink.add(
                errors.E_COMPOSITION,
                f"'same: {aggregate.same}' must name a field of the traveler",
                aggregate.location,
                suggestion=nearest(aggregate.same, CATALOG),
            )
            checker.ok = False
        elif same.protected:
            sink.add(
                errors.E_PROTECTED,
                f"'same: {aggregate.same}' groups travelers by a protected attribute",
                aggregate.location,
                hint=PROTECTED_HINT,
            )
            checker.ok = False
    if condition is None or not checker.ok:
        return None
    return dataclasses.replace(aggregate, condition=condition)


def _composition(pack: Pack, sink: ErrorSink) -> None:
    ids = {rule.id for rule in pack.rules}
    for rule in pack.rules:
        if rule.group and rule.group not in pack.info.groups:
            sink.add(
                errors.E_COMPOSITION,
                f"group '{rule.group}' is not declared under 'groups:' in pack.yaml",
                rule.location,
                rule.id,
                nearest(rule.group, pack.info.groups),
            )
        for other in rule.replaces:
            if other not in ids or other == rule.id:
                sink.add(
                    errors.E_COMPOSITION,
                    f"replaces '{other}', which is not another rule of the pack",
                    rule.location,
                    rule.id,
                    nearest(other, ids),
                )


def check_pack(pack: Pack, sink: ErrorSink, today: dt.date | None = None) -> Pack:
    typologies = frozenset(pack.info.typologies)
    aggregates = [check_aggregate(a, sink) for a in pack.info.aggregates]
    kept = tuple(a for a in aggregates if a is not None)
    fields = {**CATALOG, **aggregate_fields(pack.info.aggregates)}
    _composition(pack, sink)
    checked = [
        check_rule(
            rule,
            typologies,
            sink,
            fields,
            interview=pack.info.interview_threshold,
            today=today,
        )
        for rule in pack.rules
    ]
    info = dataclasses.replace(pack.info, aggregates=kept)
    return dataclasses.replace(pack, info=info, rules=tuple(r for r in checked if r is not None))
