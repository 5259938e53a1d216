"""How the offline voice reads a message: a name, a feeling, a question, a phrase to echo."""

from __future__ import annotations

import re
from dataclasses import dataclass

from samantha.memory.extract import KEEP_THIS, clean_name

_NAME = re.compile(
    r"\b(?:(?i:my name is|my name's|call me|i'm called|i am called)\s+([A-Za-z][\w'-]{1,30})"
    r"|^(?i:hi|hey|hello)?[,!. ]*(?i:i'm|i am)\s+([A-Z][a-z'-]{1,30})\b[.!]?\s*$)"
)
_REQUEST = re.compile(
    r"\b(?:can|could|would|will) you (?!feel|dream|think|imagine|love|be)\w+", re.IGNORECASE
)
#: "Do you remember ...", "do you know ...": a question about what she knows of them.
_REMEMBER = re.compile(r"\b(?:do|did|can|could) you (?:still )?(?:remember|recall|know)\b", re.I)
#: A question after a fact of their life: "What is my sister's name?", "When is my interview?".
_THEIR_FACT = re.compile(
    r"\b(?:what|what's|who|who's|where|when|which|how many|how old)\b.*\bmy\b", re.I
)
#: A question after someone they named: "What does Lena like?", "Where does Tom live?"
_ABOUT_SOMEONE = re.compile(
    r"^\W*(?i:what|who|where|when|which|how)(?: \w+)? (?i:does|did|is|was|has|had) "
    r"(?!I\b|I'm\b)[A-Z][a-z][\w'-]*"
)
#: Asking for advice or an opinion is not asking for a fact: "What should I do about my boss?"
_ADVICE = re.compile(r"\b(?:should|shall|could|can|do) i\b|\byou think\b", re.I)
#: "Are you there", "you still up?": checking she is there.
_PRESENCE = re.compile(
    r"^\W*(?:are|r) (?:you|u) (?:still )?(?:there|here|awake|up|around)\b|^\W*(?:you|u) (?:still )?"
    r"(?:there|awake|up)\b",
    re.IGNORECASE,
)
#: A question asked without its question mark: "are you there", "what do you think".
_ASKING_START = re.compile(
    r"^\W*(?:are|is|do|does|did|can|could|will|would|have|has|what|why|how|where|when|who)"
    r"\s+(?:you|u|i|we|it|that|this|there|my|your)\b",
    re.IGNORECASE,
)
#: Leaving: "goodnight", "bye", "talk tomorrow", "I have to go".
_FAREWELL = re.compile(
    r"^\W*(?:ok(?:ay)?[,. ]+|well[,. ]+|anyway[,. ]+)?(?:good ?night|night night|nite|bye|"
    r"goodbye|see (?:you|ya)|talk (?:to you )?(?:later|tomorrow|soon)|gotta go|"
    r"i (?:have|need) to go|i'm off|ttyl|sleep well)\b",
    re.IGNORECASE,
)
#: A thank-you on its own: "thanks for listening", "thank you, really".
_THANKS = re.compile(r"^\W*(?:thanks|thank you|thank u|thx|ty|cheers)\b", re.IGNORECASE)
#: Asking what to do: "should I ...?", "what do you think I should ...?"
_ADVICE_ASKED = re.compile(
    r"\b(?:should|shall) i\b|\bwhat (?:do|would) you (?:do|think|suggest)\b", re.I
)
#: A whole message that tells her nothing of their life: not said back as news.
_NOT_NEWS = re.compile(
    r"^\W*(?:(?:i\s+)?(?:don'?t|do\s+not)\s+know|idk|dunno|no\s+idea|never\s*mind|nvm|"
    r"(?:i'?m\s+|i\s+am\s+)?not\s+(?:really\s+)?sure|"
    r"i\s+(?:(?:don'?t|do\s+not)\s+)?(?:guess|suppose|think)(?:\s+so)?)"
    r"(?:\s+(?:really|honestly|yet))?\W*$",
    re.I,
)
#: They would rather not talk about it: she lets it be, and asks nothing.
_DECLINE = re.compile(
    r"^\W*(?:i\s+(?:really\s+)?(?:don'?t|do\s+not)\s+(?:want|wanna)\s+(?:to\s+)?|"
    r"(?:can|could)\s+we\s+(?:please\s+)?not\s+|let'?s\s+not\s+)"
    r"talk\s+about\s+(?:it|that|this)(?:\s+(?:now|right\s+now|anymore|today))?\W*$",
    re.I,
)
_GREETING = re.compile(r"^\s*(hi|hello|hey|hiya|good (morning|afternoon|evening)|yo)\b", re.I)
_NEGATION = re.compile(r"\b(not|never|no|n't|hardly)\b", re.I)
_SAD = {
    "sad",
    "rough",
    "tired",
    "lonely",
    "awful",
    "bad",
    "stressed",
    "anxious",
    "hurt",
    "cry",
    "crying",
    "depressed",
    "exhausted",
    "angry",
    "upset",
    "terrible",
    "miserable",
    "worried",
    "scared",
    "afraid",
    "lost",
    "hard",
    "sick",
    "broke",
    "alone",
    "horrible",
    "down",
    # Loss, grief and fear in the words people use for them.
    "died",
    "dead",
    "death",
    "funeral",
    "grief",
    "grieving",
    "mourning",
    "devastated",
    "heartbroken",
    "broken",
    "hopeless",
    "helpless",
    "worthless",
    "empty",
    "numb",
    "terrified",
    "frightened",
    "panic",
    "nervous",
    "dumped",
    "divorce",
    "divorced",
    "fired",
    "miss",
    "missing",
    "cancer",
    "hospital",
    "killed",
    "isolated",
    "ashamed",
    "guilty",
    "failed",
    "failing",
    "stuck",
    "brutal",
    "yelled",
    "fell",
    "overwhelmed",
    "struggling",
    "rejected",
}
_HAPPY = {
    "happy",
    "great",
    "good",
    "excited",
    "wonderful",
    "amazing",
    "love",
    "glad",
    "fun",
    "fantastic",
    "joy",
    "proud",
    "lovely",
    "beautiful",
    "thrilled",
    "awesome",
    "nice",
    "better",
    # Good news in the words people use for it.
    "married",
    "engaged",
    "wedding",
    "promoted",
    "promotion",
    "graduated",
    "hired",
    "celebrate",
    "celebrating",
}
_STOP = {
    "i",
    "me",
    "my",
    "the",
    "a",
    "an",
    "and",
    "or",
    "but",
    "so",
    "to",
    "of",
    "in",
    "on",
    "at",
    "it",
    "is",
    "was",
    "are",
    "be",
    "just",
    "really",
    "very",
    "that",
    "this",
    "with",
    "for",
}
_STARTERS = {"today", "yesterday", "tonight", "well", "honestly", "actually", "work", "we"}
_SWAP = {
    "i": "you",
    "me": "you",
    "my": "your",
    "mine": "yours",
    "am": "are",
    "i'm": "you're",
    "myself": "yourself",
    "we": "you",
    "we're": "you're",
    "we've": "you've",
    "we'll": "you'll",
    "we'd": "you'd",
    "us": "you",
    "our": "your",
    "ours": "yours",
    "i've": "you've",
    "i'd": "you'd",
    "i'll": "you'll",
    "you": "I",
    "your": "my",
    "yours": "mine",
    "you're": "I'm",
}


