"""Token budgets: exact with tiktoken when its encoding loads, a labelled estimate when not.

Loading an encoding costs 0.2-0.4 s, so it happens only when a count is really needed: every
BPE token covers at least one UTF-8 byte, so text whose byte length fits a budget fits it in
tokens too, and most turns never need the tokenizer at all.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from typing import Any, Literal

Accuracy = Literal["exact", "approximate", "estimate"]

#: Conservative: real English runs nearer 4 bytes per token, so estimates err on the large side.
_BYTES_PER_TOKEN_ESTIMATE = 3.0
#: Per-message framing the chat format adds (role markers and separators).
MESSAGE_OVERHEAD = 4

_OPENAI_PREFIXES = ("gpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "o1", "o3", "o4", "chatgpt")
_CL100K_PREFIXES = ("gpt-4", "gpt-3.5")


def encoding_for(model: str) -> tuple[str, bool]:
    """The encoding name for ``model`` and whether it is that model's own tokenizer."""
    name = model.lower()
    if name.startswith(_OPENAI_PREFIXES):
        return "o200k_base", True
    if name.startswith(_CL100K_PREFIXES):
        return "cl100k_base", True
    return "o200k_base", False


#: How many recent texts a counter remembers the count of.
_MEMO_SIZE = 256


class TokenCounter:
    def __init__(self, model: str) -> None:
        self.encoding_name, self._native = encoding_for(model)
        self._encoding: Any = None
        self._failed: str | None = None
        self._lock = threading.Lock()
        #: Recent texts and their counts: most of a prompt's sections (persona, core memory,
        #: lore) are the same text turn after turn, and encoding them again is most of a turn.
        self._memo: dict[str, int] = {}

    @property
    def loaded(self) -> bool:
        """The tokenizer is ready (or known to be missing): counting no longer loads it."""
        return self._encoding is not None or self._failed is not None

    def _load(self) -> Any:
        with self._lock:
            if self._encoding is None and self._failed is None:
                try:
                    import tiktoken

                    self._encoding = tiktoken.get_encoding(self.encoding_name)
                except Exception as exc:  # no network, no cache, a broken file: all mean "estimate"
                    self._failed = f"{type(exc).__name__}"
        return self._encoding

    @property
    def accuracy(self) -> Accuracy:
        if self._load() is None:
            return "estimate"
        return "exact" if self._native else "approximate"

    def describe(self) -> str:
        accuracy = self.accuracy
        if accuracy == "exact":
            return f"exact ({self.encoding_name})"
        if accuracy == "approximate":
            return f"approximate ({self.encoding_name}, not this model's own tokenizer)"
        return f"estimated from characters (no tokenizer could be loaded: {self._failed})"

    def count(self, text: str) -> int:
        known = self._memo.get(text)
        if known is not None:
            return known
        encoding = self._load()
        if encoding is None:
            return estimate(text)
        counted = len(encoding.encode(text, disallowed_special=()))
        if len(self._memo) >= _MEMO_SIZE:
            self._memo.pop(next(iter(self._memo)))  # the oldest
        self._memo[text] = counted
        return counted

    def truncate(self, text: str, budget: int) -> str:
        """Keep the start and end of ``text`` within ``budget`` tokens, marking the cut."""
        if self.count(text) <= budget:
            return text
        keep_chars = max(0, int(budget * _BYTES_PER_TOKEN_ESTIMATE * 0.9) - 60)
        while True:
            head, tail = text[: keep_chars // 2], text[len(text) - keep_chars // 2 :]
            omitted = len(text) - len(head) - len(tail)
            candidate = f"{head}\n[… {omitted} characters omitted …]\n{tail}"
            if self.count(candidate) <= budget:
                return candidate
            if keep_chars == 0:
                # Not even the marker fits: a bare cut of the start is all there is room for.
                return self._head(text, budget)
            keep_chars = int(keep_chars * 0.8)

    def _head(self, text: str, budget: int) -> str:
        head = text[: max(0, budget)]
        while head and self.count(head) > budget:
            head = head[: len(head) * 3 // 4]
        return head


def estimate(text: str) -> int:
    return math.ceil(len(text.encode("utf-8", "replace")) / _BYTES_PER_TOKEN_ESTIMATE)


def byte_bound(text: str) -> int:
    """An upper bound on the token count of ``text`` under any byte-level BPE."""
    return len(text.encode("utf-8", "replace"))


class EstimateCounter(TokenCounter):
    """A counter that never loads a tokenizer: for the offline voice, which has none."""

    def __init__(self) -> None:
        super().__init__("estimate")
        self._failed = "the offline voice has no tokenizer"

    def _load(self) -> Any:
        return None


class ModelCounter(TokenCounter):
    """Counts with the model's own tokenizer once its server has said it has one (llama.cpp's
    ``/tokenize``, a model run in-process): those counts are exact for that model, where
    tiktoken's are another model's. Until then, and for any text the server does not count,
    it is the tiktoken counter it wraps.

    Each count may be a request to the server, so ``loaded`` says no while the server
    counts: the prompt builder then fits the prompt on a worker thread."""

    def __init__(
        self, fallback: TokenCounter, tokenizer: Callable[[], Callable[[str], int | None] | None]
    ) -> None:
        super().__init__(fallback.encoding_name)
        self._fallback = fallback
        self._tokenizer = tokenizer
        self._misses = 0

    def _server(self) -> Callable[[str], int | None] | None:
        # A server that failed a few counts in a row is not asked again this session.
        return self._tokenizer() if self._misses < 3 else None

    @property
    def loaded(self) -> bool:
        return self._server() is None and self._fallback.loaded

    @property
    def accuracy(self) -> Accuracy:
        return "exact" if self._server() is not None else self._fallback.accuracy

    def describe(self) -> str:
        if self._server() is not None:
            return "exact (the model's own tokenizer, asked of the server)"
        return self._fallback.describe()

    def count(self, text: str) -> int:
        known = self._memo.get(text)
        if known is not None:
            return known
        server = self._server()
        counted = server(text) if server is not None else None
        if counted is None:
            if server is not None:
                self._misses += 1
            return self._fallback.count(text)
        self._misses = 0
        if len(self._memo) >= _MEMO_SIZE:
            self._memo.pop(next(iter(self._memo)))
        self._memo[text] = counted
        return counted
