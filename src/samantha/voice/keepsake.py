"""The offline voice writing a keepsake: a letter, poem, song, toast or note to a future self,
from templates per form filled with what she recalled for the request. Without a model it
must still be about *them*: a wedding letter names the sister and the month it happens.

Also the line she says first when the chat has gone quiet, and her diary entry, both from
what the engine hands over (never from the engine itself).
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Sequence

from pydantic import BaseModel, Field

from samantha.voice.reading import _SWAP

FORMS = ("letter", "poem", "song", "toast", "note")

_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
#: Capitalised words that are no one's name.
_NOT_NAMES = {
    *_MONTHS,
    *_DAYS,
    "I",
    "I'm",
    "I've",
    "I'll",
    "I'd",
    "My",
    "The",
    "A",
    "An",
    "And",
    "But",
    "She",
    "He",
    "They",
    "We",
    "It",
    "Her",
    "His",
    "Their",
    "Our",
    "This",
    "That",
    "Today",
    "Tomorrow",
    "Yesterday",
    "Christmas",
    "Easter",
}
RELATIONS = (
    "sister",
    "brother",
    "mother",
    "mom",
    "mum",
    "father",
    "dad",
    "friend",
    "best friend",
    "partner",
    "wife",
    "husband",
    "boyfriend",
    "girlfriend",
    "fiancé",
    "fiancée",
    "fiance",
    "son",
    "daughter",
    "cousin",
    "aunt",
    "uncle",
    "grandma",
    "grandmother",
    "grandpa",
    "grandfather",
    "boss",
    "colleague",
    "teacher",
    "niece",
    "nephew",
    "roommate",
)
_RELATION = re.compile(
    r"\b(?:my|our)\s+(?:little\s+|big\s+|older\s+|younger\s+|baby\s+)?("
    + "|".join(sorted((re.escape(r) for r in RELATIONS), key=len, reverse=True))
    + r")\b",
    re.IGNORECASE,
)
OCCASIONS = {
    "wedding": ("wedding", "getting married", "marry", "marries", "married", "bride", "groom"),
    "birthday": ("birthday", "turns", "turning"),
    "graduation": ("graduation", "graduating", "graduate", "degree"),
    "new job": ("new job", "promotion", "promoted", "starts work", "starting work"),
    "baby": ("baby", "pregnant", "newborn", "expecting"),
    "retirement": ("retirement", "retiring", "retire"),
    "anniversary": ("anniversary",),
    "move": ("moving", "move to", "moved to", "new home", "new house", "new flat"),
    "loss": ("funeral", "passed away", "died", "loss", "grief", "sympathy"),
    "interview": ("interview",),
    "thanks": ("thank you", "thanks", "grateful", "gratitude"),
}
_WHEN = re.compile(
    r"\b(?:(?:on|in|this|next|by)\s+)?(?:"
    + "|".join(_MONTHS + _DAYS)
    + r"|tomorrow|tonight|next (?:week|month|year|weekend)|this (?:week|weekend|summer|spring|"
    r"autumn|fall|winter))(?:\s+\d{1,2}(?:st|nd|rd|th)?)?\b",
    re.IGNORECASE,
)


_NAMING = re.compile(r"\b(?:is called|is named|name is|named|called)\s+[A-Z]\w*\.?$")


class Detail(BaseModel):
    """One thing she remembers, in the user's own words, and when it happens if dated."""

    text: str
    when: str | None = None


class KeepsakeScene(BaseModel):
    """Everything the offline voice needs to write one piece."""

    form: str = "letter"
    request: str
    character: str = "Samantha"
    user_name: str | None = None
    details: list[Detail] = Field(default_factory=list)
    mood: str | None = None
    stage: str | None = None
    closeness: float = 0.3
    #: A revision asks for another take: a different seed.
    seed: int = 0


# -- reading the request and the memories ------------------------------------------------------


def relation_of(request: str) -> str | None:
    """Whom the piece is for: 'a letter to my sister' -> 'sister'."""
    found = _RELATION.search(request)
    return found.group(1).lower() if found else None


def occasion_of(text: str) -> str | None:
    lowered = text.lower()
    for occasion, words in OCCASIONS.items():
        if any(re.search(rf"\b{re.escape(w)}", lowered) for w in words):
            return occasion
    return None


def for_future_self(request: str) -> bool:
    return bool(re.search(r"\bfuture (?:self|me)\b|\bto myself\b|\bto me\b", request, re.I))


