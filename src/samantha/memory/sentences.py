"""How a message is built: its sentences, their clauses, and what each sentence is doing.

A fact can only come from a sentence that *tells* something. The same words in a question
("What is my sister's name?"), a request ("Can you help me plan my move to Lisbon?") or a
hypothetical ("If I moved to Paris I'd be happy") tell nothing about the person, so the
extractor first reads what kind of sentence it has, then which clauses of a telling sentence
stand on their own. Hand-written rules over English clause structure: the official small
English parsing models are not published on PyPI (see ``extract.py``), and these few shapes
cover how people talk about their lives to a friend.
"""

from __future__ import annotations

import re
from enum import StrEnum


class Mood(StrEnum):
    #: Says something: the only kind a fact is taken from.
    STATEMENT = "statement"
    #: Asks something ("What is my sister's name?", "Do you remember ...").
    QUESTION = "question"
    #: Asks her to do something ("Tell me a story", "Can you recommend ...").
    REQUEST = "request"
    #: Imagines something ("If I moved to Paris ...", "Suppose I quit").
    HYPOTHETICAL = "hypothetical"


WH_WORDS = frozenset(
    [
        "what",
        "where",
        "when",
        "why",
        "how",
        "who",
        "whom",
        "whose",
        "which",
        "whats",
        "what's",
        "where's",
        "how's",
        "who's",
    ]
)
AUXILIARIES = frozenset(
    [
        "do",
        "does",
        "did",
        "can",
        "could",
        "would",
        "should",
        "will",
        "shall",
        "may",
        "might",
        "must",
        "is",
        "are",
        "am",
        "was",
        "were",
        "have",
        "has",
        "had",
        "isn't",
        "aren't",
        "wasn't",
        "weren't",
        "don't",
        "doesn't",
        "didn't",
        "can't",
        "couldn't",
        "won't",
        "wouldn't",
        "shouldn't",
        "haven't",
        "hasn't",
        "hadn't",
    ]
)
#: What may follow an auxiliary that opens a question ("Do you ...", "Is it ...").
_QUESTION_SUBJECTS = frozenset(
    [
        "i",
        "you",
        "we",
        "they",
        "he",
        "she",
        "it",
        "there",
        "this",
        "that",
        "these",
        "those",
        "my",
        "your",
        "our",
        "their",
        "his",
        "her",
        "its",
        "the",
        "a",
        "an",
        "any",
        "anyone",
        "anybody",
        "someone",
        "somebody",
        "anything",
        "something",
        "people",
        "one",
        "u",
        "ya",
        "y'all",
    ]
)
#: Verbs that open an instruction to her ("Write me a poem", "Recommend a book").
IMPERATIVES = frozenset(
    [
        "write",
        "create",
        "make",
        "generate",
        "give",
        "list",
        "explain",
        "describe",
        "summarize",
        "summarise",
        "translate",
        "suggest",
        "recommend",
        "provide",
        "find",
        "show",
        "tell",
        "help",
        "imagine",
        "pretend",
        "act",
        "draft",
        "compose",
        "rewrite",
        "edit",
        "fix",
        "correct",
        "compare",
        "analyze",
        "analyse",
        "calculate",
        "convert",
        "design",
        "outline",
        "continue",
        "add",
        "remove",
        "use",
        "keep",
        "consider",
        "remind",
        "play",
        "rate",
        "rank",
        "define",
        "identify",
        "brainstorm",
        "proofread",
        "paraphrase",
        "elaborate",
        "expand",
        "shorten",
        "format",
        "check",
        "review",
        "evaluate",
        "classify",
        "choose",
        "pick",
        "guess",
        "answer",
        "solve",
        "complete",
        "fill",
        "respond",
        "reply",
        "say",
        "share",
        "teach",
        "walk",
        "let",
        "please",
        "name",
        "look",
        "search",
        "assume",
        "build",
        "organize",
        "organise",
        "prepare",
        "recommend",
        "advise",
        "propose",
        "estimate",
        "predict",
        "determine",
        "clarify",
        "simplify",
        "improve",
        "rephrase",
        "structure",
        "plan",
        "schedule",
        "create",
        "summarise",
        "update",
        "change",
        "convert",
        "sort",
        "split",
        "draw",
        "sketch",
        "test",
        "try",
        "go",
        "read",
        "cite",
        "quote",
        "note",
        "explain",
    ]
)
_REQUEST_OPENERS = re.compile(
    r"^(?:please\b|pls\b|kindly\b|could you\b|can you\b|would you\b|will you\b|can u\b|"
    r"i want you to\b|i need you to\b|i'd like you to\b|i would like you to\b|"
    r"i'd love (?:it )?if you\b|i need (?:some )?(?:help|advice|tips|ideas|suggestions)\b|"
    r"i'm looking for (?:some )?(?:help|advice|tips|ideas|suggestions|recommendations|"
    r"information|a (?:recipe|way|list|guide|book|recommendation))\b|"
    r"i am looking for (?:some )?(?:help|advice|tips|ideas|suggestions|recommendations)\b|"
    r"i was wondering\b|i wonder\b|i'm wondering\b|i am wondering\b|i'm curious\b|"
    r"i am curious\b|any (?:tips|ideas|suggestions|recommendations|advice)\b|"
    r"let me know\b|let's\b|lets\b)",
    re.IGNORECASE,
)
_HYPOTHETICAL_OPENERS = re.compile(
    r"^(?:if|suppose|supposing|imagine|imagining|assume|assuming|hypothetically|in theory|"
    r"pretend|let's say|lets say|say that|what if|even if|unless|in case|i wish|i'd|i would|"
    r"i could|i might|i may|maybe i|perhaps i|in a world where|in my dream|i dreamt|i dreamed|"
    r"once upon a time|in this story|in the story|my character|the character)\b",
    re.IGNORECASE,
)
#: Said before the point, changing nothing about it ("By the way, I moved to Lisbon").
_LEAD_IN = re.compile(
    r"^(?:(?:oh|ah|um|uh|hmm|well|so|and|but|also|actually|anyway|anyways|btw|by the way|"
    r"fyi|ok|okay|yeah|yes|yep|no|nope|honestly|basically|just so you know|for context|"
    r"for reference|for the record|as you know|as i said|as i mentioned|like i said|"
    r"you know what|guess what|funny enough|oh and|and also|plus|then|now|"
    r"(?:please )?(?:remember|note|keep in mind|bear in mind)(?: that)?|hi|hey|hello|"
    r"good (?:morning|evening|afternoon|night)|thanks|thank you)\b[,!.:;-]*\s*)+",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'\u201d\u2019)\]]*\s+(?=[\"'\u201c(\[]?[A-Z0-9])|\n+")
_ABBREVIATIONS = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|St|Prof|Jr|Sr|vs|etc|e\.g|i\.e|approx|No)\.$")
#: Where one clause hands over to the next. "And" only splits when a new subject follows
#: ("I love jazz and old films" and "the UK, France, and Italy" are one clause; "I love jazz
#: and my sister sings" is two).
_CLAUSE_BREAK = re.compile(
    r"\s*;\s*|\s*[\u2014\u2013]\s*|\s+-\s+|,\s*(?:but|so|because|since|although|though|while|"
    r"whereas|yet)\s+|,\s+(?:and\s+)?(?=(?:i|i'm|i've|i'll|i'd|my|we|we're|we've|our|he|she|"
    r"they|it's)\b)|"
    r"\s+(?:and|but|so|because|although|though|whereas|yet|since)\s+(?=(?:i|i'm|i've|i'll|"
    r"i'd|i am|my|we|we're|we've|we'll|our|he|she|they|it)\b)",
    re.IGNORECASE,
)


