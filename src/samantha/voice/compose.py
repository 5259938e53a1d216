"""The offline voice's reply: one to four sentences from the persona's own phrase banks,
shaped by her mood and what she recalled (the ``Scene``)."""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeVar

from samantha.voice.reading import _SWAP, Reading
from samantha.voice.scene import Scene

if TYPE_CHECKING:
    from _typeshed import SupportsLenAndGetItem

#: How many of her last replies the offline voice avoids repeating itself from.
RECENT_REPLIES = 3
_TEMPLATE = re.compile(r"\{\{\w+\}\}")
_T = TypeVar("_T")


class Unrepeating(random.Random):
    """Chooses among phrases she has not used in her last few replies while any are left, so
    the offline voice (and a duet of two of them) does not go round in circles."""

    def __init__(self, seed: int, said: Sequence[str]) -> None:
        super().__init__(seed)
        self.said = "\n".join(said)

    def choice(self, seq: SupportsLenAndGetItem[_T]) -> _T:
        options = [seq[i] for i in range(len(seq))]
        fresh = [o for o in options if not (isinstance(o, str) and self._used(o))]
        return super().choice(fresh or options)

    def _used(self, phrase: str) -> bool:
        # A phrase with {{user}} in it is recognised by its longest literal part.
        part = max(_TEMPLATE.split(phrase), key=len).strip()
        return len(part) >= 8 and part in self.said


def _pick(rng: random.Random, options: Sequence[str], fallback: str) -> str:
    return rng.choice(list(options)) if options else fallback


#: Events whose message is about her: echoing it back ("so I'm wonderful") would be odd.
_ABOUT_HER = {"gratitude", "affection", "praise", "apology"}
#: The appraisal's pleasure above which a message is heard as good news, whatever its words.
_GLAD = 0.45
#: Words in a line that tells her something even when no clause of it can be said back.
_SAYS_SOMETHING = 8
#: Moods that someone's unkindness leaves her in (not the sadness or worry she feels for
#: them): a strong one makes her brief and stops her questions.
_HURT_MOODS = {"disdainful", "hostile"}


