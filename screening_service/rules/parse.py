"""Rule files -> parse: read a pack directory into a `Pack` with positions.

Files are read with PyYAML's safe composer, so every value keeps its line and
column; nothing in a rule file can run code. The loader refuses aliases (no
"billion laughs" expansion) and nesting deeper than `MAX_YAML_DEPTH` (the
composer recurses), and reads booleans as YAML 1.2 does: only true/false;
an unquoted yes/no/on/off is an error with a hint, never silently a boolean.
Structural problems are collected into an `ErrorSink`, not raised one by
one; `rules.build.compile_directory` raises a `PackError` with all of them.
A rule whose condition does not parse is still checked for everything else
(typology, metadata, examples), so one error never hides another.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from typing import Any, Final

import yaml

from screening_service.catalog import CATALOG
from screening_service.rules import errors
from screening_service.rules.condition_ast import FieldRef, Pos, Truthy
from screening_service.rules.condition_parser import ConditionSyntaxError, parse_condition
from screening_service.rules.errors import ErrorSink, Location, nearest
from screening_service.rules.files import MAX_FILE_BYTES, content_hash, read_pack_files
from screening_service.rules.model import (
    Aggregate,
    Example,
    ExampleValue,
    ExpressionSource,
    Group,
    Guidance,
    GuidanceKind,
    Mode,
    Pack,
    PackInfo,
    Rule,
    Typology,
)

PACK_FILE: Final = "pack.yaml"
RULE_ID = re.compile(r"^[a-z][a-z0-9]*(?:[-_.][a-z0-9]+)*$")

RULE_KEYS: Final = (
    "id",
    "title",
    "typology",
    "weight",
    "mode",
    "refer",
    "rationale",
    "source",
    "when",
    "examples",
    "owner",
    "review_by",
    "group",
    "replaces",
    "mitigates",
)
REQUIRED_RULE_KEYS: Final = ("id", "title", "typology", "weight", "rationale", "source", "when")
PACK_KEYS: Final = (
    "name",
    "version",
    "thresholds",
    "typologies",
    "description",
    "groups",
    "aggregates",
    "guidance",
    "disparity_limit",
)
# The attributes replay's disparity audit compares; each may carry its own limit.
DISPARITY_ATTRIBUTES: Final = ("nationality", "sex", "age_band", "origin_region")
THRESHOLD_KEYS: Final = ("interview", "priority_interview")
TYPOLOGY_KEYS: Final = ("title", "description", "interview", "priority_interview", "guidance")
GUIDANCE_KEYS: Final = (*(k.value for k in GuidanceKind), "source")
AGGREGATE_KINDS: Final = ("count", "any", "all")
MAX_YAML_DEPTH: Final = 32
YAML11_BOOLEANS: Final = re.compile(r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$")
BROKEN: Final = Truthy(FieldRef("", Pos(1, 1)), Pos(1, 1))


class _Loader(yaml.SafeLoader):
    """SafeLoader without aliases, with a nesting limit and YAML 1.2 booleans."""

    yaml_implicit_resolvers = {  # noqa: RUF012 - PyYAML's own class attribute
        key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
        for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    depth = 0

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed in rule files", event.start_mark
            )
        self.depth += 1
        try:
            if self.depth > MAX_YAML_DEPTH:
                raise yaml.composer.ComposerError(
                    None,
                    None,
                    f"the file nests deeper than {MAX_YAML_DEPTH} levels",
                    self.peek_event().start_mark,  # type: ignore[no-untyped-call]
                )
            node: yaml.Node | None = super().compose_node(parent, index)  # type: ignore[arg-type]
            return node
        finally:
            self.depth -= 1


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _loc(file: str, node: yaml.Node) -> Location:
    return Location(file, node.start_mark.line + 1, node.start_mark.column + 1)


def _construct(node: yaml.Node) -> Any:
    loader = _Loader("")
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.dispose()


def _mapping(
    node: yaml.Node, file: str, sink: ErrorSink, what: str, rule_id: str = ""
) -> dict[str, tuple[yaml.Node, yaml.Node]] | None:
    if not isinstance(node, yaml.MappingNode):
        sink.add(errors.E_SHAPE, f"{what} must be a mapping", _loc(file, node), rule_id)
        return None
    result: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    for key_node, value_node in node.value:
        key = str(_construct(key_node))
        if key in result:
            sink.add(
                errors.E_SHAPE,
                f"key '{key}' appears twice in {what}",
                _loc(file, key_node),
                rule_id,
            )
        result[key] = (key_node, value_node)
    return result


def _check_keys(
    entries: dict[str, tuple[yaml.Node, yaml.Node]],
    allowed: tuple[str, ...],
    required: tuple[str, ...],
    file: str,
    owner: yaml.Node,
    sink: ErrorSink,
    what: str,
    rule_id: str = "",
) -> None:
    for key, (key_node, _value) in entries.items():
        if key not in allowed:
            sink.add(
                errors.E_SHAPE,
                f"unknown key '{key}' in {what}",
                _loc(file, key_node),
                rule_id,
                nearest(key, allowed),
            )
    for key in required:
        if key not in entries:
            sink.add(
                errors.E_SHAPE, f"{what} lacks required key '{key}'", _loc(file, owner), rule_id
            )


def _scalar_text(
    node: yaml.Node, file: str, sink: ErrorSink, what: str, rule_id: str = ""
) -> str | None:
    if not isinstance(node, yaml.ScalarNode):
        sink.add(errors.E_SHAPE, f"{what} must be text", _loc(file, node), rule_id)
        return None
    return str(node.value)


def _number(
    node: yaml.Node, file: str, sink: ErrorSink, what: str, rule_id: str = ""
) -> float | None:
    value = _construct(node) if isinstance(node, yaml.ScalarNode) else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        sink.add(errors.E_SHAPE, f"{what} must be a number", _loc(file, node), rule_id)
        return None
    if value < 0:
        sink.add(errors.E_SHAPE, f"{what} must not be negative", _loc(file, node), rule_id)
        return None
    return float(value)


def expression_text(node: yaml.ScalarNode, source: str, file: str) -> tuple[str, ExpressionSource]:
    """The `when` text as written in the file, with its position mapping.

    Folding and block styles only change whitespace, so parsing the raw source
    slice gives the same tokens as the decoded value while keeping real file
    columns. Quoted scalars with escapes fall back to the decoded value.
    """
    start, end = node.start_mark, node.end_mark
    raw = source[start.index : end.index]
    first_line, first_col = start.line + 1, start.column + 1
    if node.style in ("|", ">"):
        header_end = raw.find("\n")
        body = raw[header_end:] if header_end >= 0 else ""
        return body, ExpressionSource(file, first_line, 1)
    if node.style in ('"', "'"):
        inner = raw[1:-1]
        if inner == node.value:
            return inner, ExpressionSource(file, first_line, first_col + 1)
        return str(node.value), ExpressionSource(file, first_line, first_col, exact=False)
    return raw, ExpressionSource(file, first_line, first_col)


def _examples(
    node: yaml.Node, file: str, sink: ErrorSink, rule_id: str
) -> tuple[tuple[Example, ...], tuple[Example, ...]]:
    entries = _mapping(node, file, sink, "examples", rule_id)
    if entries is None:
        return (), ()
    _check_keys(entries, ("refer", "pass"), (), file, node, sink, "examples", rule_id)
    found: dict[str, tuple[Example, ...]] = {}
    for kind in ("refer", "pass"):
        if kind not in entries:
            sink.add(
                errors.E_EXAMPLES,
                f"examples lack '{kind}': give at least one record on which the rule "
                + ("fires" if kind == "refer" else "does not fire"),
                _loc(file, node),
                rule_id,
            )
            continue
        list_node = entries[kind][1]
        if not isinstance(list_node, yaml.SequenceNode) or not list_node.value:
            sink.add(
                errors.E_EXAMPLES,
                f"examples.{kind} must be a non-empty list",
                _loc(file, list_node),
                rule_id,
            )
            continue
        items: list[Example] = []
        for index, item in enumerate(list_node.value):
            record = _mapping(item, file, sink, f"examples.{kind}[{index}]", rule_id)
            if record is None:
                continue
            values: dict[str, ExampleValue] = {}
            for key, (_key_node, value_node) in record.items():
                values[key] = _construct(value_node)
            items.append(Example(MappingProxyType(values), _loc(file, item), f"{kind}[{index}]"))
        found[kind] = tuple(items)
    return found.get("refer", ()), found.get("pass", ())


def _rule(node: yaml.Node, file: str, source: str, sink: ErrorSink) -> Rule | None:  # noqa: PLR0915
    entries = _mapping(node, file, sink, "a rule")
    if entries is None:
        return None
    rule_id = ""
    if "id" in entries:
        rule_id = _scalar_text(entries["id"][1], file, sink, "id") or ""
        if rule_id and not RULE_ID.match(rule_id):
            sink.add(
                errors.E_SHAPE,
                f"rule id '{rule_id}' must be lowercase letters and digits joined by - _ or .",
                _loc(file, entries["id"][1]),
                rule_id,
            )
    _check_keys(entries, RULE_KEYS, REQUIRED_RULE_KEYS, file, node, sink, "a rule", rule_id)

    def text(key: str, default: str = "") -> str:
        if key not in entries:
            return default
        return _scalar_text(entries[key][1], file, sink, key, rule_id) or default

    weight = (
        _number(entries["weight"][1], file, sink, "weight", rule_id)
        if "weight" in entries
        else None
    )
    mode_text = text("mode", Mode.ENFORCE.value)
    mode = Mode.ENFORCE
    try:
        mode = Mode(mode_text)
    except ValueError:
        sink.add(
            errors.E_SHAPE,
            f"mode must be 'enforce' or 'shadow', not '{mode_text}'",
            _loc(file, entries["mode"][1]),
            rule_id,
            nearest(mode_text, [m.value for m in Mode]),
        )
    refer = text("refer")
    if refer not in ("", "priority"):
        sink.add(
            errors.E_SHAPE,
            f"refer may only be 'priority', not '{refer}'",
            _loc(file, entries["refer"][1]),
            rule_id,
        )

    refer_examples: tuple[Example, ...] = ()
    pass_examples: tuple[Example, ...] = ()
    if "examples" in entries:
        refer_examples, pass_examples = _examples(entries["examples"][1], file, sink, rule_id)
    else:
        sink.add(
            errors.E_EXAMPLES,
            "a rule needs examples: refer and pass records",
            _loc(file, node),
            rule_id,
        )

    condition = None
    when_text = ""
    when_source = ExpressionSource(file, 0, 0)
    if "when" in entries:
        when_node = entries["when"][1]
        if isinstance(when_node, yaml.ScalarNode):
            when_text, when_source = expression_text(when_node, source, file)
            try:
                condition = parse_condition(when_text)
            except ConditionSyntaxError as error:
                sink.add(
                    errors.E_SYNTAX,
                    error.message,
                    when_source.locate(Pos(error.line, error.column)),
                    rule_id,
                    hint=error.hint,
                )
        else:
            sink.add(
                errors.E_SHAPE,
                "when must be a condition written as text",
                _loc(file, when_node),
                rule_id,
            )

    if not rule_id:
        return None
    owner = text("owner")
    review_by = _review_by(entries, file, sink, rule_id)
    replaces: tuple[str, ...] = ()
    if "replaces" in entries:
        replaces_node = entries["replaces"][1]
        if isinstance(replaces_node, yaml.SequenceNode) and all(
            isinstance(item, yaml.ScalarNode) for item in replaces_node.value
        ):
            replaces = tuple(str(item.value) for item in replaces_node.value)
        else:
            sink.add(
                errors.E_SHAPE,
                "replaces must be a list of rule ids",
                _loc(file, replaces_node),
                rule_id,
            )
    mitigates = False
    if "mitigates" in entries:
        value = _construct(entries["mitigates"][1])
        if not isinstance(value, bool):
            sink.add(
                errors.E_SHAPE,
                "mitigates must be true or false",
                _loc(file, entries["mitigates"][1]),
                rule_id,
            )
        mitigates = value is True
    return Rule(
        id=rule_id,
        title=text("title"),
        typology=text("typology"),
        weight=weight if weight is not None else 0.0,
        mode=mode,
        refer_priority=refer == "priority",
        rationale=text("rationale"),
        source=text("source"),
        when=str(entries["when"][1].value) if "when" in entries else "",
        condition=condition if condition is not None else BROKEN,
        when_source=when_source,
        examples_refer=refer_examples,
        examples_pass=pass_examples,
        location=_loc(file, node),
        owner=owner,
        review_by=review_by,
        group=text("group"),
        replaces=replaces,
        mitigates=mitigates,
        broken=condition is None or weight is None,
    )


def _review_by(
    entries: dict[str, tuple[yaml.Node, yaml.Node]], file: str, sink: ErrorSink, rule_id: str
) -> dt.date | None:
    if "review_by" not in entries:
        return None
    node = entries["review_by"][1]
    value = _construct(node) if isinstance(node, yaml.ScalarNode) else None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    sink.add(errors.E_SHAPE, "review_by must be a date (YYYY-MM-DD)", _loc(file, node), rule_id)
    return None


def _typology(key: str, value_node: yaml.Node, file: str, sink: ErrorSink) -> Typology:
    """A typology: a title, or a mapping with its own thresholds and guidance."""
    if not isinstance(value_node, yaml.MappingNode):
        title = str(value_node.value) if isinstance(value_node, yaml.ScalarNode) else ""
        return Typology(key, title or key)
    fields = _mapping(value_node, file, sink, f"typology {key}") or {}
    _check_keys(fields, TYPOLOGY_KEYS, ("title",), file, value_node, sink, f"typology {key}")
    title = key
    if "title" in fields:
        title = _scalar_text(fields["title"][1], file, sink, "title") or key
    own = {
        k: _number(fields[k][1], file, sink, f"typology {key}.{k}")
        for k in THRESHOLD_KEYS
        if k in fields
    }
    guidance: tuple[Guidance, ...] = ()
    if "guidance" in fields:
        guidance = _guidance(fields["guidance"][1], file, sink, key)
    return Typology(key, title, own.get("interview"), own.get("priority_interview"), guidance)


def _pack_info(node: yaml.Node, file: str, source: str, sink: ErrorSink) -> PackInfo | None:
    root = _mapping(node, file, sink, "the pack file")
    if root is None:
        return None
    if "pack" not in root:
        sink.add(errors.E_PACK, "the pack file needs a top-level 'pack' mapping", _loc(file, node))
        return None
    pack_node = root["pack"][1]
    entries = _mapping(pack_node, file, sink, "pack")
    if entries is None:
        return None
    _check_keys(
        entries,
        PACK_KEYS,
        ("name", "version", "thresholds", "typologies"),
        file,
        pack_node,
        sink,
        "pack",
    )
    thresholds: dict[str, float] = {}
    if "thresholds" in entries:
        t_node = entries["thresholds"][1]
        t_entries = _mapping(t_node, file, sink, "thresholds") or {}
        _check_keys(t_entries, THRESHOLD_KEYS, THRESHOLD_KEYS, file, t_node, sink, "thresholds")
        for key in THRESHOLD_KEYS:
            if key in t_entries:
                value = _number(t_entries[key][1], file, sink, f"thresholds.{key}")
                if value is not None:
                    thresholds[key] = value
        if (
            len(thresholds) == 2
            and not 0 < thresholds["interview"] <= thresholds["priority_interview"]
        ):
            sink.add(
                errors.E_PACK,
                "thresholds need 0 < interview <= priority_interview",
                _loc(file, t_node),
            )
    typologies: dict[str, Typology] = {}
    if "typologies" in entries:
        ty_node = entries["typologies"][1]
        for key, (key_node, value_node) in (
            _mapping(ty_node, file, sink, "typologies") or {}
        ).items():
            if not RULE_ID.match(key):
                sink.add(
                    errors.E_PACK,
                    f"typology id '{key}' must be lowercase words",
                    _loc(file, key_node),
                )
            typologies[key] = _typology(key, value_node, file, sink)
    version = ""
    if "version" in entries:
        version = _scalar_text(entries["version"][1], file, sink, "version") or ""
        if not version.strip():
            sink.add(errors.E_PACK, "version must not be empty", _loc(file, entries["version"][1]))
    name = _scalar_text(entries["name"][1], file, sink, "name") if "name" in entries else ""
    if len(thresholds) != 2 or not version or not typologies:
        if not typologies and "typologies" in entries:
            sink.add(
                errors.E_PACK, "declare at least one typology", _loc(file, entries["typologies"][1])
            )
        return None
    groups = _groups(entries, file, sink)
    aggregates = _aggregates(entries, file, source, sink)
    if "guidance" in entries:
        typologies = _guidance_block(entries["guidance"][1], file, sink, typologies)
    limit, limits = _disparity_limit(entries, file, sink)
    return PackInfo(
        name=name or "",
        version=version,
        interview_threshold=thresholds["interview"],
        priority_threshold=thresholds["priority_interview"],
        typologies=MappingProxyType(typologies),
        location=_loc(file, pack_node),
        groups=MappingProxyType(groups),
        aggregates=aggregates,
        disparity_limit=limit,
        disparity_limits=MappingProxyType(limits),
    )


def _guidance(node: yaml.Node, file: str, sink: ErrorSink, typology: str) -> tuple[Guidance, ...]:
    """``[{question: ..., source: ...}, {check: ..., source: ...}]``: every item needs a source."""
    what = f"guidance of typology {typology}"
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        sink.add(errors.E_SHAPE, f"{what} must be a non-empty list", _loc(file, node))
        return ()
    found: list[Guidance] = []
    for index, item in enumerate(node.value):
        where = f"{what}[{index}]"
        fields = _mapping(item, file, sink, where)
        if fields is None:
            continue
        _check_keys(fields, GUIDANCE_KEYS, ("source",), file, item, sink, where)
        kinds = [k for k in GuidanceKind if k.value in fields]
        if len(kinds) != 1:
            sink.add(
                errors.E_SHAPE, f"{where} needs exactly one of question, check", _loc(file, item)
            )
            continue
        kind = kinds[0]
        texts = {
            key: " ".join((_scalar_text(fields[key][1], file, sink, key) or "").split())
            for key in (kind.value, "source")
            if key in fields
        }
        for key, text in texts.items():
            if not text:
                sink.add(errors.E_SHAPE, f"{where}.{key} must not be empty", _loc(file, item))
        if texts.get(kind.value) and texts.get("source"):
            found.append(Guidance(kind, texts[kind.value], texts["source"], _loc(file, item)))
    return tuple(found)


def _guidance_block(
    node: yaml.Node, file: str, sink: ErrorSink, typologies: dict[str, Typology]
) -> dict[str, Typology]:
    """``pack.guidance``: guidance keyed by typology id, kept apart from the typologies' scoring.

    The same lists may be written inside a typology (``typologies.<id>.guidance``);
    a typology given guidance in both places is an error.
    """
    merged = dict(typologies)
    for key, (key_node, value_node) in (_mapping(node, file, sink, "guidance") or {}).items():
        typology = merged.get(key)
        if typology is None:
            sink.add(
                errors.E_PACK,
                f"guidance for unknown typology '{key}'",
                _loc(file, key_node),
                suggestion=nearest(key, list(merged)),
            )
            continue
        if typology.guidance:
            sink.add(
                errors.E_PACK,
                f"typology {key} has guidance in both typologies and guidance",
                _loc(file, key_node),
            )
            continue
        merged[key] = dataclasses.replace(typology, guidance=_guidance(value_node, file, sink, key))
    return merged


def _disparity_limit(
    entries: dict[str, tuple[yaml.Node, yaml.Node]], file: str, sink: ErrorSink
) -> tuple[float | None, dict[str, float]]:
    """``disparity_limit: 2.0``, or ``{default: 2.0, age_band: 6.0}``: one limit per attribute."""
    if "disparity_limit" not in entries:
        return None, {}
    node = entries["disparity_limit"][1]
    if isinstance(node, yaml.ScalarNode):
        value = _number(node, file, sink, "disparity_limit")
        return (_above_one(value, node, file, sink, "disparity_limit"), {})
    fields = _mapping(node, file, sink, "disparity_limit") or {}
    _check_keys(
        fields,
        ("default", *DISPARITY_ATTRIBUTES),
        ("default",),
        file,
        node,
        sink,
        "disparity_limit",
    )
    values = {
        key: _above_one(
            _number(value_node, file, sink, f"disparity_limit.{key}"),
            value_node,
            file,
            sink,
            f"disparity_limit.{key}",
        )
        for key, (_, value_node) in fields.items()
        if key == "default" or key in DISPARITY_ATTRIBUTES
    }
    own = {key: v for key, v in values.items() if key != "default" and v is not None}
    return values.get("default"), own


def _above_one(
    value: float | None, node: yaml.Node, file: str, sink: ErrorSink, what: str
) -> float | None:
    """A limit of 1 or less would flag every group referred at the overall rate."""
    if value is not None and value <= 1:
        sink.add(errors.E_PACK, f"{what} must be greater than 1", _loc(file, node))
        return None
    return value


def _groups(
    entries: dict[str, tuple[yaml.Node, yaml.Node]], file: str, sink: ErrorSink
) -> dict[str, Group]:
    groups: dict[str, Group] = {}
    if "groups" not in entries:
        return groups
    for key, (key_node, value_node) in (
        _mapping(entries["groups"][1], file, sink, "groups") or {}
    ).items():
        fields = _mapping(value_node, file, sink, f"group {key}") or {}
        _check_keys(
            fields, ("cap", "description"), ("cap",), file, value_node, sink, f"group {key}"
        )
        cap = _number(fields["cap"][1], file, sink, f"group {key}.cap") if "cap" in fields else None
        if cap is not None:
            groups[key] = Group(key, cap, _loc(file, key_node))
    return groups


def _aggregates(
    entries: dict[str, tuple[yaml.Node, yaml.Node]], file: str, source: str, sink: ErrorSink
) -> tuple[Aggregate, ...]:
    found: list[Aggregate] = []
    if "aggregates" not in entries:
        return ()
    for key, (key_node, value_node) in (
        _mapping(entries["aggregates"][1], file, sink, "aggregates") or {}
    ).items():
        where = _loc(file, key_node)
        if not re.fullmatch(r"[a-z][a-z0-9_]*", key) or f"flight.{key}" in CATALOG:
            sink.add(
                errors.E_PACK,
                f"aggregate name '{key}' must be lowercase words joined by _ and not a catalog "
                "field (it is read as flight.<name>)",
                where,
            )
            continue
        fields = _mapping(value_node, file, sink, f"aggregate {key}") or {}
        _check_keys(
            fields,
            (*AGGREGATE_KINDS, "same", "description"),
            (),
            file,
            value_node,
            sink,
            f"aggregate {key}",
        )
        kinds = [k for k in AGGREGATE_KINDS if k in fields]
        if len(kinds) != 1:
            sink.add(
                errors.E_PACK,
                f"aggregate {key} needs exactly one of count, any, all (a condition)",
                where,
            )
            continue
        kind = kinds[0]
        when_node = fields[kind][1]
        if not isinstance(when_node, yaml.ScalarNode):
            sink.add(errors.E_SHAPE, f"aggregate {key}.{kind} must be a condition", where)
            continue
        when_text, when_source = expression_text(when_node, source, file)
        try:
            condition = parse_condition(when_text)
        except ConditionSyntaxError as error:
            sink.add(
                errors.E_SYNTAX,
                error.message,
                when_source.locate(Pos(error.line, error.column)),
                hint=error.hint,
            )
            continue
        same = _scalar_text(fields["same"][1], file, sink, "same") if "same" in fields else ""
        description = (
            _scalar_text(fields["description"][1], file, sink, "description")
            if "description" in fields
            else ""
        )
        found.append(
            Aggregate(
                name=key,
                kind=kind,
                condition=condition,
                when=str(when_node.value),
                when_source=when_source,
                same=same or "",
                description=description or "",
                location=where,
            )
        )
    return tuple(found)


def _compose(data: bytes, display: str, sink: ErrorSink) -> tuple[yaml.Node | None, str]:
    if len(data) > MAX_FILE_BYTES:
        sink.add(errors.E_YAML, f"file is larger than {MAX_FILE_BYTES} bytes", Location(display))
        return None, ""
    try:
        source = data.decode("utf-8")
    except UnicodeDecodeError as error:
        sink.add(errors.E_YAML, f"file is not UTF-8 (byte {error.start})", Location(display))
        return None, ""
    try:
        node = yaml.compose(source, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        sink.add(errors.E_YAML, *_yaml_problem(error, display))
        return None, ""
    except yaml.YAMLError as error:
        sink.add(errors.E_YAML, f"not valid YAML: {error}", Location(display))
        return None, ""
    if node is None:
        sink.add(errors.E_YAML, "file is empty", Location(display))
    else:
        _yaml11_booleans(node, display, sink)
    return node, source


def _yaml_problem(error: yaml.MarkedYAMLError, display: str) -> tuple[str, Location, str, str, str]:
    """Message, location, rule id, suggestion and hint of a YAML error, with the library's context.

    The library marks where it noticed the problem (often the line after an
    unclosed bracket); its context mark is where the construct began, which
    is where the author has to look.
    """
    problem = error.problem or "not valid YAML"
    mark = error.context_mark or error.problem_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
    message = f"not valid YAML: {problem}"
    if error.context and error.problem_mark is not None:
        found = error.problem_mark
        message = (
            f"not valid YAML: {error.context} that starts here, "
            f"{problem} at line {found.line + 1}, column {found.column + 1}"
        )
    hint = "check the indentation and that every quote and bracket is closed"
    context = error.context or ""
    if "flow mapping" in context:
        hint = "a '{' is not closed: close it with '}', or write the mapping in block style"
    elif "flow sequence" in context:
        hint = "a '[' is not closed: close it with ']'"
    elif "quoted scalar" in context:
        hint = "a quoted string is not closed"
    elif "alias" in problem:
        hint = "write the value out where it is used"
    elif "mapping values are not allowed" in problem:
        hint = "a value holding ': ' must be quoted (a 'when' with a colon, for example)"
    return message, Location(display, line, column), "", "", hint


def _yaml11_booleans(root: yaml.Node, display: str, sink: ErrorSink) -> None:
    """Unquoted yes/no/on/off: YAML 1.1 reads them as booleans, YAML 1.2 as text. Refuse both."""
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            stack.extend(v for pair in node.value for v in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif (
            isinstance(node, yaml.ScalarNode)
            and node.style is None
            and YAML11_BOOLEANS.match(node.value)
        ):
            sink.add(
                errors.E_YAML,
                f"unquoted '{node.value}' is ambiguous (YAML 1.1 reads it as a boolean)",
                _loc(display, node),
                hint=f'write true or false for a boolean, or quote it ("{node.value}") for text',
            )


def parse_pack(directory: Path, sink: ErrorSink) -> Pack | None:
    """Parse every file of a pack; findings go to ``sink``."""
    if not directory.is_dir():
        sink.add(errors.E_PACK, "rule pack directory does not exist", Location(str(directory)))
        return None
    contents = read_pack_files(directory, sink)
    info: PackInfo | None = None
    rules: list[Rule] = []
    seen: dict[str, Rule] = {}
    pack_seen = False
    for display in sorted(contents):
        is_pack_file = PurePosixPath(display).name == PACK_FILE
        node, source = _compose(contents[display], display, sink)
        if is_pack_file:
            if pack_seen:
                sink.add(errors.E_PACK, f"more than one {PACK_FILE} in the pack", Location(display))
            pack_seen = True
        if node is None:
            continue
        if is_pack_file:
            info = _pack_info(node, display, source, sink)
            continue
        for rule_node in _rule_nodes(node, display, sink):
            rule = _rule(rule_node, display, source, sink)
            if rule is None:
                continue
            if rule.id in seen:
                sink.add(
                    errors.E_DUPLICATE_ID,
                    f"rule id '{rule.id}' is already used at {seen[rule.id].location}",
                    rule.location,
                    rule.id,
                )
                continue
            seen[rule.id] = rule
            rules.append(rule)
    if not pack_seen:
        sink.add(
            errors.E_PACK,
            f"the pack has no {PACK_FILE} (version, thresholds, typologies)",
            Location(str(directory)),
        )
    if info is None:
        return None
    return Pack(
        info=info,
        rules=tuple(rules),
        content_hash=content_hash(contents),
        directory=str(directory),
        files=tuple(sorted(contents)),
    )


def _rule_nodes(node: yaml.Node, file: str, sink: ErrorSink) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        keys = {str(_construct(k)): v for k, v in node.value}
        if "rules" in keys:
            if len(keys) > 1:
                extra = sorted(k for k in keys if k != "rules")
                sink.add(
                    errors.E_SHAPE,
                    f"unknown top-level key(s) {', '.join(extra)}; rule files hold 'rules'",
                    _loc(file, node),
                )
            rules_node = keys["rules"]
            if isinstance(rules_node, yaml.SequenceNode):
                return list(rules_node.value)
            sink.add(errors.E_SHAPE, "'rules' must be a list of rules", _loc(file, rules_node))
            return []
        if "id" in keys:
            return [node]
    sink.add(
        errors.E_SHAPE,
        "a rule file holds a 'rules' list or a single rule mapping",
        _loc(file, node),
    )
    return []
