"""The one error a script author meets: which file, which line, what is wrong."""

from __future__ import annotations

from samantha.errors import InputError


class ScriptError(InputError):
    """A conversation script cannot be read or run as written (exit code 2)."""
