"""Writing settings back to the TOML config file: only the keys that changed, comments kept,
the file private to its owner (mode 0600: it may hold an API key).

Reading stays in ``config.py`` (pydantic-settings reads the file); this module only writes.
The TUI imports it before its first frame, so pydantic (``Settings``, ``SecretStr``) is
imported inside the functions that need it, not here.
"""

from __future__ import annotations

import os
import re
import tempfile
import tomllib
from collections.abc import Mapping
from pathlib import Path

from samantha.config.paths import Paths
from samantha.config.sections import (
    INNER_NAME,
    SECTION_OF,
    SECTIONS,
    flatten,
    setting_in,
    split,
)
from samantha.config.sections import where as dotted
from samantha.errors import ConfigError

#: What a value may be: the settings are all flat strings, numbers and booleans.
Value = str | int | float | bool | None

_KEY_LINE = re.compile(r"^\s*(?P<key>[A-Za-z0-9_-]+)\s*=")
_TABLE_LINE = re.compile(r"^\s*\[")


def as_fields(update: Mapping[str, object]) -> dict[str, object]:
    """An update as ``Settings.model_copy`` takes it: the API key as a secret."""
    from pydantic import SecretStr

    return {k: SecretStr(str(v)) if k == "api_key" and v else v for k, v in update.items()}


def config_path() -> Path:
    return Paths.from_env().config_file


def read_config(path: Path | None = None) -> dict[str, object]:
    """The file's top-level values; an absent file is an empty one."""
    path = path or config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"The config file {path} is not UTF-8 text: fix or remove it before saving settings."
        ) from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"The config file {path} is not valid TOML ({exc}): fix or remove it before "
            "saving settings."
        ) from exc


def write_settings(updates: Mapping[str, Value], path: Path | None = None) -> Path:
    """Set (or, with None, remove) top-level settings in the config file and return its path.

    Lines for other keys, comments and tables are left as they were; the write is atomic
    (a temporary file renamed over the old one) and the result is readable by its owner only.
    """
    from samantha.config.model import Settings

    unknown = sorted(set(updates) - set(Settings.model_fields))
    if unknown:
        raise ConfigError(unknown_setting(unknown[0], "the settings"))
    path = path or config_path()
    current, _ = flatten(read_config(path))
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    expected = {k: v for k, v in {**current, **updates}.items() if v is not None}
    edited = _edit_lines(text, updates)
    # A value the line editor cannot follow (a multi-line string, say): write the whole file.
    _write_private(path, edited if _parses_to(edited, expected) else _dump(split(expected)))
    return path


def unknown_setting(name: str, where: object) -> str:
    """The sentence for a key samantha has no setting for, with the nearest real one: a typo
    (``recal_k``) should cost the user one glance, not a trip to the README."""
    from difflib import get_close_matches

    from samantha.config.model import Settings

    names = {dotted(field): field for field in Settings.model_fields}
    names.update({field: field for field in Settings.model_fields})
    close = get_close_matches(name.lower(), list(names), n=1, cutoff=0.6)
    hint = (
        f"did you mean '{dotted(names[close[0]])}'?" if close else "check the name in the README."
    )
    return f"There is no setting called '{name}' in {where}: {hint}"


def _edit_lines(text: str, updates: Mapping[str, Value]) -> str:
    """Set each setting in its section's table (moving one found in its old, flat place),
    leaving every other line, comment and table as it was."""
    lines = text.splitlines()
    pending = dict(updates)
    kept: list[str] = []
    table: str | None = None
    ends: dict[str | None, int] = {None: 0}  # where each table's last content line is in kept
    for line in lines:
        header = _TABLE_LINE.match(line)
        if header:
            table = line.strip().strip("[]").strip()
        match = _KEY_LINE.match(line)
        key = match.group("key") if match and not header else None
        flat = None
        if key is not None:
            flat = key if table is None else setting_in(table, key)
        if flat is not None and flat in pending:
            in_place = SECTION_OF.get(flat) == table
            value = pending[flat]
            if in_place:
                pending.pop(flat)
                if value is not None:
                    kept.append(f"{key} = {_literal(value)}")
                    ends[table] = len(kept)
            # In its old place (flat at the top): dropped here, written in its section below.
            continue
        if flat is not None and table is None and flat in SECTION_OF:
            pass  # an old flat key left alone keeps working
        kept.append(line)
        if line.strip() and not line.strip().startswith("#"):
            ends[table] = len(kept)
    top = [(k, v) for k, v in pending.items() if k not in SECTION_OF and v is not None]
    at = ends[None] if any(_TABLE_LINE.match(x) for x in kept) else len(kept)
    kept[at:at] = [f"{key} = {_literal(value)}" for key, value in top]
    shift = len(top)
    for section in SECTIONS:
        new = [
            f"{INNER_NAME.get(k, k)} = {_literal(v)}"
            for k, v in pending.items()
            if SECTION_OF.get(k) == section and v is not None
        ]
        if not new:
            continue
        if section in ends:
            at = ends[section] + shift
            kept[at:at] = new
            shift += len(new)
        else:
            while kept and not kept[-1].strip():
                kept.pop()
            kept.extend(["", f"[{section}]", *new])
    return "\n".join(kept).strip("\n") + "\n"


def _parses_to(text: str, expected: Mapping[str, object]) -> bool:
    try:
        return flatten(tomllib.loads(text))[0] == dict(expected)
    except tomllib.TOMLDecodeError:
        return False


def _dump(values: Mapping[str, object]) -> str:
    lines = ["# samantha settings (written by samantha; edit freely)"]
    tables = {k: v for k, v in values.items() if isinstance(v, dict)}
    for key, value in values.items():
        if key not in tables:
            lines.append(f"{key} = {_literal(value)}")
    for key, table in tables.items():
        lines.append(f"\n[{key}]")
        lines.extend(f"{k} = {_literal(v)}" for k, v in table.items())
    return "\n".join(lines) + "\n"


def _literal(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    return _string(str(value))


def _string(text: str) -> str:
    out = ['"']
    for char in text:
        if char == '"':
            out.append('\\"')
        elif char == "\\":
            out.append("\\\\")
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def _write_private(path: Path, text: str) -> None:
    # With SAMANTHA_HOME this folder is also the data folder: private from the start.
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, temp = tempfile.mkstemp(prefix=".config-", suffix=".toml", dir=path.parent)
    try:
        # mkstemp already creates the file 0600; say so for any umask.
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    path.chmod(0o600)
