"""Getting a Character Card's JSON out of its container: a .json file, a PNG or a CHARX zip.

Cards come from strangers on the internet, so every size is checked before anything is read:
a chunk or zip member that claims to be huge is refused by its declared length, reads are
capped, and the PNG is walked chunk by chunk with seeks instead of being loaded whole. Every
failure is a PersonaError sentence naming the file.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any, BinaryIO

from samantha.errors import PersonaError
from samantha.persona.macros import one_line

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: Real cards, lorebook included, are well under a megabyte of JSON; this leaves room.
MAX_CARD_JSON = 8 << 20
#: The card's base64 text in a PNG is a third larger than the JSON it holds.
MAX_TEXT_CHUNK = MAX_CARD_JSON * 4 // 3 + 16
#: Bounds the time spent walking a PNG made of millions of empty chunks.
MAX_CHUNKS = 100_000
#: A CHARX holds a card and some assets; more files than this is not a card.
MAX_ZIP_ENTRIES = 10_000
MAX_ZIP_DIRECTORY = 8 << 20
#: PNG text chunk keywords: the V3 card, then the V2 one (the V3 spec says prefer ccv3).
CARD_KEYWORDS = (b"ccv3", b"chara")
_SURROGATE = re.compile("[\ud800-\udfff]")
#: Unicode line and paragraph separators are line breaks to YAML; written back out they do not
#: survive a round trip, so they become plain newlines on the way in.
_LINE_BREAKS = {0x85: "\n", 0x2028: "\n", 0x2029: "\n"}


#: What a card file may be called; a link must lead to one of these.
CARD_SUFFIXES = (".json", ".png", ".charx")


def read_card_json(path: Path) -> dict[str, Any]:
    """The card's JSON object from a file of any of the three kinds, told apart by content."""
    from samantha.persona.loader import linked_elsewhere

    linked_elsewhere(path, CARD_SUFFIXES, "card file (.json, .png or .charx)")
    try:
        with path.open("rb") as handle:
            return card_json_from_stream(handle, str(path))
    except FileNotFoundError as exc:
        raise PersonaError(f"There is no file at {path}: check the path.") from exc
    except IsADirectoryError as exc:
        raise PersonaError(f"{path} is a folder: give the card file inside it.") from exc
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise PersonaError(
            f"Cannot read {path} ({reason}): check it exists and is readable."
        ) from exc


def card_json_from_stream(stream: BinaryIO, source: str) -> dict[str, Any]:
    """As ``read_card_json``, from an open, seekable binary stream (tests use BytesIO)."""
    head = stream.read(64)
    stream.seek(0)
    if head.startswith(PNG_SIGNATURE):
        raw = _from_png(stream, source)
    elif head.startswith(b"PK"):
        raw = _from_charx(stream, source)
    elif head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"{", b"[")) or not head.strip():
        raw = _capped(stream.read(MAX_CARD_JSON + 1), source)
    else:
        raise PersonaError(
            f"{source} is not a character card: expected card JSON, a PNG with a card in it, "
            "or a .charx file."
        )
    return _parse_json(raw, source)


def _capped(raw: bytes, source: str, what: str = "the card") -> bytes:
    if len(raw) > MAX_CARD_JSON:
        raise PersonaError(
            f"{source}: {what} is larger than {MAX_CARD_JSON >> 20} MB, far more than any "
            "character card: check that it is the right file."
        )
    return raw


def _parse_json(raw: bytes, source: str) -> dict[str, Any]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PersonaError(
            f"{source}: the card's text is not UTF-8 (byte {exc.start}): export the card again."
        ) from exc
    if not text.strip():
        raise PersonaError(f"{source}: the card is empty: export it again.")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PersonaError(
            f"{source}: the card is not valid JSON ({exc.msg} at line {exc.lineno}, column "
            f"{exc.colno}): export it again or fix the JSON there."
        ) from exc
    except (ValueError, RecursionError) as exc:
        raise PersonaError(
            f"{source}: the card's JSON cannot be read ({type(exc).__name__}): export it again."
        ) from exc
    try:
        data = _scrub(data)
    except RecursionError as exc:
        raise PersonaError(f"{source}: the card's JSON is nested too deeply: not a card.") from exc
    if not isinstance(data, dict):
        raise PersonaError(
            f"{source} is not a character card: its JSON is a {type(data).__name__}, "
            "not an object with a name."
        )
    return data


