"""Finding and reading persona files, with errors that name the file, line and field."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from samantha.errors import PersonaError
from samantha.persona.model import Persona


def shipped_personas_dir() -> Path:
    """Installed wheels carry personas inside the package; a source checkout has them at the top."""
    packaged = Path(str(resources.files("samantha"))) / "personas"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "personas"


def find_persona(name_or_path: str, user_dir: Path | None) -> Path:
    """A path is used as is; a name is looked up in the user's folder first, then shipped ones."""
    candidate = Path(name_or_path).expanduser()
    if candidate.suffix in {".yaml", ".yml"} or "/" in name_or_path:
        if candidate.is_file():
            return candidate
        raise PersonaError(f"There is no persona file at {candidate}: check the path.")
    folders = [d for d in (user_dir, shipped_personas_dir()) if d is not None]
    for folder in folders:
        for suffix in (".yaml", ".yml"):
            path = folder / f"{name_or_path.lower()}{suffix}"
            if path.is_file():
                return path
    known = sorted({p.stem for folder in folders if folder.is_dir() for p in folder.glob("*.y*ml")})
    raise PersonaError(
        f"There is no persona called '{name_or_path}': choose one of {', '.join(known) or 'none'}"
        " or give a path to a .yaml file."
    )


def load_persona(path: Path) -> Persona:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PersonaError(
            f"Cannot read the persona file {path} ({exc}): check it exists."
        ) from exc
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise PersonaError(
            f"{where}: the YAML is malformed ({exc.problem}): fix the indentation or quoting there."
        ) from exc
    except yaml.YAMLError as exc:
        raise PersonaError(f"{path}: the YAML is malformed ({exc}).") from exc
    if not isinstance(data, dict):
        raise PersonaError(
            f"{path}: a persona file must be a mapping of fields, starting with name:."
        )
    try:
        return Persona.model_validate(data)
    except ValidationError as exc:
        raise PersonaError(_explain(exc, path, node)) from exc


def _explain(exc: ValidationError, path: Path, node: Any) -> str:
    err = exc.errors()[0]
    loc = [str(p) for p in err["loc"]]
    field = ".".join(loc) or "name"
    line = _line_of(node, loc)
    where = f"{path}:{line}" if line else str(path)
    if err["type"] == "missing":
        return (
            f"{where}: the field '{field}' is required: add it (for example `{field}: Samantha`)."
        )
    if err["type"] == "extra_forbidden":
        import difflib

        from samantha.persona.model import OfflineVoice

        model = OfflineVoice if loc[0] == "offline_voice" else Persona
        near = difflib.get_close_matches(loc[-1], list(model.model_fields), n=1)
        hint = f": did you mean '{near[0]}'?" if near else ": remove it or check the spelling."
        return f"{where}: unknown field '{field}'{hint}"
    return f"{where}: the field '{field}' is invalid ({err['msg']}): fix its value."


def _line_of(node: Any, loc: list[str]) -> int | None:
    """The 1-based line of the key at ``loc`` in the composed YAML tree, if it can be found."""
    line = None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if str(key.value) == part:
                    line, node = key.start_mark.line + 1, value
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and part.isdigit() and int(part) < len(node.value):
            node = node.value[int(part)]
            line = node.start_mark.line + 1
        else:
            return line
    return line
