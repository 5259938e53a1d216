"""Turn a pydantic validation error into the one sentence a persona author needs.

The sentence names the file, the line and column in the YAML, the field, and the fix. Field
names for did-you-mean come from whichever model the field sits in (found by walking the
error's location through the Persona model's annotations), so a new nested section gets good
messages without anyone listing its fields here.
"""

from __future__ import annotations

import datetime as dt
import difflib
import types
from typing import Annotated, Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from samantha.persona.macros import one_line
from samantha.persona.model import Persona

Loc = tuple[int | str, ...]

#: Character Card field names people paste into YAML by habit, and where they belong here.
_CARD_NAMES = {
    "first_mes": "greetings",
    "alternate_greetings": "greetings",
    "mes_example": "example_dialogues",
    "char_name": "name",
    "char_persona": "description",
    "world_scenario": "scenario",
    "character_book": "lorebook",
    "creator_notes": "about.notes",
    "tags": "about.tags",
    "creator": "about.creator",
    "character_version": "about.version",
}


def explain(exc: ValidationError, source: str, root: yaml.Node | None) -> str:
    """The first problem in file order, as a sentence; later ones are only counted, because a
    fix often makes them disappear and a wall of errors helps nobody."""
    errors = exc.errors()
    # A misspelt key shows up twice: as an unknown field and as the field it should have been,
    # missing. The unknown one comes with a did-you-mean, so it is the one worth reporting.
    misspelt = {tuple(e["loc"][:-1]) for e in errors if e["type"] == "extra_forbidden"}

    def rank(n: int) -> tuple[bool, tuple[int, int], int]:
        err = errors[n]
        shadowed = err["type"] == "missing" and tuple(err["loc"][:-1]) in misspelt
        return shadowed, where_in(root, err["loc"], err["type"]) or (1 << 30, 0), n

    first = min(range(len(errors)), key=rank)
    err = errors[first]
    line_col = where_in(root, err["loc"], err["type"])
    where = f"{source}:{line_col[0]}:{line_col[1]}" if line_col else source
    more = sum(1 for n in range(len(errors)) if n != first and not rank(n)[0])
    tail = f" ({more} more problem{'s' if more > 1 else ''} after this one)" if more else ""
    sentence = f"{where}: {describe(err)}{tail}"
    return sentence if sentence.endswith(("?", ".")) else sentence + "."


def describe(err: ErrorDetails) -> str:
    """'problem: fix', without the location and without the final full stop."""
    loc, kind, value = tuple(err["loc"]), err["type"], err.get("input")
    field = dotted(loc)
    ctx = err.get("ctx") or {}
    if kind == "missing":
        if loc == ("name",):
            return "the persona has no name: add a line like `name: Ada` at the top"
        parent = dotted(loc[:-1])
        return f"'{field}' is required: add `{loc[-1]}:` with a value under '{parent}'"
    if kind == "extra_forbidden":
        return unknown_field(loc)
    if loc == ("name",) and kind == "string_too_short":
        return "the name is empty: write a name after `name:`"
    if kind == "invalid_key" or (loc and loc[-1] == "[key]"):
        return invalid_key(loc, value, err["msg"])
    if kind in {"string_type", "string_sub_type"}:
        if value is None:
            return f"'{field}' is empty: write some text after it or remove the line"
        return f"'{field}' should be text, not {kind_of(value)}: put the value in quotes"
    if kind in {"list_type", "tuple_type", "set_type"}:
        return (
            f"'{field}' should be a list, not {kind_of(value)}: "
            "put each item on its own line starting with '- '"
        )
    if kind in {"model_type", "dict_type", "model_attributes_type"}:
        return (
            f"'{field}' should be a section of fields, not {kind_of(value)}: "
            "indent `key: value` lines under it"
        )
    if kind.startswith(("float_", "int_")) or kind in {"finite_number"}:
        return f"'{field}' should be a number, not {kind_of(value)}: write digits like 0.7"
    if kind.startswith("bool_"):
        return f"'{field}' should be true or false, not {kind_of(value)}: write true or false"
    if kind in {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}:
        bound = next(iter(ctx.values()), "?")
        word = {"greater_than": "above", "greater_than_equal": "at least"}.get(kind)
        word = word or {"less_than": "below", "less_than_equal": "at most"}[kind]
        return f"'{field}' is {one_line(value)}, but it must be {word} {bound}: change the value"
    if kind == "value_error":
        reason = str(ctx.get("error", err["msg"])).removeprefix("Value error, ")
        return f"'{field}' is invalid: {reason}"
    if kind in {"literal_error", "enum"}:
        return f"'{field}' cannot be {kind_of(value)}: {lower_first(err['msg'])}"
    return f"'{field}' is invalid ({lower_first(err['msg'])}): fix its value"