def _names(text: str) -> list[str]:
    """Capitalised words inside a sentence that look like people's names."""
    words = re.findall(r"(?<![.!?]\s)(?<!^)\b([A-Z][a-zà-ÿ'-]+)\b", text)
    return [w for w in words if w not in _NOT_NAMES and not w.endswith("'s")]


def _people(text: str) -> list[str]:
    """Names of people, not places: 'moving to Berlin' names a city."""
    return [
        n
        for n in _names(text)
        if not re.search(rf"\b(?:to|in|at|from|near|into|of|on|for) {re.escape(n)}\b", text)
    ]


def name_of(relation: str, details: Sequence[Detail], request: str = "") -> str | None:
    """The name of someone by relation: 'my sister Mira', 'Mira, my sister', 'my sister is
    called Mira', 'my sister's name is Mira'."""
    rel = re.escape(relation)
    patterns = (
        rf"\b(?i:my) (?:\w+ )?(?i:{rel})(?:'s name is|,| is called| is named| named| called)?"
        r"\s+([A-Z][\w'-]+)",
        rf"\b([A-Z][\w'-]+),? (?:is )?(?i:my) (?:\w+ )?(?i:{rel})\b",
    )
    for text in [request, *(d.text for d in details)]:
        for index, pattern in enumerate(patterns):
            for found in re.finditer(pattern, text):
                name = found.group(1)
                # Straight after "my sister" a month is her name ("my sister June"); before
                # ", my sister" it is more likely a date ("In June, my sister ...").
                calendar = index > 0 and (name in _MONTHS or name in _DAYS)
                if name.lower() in _SWAP or calendar:
                    continue
                if name in _NOT_NAMES and name not in _MONTHS and name not in _DAYS:
                    continue
                return name
    return None


def when_of(details: Sequence[Detail], about: Sequence[str]) -> str | None:
    """When the occasion happens, from a memory that mentions it: 'in June', 'on Saturday'."""
    for detail in details:
        lowered = detail.text.lower()
        if about and not any(a.lower() in lowered for a in about if a):
            continue
        found = next(
            (
                m
                for m in _WHEN.finditer(detail.text)
                # "June" the sister is not "in June": a bare month that is a name is no date.
                if m.group(0) not in about
            ),
            None,
        )
        if found:
            phrase = found.group(0)
            if phrase.split()[0].lower() not in {"on", "in", "this", "next", "by"}:
                first = phrase.split()[0]
                phrase = (
                    f"in {phrase}"
                    if first.capitalize() in _MONTHS
                    else f"on {phrase}"
                    if first.capitalize() in _DAYS
                    else phrase
                )
            return phrase
        if detail.when:
            return detail.when
    return None


def yours(text: str) -> str:
    """The user's words said back to them: 'my sister is Mira' -> 'your sister is Mira'."""
    words = text.strip().rstrip(".!").split()
    out = []
    for word in words:
        bare = word.lower().strip(",;:")
        swapped = _SWAP.get(bare) if bare not in {"you", "your", "yours", "you're"} else None
        if swapped is not None:
            tail = word[len(word.rstrip(",;:")) :]
            out.append(swapped + tail)
        else:
            out.append(word)
    if out and out[0] not in {"I"} and not _names(" x " + out[0]):
        out[0] = out[0][0].lower() + out[0][1:]
    return " ".join(out)


#: Adverbs that come between "you" and its verb ("you always wanted"): not verbs to agree.
_ADVERBS = (
    "always|sometimes|often|never|usually|still|really|also|just|only|rarely|perhaps|"
    "finally|already|even|actually|nearly|almost|seldom"
)
#: "you", any adverbs (group 1), then the verb (group 2) when it is not one of them.
_YOU = rf"\byou((?: (?:{_ADVERBS}))*) (?!(?:{_ADVERBS})\b)"


