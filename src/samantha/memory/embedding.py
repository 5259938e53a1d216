"""Semantic recall with no server and no download: a static embedding model from a package.

A static model is a table of one vector per token: a text's vector is the mean of its tokens'
vectors, so embedding costs a tokeniser pass and a lookup (about 0.1 ms for a chat message),
with no neural network at run time. The table is WordLlama's ``l2_supercat`` (256 dimensions,
32,000 tokens, MIT licence), whose weights ship inside the ``wordllama`` wheel on PyPI; only
its two data files are read here (the package's own loader would fetch its tokenizer from a
model hub, which a machine without internet cannot reach).

When the package is missing, ``local_embedder()`` returns None and recall is lexical only.
"""

from __future__ import annotations

import json
import threading
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

#: The name vectors of this model are stored under (``memory_vectors.model``).
MODEL_NAME = "wordllama-l2-supercat-256"
_WEIGHTS = "weights/l2_supercat_256.safetensors"
_TOKENIZER = "tokenizers/l2_supercat_tokenizer_config.json"
#: Characters of a text that are embedded: a static model's mean drifts towards the generic
#: past a few hundred words, and a long reply costs tokenising time for nothing.
MAX_CHARS = 4000


def _package_files() -> tuple[Path, Path] | None:
    spec = find_spec("wordllama")
    if spec is None or not spec.submodule_search_locations:
        return None
    base = Path(next(iter(spec.submodule_search_locations)))
    weights, tokenizer = base / _WEIGHTS, base / _TOKENIZER
    if not weights.is_file() or not tokenizer.is_file():
        return None
    return weights, tokenizer


def _read_safetensors(path: Path) -> NDArray[Any]:
    """The one tensor in a safetensors file, memory-mapped: the format is an 8-byte header
    length, a JSON header naming each tensor's dtype, shape and byte range, then the raw bytes.
    Mapping it (instead of reading and converting 16 MB) makes the first recall of a
    ``samantha say`` a page fault per token, not a tenth of a second."""
    import numpy as np

    with path.open("rb") as handle:
        size = int.from_bytes(handle.read(8), "little")
        header: dict[str, Any] = json.loads(handle.read(size))
    header.pop("__metadata__", None)
    (entry,) = header.values()
    dtypes = {"F16": "<f2", "F32": "<f4", "BF16": None}
    dtype = dtypes.get(entry["dtype"])
    if dtype is None:
        raise ValueError(f"unsupported tensor type {entry['dtype']}")
    start, _end = entry["data_offsets"]
    shape = tuple(int(n) for n in entry["shape"])
    return np.memmap(path, dtype=dtype, mode="r", offset=8 + size + start, shape=shape)


class StaticEmbedder:
    """Mean of token vectors, unit length. Thread-safe: the tokenizer is shared under a lock."""

    name = MODEL_NAME

    def __init__(self, weights: Path, tokenizer: Path) -> None:
        from tokenizers import Tokenizer

        self._table = _read_safetensors(weights)
        self._tokenizer = Tokenizer.from_file(str(tokenizer))
        self._lock = threading.Lock()
        self.dim = int(self._table.shape[1])

    def embed(self, texts: list[str]) -> NDArray[np.float32]:
        """One unit vector per text (zeros for a text with no known token)."""
        import numpy as np

        with self._lock:
            if len(texts) == 1:  # a query: the batch call's thread pool costs more than it saves
                encodings = [self._tokenizer.encode(texts[0][:MAX_CHARS], add_special_tokens=False)]
            else:
                encodings = self._tokenizer.encode_batch(
                    [t[:MAX_CHARS] for t in texts], add_special_tokens=False
                )
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, encoding in enumerate(encodings):
            ids = [i for i in encoding.ids if i > 2]  # <unk>, <s>, </s> carry no meaning
            if ids:
                # Summed in float32 whatever the table's type; the norm divides later.
                out[row] = self._table.take(ids, axis=0).sum(axis=0, dtype=np.float32)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        unit: NDArray[np.float32] = (out / np.where(norms == 0, 1, norms)).astype(np.float32)
        return unit


@lru_cache(maxsize=1)
def local_embedder() -> StaticEmbedder | None:
    """The packaged model, loaded once per process (about 0.3 s), or None if not installed."""
    files = _package_files()
    if files is None:
        return None
    try:
        return StaticEmbedder(*files)
    except (OSError, ValueError, ImportError):
        return None