@dataclass(frozen=True)
class Reading:
    """What the offline voice noticed in a message."""

    name: str | None
    greeting: bool
    feeling: str | None  # "sad" | "happy" | None
    asks_about_her: bool
    #: "What should I do?", "what do you think I should wear?": asking her advice.
    asks_advice: bool
    #: Only a hello ("good morning!"): its warmth is a greeting, not news to be glad of.
    only_greeting: bool
    #: "Are you there?": she is.
    checks_presence: bool
    #: "Can you remember that Lena likes jazz?": what to keep, said back to them.
    to_remember: str | None
    #: They are leaving ("goodnight", "bye"): she says goodbye, asks nothing.
    farewell: bool
    #: A thank-you and nothing more ("thanks for listening"): she takes it warmly, asks nothing.
    thanks: bool
    #: A question after a fact of their own life, which only her memory can answer.
    asks_their_fact: bool
    question: bool
    echo: str | None
    #: "I don't want to talk about it": she lets it be.
    declines: bool = False


def read_message(text: str) -> Reading:
    # A phone or a word processor types ’ for an apostrophe: "I’m Tom" is "I'm Tom".
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    words = re.findall(r"[\w']+", text.lower())
    name_match = _NAME.search(text)
    feeling: str | None = None
    sad_hits = [i for i, w in enumerate(words) if w in _SAD]
    happy_hits = [i for i, w in enumerate(words) if w in _HAPPY]

    def negated(index: int) -> bool:
        window = " ".join(words[max(0, index - 3) : index])
        return bool(_NEGATION.search(window)) or window.endswith("n't")

    sad = sum(0 if negated(i) else 1 for i in sad_hits) + sum(1 for i in happy_hits if negated(i))
    happy = sum(0 if negated(i) else 1 for i in happy_hits) + sum(1 for i in sad_hits if negated(i))
    if sad > happy:
        feeling = "sad"
    elif happy > sad:
        feeling = "happy"
    presence = bool(_PRESENCE.match(text))
    remember = KEEP_THIS.match(text.strip())
    question = (
        text.rstrip().endswith("?") or bool(_ASKING_START.match(text)) or presence
    ) and not (_GREETING.match(text) and len(words) <= 3)
    first_person = bool(re.search(r"\b(?:my|mine|me|i)\b", text, re.I))
    asks_their_fact = (
        question
        and not _ADVICE.search(text)
        and (
            bool(_THEIR_FACT.search(text))
            or (first_person and bool(_REMEMBER.search(text)))
            or bool(_ABOUT_SOMEONE.search(text))
        )
    )
    # "Who are you?", "do you dream?": about her. "Can you remind me ...?": a request; "do you
    # remember my ...?": about them.
    asks_about_her = (
        question
        and bool(re.search(r"\b(you|your|yourself)\b", text, re.I))
        and not _REQUEST.search(text)
        and not asks_their_fact
        and not _ADVICE.search(text)
    )
    return Reading(
        # Only a name memory would keep: "call me crazy" or "I'm Sad" is no name.
        name=clean_name(name_match.group(1) or name_match.group(2)) if name_match else None,
        greeting=bool(_GREETING.match(text)),
        feeling=feeling,
        asks_about_her=asks_about_her,
        farewell=bool(_FAREWELL.match(text)) and not question,
        checks_presence=presence,
        to_remember=_second_person(remember.group("told")) if remember else None,
        asks_advice=question and bool(_ADVICE_ASKED.search(text)),
        only_greeting=bool(_GREETING.match(text)) and len(words) <= 4 and not question,
        thanks=bool(_THANKS.match(text)) and len(re.split(r"(?<=[.!?])\s+", text.strip())) == 1,
        asks_their_fact=asks_their_fact,
        question=question,
        echo=None if _NOT_NEWS.match(text) or _DECLINE.match(text) else _echo(text),
        declines=bool(_DECLINE.match(text)),
    )


