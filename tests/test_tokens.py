"""Token counting: exact with the encoding files in tests/data, a labelled estimate without."""

from __future__ import annotations

import random
import socket
from datetime import UTC, datetime
from pathlib import Path

import pytest
import tiktoken.registry

from samantha.domain.conversation import Message, Role
from samantha.engine.prompt import Prompt, Section, compose
from samantha.engine.tokens import (
    MESSAGE_OVERHEAD,
    EstimateCounter,
    TokenCounter,
    encoding_for,
    estimate,
)

ENCODING_FILES = Path(__file__).resolve().parent / "data" / "tiktoken"
O200K_FILE = "fb374d419588a4632f3f557e76b4b70aebbca790"

#: Token counts under o200k_base and cl100k_base (checked against tiktoken by hand).
HELLO = "hello world"


def sample_text(n_words: int = 3000, seed: int = 1) -> str:
    rng = random.Random(seed)
    vocabulary = ["alpha", "beta", "the", "river", "naïve", "日本語", "🙂", "don't", "\n"]
    return " ".join(rng.choice(vocabulary) for _ in range(n_words))


@pytest.fixture
def fresh_tiktoken(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forget encodings tiktoken already loaded in this process, so the cache dir matters."""
    monkeypatch.setattr(tiktoken.registry, "ENCODINGS", {})


@pytest.fixture
def encoding_files(monkeypatch: pytest.MonkeyPatch) -> Path:
    # Encodings tiktoken already holds are the same files (it checks their hashes), so the
    # registry is kept: loading o200k again for every test would cost seconds.
    # The files are part of the repository: missing ones are a failure, never a skip.
    assert (ENCODING_FILES / O200K_FILE).is_file(), f"{ENCODING_FILES} lost its encoding files"
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(ENCODING_FILES))
    return ENCODING_FILES


@pytest.fixture
def no_tiktoken_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_tiktoken: None
) -> Path:
    """An empty tiktoken cache and no way to download: DNS fails too, quickly."""
    empty = tmp_path / "empty-tiktoken-cache"
    empty.mkdir()
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(empty))
    real = socket.getaddrinfo

    def local_only(host: object, *args: object, **kwargs: object) -> object:
        if host not in {"localhost", "127.0.0.1", "::1", None}:
            raise socket.gaierror(socket.EAI_NONAME, "tests may not resolve names")
        return real(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", local_only)
    return empty


# -- exact and approximate -------------------------------------------------------------------


def test_gpt_4o_counts_exactly(encoding_files: Path) -> None:
    counter = TokenCounter("gpt-4o")
    assert counter.accuracy == "exact"
    assert counter.count(HELLO) == 2
    assert counter.count("") == 0
    text = sample_text(500)
    assert counter.count(text) == len(tiktoken.get_encoding("o200k_base").encode(text))
    assert counter.describe().startswith("exact")
    assert "o200k_base" in counter.describe()


def test_gpt_4_uses_cl100k(encoding_files: Path) -> None:
    assert encoding_for("gpt-4")[0] == "cl100k_base"
    counter = TokenCounter("gpt-4")
    assert counter.accuracy == "exact"
    assert counter.count(HELLO) == 2


def test_special_token_text_is_counted_not_refused(encoding_files: Path) -> None:
    counter = TokenCounter("gpt-4o")
    assert counter.count("say <|endoftext|> to me") > 3


def test_llama_is_approximate(encoding_files: Path) -> None:
    counter = TokenCounter("llama3.2")
    assert counter.accuracy == "approximate"
    assert counter.count(HELLO) == 2
    assert "approximate" in counter.describe()


# -- no tokenizer ----------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["gpt-4o", "gpt-4", "llama3.2"])
def test_without_encoding_files_it_estimates_and_never_raises(
    no_tiktoken_files: Path, model: str
) -> None:
    counter = TokenCounter(model)
    text = sample_text(400)
    assert counter.count(text) == estimate(text)
    assert counter.count(HELLO) >= 2
    assert counter.accuracy == "estimate"
    assert "estimated" in counter.describe()
    truncated = counter.truncate(text, 100)
    assert counter.count(truncated) <= 100
    assert "omitted" in truncated


def test_a_corrupt_encoding_file_is_an_estimate_too(
    no_tiktoken_files: Path,
) -> None:
    (no_tiktoken_files / O200K_FILE).write_bytes(b"this is not a bpe file\n")
    counter = TokenCounter("gpt-4o")
    assert counter.count(HELLO) == estimate(HELLO)
    assert counter.accuracy == "estimate"
    assert "estimated" in counter.describe()


def test_estimate_errs_on_the_large_side(encoding_files: Path) -> None:
    exact = TokenCounter("gpt-4o")
    for text in [HELLO, sample_text(200), "Plain English prose, the way people write it."]:
        assert estimate(text) >= exact.count(text)


def test_the_offline_voice_counter_never_loads_a_tokenizer(encoding_files: Path) -> None:
    counter = EstimateCounter()
    assert counter.accuracy == "estimate"
    assert counter.count(HELLO) == estimate(HELLO)
    assert "estimated" in counter.describe()


# -- truncate --------------------------------------------------------------------------------


def counters() -> list[TokenCounter]:
    return [TokenCounter("gpt-4o"), TokenCounter("llama3.2"), EstimateCounter()]


@pytest.mark.parametrize("budget", [64, 100, 500, 2000])
def test_truncate_keeps_head_and_tail_within_the_budget(encoding_files: Path, budget: int) -> None:
    text = "BEGINNING " + sample_text(3000) + " THE-END"
    for counter in counters():
        cut = counter.truncate(text, budget)
        assert counter.count(cut) <= budget, (counter.accuracy, budget)
        assert cut.startswith("BEGINNING "), cut[:40]
        assert cut.endswith(" THE-END"), cut[-40:]
        assert "omitted" in cut
        assert len(cut) < len(text)


@pytest.mark.parametrize("budget", [0, 1, 5, 10, 20, 40])
def test_truncate_never_exceeds_even_a_tiny_budget(encoding_files: Path, budget: int) -> None:
    text = sample_text(3000)
    for counter in counters():
        cut = counter.truncate(text, budget)
        assert counter.count(cut) <= budget, (counter.accuracy, budget, cut)


def test_truncate_leaves_text_that_fits_alone(encoding_files: Path) -> None:
    for counter in counters():
        assert counter.truncate(HELLO, 50) == HELLO
        text = sample_text(50)
        assert counter.truncate(text, counter.count(text)) == text


# -- the prompt's budget ---------------------------------------------------------------------


def tight_sections(lore_lines: int) -> list[Section]:
    """The sections a turn builds, with a lorebook far larger than any window here allows.

    Lengths are deliberately not multiples of three, so an estimate rounds up in every section.
    """
    lore = "\n".join(
        f"Line {n} about the museum's long history of quiet rooms." for n in range(lore_lines)
    )
    return [
        Section("persona", "You are Ada, a keeper of small facts.\n\nStay in character as Ada."),
        Section("core memory", "What you know about Theo:\n- likes the museum\n- has a cat"),
        Section("mood", "Your mood: calm, a little curious (steady)."),
        Section("time", "It is now Monday, 02 March 2026, 09:30 (UTC)."),
        Section("lorebook", "World notes:\n" + lore, optional=True),
        Section("memories", "What came to mind:\n- Theo said he loves the museum.", optional=True),
        Section("instructions", "Answer Theo in one sentence."),
    ]


def history(*texts: str) -> list[Message]:
    when = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    return [
        Message(id=n, conversation_id=1, role=Role.USER, speaker="Theo", text=text, created_at=when)
        for n, text in enumerate(texts, start=1)
    ]


def sent_tokens(prompt: Prompt, counter: TokenCounter) -> int:
    """What the prompt costs as sent: every message, each with its chat framing."""
    return sum(counter.count(m.content) + MESSAGE_OVERHEAD for m in prompt.messages)


@pytest.mark.parametrize("counter_kind", ["estimate", "exact"])
def test_a_tight_prompt_never_goes_over_its_budget(encoding_files: Path, counter_kind: str) -> None:
    # The sections are fitted one by one, but sent joined by blank lines: the separators
    # cost tokens too, and used to push the prompt a token or more over the budget.
    counter = EstimateCounter() if counter_kind == "estimate" else TokenCounter("gpt-4o")
    # A lorebook that has to give way in most of these windows (a longer one only costs time:
    # each line it gives up is a recount of the section).
    sections = tight_sections(60)
    for window in range(700, 1500, 23):
        # A new conversation: the message just sent is all the history there is.
        prompt = compose(sections, history("The museum, again?"), counter, window, 200)
        sent = sent_tokens(prompt, counter)
        assert sent <= prompt.budget, (window, sent, prompt.budget)
        assert prompt.tokens == sent, window
        assert prompt.messages[-1].content == "The museum, again?"
        assert "Answer Theo in one sentence." in prompt.system


def test_a_text_counted_again_is_not_encoded_again(monkeypatch: pytest.MonkeyPatch) -> None:
    counter = TokenCounter("gpt-4o")
    first = counter.count("She remembers the persona text turn after turn.")
    encoding = counter._load()
    if encoding is None:
        pytest.fail("the repository's tiktoken encodings did not load")
    calls: list[str] = []
    real = encoding.encode

    def counting(text: str, **kwargs: object) -> list[int]:
        calls.append(text)
        return list(real(text, **kwargs))

    monkeypatch.setattr(encoding, "encode", counting)
    assert counter.count("She remembers the persona text turn after turn.") == first
    assert calls == []
    counter.count("A new line is encoded.")
    assert calls == ["A new line is encoded."]


def test_a_models_own_tokenizer_counts_once_known_and_gives_way_when_it_fails() -> None:
    from samantha.engine.tokens import ModelCounter

    calls: list[str] = []
    answers: list[int | None] = [7, None, None, None]
    server: list[object] = []

    def count(text: str) -> int | None:
        calls.append(text)
        return answers.pop(0)

    counter = ModelCounter(EstimateCounter(), lambda: server[0] if server else None)  # type: ignore[arg-type, return-value]
    assert counter.accuracy == "estimate"  # the server has not said it can count
    assert counter.count("hello there") == estimate("hello there")
    server.append(count)
    assert counter.accuracy == "exact"
    assert counter.count("hello there") == 7
    assert counter.count("hello there") == 7  # kept: the server is asked once per text
    assert calls == ["hello there"]
    # Three misses in a row: the server is not asked again this session.
    for text in ("a", "b", "c"):
        assert counter.count(text) == estimate(text)
    assert counter.accuracy == "estimate"
    counter.count("d")
    assert calls == ["hello there", "a", "b", "c"]
