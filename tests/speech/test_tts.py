"""Speech engines: an OpenAI-compatible server (faked on 127.0.0.1) and espeak-ng (a fake
script on PATH), and which one the settings and the persona choose."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr

from samantha.persona.model import Persona
from samantha.speech.endpoint import OPENAI_URL, Endpoint, resolve_endpoint
from samantha.speech.errors import Unavailable, VoiceError
from samantha.speech.tts import EspeakSpeech, OpenAISpeech, choose_speaker, voice_for
from tests.fakeserver import refused_base_url
from tests.speech.conftest import voice_settings
from tests.speech.fakeaudio import FakeAudio, tone

ADA = Persona(name="Ada", speech={"openai": "nova", "espeak": "en-us+f3"})

FAKE_ESPEAK = """#!{python}
import json, os, struct, sys
text = sys.stdin.buffer.read().decode("utf-8")
args = sys.argv[1:]
with open({log!r}, "a") as log:
    log.write(json.dumps({{"args": args, "text": text}}) + "\\n")
voice = args[args.index("-v") + 1]
if voice == "xx-nope":
    sys.stderr.write("Failed to read voice 'xx-nope'\\n")
    sys.exit(1)
pcm = b"\\x01\\x00" * (22 * len(text))
# espeak-ng on a pipe cannot seek back, so its sizes say "unknown" too.
head = b"RIFF" + struct.pack("<I", 0x7FFFF024) + b"WAVEfmt " + struct.pack("<I", 16)
head += struct.pack("<HHIIHH", 1, 1, 22050, 44100, 2, 16)
sys.stdout.buffer.write(head + b"data" + struct.pack("<I", 0x7FFFF000) + pcm)
"""


@pytest.fixture
def espeak(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fake espeak-ng alone on PATH; returns the log of its runs."""
    bin_dir, log = tmp_path / "bin", tmp_path / "espeak.log"
    bin_dir.mkdir()
    script = bin_dir / "espeak-ng"
    script.write_text(FAKE_ESPEAK.format(python=sys.executable, log=str(log)))
    script.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    return log


@pytest.fixture
def no_espeak(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


def runs(log: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in log.read_text().splitlines()]


# -- the OpenAI-compatible engine ----------------------------------------------------------------


async def test_openai_speech_asks_for_the_persona_voice_model_and_text(
    audio_server: FakeAudio, no_espeak: None
) -> None:
    settings = voice_settings(voice_base_url=audio_server.base_url, tts_model="tts-test")
    speaker = choose_speaker(settings, environ={})
    assert isinstance(speaker, OpenAISpeech)
    voice = voice_for(speaker, settings, ADA)
    try:
        audio = await speaker.synthesize("Hello, you.", voice)
    finally:
        await speaker.aclose()
    assert audio_server.speech == [
        {"model": "tts-test", "voice": "nova", "input": "Hello, you.", "response_format": "wav"}
    ]
    assert (audio.rate, audio.pcm, audio.text) == (24_000, tone(len("Hello, you.")), "Hello, you.")


def test_the_voice_comes_from_the_setting_then_the_persona_then_the_engine() -> None:
    speaker = OpenAISpeech(Endpoint("http://127.0.0.1:9/v1"), "m")
    assert voice_for(speaker, voice_settings(), ADA) == "nova"
    assert voice_for(speaker, voice_settings(tts_voice="af_heart"), ADA) == "af_heart"
    assert voice_for(speaker, voice_settings(), Persona(name="Bo")) == "alloy"
    assert voice_for(speaker, voice_settings(), None) == "alloy"
    assert voice_for(EspeakSpeech("espeak-ng"), voice_settings(), ADA) == "en-us+f3"


async def test_a_speech_server_that_is_down_is_one_sentence() -> None:
    url = refused_base_url()
    speaker = OpenAISpeech(Endpoint(url, max_retries=0), "tts-1")
    with pytest.raises(VoiceError) as info:
        await speaker.synthesize("Hi.", "nova")
    assert str(info.value) == (
        f"Cannot reach the speech server at {url}: start it or check voice_base_url."
    )


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (401, "refused the key for speech (401)"),
        (404, "no speech endpoint or no model 'tts-1' (404)"),
        (429, "rate-limiting speech requests (429)"),
        (400, "refused the speech request (400: fake failure 400)"),
        (503, "failed (503): try again later"),
    ],
)
async def test_server_refusals_are_one_sentence_each(
    audio_server: FakeAudio, code: int, words: str
) -> None:
    audio_server.fail.append(code)
    speaker = OpenAISpeech(
        Endpoint(audio_server.base_url, SecretStr("sk-voice-canary"), max_retries=0), "tts-1"
    )
    try:
        with pytest.raises(VoiceError) as info:
            await speaker.synthesize("Hi.", "nova")
    finally:
        await speaker.aclose()
    assert words in str(info.value)
    assert "sk-voice-canary" not in str(info.value)
    assert audio_server.requests[0].headers["authorization"] == "Bearer sk-voice-canary"


