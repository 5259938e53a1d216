"""The failures a user can meet, each carrying the one sentence they will read.

Front ends print ``str(error)`` and nothing else (unless ``--debug``), so every
message here must say what went wrong *and* how to fix it, in one sentence.
"""

from __future__ import annotations


class SamanthaError(Exception):
    """Base of every error a user is meant to see; ``exit_code`` is the CLI's."""

    exit_code = 1

    def __init__(self, sentence: str) -> None:
        super().__init__(sentence)
        self.sentence = sentence

    def __str__(self) -> str:
        return self.sentence


class ConfigError(SamanthaError):
    """The configuration file or a setting cannot be used."""

    exit_code = 2


class PersonaError(SamanthaError):
    """A persona file is missing or malformed."""

    exit_code = 2


class InputError(SamanthaError):
    """The user's message cannot be sent as it is (for example, it is empty)."""

    exit_code = 2


class BackendError(SamanthaError):
    """The language model could not give a reply."""

    exit_code = 3
    #: Whether repeating the same request later may succeed (used by retry logic and the UI).
    retryable = False


class BackendUnreachable(BackendError):
    retryable = True


class BackendAuthError(BackendError):
    pass


class ModelNotFound(BackendError):
    pass


class BackendTimeout(BackendError):
    retryable = True


class RateLimited(BackendError):
    retryable = True


class StreamCutOff(BackendError):
    retryable = True


class BackendRejected(BackendError):
    """The server refused this request (bad request, too large, forbidden)."""


class StorageError(SamanthaError):
    """The database or data directory cannot be used."""

    exit_code = 4


class DatabaseLocked(StorageError):
    pass


class DatabaseCorrupt(StorageError):
    pass


class DatabaseTooNew(StorageError):
    """The database was written by a newer samantha; opening it here could spoil it."""
