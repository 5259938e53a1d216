"""Character Card files built by hand for the tests: JSON, PNG chunk by chunk, CHARX zips."""

from __future__ import annotations

import base64
import io
import json
import struct
import zipfile
import zlib
from typing import Any

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def chunk(kind: bytes, body: bytes, *, length: int | None = None, crc: int | None = None) -> bytes:
    """One PNG chunk; ``length`` and ``crc`` can lie, for hostile files."""
    declared = len(body) if length is None else length
    checksum = zlib.crc32(kind + body) if crc is None else crc
    return struct.pack(">I", declared) + kind + body + struct.pack(">I", checksum)


def text_chunk(keyword: str, card: dict[str, Any] | bytes) -> bytes:
    payload = card if isinstance(card, bytes) else json.dumps(card).encode("utf-8")
    return chunk(b"tEXt", keyword.encode("latin-1") + b"\0" + base64.b64encode(payload))


def png(*chunks: bytes) -> bytes:
    """A valid 1x1 grey PNG with ``chunks`` between the header and the pixels."""
    ihdr = chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
    idat = chunk(b"IDAT", zlib.compress(b"\x00\x80"))
    return SIGNATURE + ihdr + b"".join(chunks) + idat + chunk(b"IEND", b"")


def card_png(keyword: str, card: dict[str, Any]) -> bytes:
    return png(text_chunk(keyword, card))


def charx(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def card_charx(card: dict[str, Any]) -> bytes:
    return charx({"card.json": json.dumps(card).encode(), "assets/icon/main.png": png()})


BOOK = {
    "name": "Mira's world",
    "scan_depth": 3,
    "token_budget": 250,
    "recursive_scanning": True,
    "extensions": {},
    "entries": [
        {
            "id": 0,
            "keys": ["lighthouse", "the lamp"],
            "secondary_keys": ["storm"],
            "selective": True,
            "content": "{{char}} kept the lighthouse lamp lit for eleven winters.",
            "enabled": True,
            "constant": False,
            "case_sensitive": True,
            "insertion_order": 5,
            "priority": 7,
            "position": "before_char",
            "name": "lighthouse",
            "comment": "lighthouse",
            "extensions": {"selectiveLogic": 3, "match_whole_words": False},
        },
        {
            "keys": ["Ferro"],
            "content": "Ferro is <BOT>'s cat.",
            "enabled": True,
            "insertion_order": 10,
            "constant": True,
            "comment": "the cat",
            "extensions": {},
        },
    ],
}


def card_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Mira",
        "description": "{{char}} is a retired lighthouse keeper who talks to {{user}} by radio.",
        "personality": "salty, patient, fond of weather",
        "scenario": "A stormy night; the radio crackles.",
        "first_mes": "Evening, {{user}}. Wind's up.",
        "alternate_greetings": ["You again! Good.", "Radio check. You there?"],
        "mes_example": (
            "<START>\n{{user}}: Is it bad out?\n{{char}}: Seen worse. Not much worse.\n"
            "<START>\n<USER>: Tell me about the lamp.\n<BOT>: It never once went out."
        ),
        "creator_notes": "Best with a slow, patient user.",
        "system_prompt": "Write as {{char}} only.",
        "post_history_instructions": "Keep replies under 80 words.",
        "tags": ["sea", "cozy"],
        "creator": "tests",
        "character_version": "1.2",
        "character_book": BOOK,
        "extensions": {"talkativeness": "0.5", "fav": False},
    }
    data.update(changes)
    return data


def v2_card(**changes: Any) -> dict[str, Any]:
    return {"spec": "chara_card_v2", "spec_version": "2.0", "data": card_data(**changes)}


def v3_card(**changes: Any) -> dict[str, Any]:
    data = card_data(**changes)
    data.update(group_only_greetings=[], nickname="Mir", assets=[], creation_date=1700000000)
    for entry in data["character_book"]["entries"]:
        entry["use_regex"] = False
    return {"spec": "chara_card_v3", "spec_version": "3.0", "data": data}