_VERBS_AFTER_SUBJECT = {
    "and",
    "are",
    "were",
    "will",
    "would",
    "can",
    "could",
    "should",
    "have",
    "had",
    "do",
    "did",
    "know",
    "think",
    "said",
    "say",
    "might",
    "must",
    "seem",
    "sound",
    "make",
    "get",
}
#: Requests are answered, not echoed: "so tell you something" would be nonsense.
_IMPERATIVE = re.compile(
    r"^\s*(?:please\s+)?(?:tell|give|show|let|explain|describe|say|help|talk|sing|write|"
    r"remind|remember|forget|imagine|guess|pick|name|stop|do|don't|be)\b",
    re.I,
)
_SUBJECT_BEFORE = {"and", "but", "because", "that", "if", "when", "so", "while", "since"}


def _swap(words: list[str], index: int) -> str:
    """First and second person trade places; 'you' becomes 'I' as a subject, 'me' otherwise."""
    word = words[index].lower().strip(",")
    if words[index].strip(",") == "US":
        return words[index]  # the country, not "us"
    if word == "you":
        before = words[index - 1].lower().strip(",") if index else ""
        after = words[index + 1].lower().strip(",") if index + 1 < len(words) else ""
        subject = index == 0 or before in _SUBJECT_BEFORE or after in _VERBS_AFTER_SUBJECT
        return "I" if subject else "me"
    return _SWAP.get(word, words[index])


