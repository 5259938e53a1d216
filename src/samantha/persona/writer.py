"""Writing personas out: readable YAML for people to edit, in files only they can read."""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from samantha.errors import PersonaError
from samantha.persona.model import Persona

SCHEMA_FILE = "persona.schema.json"


class _Dumper(yaml.SafeDumper):
    """Multi-line text as ``|`` blocks, so descriptions and dialogues read as written."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def persona_yaml(persona: Persona, header: Sequence[str] = (), *, full: bool = False) -> str:
    """The persona as YAML in the model's field order; defaults are left out unless ``full``,
    so an imported card reads like a hand-written file."""
    data: dict[str, Any] = persona.model_dump(mode="json", exclude_defaults=not full)
    data = {"name": persona.name, **data}
    body = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    lines = [f"# {line}".rstrip() for line in header]
    return "\n".join([*lines, body]) if lines else body


def slug(name: str) -> str:
    """A file stem from a name: lower case, letters, digits and dashes, never a path."""
    plain = unicodedata.normalize("NFKC", name).lower()
    return re.sub(r"[^\w]+", "-", plain).strip("-_")[:64]


def write_private(path: Path, content: str | bytes, *, force: bool) -> None:
    """Create ``path`` with mode 0600 (personas and cards may be personal); refuse to replace
    an existing file unless ``force``."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if force else os.O_EXCL)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, flags, 0o600)
    except FileExistsError as exc:
        raise PersonaError(
            f"{path} already exists: pass --force to replace it, or --name to pick another name."
        ) from exc
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise PersonaError(f"Cannot write {path} ({reason}): check the folder.") from exc
    with os.fdopen(fd, "wb") as handle:
        os.fchmod(handle.fileno(), 0o600)  # a replaced file keeps its old mode otherwise
        handle.write(content.encode("utf-8") if isinstance(content, str) else content)


def schema_json() -> str:
    """The JSON Schema editors validate persona files against (``persona.schema.json``)."""
    import json

    return json.dumps(Persona.model_json_schema(), indent=2, ensure_ascii=False) + "\n"
