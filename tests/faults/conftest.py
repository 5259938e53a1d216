"""Shared pieces of the fault suite: a companion on the OpenAI-compatible adapter, pointed at
the fake server, with timeouts and retries small enough to keep the suite fast."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator

import pytest

from samantha.backends.openai_compat import OpenAICompatBackend
from samantha.config import load_settings
from tests.faults.zygote import Zygote
from tests.test_cli import cli_env

API_KEY = "sk-fault-suite-K3Y-7c1e9a"
MODEL = "fake-model"

MakeBackend = Callable[..., OpenAICompatBackend]


@pytest.fixture
async def make_backend() -> AsyncIterator[MakeBackend]:
    """Adapters for a base URL, closed after the test."""
    made: list[OpenAICompatBackend] = []

    def make(base_url: str, *, max_retries: int = 0, timeout: float = 5.0) -> OpenAICompatBackend:
        spec = load_settings(
            backend="custom",
            base_url=base_url,
            model=MODEL,
            max_retries=max_retries,
            request_timeout=timeout,
            api_key=API_KEY,
        ).backend_spec()
        backend = OpenAICompatBackend(spec)
        made.append(backend)
        return backend

    yield make
    for backend in made:
        await backend.aclose()


@pytest.fixture(scope="session")
def zygote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Zygote]:
    """One warm interpreter for the whole suite, forking `samantha` processes on request."""
    scratch = tmp_path_factory.mktemp("zygote")
    warm = Zygote(cli_env(scratch / "unused-home"), scratch)
    yield warm
    warm.close()
