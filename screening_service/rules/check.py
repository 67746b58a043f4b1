"""Rule files -> parse -> check: types, names, values and policy.

Checks each condition against the field catalog (unknown fields with a "did
you mean", operators that do not fit a type, enum values, dates), refuses
conditions that read only protected attributes, checks examples' fields and
values, and returns rules whose literals carry their catalog types.
"""

from __future__ import annotations

import dataclasses
from types import MappingProxyType
from typing import Final

from screening_service.catalog import CATALOG, PROTECTED_FIELDS, Field, FieldType
from screening_service.rules import condition_ast as ast
from screening_service.rules import errors
from screening_service.rules.errors import ErrorSink, nearest
from screening_service.rules.model import Example, ExampleValue, Pack, Rule
from screening_service.values import ValueTypeError, coerce, coerce_item

MAX_LIST_LITERALS: Final = 64


class _RuleChecker:
    def __init__(self, rule: Rule, sink: ErrorSink) -> None:
        self.rule = rule
        self.sink = sink
        self.ok = True

    def error(self, code: str, message: str, pos: ast.Pos, suggestion: str = "") -> None:
        self.ok = False
        self.sink.add(code, message, self.rule.when_source.locate(pos), self.rule.id, suggestion)

    def field(self, ref: ast.FieldRef) -> Field | None:
        found = CATALOG.get(ref.name)
        if found is None:
            self.error(
                errors.E_UNKNOWN_FIELD,
                f"unknown field '{ref.name}'",
                ref.pos,
                nearest(ref.name, CATALOG),
            )
        return found

    def literal(self, field: Field, literal: ast.Literal) -> ast.Literal:
        try:
            return ast.Literal(coerce_item(field, literal.value), literal.pos)
        except ValueTypeError as problem:
            code = (
                errors.E_UNKNOWN_VALUE
                if field.values and isinstance(literal.value, str)
                else errors.E_TYPE
            )
            suggestion = (
                nearest(literal.value, field.values) if isinstance(literal.value, str) else ""
            )
            self.error(
                code, f"{field.name} {problem}, not {_show(literal.value)}", literal.pos, suggestion
            )
            return literal

    def check(self, node: ast.Condition) -> ast.Condition:
        if isinstance(node, ast.And):
            return ast.And(tuple(self.check(o) for o in node.operands), node.pos)
        if isinstance(node, ast.Or):
            return ast.Or(tuple(self.check(o) for o in node.operands), node.pos)
        if isinstance(node, ast.Not):
            return ast.Not(self.check(node.operand), node.pos)
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
                f"{field.name} is a list: use 'contains', 'is present' or 'is missing'",
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


def check_example(example: Example, rule_id: str, sink: ErrorSink) -> Example | None:
    typed: dict[str, ExampleValue] = {}
    ok = True
    for name, value in example.values.items():
        field = CATALOG.get(name)
        if field is None:
            sink.add(
                errors.E_UNKNOWN_FIELD,
                f"example {example.label} names unknown field '{name}'",
                example.location,
                rule_id,
                nearest(name, CATALOG),
            )
            ok = False
            continue
        try:
            typed[name] = coerce(field, value)
        except ValueTypeError as problem:
            sink.add(
                errors.E_TYPE,
                f"example {example.label}: {name} {problem}, not {value!r}",
                example.location,
                rule_id,
            )
            ok = False
    if not ok:
        return None
    return dataclasses.replace(example, values=MappingProxyType(typed))


def check_rule(rule: Rule, typologies: frozenset[str], sink: ErrorSink) -> Rule | None:
    checker = _RuleChecker(rule, sink)
    condition = checker.check(rule.condition)
    read = ast.fields_read(rule.condition)
    if read and all(name in PROTECTED_FIELDS for name in read):
        checker.error(
            errors.E_PROTECTED,
            "the condition reads only protected attributes ("
            + ", ".join(read)
            + "); a rule must key on indicators of trafficking, not on who a person is",
            rule.condition.pos,
        )
    if rule.typology not in typologies:
        sink.add(
            errors.E_TYPOLOGY,
            f"typology '{rule.typology}' is not declared in pack.yaml",
            rule.location,
            rule.id,
            nearest(rule.typology, typologies),
        )
        checker.ok = False
    refer = [check_example(x, rule.id, sink) for x in rule.examples_refer]
    passing = [check_example(x, rule.id, sink) for x in rule.examples_pass]
    if not checker.ok or None in refer or None in passing:
        return None
    return dataclasses.replace(
        rule,
        condition=condition,
        examples_refer=tuple(x for x in refer if x is not None),
        examples_pass=tuple(x for x in passing if x is not None),
    )


def check_pack(pack: Pack, sink: ErrorSink) -> Pack:
    typologies = frozenset(pack.info.typologies)
    checked = [check_rule(rule, typologies, sink) for rule in pack.rules]
    return dataclasses.replace(pack, rules=tuple(r for r in checked if r is not None))
