"""How a message lands on her: what it feels like, the PAD impulse it gives her, and event tags.

Two readings are combined. The *affect reading* is the feeling of the text itself (valence,
arousal, dominance, as people rate sentences): word weights fitted to EmoBank's human ratings
(``affect_weights.tsv`` beside this file, see ``README.md`` there for its source and licence)
plus VADER's compound and word valences (MIT licence; VADER handles negation, intensifiers,
capitals and emoji). The *event tags* (affection, insult, apology ...) come from patterns aimed
at *her*. Her impulse is the reading taken in empathically (your grief saddens and quiets her,
your fear unsettles her, your good news lifts her) plus what each event does to her. It runs
offline in well under a millisecond and is usable on its own::

    from samantha.state.appraisal import appraise
    appraise("I'm not happy with you").pleasure   # < 0
    appraise("My dog died this morning").reading  # the text's own valence, arousal, dominance
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from samantha.state import affect
from samantha.state.mood import PAD

EventTag = Literal[
    "affection",
    "gratitude",
    "praise",
    "insult",
    "dismissal",
    "sadness",
    "fear",
    "joy",
    "apology",
    "question_about_her",
    "personal_disclosure",
    "promise_kept",
    "promise_broken",
]

_YOU = r"(?:you|u|ya)"
_YOURE = r"(?:you're|youre|you are|ur|u r|you were)"
#: What follows "sorry" when it is sympathy for bad news rather than an apology ("sorry to hear
#: that", "sorry for your loss", "sorry about your dad", "sorry you went through that").
_CONDOLENCE_TAIL = (
    r"(?:to hear|for (?:your|the) loss|about (?:your|his|her|their)|that (?:happened|you)|"
    r"you (?:had|have|went|are|were|lost|feel))"
)
_CONDOLENCE = rf"sorry {_CONDOLENCE_TAIL}"
_PATTERNS: dict[EventTag, re.Pattern[str]] = {
    "affection": re.compile(
        rf"\b(?:i(?:'ve| have)? (?:really |truly |so )?(?:love|loved|adore|miss|missed|like) {_YOU}|care about {_YOU}|"
        r"i (?:really |just )?(?:love|enjoy) (?:talking|being|spending time) with (?:you|u)|"
        r"(?:you|u) make me (?:so |really |very )?(?:happy|smile|feel (?:good|better|loved|safe))|"
        rf"{_YOURE} (?:so |really )?(?:sweet|lovely|adorable|the best|wonderful|special)|"
        r"hugs?|xoxo)\b|<3|❤|😘|🥰|😍",
        re.I,
    ),
    "gratitude": re.compile(r"\b(?:thanks?|thank (?:you|u)|thx|grateful|appreciate)\b|🙏", re.I),
    "praise": re.compile(
        rf"\b(?:{_YOURE} (?:so |really |very )?(?:smart|clever|funny|brilliant|amazing|great|"
        r"kind|wise|good at|right)|good job|well done|nice one|you nailed it)\b",
        re.I,
    ),
    "insult": re.compile(
        rf"\b(?:{_YOURE} (?:so |really |such an? |an? )?(?:stupid|dumb|useless|worthless|"
        r"pathetic|annoying|idiot|moron|boring|creepy|fake|nothing|a joke)|shut up|i hate you|"
        r"idiot|moron|stupid (?:machine|bot|program)|screw you|f+u+c+k+ (?:you|off)|"
        r"piece of (?:junk|crap|shit))\b",
        re.I,
    ),
    "dismissal": re.compile(
        r"^\s*(?:whatever|k|ok\.?|meh|who cares|don'?t care|i don'?t care|leave me alone|"
        r"go away|not now|stop talking|boring)\s*[.!]*\s*$|\b(?:leave me alone|go away|"
        r"who cares|you wouldn'?t understand)\b",
        re.I,
    ),
    "sadness": re.compile(
        r"\b(?:sad|sadness|depressed|depressing|lonely|alone|cry(?:ing)?|cried|tears|"
        r"heartbroken|heartbreaking|broke my heart|breaks? my heart|breaking my heart|grief|"
        r"griev(?:e|ed|ing)|mourn(?:ing)?|miserable|devastat(?:ed|ing)|hopeless|empty inside|"
        r"rough day|hard day|bad day|hard time|down|upset|disappointed|let down|"
        r"miss (?:her|him|them|my)|missed (?:her|him|them|my)|"
        r"died|dies|dying|dead|death|passed away|funeral|cancer|terminal|coma|"
        r"broke up|break ?up|dumped|divorced?|laid off|got fired|lost (?:my|his|her|our) \w+|"
        # Condolence: said of someone else's bad news, never an apology.
        rf"{_CONDOLENCE})\b"
        r"|😢|😭|💔",
        re.I,
    ),
    "fear": re.compile(
        r"\b(?:scared|scary|afraid|anxious|worried|nervous|terrified|terrifying|horrifying|"
        r"panic(?:king)?|dread|frightened|frightening|fear(?:ful)?)\b",
        re.I,
    ),
    "joy": re.compile(
        r"\b(?:happy|excited|thrilled|yay|woo+|won|great news|celebrat\w*|delighted|"
        r"(?:can'?t|cannot|can not|couldn'?t|could not) wait|best day|proud|glad|relieved|grateful for|thankful for|blessed|"
        r"hopeful|"
        # Good news in the words people use for it: a milestone reached, something won.
        r"(?:passed|aced|nailed) (?:my|the|our|her|his) \w+|got (?:the|a|my) (?:new )?(?:job|"
        r"promotion|raise|offer|scholarship|apartment|house|place)|(?:got|been|was) promoted|"
        r"promotion|(?:got|was|been) accepted|(?:got|just got|we got) engaged|graduat(?:ed|ing)|"
        r"(?:had|having) (?:a|our|my|her) (?:baby|first child)|new baby|(?:bought|buying) (?:a|our|"
        r"my) (?:first )?(?:house|home|car)|(?:got|we got|adopted) a (?:new )?(?:puppy|kitten|dog|"
        r"cat)|finally (?:finished|did it|got)|made it|good news)\b|🎉|😄|😊",
        re.I,
    ),
    "apology": re.compile(
        rf"\b(?:sorry(?! {_CONDOLENCE_TAIL})|apologi[sz]e|my bad|forgive me|i was wrong|"
        r"didn'?t mean (?:it|that))\b",
        re.I,
    ),
    "personal_disclosure": re.compile(
        r"\b(?:i (?:feel|felt|never told|have never|used to|grew up|'ve been|am afraid|wish)|"
        r"honestly,? i|to be honest|my (?:mom|mother|dad|father|sister|brother|wife|husband|"
        r"partner|girlfriend|boyfriend|son|daughter|family|childhood|divorce|therapist|job|boss))\b",
        re.I,
    ),
    "promise_kept": re.compile(
        r"\b(?:like i promised|as (?:i )?promised|i kept my (?:promise|word)|i did it like i said)\b",
        re.I,
    ),
    "promise_broken": re.compile(
        r"\b(?:i forgot (?:to|about)|i broke my (?:promise|word)|i didn'?t (?:get to|manage to|"
        r"keep my)|i never (?:did|got around))\b",
        re.I,
    ),
}

#: What each event does to her, on top of the message's overall valence.
TAG_IMPULSES: dict[EventTag, PAD] = {
    "affection": PAD(pleasure=0.5, arousal=0.2, dominance=0.1),
    "gratitude": PAD(pleasure=0.35, arousal=0.1, dominance=0.2),
    "praise": PAD(pleasure=0.4, arousal=0.2, dominance=0.3),
    "insult": PAD(pleasure=-0.8, arousal=0.5, dominance=-0.4),
    "dismissal": PAD(pleasure=-0.4, arousal=-0.2, dominance=-0.2),
    # Your sadness saddens and quiets her; your fear unsettles her. Neither makes her feel in
    # charge: a friend's grief is not a moment of control.
    "sadness": PAD(pleasure=-0.5, arousal=-0.3, dominance=-0.15),
    "fear": PAD(pleasure=-0.3, arousal=0.3, dominance=-0.2),
    "joy": PAD(pleasure=0.35, arousal=0.3, dominance=0.1),
    "apology": PAD(pleasure=0.3, arousal=-0.1, dominance=0.2),
    "question_about_her": PAD(pleasure=0.15, arousal=0.15, dominance=0.05),
    # Being confided in builds the bond (relationship.py), but it is no joy in itself: your
    # grief told in trust must not cheer her.
    "personal_disclosure": PAD(pleasure=0.0, arousal=0.05, dominance=0.0),
    "promise_kept": PAD(pleasure=0.3, arousal=0.1, dominance=0.1),
    "promise_broken": PAD(pleasure=-0.3, arousal=0.05, dominance=-0.1),
}

_INTENSIFIERS = re.compile(
    r"\b(?:very|so|really|extremely|totally|absolutely|incredibly|super|utterly)\b", re.I
)
_HEDGES = re.compile(r"\b(?:maybe|perhaps|i think|i guess|sort of|kind of|might|possibly)\b", re.I)
_COMMAND = re.compile(
    r"^\s*(?:tell|give|stop|do|answer|listen|say|shut|show|explain|be|don'?t|never)\b", re.I
)
_ABOUT_HER = re.compile(
    r"\b(?:are you|do you|what are you|who are you|how are you|how do you|what do you|"
    r"can you feel|your (?:day|feelings|name|favou?rite))\b",
    re.I,
)


class Appraisal(BaseModel):
    """A message's effect: the impulse to apply to her mood, and what kind of event it was."""

    model_config = ConfigDict(frozen=True)

    impulse: PAD
    tags: list[EventTag] = Field(default_factory=list)
    #: VADER's compound valence of the text, for those checking against labelled data.
    valence: float = 0.0
    #: The feeling of the text itself (valence, arousal, dominance as people rate sentences,
    #: -1..1 with 0 neutral): what she reads, before she takes it in (``impulse``).
    reading: PAD = Field(default_factory=PAD)
    source: Literal["lexicon", "model"] = "lexicon"

    @property
    def pleasure(self) -> float:
        return self.impulse.pleasure

    @property
    def arousal(self) -> float:
        return self.impulse.arousal

    @property
    def dominance(self) -> float:
        return self.impulse.dominance


