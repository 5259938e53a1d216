"""The prompt's documented order and what gives way first when the window is tight."""

from __future__ import annotations

from pathlib import Path

from samantha.backends.scripted import ScriptedBackend
from samantha.config import Paths
from samantha.engine import TurnResult
from tests.conftest import MakeCompanion, collect

PERSONA = """
name: Ada
tagline: a keeper of small facts
post_history_instructions: Answer {{user}} in one sentence.
lorebook:
  token_budget: 400
  entries:
    - keys: [museum]
      content: "{{char}} once indexed a museum basement for {{user}}."
"""


def write_persona(home: Path, text: str = PERSONA) -> None:
    folder = Paths.from_env().personas_dir
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ada.yaml").write_text(text)


async def turn(companion: object, text: str) -> TurnResult:
    _, result = await collect(companion, text)  # type: ignore[arg-type]
    assert isinstance(result, TurnResult)
    return result


async def test_sections_come_in_the_documented_order(
    make_companion: MakeCompanion, isolated_home: Path
) -> None:
    write_persona(isolated_home)
    companion = make_companion(ScriptedBackend(), persona="ada")
    await turn(companion, "Call me Theo. I love the museum.")
    await companion.new_conversation()
    result = await turn(companion, "Shall we go to the museum again?")
    names = [s.name for s in result.prompt.sections]
    assert names == [
        "persona",
        "core memory",
        "mood",
        "time",
        "lorebook",
        "memories",
        "instructions",
        "history",
    ]
    system = result.prompt.system
    assert "Ada once indexed a museum basement for Theo." in system
    assert system.rstrip().endswith("Answer Theo in one sentence.")
    # The sections' own texts are, in order, what the system message is made of.
    texts = [s.text for s in result.prompt.sections if s.name != "history"]
    assert system == "\n\n".join(texts)


async def test_no_keyword_no_lore(make_companion: MakeCompanion, isolated_home: Path) -> None:
    write_persona(isolated_home)
    companion = make_companion(ScriptedBackend(), persona="ada")
    result = await turn(companion, "What a quiet day.")
    assert "lorebook" not in [s.name for s in result.prompt.sections]


async def test_when_tight_the_lorebook_gives_way_before_memories(
    make_companion: MakeCompanion, isolated_home: Path
) -> None:
    lore = "\n".join(
        f"        Line {n} about the museum's long history of quiet rooms." for n in range(150)
    )
    write_persona(
        isolated_home,
        PERSONA.replace(
            '      content: "{{char}} once indexed a museum basement for {{user}}."',
            "      content: |\n" + lore,
        ).replace("token_budget: 400", "token_budget: 5000"),
    )
    backend = ScriptedBackend(context_window=1200)
    companion = make_companion(backend, persona="ada", reply_tokens=200)
    await turn(companion, "I love the museum.")
    await companion.new_conversation()
    result = await turn(companion, "The museum, again?")
    sections = {s.name: s for s in result.prompt.sections}
    lore_kept = sections["lorebook"].text.count("about the museum's long history")
    assert sections["lorebook"].dropped or lore_kept < 150
    assert not sections["memories"].dropped
    assert "I love the museum." in sections["memories"].text
    assert result.prompt.tokens <= result.prompt.budget


async def test_what_changes_each_turn_sits_beside_the_newest_message(
    make_companion: MakeCompanion, isolated_home: Path
) -> None:
    """A server reuses the prefix it has already read: the persona and core memory lead, the
    history follows unchanged, and the clock, mood and memories come just before the newest
    message, so turn two's prompt begins with everything turn one sent before its moment."""
    write_persona(isolated_home)
    backend = ScriptedBackend()
    companion = make_companion(backend, persona="ada")
    await turn(companion, "Call me Theo. I love the museum.")
    await turn(companion, "Shall we go to the museum again?")
    first, second = backend.requests
    roles = [m.role for m in second.messages]
    assert roles == ["system", "user", "assistant", "system", "user"]
    lead, moment = second.messages[0].content, second.messages[3].content
    assert lead.startswith("You are Ada")
    assert "Their name is Theo." in lead
    assert "It is now" not in lead
    assert "Your mood:" not in lead
    assert "It is now" in moment
    assert "Your mood:" in moment
    assert moment.rstrip().endswith("Answer Theo in one sentence.")
    assert second.messages[-1].content == "Shall we go to the museum again?"
    # Everything turn one sent before its moment is where turn two begins.
    assert first.messages[-1].content == "Call me Theo. I love the museum."
    assert second.messages[1] == first.messages[-1]
