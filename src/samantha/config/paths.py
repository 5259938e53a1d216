"""Where samantha keeps things: ``SAMANTHA_HOME`` puts everything in one folder; otherwise the
platform's data and config folders. Nothing is touched at import time."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "samantha"


@dataclass(frozen=True)
class Paths:
    """Where samantha keeps things. ``SAMANTHA_HOME`` puts everything in one folder."""

    data_dir: Path
    config_dir: Path

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Paths:
        env = os.environ if environ is None else environ
        home = env.get("SAMANTHA_HOME")
        if home:
            root = Path(home).expanduser()
            return cls(data_dir=root, config_dir=root)
        import platformdirs

        return cls(
            data_dir=platformdirs.user_data_path(APP_NAME),
            config_dir=platformdirs.user_config_path(APP_NAME),
        )

    @property
    def db_path(self) -> Path:
        return self.data_dir / "samantha.db"

    @property
    def config_file(self) -> Path:
        override = os.environ.get("SAMANTHA_CONFIG")
        return Path(override).expanduser() if override else self.config_dir / "config.toml"

    @property
    def personas_dir(self) -> Path:
        return self.config_dir / "personas"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "samantha.log"