@cache
def vader() -> Any:
    # 25 ms to import and 45 ms to read the lexicon: once per process, on first use.
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


_NEGATED = re.compile(
    r"\b(?:not|never|no|hardly|don'?t|didn'?t|isn'?t|wasn'?t|aren'?t)\W+(?:\w+\W+){0,2}$", re.I
)
#: Tags a negation flips off ("not happy" is not joy); insults and apologies keep their force.
_NEGATABLE: set[EventTag] = {"affection", "praise", "joy", "sadness", "fear", "gratitude"}


def _found(tag: EventTag, pattern: re.Pattern[str], text: str) -> bool:
    for match in pattern.finditer(text):
        if tag in _NEGATABLE and _NEGATED.search(text[max(0, match.start() - 40) : match.start()]):
            continue
        return True
    return False


def tags_of(text: str) -> list[EventTag]:
    tags: list[EventTag] = [tag for tag, pattern in _PATTERNS.items() if _found(tag, pattern, text)]
    if "?" in text and _ABOUT_HER.search(text):
        tags.append("question_about_her")
    if "insult" in tags and "affection" in tags:
        tags.remove("affection")  # "I love you, idiot" is not affection enough to count twice
    if "apology" in tags and "sadness" in tags and not re.search(r"\bsad\b", text, re.I):
        tags.remove("sadness")
    return tags


