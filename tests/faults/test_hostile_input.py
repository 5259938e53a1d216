"""Odd and hostile messages: stored byte for byte (lone surrogates become U+FFFD, the one thing
UTF-8 cannot hold), sent to the model as stored, and never pushing the prompt past its budget.

The property tests run generated text through the real engine (scripted backend, the real
tokenizer, the real database); one companion takes all examples, so the history they pile up
is part of what the budget must survive.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from samantha.backends.scripted import ScriptedBackend
from samantha.engine import Companion, TurnResult, clean_text
from samantha.errors import InputError
from tests.conftest import MakeCompanion, collect

MEGABYTE = 1_000_000

ODD: dict[str, str] = {
    "nul-bytes": "before\x00after\x00\x00end",
    "lone-surrogates": "broken \ud800 paste \udfff here \udbff\udc00 pair?",
    "right-to-left": "\u202eevil.exe\u202c שלום עולם مرحبا بالعالم \u200f!",
    "combining": "e\u0301\u0301\u0301 Z\u0334\u0321\u0322\u031b\u0317\u0318\u0319 a\u0300\u0316",
    "rich-markup": "[bold red]shout[/bold red] [link=https://example.com]x[/link] [/] [[",
    "ansi-escapes": "\x1b[31mred\x1b[0m \x1b]0;new title\x07 \x1b[2J\x1b[H\x1b[?1049h gone?",
    "markdown": "# Heading\n```\ncode\n```\n> quote\n- [ ] task\n<script>alert(1)</script>",
    "emoji-zwj": "👩\u200d👩\u200d👧\u200d👦 🏳️\u200d🌈 \U0001f600" * 3,
    "line-endings": "one\r\ntwo\rthree\nfour\u2028five\u2029six",
    "bom-and-invisibles": "\ufeffhello\u200b\u200c\u200d\u2060world\u00ad",
    "noncharacters": "\uffff\ufffe\U0010ffff\U000e0001 tags",
    "control-chars": "".join(chr(c) for c in range(1, 32)) + "\x7f",
    "megabyte-ascii": ("all work and no play " * (MEGABYTE // 21 + 1))[:MEGABYTE],
    "megabyte-wide": ("日本語のテキスト、" * (MEGABYTE // 27 + 1))[: MEGABYTE // 3],
}
EMPTY = ["", " ", "   \n\t  \r\n", "\u3000\u2003\u00a0"]


def stored_user_texts(path: Path) -> list[tuple[str, bytes]]:
    """The text as stored, and its stored bytes: a string can compare equal yet be encoded
    differently on disk, so both are checked."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute(
            "SELECT text, CAST(text AS BLOB) FROM messages WHERE role = 'user' ORDER BY id"
        ).fetchall()
    finally:
        conn.close()


def assert_turn_kept(companion: Companion, text: str, result: object) -> None:
    assert isinstance(result, TurnResult)
    expected = clean_text(text)
    assert expected.encode("utf-8")  # storable
    assert result.user_message.text == expected
    stored_text, stored_bytes = stored_user_texts(companion.store.path)[-1]
    assert stored_text == expected
    assert stored_bytes == expected.encode("utf-8")
    prompt = result.prompt
    assert prompt.tokens <= prompt.budget, (prompt.tokens, prompt.budget)
    sent = prompt.messages[-1]
    assert sent.role == "user"
    if isinstance(companion.backend, ScriptedBackend):
        assert companion.backend.requests[-1].messages == prompt.messages  # sent as composed
    if sent.content != expected:
        # Too big for the window: cut in the middle, keeping the start and the end.
        head, _, tail = sent.content.partition("\n[… ")
        assert expected.startswith(head), sent.content[:80]
        assert expected.endswith(tail.split("…]\n", 1)[-1]), sent.content[-80:]


