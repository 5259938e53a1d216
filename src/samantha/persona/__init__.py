"""Personas: who she is, loaded from YAML files and validated."""

from samantha.persona.loader import (
    PersonaFile,
    find_persona,
    load_persona,
    parse_persona,
    persona_files,
    shipped_personas_dir,
)
from samantha.persona.lorebook import Lorebook, LorebookEntry, activate, scan
from samantha.persona.model import About, OfflineVoice, Persona

__all__ = [
    "About",
    "Lorebook",
    "LorebookEntry",
    "OfflineVoice",
    "Persona",
    "PersonaFile",
    "activate",
    "find_persona",
    "load_persona",
    "parse_persona",
    "persona_files",
    "scan",
    "shipped_personas_dir",
]
