"""Reading ``*.convo.yaml`` files: every problem is one sentence with the file and line.

The YAML is composed into nodes first, so a validation error's location can be mapped back to
the line that holds it (as the persona loader does); did-you-mean comes from the models.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from samantha.conversation_tests.errors import ScriptError, flat
from samantha.conversation_tests.explain import explain, line_of
from samantha.conversation_tests.model import ACTIONS, NOT_SETTINGS, Script, ScriptSettings, Step
from samantha.persona.explain import where_in, yaml_sentence

SUFFIX = ".convo.yaml"
MAX_SCRIPT_BYTES = 1 << 20
MAX_NODES = 100_000

Loc = tuple[int | str, ...]


@dataclass
class ScriptFile:
    """A script that validated, with what is needed to point at its lines later."""

    path: Path
    script: Script
    root: yaml.Node | None = field(repr=False, default=None)

    @property
    def name(self) -> str:
        return self.path.name

    def line(self, *loc: int | str) -> int:
        """The 1-based line of ``loc`` (``("steps", 3)``) in the file, or 1."""
        found = where_in(self.root, loc, "value") if self.root is not None else None
        return found[0] if found else 1

    def step_line(self, index: int) -> int:
        return self.line("steps", index)

    def where(self, *loc: int | str) -> str:
        return f"{self.path}:{self.line(*loc)}"


def find_scripts(paths: Iterable[Path]) -> list[Path]:
    """Files as given; folders searched for ``*.convo.yaml``, in name order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob(f"*{SUFFIX}") if p.is_file()))
        elif path.is_file():
            found.append(path)
        else:
            raise ScriptError(f"There is no file or folder at {path}: check the path.")
    return found


def load_script(path: Path) -> ScriptFile:
    """Read, parse and validate one script; every failure is one ScriptError sentence."""
    return parse_script(read_text(path), path)


def read_text(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_SCRIPT_BYTES + 1)
    except IsADirectoryError as exc:
        raise ScriptError(f"{path} is a folder: give the script inside it.") from exc
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ScriptError(
            f"Cannot read {path} ({reason}): check it exists and is readable."
        ) from exc
    if len(raw) > MAX_SCRIPT_BYTES:
        raise ScriptError(
            f"{path} is larger than 1 MB, too big for a conversation script: split it."
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ScriptError(
            f"{path}:{line}: the file is not UTF-8 text (byte 0x{raw[exc.start]:02x}): "
            "save it as UTF-8."
        ) from exc


def parse_script(text: str, path: Path | str = "<script>") -> ScriptFile:
    """Validate script YAML; ``path`` names the file in error sentences."""
    path = Path(path)
    source = str(path)
    root = _compose(text, source)
    try:
        data = _construct(text, source)
    except RecursionError as exc:
        raise ScriptError(f"{source}: the YAML is nested too deeply to read: flatten it.") from exc
    try:
        script = Script.model_validate(data)
    except ValidationError as exc:
        raise ScriptError(explain(exc, source, root)) from exc
    _check_settings(script, source, root)
    return ScriptFile(path=path, script=script, root=root)


def _compose(text: str, source: str) -> yaml.Node:
    loader: yaml.SafeLoader | None = None
    try:
        loader = yaml.SafeLoader(text)
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        raise ScriptError(yaml_sentence(exc, source, column=False)) from exc
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        raise ScriptError(
            f"{source}:{line}: the file contains a control character YAML does not allow: "
            "delete it or write it as an escape."
        ) from exc
    except yaml.YAMLError as exc:
        raise ScriptError(f"{source}: the YAML cannot be read ({exc}): fix it there.") from exc
    except RecursionError as exc:
        raise ScriptError(f"{source}: the YAML is nested too deeply to read: flatten it.") from exc
    finally:
        if loader is not None:
            loader.dispose()
    if node is None:
        raise ScriptError(
            f"{source}:1: the script is empty: start it with `persona: samantha` and a list of "
            "`steps:`."
        )
    if not isinstance(node, yaml.MappingNode):
        kind = "a list" if isinstance(node, yaml.SequenceNode) else "a single value"
        raise ScriptError(
            f"{source}:{node.start_mark.line + 1}: a script is a mapping (persona, backend, "
            f"steps ...), not {kind}: start it with `persona: samantha`."
        )
    _check_tree(node, source)
    return node


def _construct(text: str, source: str) -> Any:
    loader = yaml.SafeLoader(text)
    try:
        return loader.get_single_data()
    except yaml.YAMLError as exc:  # pragma: no cover - composing has already succeeded
        raise ScriptError(f"{source}: the YAML cannot be read ({exc}): fix it there.") from exc
    finally:
        loader.dispose()


def _check_tree(root: yaml.Node, source: str) -> None:
    seen, stack = 0, [root]
    while stack:
        node = stack.pop()
        seen += 1
        if seen > MAX_NODES:
            raise ScriptError(
                f"{source}: the YAML expands to more than {MAX_NODES} values (too many aliases): "
                "write the values out instead of repeating anchors."
            )
        if isinstance(node, yaml.MappingNode):
            first: dict[str, int] = {}
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    line = key.start_mark.line + 1
                    if key.value in first:
                        fix = (
                            "each step is its own list item, so start the next one with '- '"
                            if key.value in (*ACTIONS, "expect")
                            else "keep one of them"
                        )
                        raise ScriptError(
                            f"{source}:{line}: '{flat(key.value)}' appears twice here (first on line "
                            f"{first[key.value]}): {fix}."
                        )
                    first[key.value] = line
                stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


def _check_settings(script: Script, source: str, root: yaml.Node) -> None:
    for key in script.settings:
        if key in NOT_SETTINGS:
            line = line_of(root, ("settings", key), "extra_forbidden")
            raise ScriptError(
                f"{source}:{line}: '{key}' cannot be set under 'settings': it belongs in "
                f"{NOT_SETTINGS[key]}."
            )
    try:
        ScriptSettings(**script.settings)
    except ValidationError as exc:
        raise ScriptError(explain(exc, source, root, prefix=("settings",))) from exc


def step_label(step: Step, limit: int = 60) -> str:
    """How a step reads in a report: `user: "Call me Theo."`, `wait 3 days`."""
    if step.user is not None:
        text = " ".join(step.user.split())
        return f'user: "{text if len(text) <= limit else text[: limit - 1] + "…"}"'
    if step.wait is not None:
        return f"wait {_span(step.wait.total_seconds())}"
    if step.remember is not None:
        return f'remember: "{step.remember.text[:limit]}"'
    return step.action


def _span(seconds: float) -> str:
    """'1 week 2 hours', '90 minutes' -> '1 hour 30 minutes'."""
    parts: list[str] = []
    left = round(seconds)
    for unit, size in (("week", 604800), ("day", 86400), ("hour", 3600), ("minute", 60)):
        count, left = divmod(left, size)
        if count:
            parts.append(f"{count} {unit}{'s' if count != 1 else ''}")
    if left or not parts:
        parts.append(f"{left} second{'s' if left != 1 else ''}")
    return " ".join(parts)