@pytest.mark.parametrize("text", ODD.values(), ids=ODD.keys())
async def test_odd_messages_are_stored_exactly_and_fit_the_prompt(
    text: str, make_companion: MakeCompanion
) -> None:
    backend = ScriptedBackend(replies=["I hear you."], context_window=8192)
    companion = make_companion(backend)

    _, result = await collect(companion, text)

    assert_turn_kept(companion, text, result)
    if "\ud800" in text:
        assert "\ufffd" in result.user_message.text  # only the broken halves were replaced
        assert result.user_message.text.replace("\ufffd", "") == "".join(
            c for c in text if not 0xD800 <= ord(c) <= 0xDFFF
        )


@pytest.mark.parametrize("text", EMPTY, ids=["empty", "space", "whitespace", "wide-spaces"])
async def test_empty_messages_are_refused_and_nothing_is_stored(
    text: str, make_companion: MakeCompanion
) -> None:
    backend = ScriptedBackend()
    companion = make_companion(backend)

    with pytest.raises(InputError) as info:
        await collect(companion, text)

    assert "type a message" in str(info.value)
    assert stored_user_texts(companion.store.path) == []
    assert backend.requests == []


# -- generated -------------------------------------------------------------------------------

SHORT_ODD = [text for name, text in ODD.items() if not name.startswith("megabyte")]
FRAGMENTS = [*SHORT_ODD, "\x00", "\ud83d", "\x1b[", "[/", "\u202e", "\u0301", "\n", "call me "]
#: Any code point, surrogates included (hypothesis leaves them out unless asked).
ANY_CHARACTER = st.characters(exclude_categories=())
HOSTILE = st.one_of(
    st.text(ANY_CHARACTER, max_size=400),
    st.lists(
        st.one_of(st.sampled_from(FRAGMENTS), st.text(ANY_CHARACTER, max_size=30)), max_size=12
    ).map("".join),
    st.builds(
        lambda c, n: c * n, st.text(ANY_CHARACTER, min_size=1, max_size=3), st.integers(1, 6000)
    ),
)
EXAMPLES = 120
GENERATED: list[str] = []


def offline(make_companion: MakeCompanion) -> Companion:
    """The offline voice reads the message for names, feelings and phrases to echo: regexes
    and word lists meeting whatever was typed. It counts tokens by estimate, not tokenizer."""
    from samantha.config import Settings
    from samantha.voice.offline import VoiceRenderer

    spec = Settings(backend="offline", offline_pace=0).backend_spec()
    return make_companion(VoiceRenderer(spec))


def scripted(make_companion: MakeCompanion) -> Companion:
    """A model backend with the real tokenizer and a modest window the history soon overflows."""
    backend = ScriptedBackend(context_window=2048)
    backend.fallback = "I'm listening."
    return make_companion(backend)


@pytest.fixture(params=[scripted, offline], ids=["scripted-2048", "offline-voice"])
def property_companion(request: pytest.FixtureRequest, make_companion: MakeCompanion) -> Companion:
    """One companion for every example, so their history piles up in one conversation."""
    made: Companion = request.param(make_companion)
    return made


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=HOSTILE)
def test_any_text_is_refused_or_kept_exactly_within_the_budget(
    property_companion: Companion, text: str
) -> None:
    companion = property_companion
    GENERATED.append(text)
    if not clean_text(text).strip():
        with pytest.raises(InputError):
            asyncio.run(collect(companion, text))
        return
    _, result = asyncio.run(collect(companion, text))
    assert_turn_kept(companion, text, result)


def test_generated_inputs_were_hostile_enough() -> None:
    """The strategy must really produce what it claims to (this runs after the property)."""
    if not GENERATED:
        pytest.skip("run together with the property test")
    joined = "".join(GENERATED)
    for needle in ("\x00", "\x1b", "\u202e"):
        assert needle in joined, f"no {needle!r} in {len(GENERATED)} generated inputs"
    assert any(0xD800 <= ord(c) <= 0xDFFF for c in joined), "no lone surrogates generated"
    assert max(len(t) for t in GENERATED) > 2048, "nothing long enough to overflow the window"
