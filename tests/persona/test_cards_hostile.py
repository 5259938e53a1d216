"""Hostile card files: every one ends in a PersonaError sentence, quickly, in bounded memory."""

from __future__ import annotations

import io
import json
import struct
import time
import tracemalloc
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from samantha.errors import PersonaError
from samantha.persona.cardfile import MAX_CARD_JSON, card_json_from_stream
from samantha.persona.cards import load_card, persona_from_card
from tests.persona.cardkit import (
    SIGNATURE,
    card_png,
    charx,
    chunk,
    png,
    text_chunk,
    v2_card,
    v3_card,
)

MB = 1 << 20


def import_bytes(raw: bytes) -> None:
    persona_from_card(card_json_from_stream(io.BytesIO(raw), "evil.card"), "evil.card")


@pytest.fixture
def bounded() -> Iterator[None]:
    """Fail if the code under test allocates more than a few MB or takes long."""
    tracemalloc.start()
    start = time.perf_counter()
    yield
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 4 * MB, f"peak {peak / MB:.1f} MB"
    assert time.perf_counter() - start < 10  # generous: a loaded CI box, tracemalloc on


def refused(raw: bytes, *words: str) -> str:
    with pytest.raises(PersonaError) as caught:
        import_bytes(raw)
    sentence = str(caught.value)
    assert sentence.startswith(("evil.card", "There is")), sentence
    assert "\n" not in sentence
    for word in words:
        assert word in sentence, (word, sentence)
    return sentence


def good_png() -> bytes:
    return card_png("chara", v2_card())


def zip_with_sizes(declared: int) -> bytes:
    """A CHARX whose card.json claims ``declared`` unpacked bytes in both zip directories."""
    raw = bytearray(charx({"card.json": json.dumps(v2_card()).encode()}))
    real = len(json.dumps(v2_card()).encode())
    old, new = struct.pack("<I", real), struct.pack("<I", declared)
    local = raw.find(b"PK\x03\x04")
    central = raw.find(b"PK\x01\x02")
    raw[local + 22 : local + 26] = new
    assert raw[central + 24 : central + 28] == old
    raw[central + 24 : central + 28] = new
    return bytes(raw)


