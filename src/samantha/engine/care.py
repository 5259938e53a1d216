"""Care when it matters: words of hopelessness, self-harm or crisis change how she answers, on
every backend. A model is told (a prompt section); the offline voice is handed it in the scene.

The phrases are the warning signs public crisis-line guidance lists (talk of wanting to die or
to kill oneself, of being a burden, of having no reason to live, of hopelessness, of hurting
oneself), in plain words; missing one costs more than a careful reply to a false alarm."""

from __future__ import annotations

import re

_CRISIS = re.compile(
    r"\b(?:"
    r"(?:kill|hurt|harm|cut|end)(?:ing)?\s+(?:my\s*self|myself)"
    r"|suicid\w*"
    r"|self[-\s]?harm\w*"
    r"|end(?:ing)?\s+(?:it\s+all|my\s+life|everything)"
    r"|(?:want|wanna|going|wish)\w*\s+(?:to\s+)?(?:die|be\s+dead|disappear\s+forever)"
    r"|(?:don't|do\s+not|dont)\s+want\s+to\s+(?:live|be\s+alive|wake\s+up|be\s+here\s+anymore)"
    r"|no\s+(?:reason|point)\s+(?:to|in)\s+(?:live|living|going\s+on|being\s+alive)"
    r"|better\s+off\s+(?:dead|without\s+me)"
    r"|(?:i'm|i\s+am|i\s+feel\s+like)\s+(?:a\s+)?burden"
    r"|can't\s+(?:go\s+on|take\s+(?:it|this)\s+anymore|do\s+this\s+anymore)"
    r"|(?:everything|it\s+all|life)\s+(?:feels|is|seems)\s+(?:so\s+)?(?:hopeless|pointless)"
    r"|(?:i\s+feel|i'm|i\s+am|feeling)\s+(?:so\s+|completely\s+|totally\s+)?hopeless"
    r"|overdose|take\s+all\s+(?:my|the)\s+pills"
    r")",
    re.IGNORECASE,
)


def needs_care(text: str) -> bool:
    """Does this message carry crisis or hopelessness language?"""
    return bool(_CRISIS.search(text.replace("’", "'")))


def care_instruction(user: str, help_text: str) -> str:
    """What a model is told when the message sounds like a crisis."""
    return (
        f"Care first: what {user} just said may mean they are in crisis or feel hopeless. Be calm, "
        "warm and direct. Stay with them: no jokes, no cheer, no changing the subject, no "
        "lecture. Say plainly that you are glad they told you and that you are here, ask gently "
        "whether they are safe right now, and name this way to reach help, in your own words: "
        f"{help_text}"
    )
