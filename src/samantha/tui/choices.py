"""What the user can pick from: the companions on this machine and the backend presets."""

from __future__ import annotations

from dataclasses import dataclass

from samantha.config import PRESETS, Paths
from samantha.errors import SamanthaError
from samantha.tui.safe import visible

#: How each preset reads in a list; a registered backend without a line shows its name.
BACKENDS: dict[str, str] = {
    "offline": "no model, no network: her own phrases",
    "ollama": "Ollama on this computer",
    "lmstudio": "LM Studio on this computer",
    "llamacpp": "llama.cpp server on this computer",
    "vllm": "vLLM server on this computer",
    "openai": "OpenAI (needs an API key)",
    "custom": "any OpenAI-compatible server",
}


@dataclass(frozen=True)
class PersonaChoice:
    #: What settings and /persona take: the file's name without .yaml.
    key: str
    name: str
    tagline: str


def persona_choices() -> list[PersonaChoice]:
    """Every companion a name reaches; a file that does not load is left out of the list
    (``samantha persona check`` says what is wrong with it)."""
    from samantha.persona import load_persona, persona_files

    choices = []
    for found in persona_files(Paths.from_env().personas_dir):
        try:
            persona = load_persona(found.path)
        except SamanthaError:
            continue
        choices.append(PersonaChoice(found.stem, persona.name, persona.tagline))
    return choices


def persona_line(persona: PersonaChoice, limit: int = 64) -> str:
    """Her name and tagline on one line, as a list shows it (shown literally)."""
    line = " ".join((persona.name + (f", {persona.tagline}" if persona.tagline else "")).split())
    return visible(line if len(line) <= limit else line[: limit - 1] + "…")


def backend_choices(current: str) -> list[tuple[str, str]]:
    """(name, description) for the presets people use, plus the current one if it is not."""
    names = [name for name in BACKENDS if name in PRESETS]
    if current not in names:
        names.append(current)
    return [(name, BACKENDS.get(name, name)) for name in names]