def sentences(text: str) -> list[str]:
    """The sentences of a message, each with its own closing punctuation."""
    pieces: list[str] = []
    for block in re.split(r"\n+", text):
        carry = ""
        for part in _SENTENCE_END.split(block):
            if not part or not part.strip():
                continue
            joined = f"{carry} {part}".strip() if carry else part.strip()
            if _ABBREVIATIONS.search(joined):
                carry = joined
                continue
            carry = ""
            pieces.append(joined.strip(" -*\u2022\t"))
        if carry:
            pieces.append(carry)
    return [p for p in pieces if p]


def strip_lead_in(sentence: str) -> str:
    """The sentence without the words people say before the point."""
    return _LEAD_IN.sub("", sentence.strip()).strip()


def _first_words(sentence: str, n: int) -> list[str]:
    return [w.strip(",.!?;:\"'()").lower() for w in sentence.split()[:n]]


def mood(sentence: str) -> Mood:
    """What the sentence does. Questions and requests win over any fact-shaped words in them."""
    text = sentence.strip()
    if not text:
        return Mood.STATEMENT
    body = strip_lead_in(text) or text
    words = _first_words(body, 3)
    first = words[0] if words else ""
    second = words[1] if len(words) > 1 else ""
    if text.rstrip("\"')\u201d ").endswith("?"):
        return Mood.QUESTION
    if _REQUEST_OPENERS.match(body):
        return Mood.REQUEST
    if _HYPOTHETICAL_OPENERS.match(body):
        return Mood.HYPOTHETICAL
    if first in WH_WORDS:
        # "What a day!" exclaims; "When I was little, I lived in Porto" tells.
        if second in {"a", "an"} or text.endswith("!"):
            return Mood.STATEMENT
        if second in AUXILIARIES or first in {"whats", "what's", "where's", "how's", "who's"}:
            return Mood.QUESTION
        if second in _QUESTION_SUBJECTS and "," in body:
            return Mood.STATEMENT
        return Mood.QUESTION
    if first in AUXILIARIES and second in _QUESTION_SUBJECTS:
        return Mood.QUESTION
    if first in IMPERATIVES and second not in {"is", "was", "are", "were", "'s"}:
        # "Call me Theo" names the person, and the name rule reads it before this.
        return Mood.REQUEST
    return Mood.STATEMENT


