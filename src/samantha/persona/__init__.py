"""Personas: who she is, loaded from YAML files and validated."""

from samantha.persona.loader import find_persona, load_persona, shipped_personas_dir
from samantha.persona.model import Persona

__all__ = ["Persona", "find_persona", "load_persona", "shipped_personas_dir"]