def _second_person(clause: str) -> str:
    """Their words turned to her point of view: 'my sister likes jazz' -> 'your sister likes
    jazz'."""
    words = clause.split()
    return " ".join(_agree([_swap(words, i) for i in range(len(words))]))


def _echo(text: str) -> str | None:
    """A statement of the user's in the second person: 'I had a rough day' -> 'you had a rough
    day'. Greetings, introductions and questions are skipped; she answers those differently."""
    clauses = [c.strip() for c in re.split(r"(?<=[.!?;\n])\s*", text.strip()) if c.strip()]
    statements = [
        c.rstrip(".!;")
        for c in clauses
        if not c.endswith("?")
        and not _NAME.search(c)
        and not _GREETING.match(c)
        and not _IMPERATIVE.match(c)
    ]
    if not statements:
        return None
    clause = statements[0]
    words = clause.split()
    if words and words[0].lower().strip(",") in _ABOUT_YOU:
        # "You're a good listener": about her, not news of theirs to say back.
        return None
    while words and words[0].lower().strip(",") in _JOINERS:
        # "And my sister is getting married": her opener already joins ("So my sister ...").
        words = words[1:]
    if len(words) < 3 or len(words) > 14:
        return None
    if not any(w.lower().strip(",") not in _STOP for w in words):
        return None
    swapped = _agree([_swap(words, i) for i in range(len(words))])
    first = re.sub(r"'\w+$", "", words[0].lower())
    if first in _STOP | _STARTERS | _COMMON_OPENERS or _COMMON_SHAPE.search(first):
        # It follows her opener mid-sentence; a proper noun keeps its capital.
        swapped[0] = swapped[0] if swapped[0] == "I" else swapped[0].lower()
    return " ".join(swapped).rstrip(",")


#: Words that start a sentence with a capital only because they start it: lower-cased when
#: her opener comes first ("So everything feels off", not "So Everything feels off").
_COMMON_OPENERS = {
    "everything", "everyone", "everybody", "nothing", "nobody", "something", "someone",
    "somebody", "anything", "anyone", "all", "some", "most", "there", "here", "then", "now",
    "these", "those", "they", "he", "she", "his", "her", "their", "its", "last", "next",
    "yesterday's", "today's", "tomorrow", "tonight's", "finally", "maybe", "after", "before",
    "since", "when", "once", "every", "each", "no", "not", "only", "even", "still", "also",
}  # fmt: skip
#: A statement that starts with these is about her.
_ABOUT_YOU = {"you", "you're", "youre", "your", "you've", "you'd", "u", "ur"}
#: Words that join a message to the last one; dropped from the start of an echo.
_JOINERS = {
    "and",
    "but",
    "also",
    "plus",
    "oh",
    "anyway",
    "so",
    "thanks",
    "ok",
    "okay",
    "yeah",
    "well",
}
#: Word endings few names have ("Answering that is hard", "Kindness is rare"): such a
#: first word is lower-cased after her opener.
_COMMON_SHAPE = re.compile(r"\w{4,}(?:ing|ness|tion)$")
#: After "you" the verb agrees: "you were", never "you was".
_AGREEMENT = {"was": "were", "wasn't": "weren't", "am": "are", "is": "are", "has": "have"}


def _agree(words: list[str]) -> list[str]:
    return [
        _AGREEMENT.get(w.lower(), w) if i and words[i - 1].lower() == "you" else w
        for i, w in enumerate(words)
    ]