# -- which server, which key ---------------------------------------------------------------------


def test_the_voice_key_goes_to_the_voice_server() -> None:
    settings = voice_settings(
        voice_base_url="http://127.0.0.1:7/v1", voice_api_key="sk-v", api_key="sk-chat"
    )
    endpoint = resolve_endpoint(settings, {"OPENAI_API_KEY": "sk-env"})
    assert isinstance(endpoint, Endpoint)
    assert endpoint.api_key is not None
    assert endpoint.api_key.get_secret_value() == "sk-v"
    assert "sk-v" not in repr(endpoint)


def test_the_chat_key_goes_only_to_the_chat_server() -> None:
    elsewhere = voice_settings(
        backend="custom", base_url="http://127.0.0.1:1/v1", api_key="sk-chat",
        voice_base_url="http://127.0.0.1:2/v1",
    )  # fmt: skip
    endpoint = resolve_endpoint(elsewhere, {"OPENAI_API_KEY": "sk-env"})
    assert isinstance(endpoint, Endpoint)
    assert endpoint.api_key is None
    same = elsewhere.model_copy(update={"voice_base_url": "http://127.0.0.1:1/v1/"})
    endpoint = resolve_endpoint(same, {})
    assert isinstance(endpoint, Endpoint)
    assert endpoint.api_key is not None
    assert endpoint.api_key.get_secret_value() == "sk-chat"


def test_openai_is_used_when_there_is_an_openai_key() -> None:
    endpoint = resolve_endpoint(voice_settings(), {"OPENAI_API_KEY": "sk-env"})
    assert isinstance(endpoint, Endpoint)
    assert endpoint.base_url == OPENAI_URL
    with_backend = voice_settings(backend="openai", api_key="sk-chat")
    endpoint = resolve_endpoint(with_backend, {})
    assert isinstance(endpoint, Endpoint)
    assert endpoint.api_key is not None
    assert endpoint.api_key.get_secret_value() == "sk-chat"
    # A key for another provider is not sent to OpenAI.
    other = voice_settings(backend="custom", base_url="http://127.0.0.1:1/v1", api_key="sk-c")
    assert isinstance(resolve_endpoint(other, {}), Unavailable)


# -- espeak-ng -----------------------------------------------------------------------------------


async def test_espeak_speaks_the_text_from_stdin_in_her_voice(espeak: Path) -> None:
    speaker = choose_speaker(voice_settings(tts_engine="espeak"), environ={})
    assert isinstance(speaker, EspeakSpeech)
    text = "-v is not an option, it is what she says."
    audio = await speaker.synthesize(text, voice_for(speaker, voice_settings(), ADA))
    assert (audio.rate, audio.frames, audio.text) == (22_050, 22 * len(text), text)
    assert runs(espeak) == [{"args": ["--stdout", "-b", "1", "-v", "en-us+f3"], "text": text}]


async def test_an_unknown_espeak_voice_is_one_sentence(espeak: Path) -> None:
    speaker = EspeakSpeech.find()
    assert speaker is not None
    with pytest.raises(VoiceError) as info:
        await speaker.synthesize("Hi.", "xx-nope")
    assert "could not speak with voice 'xx-nope' (Failed to read voice 'xx-nope')" in str(
        info.value
    )


def test_auto_picks_the_server_then_espeak(espeak: Path, audio_server: FakeAudio) -> None:
    assert isinstance(choose_speaker(voice_settings(), environ={}), EspeakSpeech)
    served = voice_settings(voice_base_url=audio_server.base_url)
    assert isinstance(choose_speaker(served, environ={}), OpenAISpeech)
    assert isinstance(
        choose_speaker(served.model_copy(update={"tts_engine": "espeak"})), EspeakSpeech
    )


@pytest.mark.usefixtures("no_espeak")
@pytest.mark.parametrize(
    ("engine", "words"),
    [
        ("auto", "She has no voice yet: set voice_base_url"),
        ("openai", "There is no speech server: set voice_base_url"),
        ("espeak", "espeak-ng is not installed: install it"),
        ("none", "Speech is switched off in the settings"),
    ],
)
def test_no_engine_is_one_sentence_saying_why(engine: str, words: str) -> None:
    found = choose_speaker(voice_settings(tts_engine=engine), environ={})
    assert isinstance(found, Unavailable)
    assert found.reason.startswith(words)
    assert found.reason.endswith(".")


async def test_a_key_inside_the_speech_server_address_is_never_shown() -> None:
    url = refused_base_url().replace("http://", "http://theo:sk-voice-secret@") + "?api_key=sk-q"
    speaker = OpenAISpeech(Endpoint(url, max_retries=0), "tts-1")
    with pytest.raises(VoiceError) as info:
        await speaker.synthesize("Hi.", "nova")
    said = str(info.value)
    assert said.startswith("Cannot reach the speech server at http://")
    assert "sk-voice-secret" not in said
    assert "sk-q" not in said