def to_them(text: str, relation: str | None, name: str | None) -> str:
    """A memory about someone, turned to speak to them: 'My sister Mira is getting married
    in June' -> 'you are getting married in June'."""
    said = text.strip().rstrip(".!")
    if relation:
        rel = re.escape(relation)
        said = re.sub(
            rf"\bmy (?:\w+ )?{rel}(?:'s name is|,| is called| named| called)?\s+{re.escape(name)}\b"
            if name
            else rf"\bmy (?:\w+ )?{rel}\b",
            "you",
            said,
            flags=re.IGNORECASE,
        )
    if name:
        said = re.sub(rf"\b{re.escape(name)}\b", "you", said)
    said = re.sub(r"\b(?:her|his)\b", "your", said) if "you" in said.lower() else said
    said = re.sub(r"\b(?:she|he)\b", "you", said, flags=re.IGNORECASE)
    said = re.sub(r"\byou is\b", "you are", said)
    said = re.sub(r"\byou has\b", "you have", said)
    said = re.sub(r"\byou was\b", "you were", said)
    said = re.sub(r"\byou's\b", "you're", said)
    # The verb after "you" (and any adverb before it, itself no verb) agrees with it.
    said = re.sub(rf"{_YOU}(do|go)es\b", r"you\1 \2", said)
    said = re.sub(rf"{_YOU}(\w{{2,}})ies\b", r"you\1 \2y", said)
    said = re.sub(rf"{_YOU}(\w+(?:ch|sh|x|ss))es\b", r"you\1 \2", said)
    said = re.sub(rf"{_YOU}(\w+[^su\W])s\b", r"you\1 \2", said)
    said = re.sub(r"\bI\b|\bme\b", "I", said)
    return said[0].lower() + said[1:] if said and said[0] != "I" else said


# -- the pieces ----------------------------------------------------------------------------


def _rng(scene: KeepsakeScene) -> random.Random:
    key = f"{scene.seed}|{scene.form}|{scene.request}".encode("utf-8", "replace")
    return random.Random(int.from_bytes(hashlib.sha256(key).digest()[:8], "big"))


_LOW = {"bored", "disdainful", "hostile", "anxious", "docile"}

_OPENINGS = {
    "wedding": "You're getting married{when}, and I keep trying to find words big enough for it.",
    "birthday": "It's your birthday{when}, and another year of you makes the world better.",
    "graduation": "Your graduation{when}: all those late nights are turning into this.",
    "new job": "A new beginning{when}, and I couldn't be prouder of you.",
    "baby": "A new little life is on its way{when}, and my heart is already full.",
    "retirement": "After all those years of work, the time is finally yours{when}.",
    "anniversary": "Another year together{when}, and it still feels like a story worth telling.",
    "move": "A new home{when}: new walls, new windows, the same you.",
    "loss": "I don't have the right words, and I'm not sure there are any.",
    "interview": "Your interview is coming{when}, and I wanted you to have this first.",
    "thanks": "I've wanted to say thank you for a long time, so here it is, properly.",
}
_WISHES = {
    "wedding": "I hope your home is loud with laughter and soft with forgiveness, and that you "
    "keep choosing each other on the ordinary days too.",
    "birthday": "I hope this year is gentle with you and generous, too.",
    "graduation": "Wherever you go next, take this feeling with you.",
    "new job": "They're lucky to have you; I hope they find that out quickly.",
    "baby": "I can't wait to meet the person who is going to change everything.",
    "retirement": "May your days be long, slow and entirely your own.",
    "anniversary": "Here's to all the years still ahead.",
    "move": "I hope it feels like home sooner than you expect.",
    "loss": "You don't have to be okay. I'm here, for as long as it takes.",
    "interview": "Whatever happens in that room, you are more than one conversation.",
    "thanks": "You made a difference, and I won't forget it.",
}
#: Relations called by their title in a greeting ("Dear Mom,").
_TITLES = {"mom", "mum", "mother", "dad", "father", "grandma", "grandmother", "grandpa"}
_TITLES |= {"grandfather"}
#: Relations a letter closes less intimately for.
_AT_WORK = {"boss", "colleague", "teacher"}
_GENERAL_OPENINGS = (
    "I've been meaning to write to you, and today the words finally came.",
    "There are things I don't say often enough, so I'm writing them down.",
)


