"""Keepsakes: a piece she writes for the user from what she remembers of them, kept with its
request, form and memories, revised as new versions, exported as Markdown."""

from __future__ import annotations

from pathlib import Path

import pytest

from samantha.backends.scripted import ScriptedBackend
from samantha.config import load_settings
from samantha.engine import Companion, ReplyChunk
from samantha.engine.keepsakes import KeepsakeDone, form_of
from samantha.errors import InputError
from samantha.voice.offline import VoiceRenderer
from tests.conftest import MakeCompanion, collect


def offline(make_companion: MakeCompanion) -> Companion:
    return make_companion(VoiceRenderer(load_settings().backend_spec()))


async def tell(companion: Companion, *lines: str) -> None:
    for line in lines:
        await collect(companion, line)


async def written(companion: Companion, request: str) -> tuple[str, KeepsakeDone]:
    streamed: list[str] = []
    done: KeepsakeDone | None = None
    async for event in companion.write(request):
        if isinstance(event, ReplyChunk):
            streamed.append(event.text)
        else:
            done = event
    assert done is not None
    return "".join(streamed), done


async def revised(companion: Companion, keepsake_id: int, how: str) -> KeepsakeDone:
    done = [e async for e in companion.revise_keepsake(keepsake_id, how)]
    last = done[-1]
    assert isinstance(last, KeepsakeDone)
    return last


@pytest.mark.parametrize(
    ("request_text", "form"),
    [
        ("a letter to my sister for her wedding", "letter"),
        ("a poem about my grandmother's garden", "poem"),
        ("song lyrics for my daughter's birthday", "song"),
        ("a toast for my dad's retirement party", "toast"),
        ("a note to my future self", "note"),
        ("something for my friend who is moving away", "letter"),
    ],
)
def test_the_form_is_read_from_the_request(request_text: str, form: str) -> None:
    assert form_of(request_text) == form


async def test_offline_a_wedding_letter_names_the_sister_and_the_month(
    make_companion: MakeCompanion,
) -> None:
    companion = offline(make_companion)
    await tell(
        companion,
        "Hi, I'm Theo.",
        "My sister Mira is getting married in June.",
        "I work as a nurse at the city hospital.",
    )
    text, done = await written(companion, "a letter to my sister for her wedding")
    assert text.strip() == done.keepsake.text
    assert done.keepsake.text.startswith("Dear Mira,")
    assert "June" in done.keepsake.text
    assert done.keepsake.text.rstrip().endswith("Theo")
    # Nothing about the hospital: a wedding letter to Mira draws on what bears on Mira.
    assert "nurse" not in done.keepsake.text
    drew = [m.text for m in done.memories]
    assert any("Mira is getting married in June" in t for t in drew)
    assert done.keepsake.form == "letter"
    assert done.keepsake.request == "a letter to my sister for her wedding"
    assert done.keepsake.memory_ids == sorted(m.id for m in done.memories)


async def test_offline_a_letter_without_memories_is_still_a_letter(
    make_companion: MakeCompanion,
) -> None:
    companion = offline(make_companion)
    _, done = await written(companion, "a letter to my brother")
    assert done.keepsake.text.startswith("To my brother,")
    assert done.memories == []


async def test_offline_every_form_uses_what_she_knows(make_companion: MakeCompanion) -> None:
    companion = offline(make_companion)
    await tell(companion, "My daughter Lily turns seven on Saturday.")
    for request, marks in (
        ("a song for my daughter's birthday", ["[Chorus]", "Lily"]),
        ("a poem for my daughter", ["Lily"]),
        ("a toast for my daughter's birthday", ["Lily", "raise your glasses"]),
    ):
        _, done = await written(companion, request)
        for mark in marks:
            assert mark in done.keepsake.text, (request, done.keepsake.text)


async def test_with_a_model_the_prompt_is_made_for_the_form(
    make_companion: MakeCompanion,
) -> None:
    backend = ScriptedBackend(replies=["Noted.", "Dear Mira, what a June it will be. Love, Theo"])
    companion = make_companion(backend)
    await tell(companion, "My sister Mira is getting married in June.")
    text, done = await written(companion, "a letter to my sister for her wedding")
    assert text == "Dear Mira, what a June it will be. Love, Theo"
    assert done.keepsake.text == text
    sent = backend.requests[-1].messages
    assert "Samantha" in sent[0].content
    prompt = "\n".join(m.content for m in sent)
    assert "a letter to my sister for her wedding" in sent[-1].content
    assert "greeting and a sign-off" in sent[-1].content
    assert "Mira is getting married in June" in prompt


async def test_a_revision_is_a_new_version_and_keeps_the_old(
    make_companion: MakeCompanion,
) -> None:
    companion = offline(make_companion)
    await tell(companion, "My sister Mira is getting married in June.")
    _, first = await written(companion, "a letter to my sister for her wedding")
    shorter = await revised(companion, first.keepsake.id, "make it shorter")
    assert shorter.keepsake.version == 2
    assert shorter.keepsake.origin == first.keepsake.id
    assert shorter.keepsake.how == "make it shorter"
    assert len(shorter.keepsake.text) < len(first.keepsake.text)
    assert shorter.keepsake.memory_ids == first.keepsake.memory_ids
    warmer = await revised(companion, shorter.keepsake.id, "warmer")
    assert warmer.keepsake.version == 3
    versions = await companion.keepsake_versions(first.keepsake.id)
    assert [v.text for v in versions] == [
        first.keepsake.text,
        shorter.keepsake.text,
        warmer.keepsake.text,
    ]
    listed = await companion.keepsakes()
    assert [k.id for k in listed] == [warmer.keepsake.id]