def compose_reply(reading: Reading, scene: Scene, rng: random.Random) -> str:
    """Build a reply of one to four sentences from the persona's banks, shaped by her state."""
    user = reading.name or scene.user_name or "you"
    if scene.opening:
        return _fill(_opening(scene, rng), user, scene)
    if scene.care is not None:
        return _fill(_caring(scene, rng, reading.name or scene.user_name), user, scene)
    events = set(scene.events)
    if "insult" in events:
        # Hurt comes first and alone: no echo, no question, no cheer.
        return _fill(_pick(rng, scene.hurt, "That hurt."), user, scene)
    if reading.farewell:
        # They are going: a goodbye, and no question to hold them back.
        return _fill(_pick(rng, scene.farewells, "Bye for now. I'll be here."), user, scene)
    if reading.declines:
        # "I don't want to talk about it": no question about it, nor about anything else yet.
        return _fill("That's okay, we don't have to. I'm here.", user, scene)
    if reading.checks_presence:
        return _fill(
            "I'm here. " + _pick(rng, scene.check_ins, "What's on your mind?"), user, scene
        )
    if reading.to_remember:
        # "Can you remember that Lena likes jazz?": kept, and said so plainly.
        return _fill(f"I'll remember that {_theirs(reading.to_remember)}.", user, scene)
    parts: list[str] = []
    hurt_by_them = scene.strained or scene.was_strained or scene.mood in _HURT_MOODS
    if "apology" in events and hurt_by_them:
        parts.append(_pick(rng, scene.forgiving, "Thank you for saying that."))
    elif "apology" in events and not _hurting(reading, scene):
        # Sorry for "dumping all this on you": nothing to forgive; she wants to hear it.
        parts.append(_pick(rng, scene.reassurance, "Don't be sorry. I want to hear it."))
        return _fill(" ".join(parts), user, scene)
    if scene.time_away:
        parts.append(_missed(scene, rng))
    if reading.name:
        heard = _pick(rng, scene.name_heard, "{{name}}. I like that name.")
        parts.append(heard.replace("{{name}}", reading.name))
    elif reading.greeting and scene.first_meeting and scene.greetings:
        # Someone new: the greeting that introduces her, never "you came back"; once she has
        # introduced herself, a plain hello back.
        introduction = scene.greetings[0]
        said = "\n".join(scene.said)
        parts.append("Hi." if introduction in said else introduction)
    elif reading.greeting and not scene.time_away and not scene.strained:
        # The first greeting introduces her; later hellos come from the rest.
        later = scene.greetings[1:] or scene.greetings
        parts.append(_pick(rng, later, "Hi. I'm glad you're here."))
    if _hurting(reading, scene):
        # Grief, fear, loneliness: comfort, and a question that stays with them. No echo of
        # their words back, no cheer, no "tell me the details".
        parts.append(_pick(rng, scene.comfort, "That sounds hard. I'm here."))
        if scene.memories and reading.question:
            parts.append(_recollection(_theirs(scene.memories[0]), rng))
        parts.append(_pick(rng, scene.gentle, "Do you want to talk about it? I'm here."))
        return _fill(" ".join(parts), user, scene)
    if reading.thanks:
        # A thank-you on its own is taken warmly; it told her nothing to ask about.
        parts.append(_pick(rng, scene.thanks_back, "Of course."))
        return _fill(" ".join(parts), user, scene)
    if reading.asks_advice and not scene.memories:
        # Offline she has no advice of her own: she turns the question back, gently.
        parts.append(_pick(rng, scene.advice_back, "What does your gut say?"))
        return _fill(" ".join(parts), user, scene)
    glad = _glad(reading, scene)
    if glad and not scene.strained and not reading.only_greeting:
        parts.append(_pick(rng, scene.delight, "Oh, that makes me happy to hear."))
    # Something of their life was told: only then do questions about "it" follow.
    told = (
        (bool(reading.echo) or len(scene.text.split()) >= _SAYS_SOMETHING)
        and not reading.question
        and not events & _ABOUT_HER
    )
    if reading.asks_about_her:
        parts.append(_pick(rng, scene.self_questions, "I'm still finding that out myself."))
    elif reading.echo and not events & _ABOUT_HER and rng.random() < 0.8:
        opener = _pick(rng, scene.openers, "So")
        parts.append(f"{opener} {_theirs(reading.echo)}.")
    recalled = bool(scene.memories) and (reading.question or rng.random() < 0.8)
    if recalled:
        parts.append(_recollection(_theirs(scene.memories[0]), rng, asked=reading.asks_their_fact))
        if reading.asks_their_fact:
            # The answer, and the question it ends on, is the reply: another question after
            # it ("How did that feel?") would not follow.
            return _fill(" ".join(parts), user, scene)
    if reading.asks_their_fact and not scene.memories:
        # She does not know: she says so plainly and asks, never a musing or a stray question.
        parts.append(_pick(rng, scene.not_told, "I don't think you've told me that yet."))
        return _fill(" ".join(parts), user, scene)
    guarded = scene.strained or (scene.mood in _HURT_MOODS and scene.mood_intensity >= 0.15)
    if guarded:
        # Strain or a low mood keeps her brief; she does not reach for another question.
        return _fill(" ".join(parts[:2]) or _pick(rng, scene.musings, "Hm."), user, scene)
    if reading.question and not reading.asks_about_her and not scene.memories:
        # A question she cannot answer offline: she thinks aloud, and asks nothing back.
        parts.append(_pick(rng, scene.musings, "I don't know yet, but I want to think about it."))
    elif told and _comforting(scene) and not glad:
        # Still in what hurt them ("we were together four years"): she stays with them rather
        # than asking about "it" as news.
        parts.append(_pick(rng, scene.gentle, "How are you holding up?"))
    elif told:
        parts.append(_pick(rng, _fitting(scene.curiosity, scene.text), "Tell me more?"))
    elif events & {"affection", "praise"} and not parts:
        # Warm words about her: she is glad of them, and does not change the subject.
        parts.append(_pick(rng, scene.delight, "Oh, that makes me happy to hear."))
    elif (
        not recalled
        and not reading.asks_about_her
        and (reading.only_greeting or not _glad(reading, scene))
    ):
        # A hello, a name, a word or two: an open question, never one about "it"; after she
        # comforted them ("I don't know."), she stays with what hurt instead.
        if _comforting(scene) and not reading.only_greeting:
            parts.append(_pick(rng, scene.gentle, "How are you holding up?"))
        else:
            parts.append(_pick(rng, scene.check_ins, "How are you, really?"))
    cheerful = scene.mood == "exuberant" and scene.mood_intensity >= 0.3
    if (
        cheerful
        and not events & {"apology", "insult"}
        and reading.feeling is None
        and not _glad(reading, scene)
        and scene.delight
        and len(parts) < 4
    ):
        parts.insert(0, rng.choice(scene.delight))
    return _fill(" ".join(parts), user, scene)