_BARE_SUBJECT = re.compile(r"^(?:my|our|his|her|their)\s+[\w'-]+(?:\s+[\w'-]+)?$", re.I)


def clauses(sentence: str) -> list[str]:
    """The clauses of a telling sentence, each able to stand alone as a fact. A part that is
    only a subject ("My boyfriend" of "My boyfriend and I broke up") stays with its verb."""
    found: list[str] = []
    carry = ""
    for part in _CLAUSE_BREAK.split(sentence):
        part = strip_lead_in(part).strip(" ,.!;:")
        if not part:
            continue
        if carry:
            part, carry = f"{carry} and {part}", ""
        if _BARE_SUBJECT.match(part):
            carry = part
            continue
        found.append(part)
    if carry:
        found.append(carry)
    return found


_TIME_LEAD = re.compile(
    r"^(?:(?:(?:on|this|last|next|coming)\s+)?(?:monday|tuesday|wednesday|thursday|friday|"
    r"saturday|sunday|weekend|week|month|year|morning|afternoon|evening|night|summer|winter|"
    r"spring|autumn|fall)|yesterday|today|tonight|tomorrow|recently|lately|earlier|later|"
    r"these days|nowadays|currently|right now|at the moment|a (?:few|couple of) (?:days|weeks|"
    r"months|years) ago|\d+ (?:days|weeks|months|years) ago|(?:in|since|back in) (?:\d{4}|"
    r"january|february|march|april|may|june|july|august|september|october|november|"
    r"december)|when i was (?:little|young|a kid|a child|younger|growing up)|as a kid|"
    r"growing up)\b[,]?\s*",
    re.IGNORECASE,
)


def subject_first(clause: str) -> str:
    """The clause from its subject on: "Yesterday I went hiking" reads from "I"."""
    body = strip_lead_in(clause)
    for _ in range(3):
        stripped = strip_lead_in(_TIME_LEAD.sub("", body, count=1))
        if stripped == body:
            break
        body = stripped
    return body or clause


def is_hypothetical_clause(clause: str) -> bool:
    """A clause that wishes or imagines ("I'd be happier there", "I could move")."""
    return bool(
        _HYPOTHETICAL_OPENERS.match(clause)
        or re.search(
            r"\b(?:would|could|might|should|wish|hope|if|unless|whether|someday|one day)\b|"
            r"\bI'd\b",
            clause,
            re.IGNORECASE,
        )
    )


def is_negated(clause: str) -> bool:
    return bool(
        re.search(
            r"\b(?:not|never|no longer|don't|doesn't|didn't|haven't|hasn't|won't|isn't|"
            r"aren't|wasn't|weren't|can't|cannot|nobody|neither|nor)\b|n't\b",
            clause,
            re.IGNORECASE,
        )
    )
