"""Finding and reading persona files, with errors that name the file, line, column and field."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import ValidationError

from samantha.errors import PersonaError
from samantha.persona.explain import explain, yaml_sentence
from samantha.persona.macros import one_line
from samantha.persona.model import Persona
from samantha.persona.writer import slug

#: A persona is a page or two of text; anything far larger is the wrong file, not a persona.
MAX_PERSONA_BYTES = 1 << 20
#: YAML aliases can expand a small file into a huge tree ("billion laughs"); real personas,
#: lorebooks included, stay far below this many nodes.
MAX_NODES = 100_000
SUFFIXES = (".yaml", ".yml")


def shipped_personas_dir() -> Path:
    """Installed wheels carry personas inside the package; a source checkout has them at the top."""
    packaged = Path(str(resources.files("samantha"))) / "personas"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "personas"


def find_persona(name_or_path: str, user_dir: Path | None) -> Path:
    """A path is used as is; a name is looked up in the user's folder first, then shipped ones,
    by file name and then by the name inside the file (any case)."""
    candidate = Path(name_or_path).expanduser()
    if candidate.suffix in SUFFIXES or "/" in name_or_path:
        if candidate.is_file():
            return candidate
        raise PersonaError(f"There is no persona file at {candidate}: check the path.")
    folders = [d for d in (user_dir, shipped_personas_dir()) if d is not None]
    stems = dict.fromkeys([name_or_path.lower(), slug(name_or_path)])
    for folder in folders:
        for stem in stems:
            for suffix in SUFFIXES:
                path = folder / f"{stem}{suffix}"
                if stem and path.is_file():
                    return path
    # Her display name, as `persona list` shows it ("Flux the Cat"), in any case.
    wanted = name_or_path.strip().casefold()
    for found in persona_files(user_dir):
        try:
            if load_persona(found.path).name.strip().casefold() == wanted:
                return found.path
        except PersonaError:
            continue
    known = sorted({f.stem for f in persona_files(user_dir)})
    raise PersonaError(
        f"There is no persona called '{name_or_path}': choose one of {', '.join(known) or 'none'}"
        " or give a path to a .yaml file."
    )


@dataclass(frozen=True)
class PersonaFile:
    """A persona file as `samantha persona list` shows it."""

    stem: str
    path: Path
    origin: Literal["shipped", "user"]
    #: A user file hides a shipped persona of the same name (find_persona looks there first).
    overrides: bool = False

    @property
    def source(self) -> str:
        return "user (overrides shipped)" if self.overrides else self.origin


def persona_files(user_dir: Path | None) -> list[PersonaFile]:
    """Every persona a name can reach, one per name, the one find_persona would pick."""
    shipped = _stems(shipped_personas_dir())
    found = {stem: PersonaFile(stem, path, "shipped") for stem, path in shipped.items()}
    if user_dir is not None:
        for stem, path in _stems(user_dir).items():
            found[stem] = PersonaFile(stem, path, "user", overrides=stem in shipped)
    return [found[stem] for stem in sorted(found)]


def _stems(folder: Path) -> dict[str, Path]:
    if not folder.is_dir():
        return {}
    # .yaml wins over .yml, as in find_persona.
    paths = sorted((p for p in folder.iterdir() if p.suffix in SUFFIXES), key=lambda p: p.suffix)
    stems: dict[str, Path] = {}
    for path in reversed(paths):
        if path.is_file():
            stems[path.stem.lower()] = path
    return stems


def linked_elsewhere(path: Path, suffixes: tuple[str, ...], kind: str) -> None:
    """Refuse a link that leads to a file of another kind, before reading a byte of it.

    Error sentences quote the file they are about (a field name, a line); through a link
    named ``ada.yaml`` that file could be ``/etc/shadow``. A link to a real persona file (a
    dotfiles folder, say) is fine: what it quotes is the persona itself.
    """
    try:
        if not path.is_symlink():
            return
        target = path.resolve()
    except (OSError, RuntimeError):  # RuntimeError: a link loop on older Pythons
        raise PersonaError(f"{path} is a link that leads nowhere: link to a {kind}.") from None
    if target.suffix.lower() not in suffixes:
        raise PersonaError(
            f"{path} is a link to {target}, which is not a {kind}: link to the file itself, "
            "or copy it here."
        )


def load_persona(path: Path) -> Persona:
    """Read, parse and validate a persona file; every failure is one PersonaError sentence."""
    return parse_persona(read_text(path), str(path))


def read_text(path: Path) -> str:
    """The file as text, capped in size, with a line and column for bytes that are not UTF-8."""
    linked_elsewhere(path, SUFFIXES, "persona file (.yaml)")
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_PERSONA_BYTES + 1)
    except FileNotFoundError as exc:
        raise PersonaError(f"There is no persona file at {path}: check the path.") from exc
    except IsADirectoryError as exc:
        raise PersonaError(f"{path} is a folder: give the persona file inside it.") from exc
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise PersonaError(
            f"Cannot read {path} ({reason}): check it exists and is readable."
        ) from exc
    if len(raw) > MAX_PERSONA_BYTES:
        raise PersonaError(
            f"{path} is larger than {MAX_PERSONA_BYTES >> 20} MB, too big for a persona file: "
            "check that it is the right file."
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise PersonaError(
            f"{path}:{line}:{column}: the file is not UTF-8 text (byte 0x{raw[exc.start]:02x}): "
            "save it as UTF-8 in your editor."
        ) from exc


def parse_persona(text: str, source: str = "<persona>") -> Persona:
    """Validate persona YAML; ``source`` names the file in error sentences."""
    loader: yaml.SafeLoader | None = None
    try:
        # The reader checks the text for forbidden characters as soon as it is made.
        loader = yaml.SafeLoader(text)
        node = loader.get_single_node()
        if node is None:
            raise PersonaError(
                f"{source}:1:1: the file is empty: start it with a line like `name: Ada`."
            )
        _check_tree(node, source)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        raise PersonaError(yaml_sentence(exc, source)) from exc
    except yaml.reader.ReaderError as exc:
        line, column = _position(text, exc.position)
        raise PersonaError(
            f"{source}:{line}:{column}: the file contains a control character "
            f"(code {exc.character!r}) YAML does not allow: delete it or write it as an escape."
        ) from exc
    except yaml.YAMLError as exc:
        raise PersonaError(f"{source}: the YAML cannot be read ({exc}): fix it there.") from exc
    except RecursionError as exc:
        raise PersonaError(f"{source}: the YAML is nested too deeply to read: flatten it.") from exc
    finally:
        if loader is not None:
            loader.dispose()
    try:
        return Persona.model_validate(data)
    except ValidationError as exc:
        raise PersonaError(explain(exc, source, node)) from exc


def _check_tree(root: yaml.Node, source: str) -> None:
    """A persona is a mapping; keys appear once; aliases may not blow the tree up."""
    if not isinstance(root, yaml.MappingNode):
        kind = "a list" if isinstance(root, yaml.SequenceNode) else "a single value"
        mark = root.start_mark
        raise PersonaError(
            f"{source}:{mark.line + 1}:{mark.column + 1}: a persona file must be a mapping of "
            f"fields, not {kind}: start it with a line like `name: Ada`."
        )
    seen, stack = 0, [root]
    while stack:
        node = stack.pop()
        seen += 1
        if seen > MAX_NODES:
            raise PersonaError(
                f"{source}: the YAML expands to more than {MAX_NODES} values (too many aliases): "
                "write the values out instead of repeating anchors."
            )
        if isinstance(node, yaml.MappingNode):
            _no_duplicate_keys(node, source)
            stack.extend(v for _, v in node.value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


def _no_duplicate_keys(node: yaml.MappingNode, source: str) -> None:
    # PyYAML keeps the last of two equal keys without a word; an author loses text silently.
    first: dict[str, int] = {}
    for key, _ in node.value:
        if not isinstance(key, yaml.ScalarNode):
            continue
        line = key.start_mark.line + 1
        if key.value in first:
            raise PersonaError(
                f"{source}:{line}:{key.start_mark.column + 1}: '{one_line(key.value)}' appears "
                f"twice here (first on line {first[key.value]}): keep one of them."
            )
        first[key.value] = line


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1