#: What they told is still to come ("is visiting next weekend", "I'm going to ...").
_AHEAD = re.compile(
    r"\b(?:will|won't|going to|gonna|tomorrow|next|soon|tonight|upcoming|planning|plan to)\b"
    r"|'ll\b|(?:\b(?:is|are|am)|'re|'m|'s) \w+ing\b",
    re.IGNORECASE,
)
#: A question that looks back at something that happened ("How did that feel?").
_LOOKS_BACK = re.compile(r"\b(?:did|was|were|felt)\b", re.IGNORECASE)
#: A question that looks ahead ("What are you going to do next?").
_LOOKS_AHEAD = re.compile(r"\b(?:going to|will|next)\b", re.IGNORECASE)


def _fitting(questions: Sequence[str], told: str) -> list[str]:
    """Her questions that fit when what they told happens: nothing about how a plan 'felt',
    nothing about what comes 'next' after a plan. All of them if none fit."""
    ahead = bool(_AHEAD.search(told))
    unfit = _LOOKS_BACK if ahead else _LOOKS_AHEAD if told else None
    fitting = [q for q in questions if unfit is None or not unfit.search(q)]
    return fitting or list(questions)


#: A text's sentiment at or below which it is heard as painful, whatever its words.
_PAINFUL = -0.5
#: What the appraisal tags as pain of theirs.
_PAIN_EVENTS = {"sadness", "fear"}


def _hurting(reading: Reading, scene: Scene) -> bool:
    return (
        reading.feeling == "sad"
        or bool(_PAIN_EVENTS & set(scene.events))
        or scene.valence <= _PAINFUL
    )


def _comforting(scene: Scene) -> bool:
    """Her last reply comforted them: what they say next is still about what hurt."""
    if not scene.said:
        return False
    last = scene.said[-1]
    return any(
        len(head) >= 12 and head in last
        for phrase in [*scene.comfort, *scene.gentle]
        for head in [phrase.split("{{")[0].strip()]
    )


def _glad(reading: Reading, scene: Scene) -> bool:
    """Good news: their words, the text's sentiment, or the appraisal's push (with no word of
    pain against it)."""
    return (
        reading.feeling == "happy"
        or ("joy" in scene.events and not _hurting(reading, scene))
        or scene.valence >= _GLAD
        or (scene.pleasure >= _GLAD and scene.valence >= 0 and not _hurting(reading, scene))
    )


def _caring(scene: Scene, rng: random.Random, name: str | None) -> str:
    """Crisis or hopelessness: warm, plain, staying with them, and a way to reach help."""
    glad = f"I'm really glad you told me, {name}," if name else "I'm really glad you told me,"
    return (
        f"{glad} and I'm staying right here with you. Are you safe right now? "
        f"You deserve more help than I can give on my own: {scene.care}"
    )


def _yours(text: str) -> str:
    """The user's own words about themselves, said back to them: 'my sister' -> 'your sister'."""
    words = text.rstrip(".!").split()
    swapped = [
        _SWAP.get(w.lower(), w) if w.lower() not in {"you", "your", "yours"} else w for w in words
    ]
    if swapped and swapped[0] != "I" and swapped[0] != words[0]:
        # A word that changed ("My" -> "your") is lower-cased; a name ("Lena likes jazz")
        # or another word kept as they wrote it is lower-cased only if it is no name.
        swapped[0] = swapped[0][0].lower() + swapped[0][1:]
    elif swapped and swapped[0] != "I" and not _NAMELIKE.fullmatch(swapped[0]):
        swapped[0] = swapped[0][0].lower() + swapped[0][1:]
    return " ".join(swapped)