async def test_a_model_revision_is_sent_the_old_text_and_the_ask(
    make_companion: MakeCompanion,
) -> None:
    backend = ScriptedBackend(replies=["A long letter.", "A short one."])
    companion = make_companion(backend)
    _, first = await written(companion, "a letter to my friend")
    second = await revised(companion, first.keepsake.id, "make it shorter")
    assert second.keepsake.text == "A short one."
    ask = backend.requests[-1].messages[-1].content
    assert "A long letter." in ask
    assert "make it shorter" in ask


async def test_export_writes_markdown_whole(make_companion: MakeCompanion, tmp_path: Path) -> None:
    companion = offline(make_companion)
    await tell(companion, "My sister Mira is getting married in June.")
    _, done = await written(companion, "a letter to my sister for her wedding")
    folder = tmp_path / "out"
    path = await companion.export_keepsake(done.keepsake.id, folder)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Letter: a letter to my sister for her wedding")
    assert done.keepsake.text in text
    assert "- My sister Mira is getting married in June." in text
    # Again: the file is replaced whole, and no temporary file is left beside it.
    again = await companion.export_keepsake(done.keepsake.id, folder)
    assert again == path
    assert [p.name for p in folder.iterdir()] == [path.name]


async def test_delete_removes_every_version(make_companion: MakeCompanion) -> None:
    companion = offline(make_companion)
    _, first = await written(companion, "a poem for me")
    await revised(companion, first.keepsake.id, "longer")
    assert await companion.delete_keepsake(first.keepsake.id) == 2
    assert await companion.keepsakes() == []
    with pytest.raises(InputError):
        await companion.keepsake(first.keepsake.id)


async def test_a_forgotten_memory_drops_out_of_what_it_drew_on(
    make_companion: MakeCompanion,
) -> None:
    companion = offline(make_companion)
    await tell(companion, "My sister Mira is getting married in June.")
    _, done = await written(companion, "a letter to my sister for her wedding")
    gone = done.memories[0].id
    await companion.forget(gone)
    kept = await companion.keepsake(done.keepsake.id)
    assert gone not in kept.memory_ids


async def test_an_empty_request_is_refused(make_companion: MakeCompanion) -> None:
    companion = offline(make_companion)
    with pytest.raises(InputError):
        await written(companion, "   ")


ODD = [
    "",
    ".",
    "my",
    "My sister",
    "MY SISTER IS CALLED",
    "I",
    "ünïcödé 💐 Zoë.",
    "x" * 2000,
    "\n\n",
]


@pytest.mark.parametrize("form", ["letter", "poem", "song", "toast", "note"])
def test_no_memory_or_request_makes_the_offline_voice_raise(form: str) -> None:
    from samantha.voice.keepsake import Detail, KeepsakeScene, compose_keepsake, revise_keepsake

    for odd in ODD:
        scene = KeepsakeScene(
            form=form,
            request=f"a {form} for my sister {odd}",
            details=[Detail(text=odd or "."), Detail(text="My sister Zoë is moving to Oslo.")],
        )
        text = compose_keepsake(scene)
        assert text.strip()
        for how in ("shorter", "warmer", "funnier", "more formal", "longer", "in French"):
            assert revise_keepsake(text, how, scene).strip()


def test_a_letter_calls_a_parent_by_title_and_a_place_is_no_person() -> None:
    from samantha.voice.keepsake import Detail, KeepsakeScene, compose_keepsake

    mom = compose_keepsake(KeepsakeScene(request="a letter to my mom for her birthday", details=[]))
    assert mom.startswith("Dear Mom,")
    jess = compose_keepsake(
        KeepsakeScene(
            request="a letter to my best friend",
            details=[Detail(text="My best friend Jess is moving to Berlin in August.")],
        )
    )
    assert jess.startswith("Dear Jess,")
    assert "Berlin" in jess
    assert "glad Berlin" not in jess


async def test_a_sister_named_after_a_month_is_named_and_her_month_is_kept_apart(
    make_companion: MakeCompanion,
) -> None:
    """June the sister is a name, not a date: the letter is to June and the wedding is in
    May; what she is told about June is turned to June ('you love', never 'you loves')."""
    companion = offline(make_companion)
    await tell(
        companion,
        "My sister June is getting married in May.",
        "June loves sunflowers and bad puns.",
    )
    letter, _ = await written(companion, "a letter to my sister for her wedding")
    assert letter.startswith("Dear June,"), letter
    assert "married in May" in letter, letter
    assert "married in June" not in letter, letter
    assert "you loves" not in letter, letter
    toast, _ = await written(companion, "a toast for my sister's wedding")
    assert "to June!" in toast, toast
    assert "is called June" not in toast, toast
