"""The JSON a memory export is written as and read back from (``samantha memory export``)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from samantha.domain.memory import CoreMemory, Memory
from samantha.errors import InputError

#: An export bigger than this is not one of ours; refuse it before parsing.
MAX_BYTES = 200 * 1024 * 1024


class MemoryExport(BaseModel):
    format: str = "samantha-memories/1"
    persona: str
    exported_at: datetime
    core: CoreMemory = Field(default_factory=CoreMemory)
    memories: list[Memory] = Field(default_factory=list)


def read_export(path: Path) -> MemoryExport:
    try:
        if path.stat().st_size > MAX_BYTES:
            raise InputError(f"{path} is too large to be a memory export.")
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"Cannot read {path} ({exc.strerror or exc}): check the path.") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path} is not JSON: give a file from `samantha memory export`.") from exc
    try:
        return MemoryExport.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the top level"
        raise InputError(
            f"{path} is not a memory export ({where}: {first['msg']}): "
            "give a file from `samantha memory export`."
        ) from exc
