"""Plain-text views of her state for the command line: ``samantha status`` and
``samantha relationship``. Text only, so any front end can print them."""

from __future__ import annotations

from samantha.engine import Companion
from samantha.timefmt import humanize


def _bar(value: float, lo: float = -1.0, width: int = 20) -> str:
    filled = round((value - lo) / (1.0 - lo) * width)
    return "█" * filled + "·" * (width - filled)


async def status_lines(companion: Companion) -> list[str]:
    state = await companion.inner_state()
    mood, bond = state.mood, state.relationship
    pad = mood.pad
    settings = companion.persona.relationship
    lines = [
        f"{companion.persona.name} feels {mood.label} (intensity {mood.intensity:.2f}).",
        f"  pleasure   {pad.pleasure:+.2f}  {_bar(pad.pleasure)}",
        f"  arousal    {pad.arousal:+.2f}  {_bar(pad.arousal)}",
        f"  dominance  {pad.dominance:+.2f}  {_bar(pad.dominance)}",
        f"Relationship: {bond.stage(settings)}" + (" (strained)" if bond.strained else "") + ".",
        f"  closeness  {bond.closeness:.2f}  {_bar(bond.closeness, 0.0)}",
        f"  trust      {bond.trust:.2f}  {_bar(bond.trust, 0.0)}",
        f"  tension    {bond.tension:.2f}  {_bar(bond.tension, 0.0)}",
    ]
    if bond.last_contact is not None:
        lines.append(f"Last talked {humanize(companion.clock.now() - bond.last_contact)} ago.")
    events = await companion.relationship_events(limit=5)
    if events:
        lines.append("Recent events:")
        lines.extend(
            f"  {e.at:%Y-%m-%d %H:%M}  {e.kind}" + (f" ({e.note})" if e.note else "")
            for e in events
        )
    return lines


async def relationship_lines(companion: Companion, limit: int = 50) -> list[str]:
    events = await companion.relationship_events(limit=limit)
    if not events:
        return [f"Nothing has happened between you and {companion.persona.name} yet."]
    lines = [f"{'when':16}  {'event':20}  {'closeness':>9}  {'trust':>6}  {'tension':>7}  cause"]
    for e in events:
        cause = f"message {e.message_id}" if e.message_id else ""
        note = f" {e.note}" if e.note else ""
        lines.append(
            f"{e.at:%Y-%m-%d %H:%M}  {e.kind:20}  {e.closeness:+9.3f}  {e.trust:+6.3f}"
            f"  {e.tension:+7.3f}  {cause}{note}"
        )
    state = await companion.inner_state()
    lines.append(
        f"Now: {state.stage}" + (" (strained)" if state.relationship.strained else "") + "."
    )
    return lines