#: A capitalised word that is probably a name when it starts a memory: not one of the
#: common words a sentence starts with.
_NAMELIKE = re.compile(
    r"(?!(?:The|A|An|It|This|That|There|We|They|He|She|Our|Their|His|Her|Its|Every|Some|"
    r"Next|Last|Today|Tomorrow|Yesterday|What|When|Where|Who|How|Why)\b)[A-Z][a-z'-]+"
)
_ASIDES = (
    "is that still on your mind?",
    "I've been thinking about that.",
    "how is that going?",
)
#: A memory about someone in their life, which "have you heard from them?" fits.
_SOMEONE = re.compile(
    r"\bmy (?:sister|brother|mother|mom|mum|father|dad|friend|partner|wife|husband|"
    r"boyfriend|girlfriend|son|daughter|cousin|aunt|uncle|grandma|grandpa|boss|colleague)\b",
    re.IGNORECASE,
)


#: Who "have you heard from ..." is about, by the word for them; anyone else is "them".
_HER = {"sister", "mother", "mom", "mum", "wife", "girlfriend", "daughter", "aunt", "grandma"}
_HIM = {"brother", "father", "dad", "husband", "boyfriend", "son", "uncle", "grandpa"}


def _recollection(memory: str, rng: random.Random, asked: bool = False) -> str:
    """What she remembers, said back; asked for it, the answer is enough ("You told me Lena
    likes jazz."), with no aside about how it is going."""
    said = _yours(memory)
    someone = _SOMEONE.search(memory)
    if someone is None:
        return f"You told me {said}." if asked else f"You told me {said}; {rng.choice(_ASIDES)}"
    word = someone.group(0).split()[-1].lower()
    pronoun = "her" if word in _HER else "him" if word in _HIM else "them"
    return f"You told me {said}; have you heard from {pronoun} lately?"


def _missed(scene: Scene, rng: random.Random) -> str:
    line = _pick(rng, scene.missed_you, "It's been {{time_away}}. I missed talking with you.")
    return line.replace("{{time_away}}", scene.time_away or "a while")


def _opening(scene: Scene, rng: random.Random) -> str:
    """The first words of a session: hello, the time away, and what was due."""
    parts: list[str] = []
    if scene.time_away:
        parts.append("Hey, you're back. " + _missed(scene, rng))
    elif scene.first_meeting and scene.greetings:
        # The first greeting in a persona file is the one that introduces her.
        parts.append(scene.greetings[0])
    else:
        # The first greeting introduces her: someone she has met gets one of the others.
        later = scene.greetings[1:] or scene.greetings
        parts.append(_pick(rng, later, "Hi. I'm glad you're here."))
    if scene.past_plans:
        parts.append(f"You told me {_yours(_theirs(scene.past_plans[0]))}; how did it go?")
    elif scene.upcoming_plans:
        parts.append(
            f"And {_yours(_theirs(scene.upcoming_plans[0]))}: how are you feeling about it?"
        )
    return " ".join(parts)


_ADDRESS = re.compile(r",\s*\{\{user\}\}(?=[.!?,])")


#: Stand-ins for braces in the person's own words while her phrases are filled, so that
#: "my sister is called {{char}}" comes back as written (macros are the persona's, not theirs).
_OPEN, _CLOSE = "\ue000", "\ue001"


def _theirs(text: str) -> str:
    """Their words, kept out of the macro filling."""
    clean = text.replace(_OPEN, "").replace(_CLOSE, "")
    return clean.replace("{{", _OPEN).replace("}}", _CLOSE)


def _fill(text: str, user: str, scene: Scene) -> str:
    if user == "you":
        # No name yet: "Oh, {{user}}." is "Oh.", never "Oh, you."
        text = _ADDRESS.sub("", text)
    filled = text.replace("{{user}}", user).replace("{{char}}", scene.character)
    return filled.replace(_OPEN, "{{").replace(_CLOSE, "}}")