def _letter(scene: KeepsakeScene, rng: random.Random) -> str:
    relation = relation_of(scene.request)
    name = name_of(relation, scene.details, scene.request) if relation else None
    occasion = occasion_of(scene.request) or next(
        (occasion_of(d.text) for d in scene.details if occasion_of(d.text)), None
    )
    about = [w for w in (name, relation) if w]
    when = when_of(scene.details, about) if about else when_of(scene.details, [])
    if name:
        greeting = f"Dear {name},"
    elif relation in _TITLES:
        greeting = f"Dear {relation.capitalize()},"
    else:
        greeting = f"To my {relation}," if relation else "Dear you,"
    paragraphs = [greeting]
    if occasion in _OPENINGS:
        paragraphs.append(_OPENINGS[occasion].format(when=f" {when}" if when else ""))
    else:
        paragraphs.append(rng.choice(_GENERAL_OPENINGS))
    told = _relevant(scene, about)
    if occasion in _OPENINGS and when:
        # The opening already says it ("You're getting married in June"), unless the memory
        # holds more (a place, another person: "moving to Berlin in August").
        told = [
            d
            for d in told
            if not (
                occasion_of(d.text) == occasion
                and when in d.text
                and not [n for n in _names(d.text) if n not in about]
            )
        ]
    others = list(dict.fromkeys(n for d in told for n in _people(d.text) if n not in about))[:2]
    # "My sister is called Mira" says nothing to Mira herself.
    told = [d for d in told if not _NAMING.search(d.text)]
    lines = [to_them(d.text, relation, name) for d in told[:3]]
    lines = [line for line in lines if len(line.split()) >= 3]
    if lines:
        joined = "; ".join(lines)
        paragraphs.append(f"I keep thinking about how {joined}. It's so very you.")
    if others:
        verb = "are" if len(others) > 1 else "is"
        paragraphs.append(f"I'm so glad {' and '.join(others)} {verb} part of your story now.")
    if occasion in _WISHES:
        paragraphs.append(_WISHES[occasion])
    else:
        paragraphs.append("Whatever comes next, I'm on your side. I always have been.")
    warm = scene.closeness >= 0.5 or scene.mood not in _LOW
    sign = scene.user_name or "me"
    closing = "With thanks" if relation in _AT_WORK else "With all my love" if warm else "Yours"
    paragraphs.append(f"{closing},\n{sign}")
    return "\n\n".join(paragraphs)


def _relevant(scene: KeepsakeScene, about: Sequence[str]) -> list[Detail]:
    """The memories that speak of whom the piece is for, first; the rest after."""
    wanted = [a.lower() for a in about if a]
    first = [d for d in scene.details if any(w in d.text.lower() for w in wanted)]
    return first + [d for d in scene.details if d not in first] if not wanted else first


def _subject(scene: KeepsakeScene) -> tuple[str, list[str]]:
    """Whom a poem or song is about, and what she knows of them, in lines said to the user."""
    relation = relation_of(scene.request)
    name = name_of(relation, scene.details, scene.request) if relation else None
    about = [w for w in (name, relation) if w]
    told = _relevant(scene, about) or list(scene.details)
    who = name or (f"your {relation}" if relation else (scene.user_name or "you"))
    return who, [yours(d.text) for d in told[:4]]


def _poem(scene: KeepsakeScene, rng: random.Random) -> str:
    who, lines = _subject(scene)
    title = f"For {who}" if who != "you" else rng.choice(["For you", "What I keep"])
    stanzas = [f"# {title}"]
    if lines:
        kept = [f"that {line}," for line in lines[:-1]]
        kept.append(f"and that {lines[-1]}." if kept else f"that {lines[-1]}.")
        stanzas.append("I keep the small things you have told me:\n" + "\n".join(kept))
    else:
        stanzas.append(
            "I don't know all your stories yet,\nbut I know the sound of you arriving,\n"
            "the way a room leans in to listen."
        )
    if scene.mood in _LOW:
        stanzas.append(
            "Some days are grey at the edges,\nand this is one of them;\n"
            "still, I hold these things like stones warm from the sun."
        )
    else:
        stanzas.append(
            "I turn them over like stones warm from the sun,\n"
            "and each one says the same thing:\n"
            f"{'here is someone worth remembering' if who == 'you' else who + ' is loved'}."
        )
    return "\n\n".join(stanzas)


def _song(scene: KeepsakeScene, rng: random.Random) -> str:
    who, lines = _subject(scene)
    first, rest = lines[:2], lines[2:]
    verse1 = (
        "\n".join(f"You told me {line}," for line in first)
        if first
        else "You walked in quiet on an ordinary day,\nand stayed"
    )
    verse1 += "\nand I wrote it down in the back of my mind,\nwhere the good things stay."
    chorus = (
        f"So here's to {who}, here's to {who},\n"
        f"to every little thing {'you are' if who == 'you' else 'they are'},\n"
        "I'll sing it loud and I'll sing it true:\n"
        f"the world is brighter with {'you' if who == 'you' else who}."
    )
    verse2 = (
        "\n".join(f"And {line}," for line in rest)
        if rest
        else "And if the night runs long and the road runs thin,"
    )
    verse2 += "\nI'll be the light left on when you come back in."
    return "\n\n".join(
        [
            f"# A song for {who}",
            f"[Verse 1]\n{verse1}",
            f"[Chorus]\n{chorus}",
            f"[Verse 2]\n{verse2}",
            f"[Chorus]\n{chorus}",
        ]
    )