CASES: dict[str, tuple[Callable[[], bytes], list[str]]] = {
    "not a card at all": (lambda: b"GIF89a plus some more bytes", ["not a character card"]),
    "empty file": (lambda: b"", ["empty"]),
    "png cut in half": (lambda: good_png()[: len(good_png()) // 2], ["PNG"]),
    "png signature only": (lambda: SIGNATURE, ["cut short"]),
    "png without a card": (lambda: png(), ["no character card", "'chara'"]),
    "png chunk declares 200 MB": (
        lambda: SIGNATURE + chunk(b"tEXt", b"chara\0abc", length=200 * MB),
        ["claims 209,715,200 bytes", "damaged"],
    ),
    "png idat declares 4 GB": (
        lambda: SIGNATURE + chunk(b"IDAT", b"x", length=0xFFFFFFFF),
        ["claims 4,294,967,295 bytes"],
    ),
    "png bad crc": (
        lambda: png(chunk(b"tEXt", b"chara\0" + b"e30=", crc=1)),
        ["checksum mismatch"],
    ),
    "png bad base64": (lambda: png(chunk(b"tEXt", b"chara\0not*base64!")), ["not valid base64"]),
    "png base64 of junk": (
        lambda: png(text_chunk("chara", b"\x00\xff\xfe junk")),
        ["not UTF-8"],
    ),
    "png base64 of bad json": (
        lambda: png(text_chunk("ccv3", b'{"spec": "chara_card_v3", "data": {')),
        ["not valid JSON", "line 1"],
    ),
    "json list": (lambda: b"[1, 2, 3]", ["not a character card", "list"]),
    "json not a card": (lambda: b'{"hello": "world"}', ["not a character card", "no 'spec'"]),
    "wrong spec": (
        lambda: json.dumps({"spec": "chara_card_v9", "data": {}}).encode(),
        ["'chara_card_v9'", "chara_card_v2 or chara_card_v3"],
    ),
    "v2 without data": (
        lambda: json.dumps({"spec": "chara_card_v2"}).encode(),
        ["no 'data' object"],
    ),
    "field of the wrong type": (
        lambda: json.dumps(v2_card(first_mes=["a", "list"])).encode(),
        ["'first_mes'", "valid string"],
    ),
    "lorebook of the wrong shape": (
        lambda: json.dumps(v2_card(character_book={"entries": "none"})).encode(),
        ["'character_book.entries'"],
    ),
    "no name": (lambda: json.dumps(v2_card(name="  ")).encode(), ["no name", "--name"]),
    "name too long": (lambda: json.dumps(v2_card(name="n" * 65)).encode(), ["at most 64"]),
    "bad accent colour in our extension": (
        lambda: json.dumps(v2_card(extensions={"samantha": {"accent_color": "nope"}})).encode(),
        ["'accent_color'"],
    ),
    "json nested very deep": (lambda: b"[" * 100_000 + b"]" * 100_000, ["cannot be read"]),
    "json huge number": (lambda: b'{"name": 1' + b"0" * 5000 + b"}", ["cannot be read"]),
    "json bad utf-8": (lambda: b'{"name": "\xff"}', ["not UTF-8"]),
    "charx without card.json": (lambda: charx({"other.json": b"{}"}), ["no card.json"]),
    "charx card.json in a folder": (lambda: charx({"x/card.json": b"{}"}), ["no card.json"]),
    "charx not really a zip": (lambda: b"PK\x03\x04" + b"\0" * 100, ["CHARX zip is damaged"]),
    "charx declares 3 GB": (lambda: zip_with_sizes(3_000_000_000), ["refusing to unpack"]),
    "charx lies about a small size": (lambda: zip_with_sizes(10), ["damaged"]),
}


@pytest.mark.parametrize("case", CASES)
def test_hostile_cards_end_in_a_sentence(case: str, bounded: None) -> None:
    make, words = CASES[case]
    raw = make()
    refused(raw, *words)


def test_a_real_200_mb_card_chunk_is_refused_by_its_length(tmp_path: Path, bounded: None) -> None:
    # A sparse file: the chunk really is 200 MB long on disk, yet nothing of it is read.
    path = tmp_path / "huge.png"
    with path.open("wb") as handle:
        handle.write(SIGNATURE + struct.pack(">I", 200 * MB) + b"tEXt" + b"chara\0")
        handle.truncate(len(SIGNATURE) + 8 + 200 * MB + 4)
    with pytest.raises(PersonaError, match=r"claims 209,715,200 bytes.*refusing to read it"):
        load_card(path)


def test_a_zip_bomb_is_stopped_at_the_cap(tmp_path: Path) -> None:
    # card.json really unpacks to 9 MB (honestly declared): refused before unpacking.
    path = tmp_path / "bomb.charx"
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("card.json", "w") as member,
    ):
        for _ in range(9):
            member.write(b" " * MB)
    assert path.stat().st_size < 100_000
    tracemalloc.start()
    with pytest.raises(PersonaError, match="refusing to unpack"):
        load_card(path)
    assert tracemalloc.get_traced_memory()[1] < 4 * MB
    tracemalloc.stop()
    assert MAX_CARD_JSON < 9 * MB


def test_a_zip_listing_too_many_files_is_refused() -> None:
    raw = bytearray(charx({"card.json": json.dumps(v3_card()).encode()}))
    end = raw.rfind(b"PK\x05\x06")
    raw[end + 10 : end + 12] = struct.pack("<H", 60_000)
    refused(bytes(raw), "lists 60,000 files")


def test_a_png_of_endless_empty_chunks_is_refused(bounded: None) -> None:
    raw = SIGNATURE + chunk(b"zzZz", b"") * 100_001
    refused(raw, "more than 100,000 chunks")


def test_paths_that_are_not_files(tmp_path: Path) -> None:
    with pytest.raises(PersonaError, match="There is no file at"):
        load_card(tmp_path / "missing.png")
    with pytest.raises(PersonaError, match="is a folder"):
        load_card(tmp_path)