def read(sample: str, scores: dict[str, float]) -> PAD:
    """The text's own feeling from the affect weights (``affect``), as -1..1 per axis."""
    analyser = vader()
    v, a, d = affect.model().rate(affect.features(sample, scores, analyser.lexicon))
    return PAD(pleasure=affect.to_unit(v), arousal=affect.to_unit(a), dominance=affect.to_unit(d))


#: How strongly she takes in the feeling of what she is told (the reading, -1..1 per axis):
#: the reading is compressed (its spread on conversation is about 0.1), so the gains are large.
#: Chosen on EmpatheticDialogues' validation split (benchmarks/appraisal.py --split valid).
EMPATHY_GAIN = (7.0, 2.0, 3.0)  # pleasure, arousal, dominance
#: The reading of plain chat (greetings, small talk) sits a little above EmoBank's neutral 3;
#: measured from here, small talk neither lifts nor lowers her.
CHAT_READING = PAD(pleasure=0.07, arousal=0.1, dominance=0.05)
#: A question or a request asks for something rather than telling her how things are: its
#: words are the topic's ("how do I get rid of mould", "a recipe for a sad-looking cake"), not
#: the person's news, so their reading moves her only this much. Without it, a run of plain
#: questions (LongMemEval's user turns) read slightly below plain chat and left her sad.
#: Chosen on EmpatheticDialogues' validation split with the small-talk drift
#: (benchmarks/appraisal.py): 0.3 keeps the sign figures and cuts the drift from 30% to 18%.
ASKING_WEIGHT = 0.3
#: Tags that say nothing of good or bad news: "Do you have any tips?" asks her, and "my boss
#: wants the report" confides, but neither is a feeling to take in.
_NO_NEWS: set[EventTag] = {"question_about_her", "personal_disclosure"}
_ASKING = re.compile(
    r"\?\s*$|^\s*(?:(?:can|could|would|will) you|please|help me|give me|tell me|show me|"
    r"write|suggest|recommend|list|explain|describe|compare|summari[sz]e|why|when|where|"
    # "What a day" and "how lovely" exclaim; they do not ask.
    r"which|who|is there|are there|do you|does|what(?!\s+an?\b)|how(?!\s+(?:very\s+|so\s+)?"
    r"(?:nice|sweet|kind|lovely|awful|sad|terrible|cool|great|wonderful|horrible|awesome)\b))\b",
    re.I,
)
#: VADER's compound on top of the reading: it sees emoji, capitals and "!!!" that the word
#: weights do not.
COMPOUND_WEIGHT = 0.6
#: How much of a bad text's pleasure impulse also lowers her dominance.
HELPLESSNESS = 0.3
_WORDLESS = re.compile(r"[^A-Za-z]*")


