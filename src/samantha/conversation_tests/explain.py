"""A pydantic validation error as the one sentence a script author needs: file, line, problem.

The line comes from the composed YAML node tree; did-you-mean comes from whichever model the
misspelt key sits in, found by walking the error's location through the script's models.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from samantha.conversation_tests.errors import flat
from samantha.conversation_tests.model import Script, ScriptSettings
from samantha.persona.explain import dotted, kind_of, lower_first, model_in, where_in

Loc = tuple[int | str, ...]


def explain(exc: ValidationError, source: str, root: yaml.Node | None, prefix: Loc = ()) -> str:
    """The first problem in file order; later ones are only counted."""
    errors = [_prefixed(e, prefix) for e in exc.errors()]
    misspelt = {tuple(e["loc"][:-1]) for e in errors if e["type"] == "extra_forbidden"}

    def rank(n: int) -> tuple[bool, int, int]:
        err = errors[n]
        shadowed = err["type"] == "missing" and tuple(err["loc"][:-1]) in misspelt
        return shadowed, line_of(root, err["loc"], err["type"]), n

    first = min(range(len(errors)), key=rank)
    err = errors[first]
    more = sum(1 for n in range(len(errors)) if n != first and not rank(n)[0])
    tail = f" ({more} more problem{'s' if more > 1 else ''} after this one)" if more else ""
    sentence = f"{source}:{line_of(root, err['loc'], err['type'])}: {describe(err)}{tail}"
    return sentence if sentence.endswith(("?", ".")) else sentence + "."


def _prefixed(err: ErrorDetails, prefix: Loc) -> ErrorDetails:
    if not prefix:
        return err
    copy = dict(err)
    copy["loc"] = (*prefix, *err["loc"])
    return copy  # type: ignore[return-value]


def line_of(root: yaml.Node | None, loc: Sequence[int | str], kind: str) -> int:
    found = where_in(root, tuple(loc), kind)
    return found[0] if found else 1


def describe(err: ErrorDetails) -> str:
    """'problem: fix', without the location."""
    loc, kind, value = tuple(err["loc"]), err["type"], err.get("input")
    field_name = flat(dotted(loc), 80) or "the script"
    ctx = err.get("ctx") or {}
    if kind == "missing":
        if loc == ("steps",):
            return "the script has no steps: add `steps:` with a list like `- user: hello`"
        return f"'{field_name}' is required: add `{loc[-1]}:` with a value"
    if kind == "extra_forbidden":
        return unknown_field(loc)
    if kind == "too_short" and loc and loc[-1] == "steps":
        return "the script has no steps: add at least one, like `- user: hello`"
    if kind == "value_error":
        reason = str(ctx.get("error", err["msg"])).removeprefix("Value error, ")
        return f"'{field_name}' is invalid: {reason}"
    if kind in {"string_type", "string_sub_type"}:
        if value is None:
            return f"'{field_name}' is empty: write some text after it or remove the line"
        return f"'{field_name}' should be text, not {_kind(value)}: put the value in quotes"
    if kind in {"list_type", "tuple_type"}:
        return f"'{field_name}' should be a list, not {_kind(value)}: put each item on its own line starting with '- '"
    if kind in {"model_type", "dict_type", "model_attributes_type"}:
        if loc and loc[0] == "steps" and len(loc) == 2:
            return (
                f"'{field_name}' should be a step, not {_kind(value)}: write `- user: hello`, "
                "`- wait: 3 days`, `- new_conversation` or `- greet`"
            )
        return f"'{field_name}' should be a section of `key: value` lines, not {_kind(value)}"
    if kind.startswith(("float_", "int_")) or kind == "finite_number":
        return f"'{field_name}' should be a number, not {_kind(value)}: write digits like 0.3"
    if kind.startswith("bool_"):
        return f"'{field_name}' should be true or false, not {_kind(value)}"
    if kind.startswith("datetime_") or kind.startswith("date_"):
        return (
            f"'{field_name}' should be a moment, not {_kind(value)}: write it like 2026-03-02 09:30"
        )
    if kind in {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}:
        bound = next(iter(ctx.values()), "?")
        shown = f"{bound:g}" if isinstance(bound, int | float) else str(bound)
        word = {"greater_than": "above", "greater_than_equal": "at least"}.get(kind)
        word = word or {"less_than": "below", "less_than_equal": "at most"}[kind]
        return f"'{field_name}' is {_said(value)}, but it must be {word} {shown}: change the value"
    if kind in {"literal_error", "enum"}:
        options = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        near = difflib.get_close_matches(str(value), options, n=1, cutoff=0.6)
        if near:
            return f"'{field_name}' cannot be {_said(value)}: did you mean '{near[0]}'?"
        return f"'{field_name}' cannot be {_said(value)}: use one of {', '.join(options)}"
    if kind == "too_short":
        return f"'{field_name}' is empty: write something there or remove the line"
    return f"'{field_name}' is invalid ({lower_first(err['msg'])}): fix its value"


def _said(value: Any) -> str:
    return f"'{flat(value)}'" if isinstance(value, str) else flat(repr(value))


def _kind(value: Any) -> str:
    """How a YAML value looks to the person who wrote it, on one line."""
    return f"'{flat(value, 30)}'" if isinstance(value, str) else flat(kind_of(value), 60)


def unknown_field(loc: Loc) -> str:
    name, parent = flat(loc[-1]), flat(dotted(loc[:-1]), 80)
    where = f" in '{parent}'" if parent else ""
    model = model_at(loc[:-1])
    known = _field_names(model) if model else []
    near = difflib.get_close_matches(str(loc[-1]).lower(), known, n=1, cutoff=0.6)
    if near:
        return f"there is no '{name}'{where}: did you mean '{near[0]}'?"
    if known and len(known) <= 16:
        return f"there is no '{name}'{where}: use one of {', '.join(known)}"
    return f"there is no '{name}'{where}: remove it or check the spelling"


def _field_names(model: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in model.model_fields.items()]


def model_at(loc: Loc) -> type[BaseModel] | None:
    """The model whose fields live at ``loc`` (list indices and dict keys are stepped over)."""
    if loc[:1] == ("settings",):
        return model_in(ScriptSettings, loc[1:])
    return model_in(Script, loc)