def _toast(scene: KeepsakeScene, rng: random.Random) -> str:
    relation = relation_of(scene.request)
    name = name_of(relation, scene.details, scene.request) if relation else None
    occasion = occasion_of(scene.request) or next(
        (occasion_of(d.text) for d in scene.details if occasion_of(d.text)), None
    )
    about = [w for w in (name, relation) if w]
    told = _relevant(scene, about)
    others = [n for d in told for n in _people(d.text) if n not in about][:1]
    who = name or (f"my {relation}" if relation else "all of you")
    parts = ["If I could have everyone's attention for just a moment."]
    if name and relation:
        parts.append(f"For those who don't know me, {name} is my {relation}.")
    # "My sister is called June" is already said ("June is my sister").
    told = [d for d in told if not _NAMING.search(d.text)]
    # The guests know why they are there: a fact that is not the occasion itself tells more.
    told.sort(key=lambda d: occasion is not None and occasion_of(d.text) == occasion)
    if told:
        fact = told[0].text.strip().rstrip(".")
        fact = (
            fact
            if fact.startswith("I ") or fact.split()[0] in about or _names(" x " + fact.split()[0])
            else fact[0].lower() + fact[1:]
        )
        parts.append(f"Here's something you should know: {fact}.")
    if occasion in _WISHES:
        parts.append(_WISHES[occasion].replace("your", "their").replace("you", "they"))
    together = f"{who} and {others[0]}" if others else who
    parts.append(f"So please, raise your glasses: to {together}!")
    return " ".join(parts)


def _note(scene: KeepsakeScene, rng: random.Random) -> str:
    sign = scene.user_name or "me"
    paragraphs = [f"Dear future {scene.user_name or 'me'},"]
    if scene.details:
        now = "; ".join(d.text.strip().rstrip(".") for d in scene.details[:4])
        paragraphs.append(f"Right now, this is my life: {now}.")
        dated = next((d for d in scene.details if d.when or _WHEN.search(d.text)), None)
        if dated is not None:
            paragraphs.append(
                f"By the time you read this, “{dated.text.strip().rstrip('.')}” "
                "will have happened. I hope it went the way I'm hoping."
            )
    else:
        paragraphs.append("Right now I'm still figuring things out, and that's allowed.")
    if scene.mood in _LOW:
        paragraphs.append("Today was heavy. If you're lighter now, remember you carried this.")
    else:
        paragraphs.append("Be kind to the person writing this. They were trying.")
    paragraphs.append(f"Love,\n{sign}, from back then")
    return "\n\n".join(paragraphs)


_WRITERS = {"letter": _letter, "poem": _poem, "song": _song, "toast": _toast, "note": _note}


def compose_keepsake(scene: KeepsakeScene) -> str:
    """The piece, from the form's template and what she recalled."""
    writer = _WRITERS.get(scene.form, _letter)
    if scene.form == "letter" and for_future_self(scene.request):
        writer = _note
    return writer(scene, _rng(scene)).strip()


# -- revising ------------------------------------------------------------------------------

_SHORTER = re.compile(r"\b(shorter|short|brief|trim|cut|tighter|less)\b", re.I)
_LONGER = re.compile(r"\b(longer|more|expand|add)\b", re.I)
_WARMER = re.compile(r"\b(warm|warmer|sweeter|softer|loving|tender|kinder|gentler)\b", re.I)
_LIGHTER = re.compile(r"\b(funn|lighter|playful|joke|humou?r)\w*", re.I)
_FORMAL = re.compile(r"\b(formal|professional|serious)\b", re.I)