def _scrub(value: Any) -> Any:
    """JSON may spell lone UTF-16 surrogates (a half emoji); they cannot be written back out as
    UTF-8, so they become U+FFFD here rather than failing later when the persona is saved.
    Unicode line separators become newlines, which is what YAML would turn them into."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value).translate(_LINE_BREAKS)
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    if isinstance(value, dict):
        return {_scrub(k): _scrub(v) for k, v in value.items()}
    return value


def _from_png(stream: BinaryIO, source: str) -> bytes:
    """Walk the chunks, reading only the card's text chunks and skipping the rest by seeking."""
    size = stream.seek(0, 2)
    stream.seek(len(PNG_SIGNATURE))
    found: dict[bytes, bytes] = {}
    for _ in range(MAX_CHUNKS):
        header = stream.read(8)
        if len(header) < 8:
            raise PersonaError(f"{source}: the PNG is cut short (it ends before its last chunk).")
        length, kind = struct.unpack(">I4s", header)
        start = stream.tell()
        if start + length + 4 > size:
            raise PersonaError(
                f"{source}: the PNG is damaged: a chunk claims {length:,} bytes but the file "
                f"ends after {size - start:,}."
            )
        if kind == b"IEND":
            break
        if kind == b"tEXt":
            keyword, text = _text_chunk(stream, length, source)
            if keyword in CARD_KEYWORDS:
                found[keyword] = text
        stream.seek(start + length + 4)
    else:
        raise PersonaError(f"{source}: the PNG has more than {MAX_CHUNKS:,} chunks: not a card.")
    for keyword in CARD_KEYWORDS:
        if keyword in found:
            return _unbase64(found[keyword], source)
    raise PersonaError(
        f"{source}: the PNG has no character card in it (no 'ccv3' or 'chara' text chunk): "
        "export the card again with its data."
    )


def _text_chunk(stream: BinaryIO, length: int, source: str) -> tuple[bytes, bytes]:
    """Keyword and text of a tEXt chunk; the text is read only for card keywords."""
    peek = stream.read(min(length, 80))
    keyword = peek.split(b"\0", 1)[0]
    if keyword not in CARD_KEYWORDS:
        return keyword, b""
    if length > MAX_TEXT_CHUNK:
        raise PersonaError(
            f"{source}: the PNG's '{keyword.decode()}' chunk claims {length:,} bytes, more than "
            "any character card: refusing to read it."
        )
    body = peek + stream.read(length - len(peek))
    crc = stream.read(4)
    if struct.unpack(">I", crc)[0] != zlib.crc32(b"tEXt" + body):
        raise PersonaError(
            f"{source}: the PNG's '{keyword.decode()}' chunk is damaged (checksum mismatch): "
            "download or export the card again."
        )
    return keyword, body[len(keyword) + 1 :]


def _unbase64(text: bytes, source: str) -> bytes:
    try:
        return base64.b64decode(b"".join(text.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise PersonaError(
            f"{source}: the card data in the PNG is not valid base64: export the card again."
        ) from exc


def _from_charx(stream: BinaryIO, source: str) -> bytes:
    """``card.json`` from the zip's root, its unpacked size checked before and while reading."""
    _check_zip_directory(stream, source)
    try:
        with zipfile.ZipFile(stream) as archive:
            try:
                info = archive.getinfo("card.json")
            except KeyError:
                raise PersonaError(
                    f"{source}: the CHARX file has no card.json at its root: not a CHARX card."
                ) from None
            if info.file_size > MAX_CARD_JSON:
                raise PersonaError(
                    f"{source}: card.json would unpack to {info.file_size:,} bytes, far more "
                    "than any character card: refusing to unpack it."
                )
            with archive.open(info) as member:
                # The declared size can lie; the cap holds whatever it says.
                return _capped(member.read(MAX_CARD_JSON + 1), source, "card.json")
    except PersonaError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
        raise PersonaError(
            f"{source}: the CHARX zip is damaged ({one_line(exc, 60)}): download or export it again."
        ) from exc
    except (NotImplementedError, RuntimeError) as exc:
        # Unsupported compression methods and encrypted members.
        raise PersonaError(
            f"{source}: the CHARX zip cannot be opened ({one_line(exc, 60)}): re-save it as a plain zip."
        ) from exc


def _check_zip_directory(stream: BinaryIO, source: str) -> None:
    """Refuse a zip whose directory alone would take a lot of memory to list, before zipfile
    builds an object for every entry it declares."""
    size = stream.seek(0, 2)
    tail_start = max(0, size - (65_535 + 22))
    stream.seek(tail_start)
    tail = stream.read()
    stream.seek(0)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(tail):
        return  # zipfile will say what is wrong
    entries, directory = struct.unpack("<HI", tail[at + 10 : at + 16])
    if entries > MAX_ZIP_ENTRIES or directory > MAX_ZIP_DIRECTORY:
        raise PersonaError(
            f"{source}: the CHARX zip lists {entries:,} files ({directory:,} bytes of "
            "directory), more than a card needs: refusing to open it."
        )


def png_with_card(chunks: dict[bytes, dict[str, Any]]) -> bytes:
    """A 1x1 PNG carrying cards in tEXt chunks, for exporting a persona as a card image."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0)  # 1x1, 8-bit RGBA
    pixel = zlib.compress(b"\x00\xe8\x70\x5f\xff")  # filter byte, then one warm pixel
    texts = [
        chunk(b"tEXt", keyword + b"\0" + base64.b64encode(json.dumps(card).encode("utf-8")))
        for keyword, card in chunks.items()
    ]
    return b"".join(
        [PNG_SIGNATURE, chunk(b"IHDR", ihdr), *texts, chunk(b"IDAT", pixel), chunk(b"IEND", b"")]
    )


def charx_with_card(card: dict[str, Any]) -> bytes:
    """A CHARX zip holding just card.json."""
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("card.json", json.dumps(card, ensure_ascii=False, indent=2))
    return buffer.getvalue()