def appraise(text: str) -> Appraisal:
    """The lexicon appraisal of one message: pure, fast, offline."""
    # The feeling of a long message is in its opening; VADER's cost grows faster than the text
    # (4,000 characters take 25 ms), and this runs on the event loop.
    sample = text[:1000]
    scores = vader().polarity_scores(sample)
    valence = float(scores["compound"])
    tags = tags_of(sample)
    pleasure = COMPOUND_WEIGHT * valence
    arousal = dominance = 0.0
    if _WORDLESS.fullmatch(sample):
        reading = PAD()  # "...", "?" or nothing: no feeling to read, none to take in
    else:
        reading = read(sample, scores)
        offset = EMPATHY_GAIN[0] * (reading.pleasure - CHAT_READING.pleasure)
        if not set(tags) - _NO_NEWS and _ASKING.search(sample):
            offset *= ASKING_WEIGHT
        # Words of plain good or bad news outrank the word weights' sign ("I passed my exam"
        # reads low on 'exam'; it is still good news).
        if "joy" in tags and not {"sadness", "fear"} & set(tags):
            offset = max(0.0, offset)
        elif {"sadness", "fear"} & set(tags) and "joy" not in tags:
            offset = min(0.0, offset)
        pleasure += offset
        arousal += EMPATHY_GAIN[1] * (reading.arousal - CHAT_READING.arousal)
        dominance += EMPATHY_GAIN[2] * (reading.dominance - CHAT_READING.dominance)
    # Bad news about your life is no moment of control for her: it lowers her dominance too,
    # so your grief or anger leaves her sad or upset for you, never hostile.
    dominance += HELPLESSNESS * min(0.0, pleasure)
    for tag in tags:
        effect = TAG_IMPULSES[tag]
        pleasure += effect.pleasure
        arousal += effect.arousal
        dominance += effect.dominance
    words = re.findall(r"[A-Za-z]{2,}", sample)
    if words:
        shouting = sum(1 for w in words if w.isupper()) / len(words)
        arousal += 0.4 * shouting if len(words) > 1 else 0.0
    arousal += min(0.3, 0.1 * sample.count("!"))
    arousal += min(0.2, 0.07 * len(_INTENSIFIERS.findall(sample)))
    if _COMMAND.search(sample):
        dominance -= 0.15  # being ordered about
    if _HEDGES.search(sample) or sample.rstrip().endswith("?"):
        dominance += 0.1  # being asked, tentatively
    if not tags and abs(valence) < 0.05:
        arousal -= 0.05  # small talk is calming
    return Appraisal(
        impulse=PAD.clamped(pleasure, arousal, dominance),
        tags=tags,
        valence=valence,
        reading=reading,
    )


APPRAISAL_INSTRUCTIONS = (
    "You rate how a message to a companion lands on her. Reply with JSON only, no prose: "
    '{"pleasure": p, "arousal": a, "dominance": d, "tags": [...]} where p, a and d are numbers '
    "from -1 to 1 (her pleasure, arousal and sense of control after reading it) and tags are "
    "any of: " + ", ".join(TAG_IMPULSES) + "."
)


class ModelVerdict(BaseModel):
    """What a model must return for its appraisal to be used; anything else is rejected."""

    model_config = ConfigDict(extra="ignore")

    pleasure: float = Field(ge=-1, le=1)
    arousal: float = Field(ge=-1, le=1)
    dominance: float = Field(ge=-1, le=1)
    tags: list[EventTag] = Field(default_factory=list)


def parse_verdict(reply: str, text: str) -> Appraisal | None:
    """The model's appraisal from its reply, or None when the reply is not valid JSON of the
    expected shape (models wrap JSON in prose or code fences; the outermost braces are taken)."""
    start, end = reply.find("{"), reply.rfind("}")
    if start < 0 or end <= start:
        return None
    try:
        verdict = ModelVerdict.model_validate_json(reply[start : end + 1])
    except ValueError:
        return None
    lexicon = appraise(text)
    return Appraisal(
        impulse=PAD(
            pleasure=verdict.pleasure, arousal=verdict.arousal, dominance=verdict.dominance
        ),
        tags=list(dict.fromkeys(verdict.tags)),
        valence=lexicon.valence,
        reading=lexicon.reading,
        source="model",
    )