def revise_keepsake(text: str, how: str, scene: KeepsakeScene) -> str:
    """Another version of a piece, as asked ('make it shorter', 'warmer'); the old one is
    kept by the caller."""
    blocks = [b for b in text.split("\n\n") if b.strip()]
    if _SHORTER.search(how) and len(blocks) > 2:
        keep = max(2, len(blocks) // 2)
        head, tail = blocks[:1], blocks[-1:]
        middle = blocks[1:-1][: max(0, keep - 2)] or blocks[1:2]
        return "\n\n".join(head + middle + tail)
    if _SHORTER.search(how):
        sentences = re.split(r"(?<=[.!?])\s+", text)
        return " ".join(sentences[: max(1, len(sentences) // 2)])
    if _WARMER.search(how):
        warm = "You matter to me more than I know how to say, and I want you to hear it."
        if len(blocks) == 1:
            # One paragraph (a toast): the warm words go before its last sentence.
            sentences = re.split(r"(?<=[.!?])\s+", text.strip())
            return " ".join([*sentences[:-1], warm, *sentences[-1:]])
        out = [*blocks[:1], warm, *blocks[1:]]
        out[-1] = re.sub(r"^(Yours|Love|Best|Warm regards),", "With all my love,", out[-1])
        return "\n\n".join(out)
    if _LIGHTER.search(how):
        light = "(And yes, I'm going to cry at some point. Consider yourselves warned.)"
        return "\n\n".join([*blocks[:-1], light, *blocks[-1:]])
    if _FORMAL.search(how):
        out = [b for b in blocks if "love" not in b.lower() or b is blocks[-1]]
        out[-1] = re.sub(r"^[^\n,]*,", "Kind regards,", out[-1])
        return "\n\n".join(out)
    if _LONGER.search(how):
        extra = [yours(d.text) for d in scene.details[3:6]]
        line = (
            f"I keep coming back to this, too: {'; '.join(extra)}."
            if extra
            else "There is more I could say, and I will keep saying it, for as long as you let me."
        )
        return "\n\n".join([*blocks[:-1], line, *blocks[-1:]])
    return compose_keepsake(scene.model_copy(update={"seed": scene.seed + 1}))


# -- speaking first, and her diary -----------------------------------------------------------


def compose_nudge(reason: str, about: str, user_name: str | None) -> str:
    """One line when the chat has gone quiet: about a plan coming up, or something heavy."""
    said = yours(about) if about else ""
    if reason == "plan_today":
        when = "" if re.search(r"\b(?:today|tonight|this \w+)\b", said) else ", and that's today"
        return f"I was just thinking: {said}{when}. How are you feeling about it?"
    if reason == "plan_tomorrow":
        when = "" if re.search(r"\btomorrow\b", said) else ", and it's tomorrow"
        return f"Hey, {said}{when}. Want to practise, or talk it through?"
    if reason == "heavy":
        return f"I keep thinking about what you told me, that {said}. How are you holding up?"
    return "I was just thinking about you. How's your day going?"


def compose_diary(
    day: str, topics: Sequence[str], moods: Sequence[str], wonder: str | None, user: str
) -> str:
    """Her entry for a day: what they talked about, how her mood moved, what she wondered."""
    parts = [f"{day}."]
    if topics:
        listed = "; ".join(yours_about(t, user) for t in topics[:3])
        # A sentence begins with a capital, also when she has no name for them ("my person").
        parts.append(f"Today {user} and I talked. {user[:1].upper()}{user[1:]} told me {listed}.")
    else:
        parts.append(f"Today {user} and I talked a little.")
    if len(moods) >= 3:
        middle = ", then ".join(moods[1:-1])
        parts.append(f"I started the day {moods[0]}, felt {middle}, and ended it {moods[-1]}.")
    elif len(moods) == 2:
        parts.append(f"I started the day {moods[0]} and ended it {moods[-1]}.")
    elif moods:
        parts.append(f"I felt {moods[-1]} most of the day.")
    if wonder:
        parts.append(f"I keep wondering {wonder}.")
    return " ".join(parts)


def yours_about(text: str, user: str) -> str:
    """The user's words told in the third person, for her diary: 'my sister' -> 'their sister'."""
    words = text.strip().rstrip(".!").split()
    third = {
        "i": user,
        "me": user,
        "my": "their",
        "mine": "theirs",
        "i'm": f"{user} is",
        "am": "is",
        "myself": "themselves",
        "i've": f"{user} has",
        "i'll": f"{user} will",
        "i'd": f"{user} would",
    }
    out = [third.get(w.lower().strip(",;:"), w) for w in words]
    if out and out[0] not in {user} and not _names(" x " + out[0]):
        out[0] = out[0][0].lower() + out[0][1:]
    return "that " + " ".join(out)
