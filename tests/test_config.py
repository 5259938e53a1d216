"""Settings: flags > SAMANTHA_* environment > config.toml > defaults, presets, keys, errors."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from samantha.backends.base import ChatMessage, ReplyRequest
from samantha.backends.openai_compat import OpenAICompatBackend
from samantha.config import PRESETS, Paths, Settings, load_settings
from samantha.errors import ConfigError
from tests.fakeserver import FakeOpenAI, stream


def write_config(home: Path, text: str) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    path = home / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def one_sentence(error: ConfigError) -> str:
    text = str(error)
    assert text, "empty error message"
    assert "\n" not in text, text
    assert "Traceback" not in text, text
    assert text.endswith("."), text
    outside = text
    while re.search(r"\([^()]*\)", outside):
        outside = re.sub(r"\([^()]*\)", "", outside)
    assert not re.search(r"[.!?]\s+[A-Z]", outside), f"more than one sentence: {text!r}"
    return text


# -- precedence ------------------------------------------------------------------------------


def test_defaults_without_file_or_environment() -> None:
    settings = load_settings()
    assert settings.backend == "offline"
    assert settings.model is None
    assert settings.max_retries == 2
    assert settings.request_timeout == 60.0
    assert settings.persona == "samantha"
    assert settings.api_key is None


def test_file_then_environment_then_flags(
    isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(
        isolated_home,
        'model = "from-file"\nmax_retries = 5\nseed = 11\nbase_url = "http://file:1/v1"\n',
    )
    settings = load_settings()
    assert (settings.model, settings.max_retries, settings.seed) == ("from-file", 5, 11)

    monkeypatch.setenv("SAMANTHA_MODEL", "from-env")
    monkeypatch.setenv("SAMANTHA_SEED", "12")
    settings = load_settings()
    assert (settings.model, settings.max_retries, settings.seed) == ("from-env", 5, 12)
    assert settings.base_url == "http://file:1/v1"

    settings = load_settings(model="from-flag", seed=None, base_url=None)
    # None means "flag not given": it must not hide the environment or the file.
    assert (settings.model, settings.max_retries, settings.seed) == ("from-flag", 5, 12)
    assert settings.base_url == "http://file:1/v1"


def test_config_file_can_be_moved_with_samantha_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere.toml"
    elsewhere.write_text('persona = "elsewhere"\n', encoding="utf-8")
    monkeypatch.setenv("SAMANTHA_CONFIG", str(elsewhere))
    assert Paths.from_env().config_file == elsewhere
    assert load_settings().persona == "elsewhere"


def test_samantha_home_holds_everything(isolated_home: Path) -> None:
    paths = Paths.from_env()
    assert paths.data_dir == isolated_home == paths.config_dir
    assert paths.db_path.parent == isolated_home
    assert paths.config_file == isolated_home / "config.toml"


# -- presets ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("preset", "port"),
    [("ollama", 11434), ("vllm", 8000), ("llamacpp", 8080), ("lmstudio", 1234)],
)
def test_local_presets_point_at_their_default_ports(preset: str, port: int) -> None:
    spec = load_settings(backend=preset).backend_spec()
    assert spec.kind == "openai"
    assert spec.base_url == f"http://localhost:{port}/v1"
    assert not spec.needs_key
    assert spec.api_key is None
    assert spec.model == PRESETS[preset].default_model


def test_openai_preset_and_base_url_override() -> None:
    spec = load_settings(backend="openai").backend_spec(environ={})
    assert spec.base_url == "https://api.openai.com/v1"
    assert spec.needs_key
    moved = load_settings(backend="ollama", base_url="http://gpu-box:11434/v1").backend_spec()
    assert moved.base_url == "http://gpu-box:11434/v1"


def test_offline_preset_needs_no_server() -> None:
    spec = load_settings().backend_spec()
    assert spec.kind == "offline"
    assert spec.base_url is None


# -- keys ------------------------------------------------------------------------------------


def test_openai_api_key_is_read_only_for_the_openai_preset(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-only")
    openai_spec = load_settings(backend="openai").backend_spec()
    assert openai_spec.api_key is not None
    assert openai_spec.api_key.get_secret_value() == "sk-openai-only"
    for preset in ["custom", "ollama", "vllm", "llamacpp", "lmstudio"]:
        spec = load_settings(backend=preset, base_url="http://127.0.0.1:9/v1").backend_spec()
        assert spec.api_key is None, preset


def test_samantha_api_key_wins_over_openai_api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai")
    monkeypatch.setenv("SAMANTHA_API_KEY", "sk-samantha")
    spec = load_settings(backend="openai").backend_spec()
    assert spec.api_key is not None
    assert spec.api_key.get_secret_value() == "sk-samantha"


async def test_openai_api_key_is_not_sent_to_a_custom_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-never-leaves-openai")
    with FakeOpenAI(stream(["ok"])) as server:
        spec = load_settings(backend="custom", base_url=server.base_url).backend_spec()
        backend = OpenAICompatBackend(spec)
        request = ReplyRequest(messages=[ChatMessage(role="user", content="hi")])
        try:
            text = "".join([chunk.text async for chunk in backend.stream(request)])
        finally:
            await backend.aclose()
        assert text == "ok"
        sent = server.chat_requests[0]
    assert "sk-never-leaves-openai" not in sent.headers.get("authorization", "")
    assert b"sk-never-leaves-openai" not in sent.body
    assert all("sk-never-leaves-openai" not in v for v in sent.headers.values())


def test_the_key_is_masked_in_every_view(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAMANTHA_API_KEY", "sk-secret-123")
    settings = load_settings(backend="openai")
    assert settings.api_key is not None
    for shown in [repr(settings), str(settings), str(settings.public_view())]:
        assert "sk-secret-123" not in shown
    assert settings.public_view()["api_key"] == "set (hidden)"
    assert "sk-secret-123" not in repr(settings.backend_spec())


def test_api_key_from_the_config_file(isolated_home: Path) -> None:
    write_config(isolated_home, 'backend = "custom"\nbase_url = "http://x/v1"\napi_key = "sk-f"\n')
    spec = load_settings().backend_spec()
    assert spec.api_key is not None
    assert spec.api_key.get_secret_value() == "sk-f"


# -- errors ----------------------------------------------------------------------------------


def test_custom_without_base_url_is_a_config_sentence() -> None:
    settings = load_settings(backend="custom")
    with pytest.raises(ConfigError) as info:
        settings.backend_spec()
    text = one_sentence(info.value)
    assert "--base-url" in text
    assert info.value.exit_code == 2


@pytest.mark.parametrize(
    ("field", "flag_value"),
    [
        ("max_retries", 99),
        ("request_timeout", 0),
        ("reply_tokens", 3),
        ("context_window", 10),
        ("offline_pace", -1),
    ],
)
def test_invalid_flag_value_names_the_field(field: str, flag_value: object) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(**{field: flag_value})
    assert field in one_sentence(info.value)


def test_invalid_environment_value_names_the_field(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAMANTHA_REQUEST_TIMEOUT", "soon")
    with pytest.raises(ConfigError) as info:
        load_settings()
    text = one_sentence(info.value)
    assert "request_timeout" in text
    assert "SAMANTHA_REQUEST_TIMEOUT" in text


def test_invalid_file_value_names_the_field_and_the_file(isolated_home: Path) -> None:
    path = write_config(isolated_home, 'max_retries = "lots"\n')
    with pytest.raises(ConfigError) as info:
        load_settings()
    text = one_sentence(info.value)
    assert "max_retries" in text
    assert str(path) in text


def test_unknown_setting_in_the_file_is_named(isolated_home: Path) -> None:
    write_config(isolated_home, 'colour = "blue"\n')
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert "colour" in one_sentence(info.value)


def test_malformed_toml_is_one_sentence_with_the_path(isolated_home: Path) -> None:
    path = write_config(isolated_home, "model = \nthis is [not toml\n")
    with pytest.raises(ConfigError) as info:
        load_settings()
    text = one_sentence(info.value)
    assert str(path) in text
    assert "TOML" in text


def test_config_file_that_is_not_utf8_is_one_sentence(isolated_home: Path) -> None:
    isolated_home.mkdir(parents=True, exist_ok=True)
    path = isolated_home / "config.toml"
    path.write_bytes('# café, saved by an old editor\nmodel = "x"\n'.encode("latin-1"))
    with pytest.raises(ConfigError) as info:
        load_settings()
    text = one_sentence(info.value)
    assert str(path) in text
    assert "UTF-8" in text


def test_settings_accepts_documented_fields_only() -> None:
    documented = set(Settings.model_fields)
    assert {"backend", "model", "base_url", "api_key", "request_timeout", "max_retries"} <= (
        documented
    )


# -- import cost -----------------------------------------------------------------------------


def test_importing_config_leaves_pydantic_for_first_use() -> None:
    # The chat imports PRESETS and Paths from here before its first frame; pydantic and
    # pydantic-settings (a sixth of a second) load only with Settings or load_settings.
    code = (
        "import sys\n"
        "from samantha.config import PRESETS, Paths\n"
        "assert PRESETS['openai'].key_env == 'OPENAI_API_KEY' and Paths\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'pydantic', 'pydantic_settings'}))\n"
        "from samantha.config import Settings\n"
        "import samantha.config, samantha.config.model\n"
        "assert Settings is samantha.config.Settings is samantha.config.model.Settings\n"
        "assert 'pydantic_settings' in sys.modules\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_config_names_nothing_it_does_not_have() -> None:
    import samantha.config

    with pytest.raises(AttributeError):
        _ = samantha.config.NoSuchThing  # type: ignore[attr-defined]


# -- time zone -------------------------------------------------------------------------------


@pytest.fixture
def local_zone_restored() -> Iterator[None]:
    """The setting changes the process's local zone: put the machine's back afterwards."""
    import os
    import time

    before = os.environ.get("TZ")
    yield
    if before is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = before
    time.tzset()


def test_a_timezone_in_the_config_is_what_her_clock_speaks(
    isolated_home: Path, local_zone_restored: None
) -> None:
    from datetime import UTC, datetime, timedelta

    from samantha.engine.prompt import time_text

    write_config(isolated_home, 'timezone = "Asia/Tokyo"\n')
    assert load_settings().timezone == "Asia/Tokyo"
    noon_utc = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    assert noon_utc.astimezone().utcoffset() == timedelta(hours=9)
    assert time_text(noon_utc, "Theo", None).startswith(
        "It is now Thursday, 26 November 2026, 21:00 (JST)."
    )


def test_an_unknown_timezone_is_one_sentence(
    isolated_home: Path, local_zone_restored: None
) -> None:
    write_config(isolated_home, 'timezone = "Mars/Olympus"\n')
    with pytest.raises(ConfigError) as info:
        load_settings()
    text = one_sentence(info.value)
    assert "no time zone called 'Mars/Olympus'" in text
    assert "timezone" in text