def invalid_key(loc: Loc, value: Any, msg: str) -> str:
    if loc and loc[-1] == "[key]":
        parent = dotted(loc[:-2])
        return f"'{one_line(loc[-2])}' cannot be a key in '{parent}': {lower_first(msg)}"
    parent = dotted(loc[:-1])
    where = f" in '{parent}'" if parent else ""
    return f"the key '{one_line(value)}'{where} is not a field name: use a word like `tagline:`"


def unknown_field(loc: Loc) -> str:
    name, parent = one_line(loc[-1]), dotted(loc[:-1])
    where = f" in '{parent}'" if parent else ""
    model = model_at(loc[:-1])
    known = list(model.model_fields) if model else []
    if not parent and loc[-1] in _CARD_NAMES:
        return (
            f"'{name}' is a Character Card field{where}: here it is called "
            f"'{_CARD_NAMES[str(loc[-1])]}' (or import the card with `samantha persona import`)"
        )
    near = difflib.get_close_matches(str(loc[-1]).lower(), known, n=1, cutoff=0.6)
    if near:
        return f"there is no field '{name}'{where}: did you mean '{near[0]}'?"
    if known and len(known) <= 12:
        return f"there is no field '{name}'{where}: use one of {', '.join(known)}"
    return f"there is no field '{name}'{where}: remove it or check the spelling"


def model_at(loc: Loc) -> type[BaseModel] | None:
    """The persona model whose fields live at ``loc``."""
    return model_in(Persona, loc)


def model_in(root: type[BaseModel], loc: Loc) -> type[BaseModel] | None:
    """The model whose fields live at ``loc`` under ``root`` (list indices and dict keys are
    stepped over; a field is found by its name or its alias). Scripts use it too."""
    current: Any = root
    for part in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            fields = dict(current.model_fields)
            fields.update({i.alias: i for i in current.model_fields.values() if i.alias})
            info = fields.get(str(part))
            if info is None:
                return None
            current = info.annotation
        elif get_origin(current) in {list, tuple, set, frozenset}:
            current = (get_args(current) or (Any,))[0]
        elif get_origin(current) is dict:
            current = (get_args(current) or (Any, Any))[-1]
        else:
            return None
    current = _unwrap(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(tp: Any) -> Any:
    """Strip Annotated and Optional, so ``Temperament | None`` still leads to Temperament."""
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp = get_args(tp)[0]
        elif origin in {Union, types.UnionType}:
            options = [a for a in get_args(tp) if a is not type(None)]
            if len(options) != 1:
                return tp
            tp = options[0]
        else:
            return tp


def yaml_sentence(exc: yaml.MarkedYAMLError, source: str, *, column: bool = True) -> str:
    """YAML that cannot be parsed, as one sentence with where and the likely fix."""
    mark = exc.problem_mark or exc.context_mark
    if mark is None:
        where = source
    elif column:
        where = f"{source}:{mark.line + 1}:{mark.column + 1}"
    else:
        where = f"{source}:{mark.line + 1}"
    problem = exc.problem or exc.context or "it cannot be parsed"
    if "'\\t'" in problem:
        fix = "indent with spaces, not tabs"
    elif "mapping values are not allowed" in problem:
        fix = "put text that contains ': ' in quotes"
    else:
        fix = "check the indentation and quoting there"
    return f"{where}: the YAML is malformed ({problem}): {fix}."


def where_in(root: yaml.Node | None, loc: Any, kind: str) -> tuple[int, int] | None:
    """1-based line and column in the YAML for an error at ``loc``.

    An unknown field points at its key, a missing one at the section that lacks it, and a bad
    value at the value itself; when the path leaves the tree, the nearest point reached is used.
    """
    node, mark = root, root.start_mark if root is not None else None
    parts = tuple(loc)
    for index, part in enumerate(parts):
        if isinstance(node, yaml.MappingNode):
            pair = _find_key(node, part)
            if pair is None:
                break
            key, value = pair
            last = index == len(parts) - 1
            if (last and kind in {"extra_forbidden", "invalid_key"}) or parts[
                index + 1 : index + 2
            ] == ("[key]",):
                mark = key.start_mark
                break
            node, mark = value, value.start_mark
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if not 0 <= part < len(node.value):
                break
            node = node.value[part]
            mark = node.start_mark
        else:
            break
    return (mark.line + 1, mark.column + 1) if mark is not None else None


def _find_key(node: yaml.MappingNode, part: int | str) -> tuple[yaml.Node, yaml.Node] | None:
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode) and key.value == str(part):
            return key, value
    return None


def dotted(loc: Loc) -> str:
    """``('lorebook', 'entries', 0, 'keyz')`` reads as ``lorebook.entries[0].keyz``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part != "[key]":
            text += f".{one_line(part)}" if text else one_line(part)
    return text


def kind_of(value: Any) -> str:
    """How a YAML value looks to the person who wrote it."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a yes/no value)"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, dt.date | dt.datetime):
        return f"the date {value}"
    if isinstance(value, dict):
        return "a section of fields"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, str):
        return f"'{one_line(value, 30)}'"
    return f"a {type(value).__name__}"


def lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]
