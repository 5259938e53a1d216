"""Writing personas out: readable YAML for people to edit, in files only they can read."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import tempfile
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from samantha.errors import PersonaError, SamanthaError, StorageError
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
    """Create ``path`` with mode 0600 (personas, cards and memory exports may be personal);
    refuse to replace an existing file unless ``force``.

    The bytes go to a temporary file beside ``path`` first and take its name only once they
    are all on disk: a full disk leaves neither an empty file nor a clobbered older one.
    """
    if not force and path.exists():
        raise _exists(path)
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as exc:
        raise _cannot_write(path, exc) from exc
    temp = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if force:
            os.replace(temp, path)
        else:
            _link(temp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        if isinstance(exc, OSError):
            raise _cannot_write(path, exc) from exc
        raise


def _link(temp: Path, path: Path) -> None:
    """Give the new file its name without replacing one that appeared meanwhile."""
    try:
        os.link(temp, path)
    except FileExistsError:
        raise _exists(path) from None
    except OSError:
        if path.exists():  # no hard links on this file system: check, then rename
            raise _exists(path) from None
        os.replace(temp, path)
        return
    temp.unlink()


def _exists(path: Path) -> PersonaError:
    return PersonaError(
        f"{path} already exists: pass --force to replace it, or --name to pick another name."
    )


def _cannot_write(path: Path, exc: OSError) -> SamanthaError:
    if exc.errno in {errno.ENOSPC, errno.EDQUOT}:
        return StorageError(
            f"The disk holding {path} is full: nothing was written; free some space and try again."
        )
    reason = exc.strerror or type(exc).__name__
    return PersonaError(f"Cannot write {path} ({reason}): check the folder.")


def schema_json() -> str:
    """The JSON Schema editors validate persona files against (``persona.schema.json``)."""
    import json

    return json.dumps(Persona.model_json_schema(), indent=2, ensure_ascii=False) + "\n"
