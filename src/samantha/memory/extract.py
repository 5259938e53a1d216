"""Facts drawn from what the user says, by rules: the extractor that needs no model.

It reads each sentence for what it does first (``sentences.py``): questions, requests and
hypotheticals tell nothing, whatever facts their words seem to hold. Telling sentences are cut
into clauses, and each clause is read for the forms people use to tell a friend about their
life ("my sister Anna", "I love jazz", "my interview is on Friday", "call me Theo", "my cat died
this morning"), keeping the user's own words in the first person, so the memory screen reads as
what you told her and the prompt can quote it. A dated clause is a plan when its date is ahead
and its verb is not in the past, and an event (a fact with its date) otherwise.

Why rules and not a parser: spaCy itself is on PyPI (MIT), but its English pipelines are
published as release files of their own repository, not as PyPI packages (only unofficial
re-uploads by third parties are there), so the app could not depend on one through its own
packaging, and a machine without network could not fetch one at run time.
A model-backed extractor (``Mind.learn``) adds to this when a capable backend is there.

No input can fail a turn: every fact is fitted to the field it is stored in by keeping its
main clause, never by raising.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date as date_type
from datetime import datetime, timedelta

from samantha.domain.memory import MemoryKind, NewFact
from samantha.memory.dates import FoundDate, find_dates
from samantha.memory.sentences import (
    Mood,
    clauses,
    is_hypothetical_clause,
    is_negated,
    mood,
    sentences,
    strip_lead_in,
    subject_first,
)
from samantha.memory.slots import OCCUPATIONS, slots_of

#: The longest fact stored; longer clauses are summarised to their main clause.
FACT_LIMIT = 300
#: How much of one message is read for facts (a pasted document is not the person's life).
READ_LIMIT = 6000

RELATIONS = (
    "best friend|friend|sister|brother|mother|mom|mum|father|dad|wife|husband|partner|"
    "boyfriend|girlfriend|fiancée|fiancee|fiancé|fiance|son|daughter|boss|colleague|coworker|"
    "co-worker|roommate|flatmate|cousin|aunt|uncle|grandma|grandmother|grandpa|grandfather|"
    "niece|nephew|neighbour|neighbor|therapist|teacher|dog|cat|ex|kid|baby|puppy|kitten"
)
_NAME = r"[A-Z][\w'-]{1,30}"
_NAMED = r"(?:is called|is named|'s called|'s named|called|named|whose name is|'s name is|name is)"

PERSON_AFTER = re.compile(
    rf"\bmy (?P<rel>{RELATIONS})(?:'s (?:called|named|name is)\s+(?P<name2>[\w'-]{{2,30}})|,?\s+"
    rf"(?:(?P<kw>{_NAMED})\s+(?P<name>[\w'-]{{2,30}})|(?P<bare>(?-i:{_NAME}))))",
    re.IGNORECASE,
)
PERSON_BEFORE = re.compile(rf"\b(?P<name>{_NAME})(?: is|,) my (?P<rel>{RELATIONS})\b")
NAME = re.compile(
    r"\b(?:my name is|my name's|call me|i go by|you can call me)\s+(?P<name>[\w'-]{2,30})",
    re.IGNORECASE,
)
IM_NAME = re.compile(
    r"^(?i:hi|hey|hello)?[,!. ]*(?i:i'm|i am)\s+(?P<name>[A-Z][a-z'-]{1,30})\b[.!,]?"
)
PREFERENCE = re.compile(
    r"^I (?:really |absolutely |just |totally |kind of |kinda |also |still |genuinely |)?"
    r"(?P<verb>love|adore|like|enjoy|hate|can't stand|cannot stand|dislike|detest|"
    r"don't like|do not like|don't enjoy|am obsessed with|'m obsessed with|am into|'m into|"
    r"am a (?:big |huge )?fan of|'m a (?:big |huge )?fan of)\s+(?P<what>.{2,})",
    re.IGNORECASE,
)
FAVOURITE = re.compile(
    r"\bmy (?:favourite|favorite) (?P<thing>[\w ]{2,30}?) (?:is|are) (?P<what>.{2,})",
    re.IGNORECASE,
)
WORK = re.compile(
    r"^(?:I (?:\w+ly )?(?:work|am working|'m working) (?:as|at|for|in) .{2,}|my job is .{2,}|"
    r"I(?:'ve| have)? (?:just |recently )?(?:got a (?:new )?job|started (?:a new job|working))"
    r" .{2,}|I(?:'m| am) (?:studying|majoring in) .{2,}|I study .{2,})",
    re.IGNORECASE,
)
PLACE = re.compile(
    r"^(?:I|we) (?:\w+ly )?(?:live in|lived in|moved to|moved back to|relocated to|am from|"
    r"'m from|are from|'re from|grew up in|'m based in|am based in|'ve moved to|have moved to|"
    r"'ve just moved to|just moved to) .{2,}",
    re.IGNORECASE,
)
STATUS = re.compile(
    r"^(?:I(?:'m| am) (?:now |currently |happily |still )?(?:single|married|engaged|divorced|"
    r"widowed|separated|in a relationship|pregnant|retired|\d{1,3}(?: years old)?$)|"
    r"(?:I|we) (?:just |recently |finally )?(?:got married|got engaged|got divorced|broke up|"
    r"split up|separated|turned \d{1,3}))",
    re.IGNORECASE,
)
FEELING = re.compile(
    r"\bI(?:'m| am| feel| have been feeling|'ve been feeling|'ve been| have been)\s+"
    r"(?:so |really |very |a bit |a little |kind of |pretty |quite |super |incredibly )?"
    r"(?P<feeling>sad|lonely|happy|anxious|stressed|tired|exhausted|depressed|excited|nervous|"
    r"scared|afraid|angry|overwhelmed|lost|hopeful|proud|grateful|heartbroken|bored|worried)\b",
    re.IGNORECASE,
)
PROMISE = re.compile(r"^I promise(?: to| that| I'll| I will)?\s+.{2,}", re.IGNORECASE)
#: A clause about the person: it opens with them (or theirs) as the subject.
SUBJECT = re.compile(
    r"^(?:I|I'm|I've|I'll|I am|I have|I was|we|we're|we've|we'll|we are|we have|we were|"
    r"my (?:[\w'-]+ ){0,3}?(?:is|are|was|were|has|had|'s|just|died|passed|got|lives|works|"
    r"moved|turned|starts|started|will|comes|came|went|loves|hates|and I)|"
    r"our (?:[\w'-]+ ){0,3}?(?:is|are|was|were|has|had|just|died|got|will))\b",
    re.IGNORECASE,
)
#: After "I": verbs that talk about the conversation, not the person's life.
_META = re.compile(
    r"^(?:I|we)(?:'m| am|'ve| have|'ll| will|'d| would| was| were| do| did| just| really| also|"
    r" still| actually| kind of| kinda| totally| definitely| personally| already|n't| don't|"
    r" didn't| been)*\s*(?:think|thought|guess|believe|suppose|mean|meant|see|saw that|know|knew|"
    r"understand|wonder|wondering|hope|hoping|agree|appreciate|ask|asking|asked|want|wanted|"
    r"wanna|need|needed|would|could|should|might|must|can|cannot|can't|feel like|felt like|"
    r"heard|read that|learned that|learnt that|noticed that|found that|mentioned|said|told|"
    r"forgot|remember|recall|got it|get it|get that|sure|not sure|unsure|confused|curious|"
    r"glad|sorry|afraid that|here|back|done|ready|fine|ok|okay|good|great|well|trying to|"
    r"looking (?:for|to|into|at)|interested in (?:learning|knowing|finding|getting|hearing)|"
    r"going to (?:ask|try|check|look|use|need|have to|give|go with|take your)|"
    r"thinking|considering|planning to (?:ask|write|use)|writing (?:to|a (?:paper|essay|"
    r"report|blog|post|letter|email|script|story|article|cover letter))|"
    r"working on (?:a|an|my) (?:paper|essay|report|assignment|project|presentation|"
    r"research|story|article|script)|"
    r"have (?:a|some|few|another|one more|a few|a quick|two|more) (?:question|questions|query|"
    r"request|favou?r|doubt|problem|issue|follow-up|idea)|"
    r"have to|has to|had to|got to|gotta|let|like that|love that|love it|like it|"
    r"(?:really |also )?(?:love|like|loved|liked) the (?:idea|sound|look|suggestion)|"
    r"(?:definitely |probably |also |still )*(?:check(?:ing)? out|look(?:ing)? into|go with|"
    r"add (?:those|these|them|it)|give (?:it|them|that|those|these) a|keep (?:that|this|those|"
    r"these|it) in mind|try (?:it|them|that|those|these|out (?:those|these|some of))|"
    r"consider (?:it|them|that|those|these))|"
    r"(?:still |a bit |a little |kind of |so )*(?:unclear|confused|unsure|stuck|reeling|"
    r"lost|torn|ahead of schedule|behind|a beginner|new to this|getting the hang)|"
    r"had no idea|(?:so |really |very |super )?(?:excited|happy|thrilled|eager|keen) to|"
    r"(?:so |really |very )?(?:grateful|thankful) for|(?:really |also |very |more )?interested in (?:the|these|those|this|that|"
    r"some|any|your|checking|learning more|reading more|exploring|hearing|knowing|trying)|"
    r"did|do|does|am|is|are|was|were|be)\b",
    re.IGNORECASE,
)
#: A clause worth a general fact says something of substance in a handful of words.
#: The object is a pronoun whose meaning was in her last message ("I got it last week").
_PRONOUN_OBJECT = re.compile(
    r"^(?:I|we)(?:'ve|'m|'d| have| am| was| had| just| really| also| actually)*\s+"
    r"(?:[\w'-]+\s+){0,2}?(?:it|that|this|them|those|these)\b(?!\s+(?:is|was|are)\b)",
    re.IGNORECASE,
)
_REACTION = re.compile(
    r"\b(?:check(?:ing)? out|look(?:ing)? into|try|consider|add)\b.*\b(?:those|these|them|"
    r"it|that|your|some of)\b",
    re.IGNORECASE,
)


def _vague(body: str) -> bool:
    """A short clause whose object is a pronoun anywhere near its verb ("I've been working
    on it in short sessions"): what "it" was lives in her last message, not in the fact."""
    words = re.findall(r"[\w'-]+", body.lower())
    return len(words) <= 12 and bool({"it", "them", "those", "these"} & set(words[1:7]))


_TECH = re.compile(
    r"\bmy (?:code|database|table|query|script|function|dataframe|dataset|column|repo|"
    r"repository|class|method|variable|array|loop|api|endpoint|sql|program|spreadsheet|"
    r"formula|model|regex|output|input|prompt|essay|paper|thesis draft)\b",
    re.IGNORECASE,
)
_TRIVIAL_END = re.compile(r"\b(?:it|that|this|them|so|too|one|there|lol|haha)\s*[.!]*$", re.I)
_ABOUT_HER = re.compile(r"\b(?:you|your|yours|you're|you've|u|ur|chatgpt|assistant|ai)\b", re.I)
_CODE = re.compile(r"[{}<>=`|\\]|\b(?:def|return|import|function|const|var|SELECT)\b|^\s*[-*#]")
_PAST = re.compile(
    r"^(?:I|we|my [\w' -]+?|our [\w' -]+?)\s+(?:(?:just|recently|finally|already|actually|"
    r"also|only|sadly|then|first|last)\s+)*(?:\w+ed|was|were|had|did|went|got|made|took|saw|"
    r"met|ate|bought|came|gave|found|left|lost|ran|sat|told|wrote|won|began|broke|brought|"
    r"built|caught|chose|drove|fell|felt|flew|forgot|grew|heard|held|kept|knew|led|lent|let|"
    r"paid|put|quit|read|rode|rose|sang|sold|sent|shot|slept|spent|spoke|stood|swam|taught|"
    r"thought|threw|understood|woke|wore|became|drank|fought|hid|hurt|hit|lit|meant|stole|"
    r"struck|swore|tore|passed away|passed)\b|^(?:I|we)(?:'ve| have)\s+(?:just\s+|recently\s+|"
    r"already\s+|finally\s+)*(?!been going|got to|to\b)\w+",
    re.IGNORECASE,
)
_FUTURE = re.compile(
    r"\b(?:will|'ll|going to|gonna|plan to|planning to|planning on|about to|intend to|"
    r"scheduled|supposed to|coming up|is on|are on|is at|starts|begins|is next|have to|need to|"
    r"got to|next|tomorrow|tonight|upcoming)\b|\b(?:I'm|I am|we're|we are|is|are)\s+\w+ing\b",
    re.IGNORECASE,
)
#: Events that change a life; they go into core memory with the facts that define a person.
_LIFE_EVENT = re.compile(
    r"\b(?:died|passed away|passed|funeral|married|divorced|engaged|broke up|split up|"
    r"born|pregnant|diagnosed|graduated|laid off|got fired|was fired|lost my job|retired|"
    r"promoted|new job|moved|accident|surgery|hospital|adopted|miscarriage|cancer)\b",
    re.IGNORECASE,
)
_NOT_NAMES = frozenset(
    [
        "back",
        "later",
        "tomorrow",
        "crazy",
        "anytime",
        "whenever",
        "when",
        "if",
        "maybe",
        "old",
        "sorry",
        "fine",
        "okay",
        "ok",
        "tired",
        "here",
        "so",
        "just",
        "not",
        "very",
        "really",
        "good",
        "done",
        "home",
        "sure",
        "glad",
        "going",
        "feeling",
        "the",
        "a",
        "an",
        "what",
        "who",
        "whom",
        "whose",
        "which",
        "where",
        "why",
        "how",
        "that",
        "this",
        "these",
        "those",
        "it",
        "its",
        "he",
        "she",
        "they",
        "them",
        "him",
        "her",
        "his",
        "hers",
        "their",
        "theirs",
        "we",
        "us",
        "our",
        "you",
        "your",
        "i",
        "me",
        "my",
        "mine",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "do",
        "does",
        "did",
        "have",
        "has",
        "had",
        "will",
        "would",
        "can",
        "could",
        "should",
        "may",
        "might",
        "must",
        "shall",
        "also",
        "too",
        "still",
        "even",
        "now",
        "then",
        "there",
        "here",
        "and",
        "or",
        "but",
        "nor",
        "yet",
        "for",
        "with",
        "without",
        "about",
        "like",
        "from",
        "into",
        "onto",
        "upon",
        "out",
        "over",
        "under",
        "again",
        "only",
        "always",
        "never",
        "sometimes",
        "often",
        "usually",
        "somebody",
        "someone",
        "anybody",
        "anyone",
        "nobody",
        "everyone",
        "everybody",
        "something",
        "anything",
        "nothing",
        "everything",
        "great",
        "nice",
        "cool",
        "bad",
        "sad",
        "happy",
        "busy",
        "free",
        "new",
        "same",
        "different",
        "other",
        "another",
        "such",
        "much",
        "many",
        "more",
        "most",
        "some",
        "any",
        "all",
        "both",
        "each",
        "every",
        "either",
        "neither",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "first",
        "last",
        "next",
        "actually",
        "basically",
        "honestly",
        "literally",
        "totally",
        "probably",
        "definitely",
        "obviously",
        "simply",
        "hi",
        "hey",
        "hello",
        "yes",
        "no",
        "yeah",
        "yep",
        "nope",
        "thanks",
        "thank",
        "please",
        "well",
        "oh",
        "ah",
        "um",
        "hmm",
        "wow",
        "lol",
        "haha",
        "after",
        "before",
        "during",
        "since",
        "until",
        "while",
        "because",
        "though",
        "although",
        "unless",
        "whether",
        "called",
        "named",
        "name",
        "kinda",
        "sorta",
        "gonna",
        "wanna",
        "gotta",
        "mom",
        "mum",
        "dad",
        "sister",
        "brother",
    ]
)
IMPORTANCE = {
    MemoryKind.PERSON: 7,
    MemoryKind.PLAN: 7,
    MemoryKind.PROMISE: 7,
    MemoryKind.PREFERENCE: 5,
    MemoryKind.FEELING: 4,
    MemoryKind.FACT: 6,
}
_FEELINGS = set(FEELING.pattern.split("(?P<feeling>")[1].split(")")[0].split("|"))


@dataclass
class Extraction:
    facts: list[NewFact] = field(default_factory=list)
    #: What the user asked to be called, when they said.
    user_name: str | None = None

    def add(
        self, kind: MemoryKind, text: str, importance: int | None = None, **extra: object
    ) -> None:
        """Add a fact unless it is already here, in the same words or as the same value of
        the same slot ("I'm a nurse" after "I work as a nurse")."""
        text = tidy(text)
        if len(text) < 3:
            return
        lowered = text.lower()
        slots = {(s.key, s.value) for s in slots_of(text) if s.value}
        for known in self.facts:
            if known.text.lower() == lowered:
                return
            if slots and slots <= {(s.key, s.value) for s in slots_of(known.text) if s.value}:
                return
        self.facts.append(
            NewFact(kind=kind, text=text, importance=importance or IMPORTANCE[kind], **extra)
        )


def fit(text: str, limit: int = FACT_LIMIT) -> str:
    """``text`` in at most ``limit`` characters: a long clause keeps its main part, up to the
    last phrase boundary that fits, so a fact is never cut mid-thought or refused."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    window = text[:limit]
    cut = 0
    boundary = re.compile(
        r"[,;:(]|\s(?:and|but|so|because|which|who|where|when|while|with|that|to|for|in|on|"
        r"at|from|after|before|about|since|although|though|as|like|or)\s"
    )
    for m in boundary.finditer(window):
        if m.start() >= limit * 0.3:
            cut = m.start()
    if cut == 0:
        cut = window.rfind(" ")
        if cut < limit * 0.5:
            cut = limit
    return text[:cut].rstrip(" ,;:-(")


def tidy(text: str, limit: int = FACT_LIMIT) -> str:
    """One clean sentence: single spaces, a capital first letter, closing punctuation, and
    no longer than ``limit`` (the stored field's own limit is higher still)."""
    text = fit(text.strip().strip(" ,;:-\"'\u201c\u201d"), limit - 1)
    text = text[0].upper() + text[1:] if text else text
    if not text:
        return text
    return text if text.endswith((".", "!")) else text.rstrip("?") + "."


def clean_name(raw: str, explicit: bool = True) -> str | None:
    """A person's name, or None for a word that only sits where a name would. Without an
    explicit "is called", only a capitalised word is taken for a name."""
    name = raw.strip("'-")
    if name.lower().endswith("'s"):
        name = name[:-2]
    lowered = name.lower()
    if len(name) < 2 or lowered in _NOT_NAMES or lowered in _FEELINGS or not name[0].isalpha():
        return None
    if lowered in OCCUPATIONS or (not explicit and not name[0].isupper()):
        return None
    return name[0].upper() + name[1:]


def extract(text: str, at: datetime) -> Extraction:
    """Facts in ``text`` (written at ``at``), from its telling sentences only."""
    out = Extraction()
    # A phone or a word processor types ’ for an apostrophe: "I’m Theo" is "I'm Theo".
    sample = _own_words(text[:READ_LIMIT].replace("\u2019", "'").replace("\u2018", "'"))
    for sentence in sentences(sample):
        if _CODE.search(sentence) and not re.search(r"\bmy\b|\bI\b", sentence):
            continue
        if asked := KEEP_THIS.match(sentence.strip()):
            # "Can you remember that Lena likes jazz?" asks her to keep a fact: it is kept
            # as they put it, whoever it is about, and read like any telling sentence too.
            told = asked.group("told").strip()
            before = len(out.facts)
            for clause in clauses(told):
                _clause(clause, out, at)
            if len(out.facts) == before and mood(told) is Mood.STATEMENT:
                out.add(MemoryKind.FACT, told[0].upper() + told[1:])
            continue
        kind = mood(sentence)
        _names(sentence, kind, out)
        if kind is not Mood.STATEMENT:
            continue
        for clause in clauses(sentence):
            _clause(clause, out, at)
    return out


#: Asked to keep something: "can you remember that Lena likes jazz?", "note that ...".
KEEP_THIS = re.compile(
    r"^(?:(?:can|could|would|will) you (?:please )?|please )?(?:remember|note|keep in mind)"
    r"(?: for me)?,? that (?P<told>.{3,400}?)[.?!]*$",
    re.IGNORECASE,
)
_FIRST_PERSON = re.compile(r"\b(?:I|I'm|I've|my|me|we|our|us)\b", re.IGNORECASE)
_PASTE_START = re.compile(r":\s|\n\s*\n|\s[\"\u201c](?=[A-Z])")


def _own_words(text: str) -> str:
    """The message without a document pasted after a request ("Fix my cover letter:
    Dear Hiring Team, I am ..."): the document's "I" is often not the person talking."""
    if len(text) > 1200 and not _FIRST_PERSON.search(text[:200]):
        return ""  # a document (a transcript, a job advert) pasted whole, not their words
    start = _PASTE_START.search(text)
    if start is None or len(text) - start.end() < 300:
        return text
    if start.start() < 80 and not _FIRST_PERSON.search(text[: start.start()]):
        return ""  # "The transcript continues with: ..."
    head = text[: start.start()]
    if any(mood(s) in {Mood.REQUEST, Mood.QUESTION} for s in sentences(head)):
        return head
    return text


def _names(sentence: str, kind: Mood, out: Extraction) -> None:
    """The user's own name: said outright, asked for ("call me Theo", even as a request),
    or given in a greeting. Never read from a question about a name."""
    if kind is Mood.HYPOTHETICAL or (
        kind is Mood.QUESTION
        and not re.search(r"\b(?:call me|you can call me)\b", sentence, re.IGNORECASE)
    ):
        return
    body = strip_lead_in(sentence) if kind is Mood.STATEMENT else sentence
    for m in NAME.finditer(body):
        explicit = not m.group(0).lower().startswith(("call me", "you can call me"))
        if name := clean_name(m.group("name"), explicit=explicit or m["name"][0].isupper()):
            _set_name(out, name)
    if out.user_name is None:
        greeting = IM_NAME.match(sentence.strip())
        if greeting is not None and (name := clean_name(greeting.group("name"), False)):
            rest = sentence.strip()[greeting.end() :].strip()
            # "I'm Theo." or "Hi, I'm Theo, ..." is a name; "I'm Going home" is not.
            if not rest or rest[0] in ",.!;" or sentence.strip()[greeting.end() - 1] in ",.!":
                _set_name(out, name)


def _set_name(out: Extraction, name: str) -> None:
    if out.user_name == name:
        return
    out.user_name = name
    out.add(MemoryKind.FACT, f"My name is {name}", 9)


def _clause(clause: str, out: Extraction, at: datetime) -> None:
    if is_hypothetical_clause(clause):
        return
    body = subject_first(clause)
    before = len(out.facts)
    _people(clause, out)
    # A clause naming someone is read by the name rules alone: "My sister is called What"
    # is no person and no fact either.
    told_person = len(out.facts) > before or PERSON_AFTER.search(clause) is not None
    negated = is_negated(clause)
    dates = find_dates(clause, at)
    today = at.astimezone().date()
    # A fact of the common forms keeps the day it happened ("I moved to Lisbon 3 days ago").
    happened = next((d.when for d in dates if d.when.astimezone().date() <= today), None)
    if _about(body, out, negated, happened):
        return
    about_them = SUBJECT.match(body) is not None
    if dates and about_them and not negated and not _ABOUT_HER.search(clause):
        _dated(clause, body, dates[0], out, at)
        return
    if told_person or negated or not about_them:
        return
    _general(clause, body, out)


def _people(clause: str, out: Extraction) -> None:
    for m in PERSON_AFTER.finditer(clause):
        raw = m.group("name") or m.group("name2") or m.group("bare")
        name = clean_name(raw, explicit=m.group("bare") is None)
        if name is None:
            continue
        relation = m.group("rel").lower()
        out.add(MemoryKind.PERSON, f"My {relation} is called {name}")
        # Only the clause about them: "... lives in Oslo and I have an interview" stops at "and I".
        rest = clauses(clause[m.end() :])
        tail = rest[0].strip(" ,.!?") if rest else ""
        if re.match(r"(?:lives|works|is|has|had|moved|just|got|studies|loves|hates)\b", tail):
            out.add(MemoryKind.FACT, f"My {relation} {name} {tail}")
    for m in PERSON_BEFORE.finditer(clause):
        name = clean_name(m.group("name"), explicit=False)
        if name is not None:
            out.add(MemoryKind.PERSON, f"My {m.group('rel').lower()} is called {name}")


def _about(clause: str, out: Extraction, negated: bool, happened: datetime | None) -> bool:
    """The common forms with a clear meaning; True when one matched the clause. A negated
    clause can still tell a dislike ("I don't like mornings"), and nothing else."""
    found = False
    if m := PREFERENCE.match(clause):
        what = m.group("what").strip()
        if not (
            _ABOUT_HER.search(what)
            or re.match(
                r"(?:it|that|this|them|these|those|to think|the idea|how|when|what)\b", what, re.I
            )
        ):
            out.add(MemoryKind.PREFERENCE, clause)
            found = True
    if negated:
        return found
    if m := FAVOURITE.search(clause):
        out.add(MemoryKind.PREFERENCE, m.group(0))
        found = True
    job = re.match(r"^I(?:'m| am) (?:now |currently |still )?an? (?P<what>.+)", clause, re.I)
    hedged = re.search(r"\b(?:bit|little|lot|fan|mess|wreck)\b", clause[:14], re.I)
    if not hedged and (
        WORK.match(clause) or (job and any(s.key == "job" for s in slots_of(clause)))
    ):
        out.add(MemoryKind.FACT, clause, due_at=happened)
        found = True
    if PLACE.match(clause) or STATUS.match(clause):
        out.add(MemoryKind.FACT, clause, due_at=happened)
        found = True
    for m in FEELING.finditer(clause):
        after = clause[m.end() :].lstrip().lower()
        if after.startswith(
            ("to ", "for you", "for the", "for all", "about the", "that you", "with you")
        ):
            continue  # "excited to try the recipe", "grateful for your help": politeness
        out.add(MemoryKind.FEELING, f"I felt {m.group('feeling').lower()}")
        found = True
    if PROMISE.match(clause):
        out.add(MemoryKind.PROMISE, clause.replace("I promise", "I promised", 1))
        found = True
    return found


def _dated(clause: str, body: str, date: FoundDate, out: Extraction, at: datetime) -> None:
    """A clause with a date is a plan when the date is ahead and nothing in it is past;
    otherwise it is an event, kept with the day it happened."""
    today = at.astimezone().date()
    day = date.when.astimezone().date()
    past_tense = bool(_PAST.match(body)) and not _FUTURE.search(clause)
    if _PRONOUN_OBJECT.match(body) or _vague(body):
        return
    if _META.match(body) and (not _FUTURE.search(body) or _REACTION.search(body)):
        return
    # "the walk I did on October 17th": a past verb just before the date puts it behind.
    # With nothing ahead in the clause, any past verb before the date does the same.
    told_past = bool(_PAST_VERB.search(" ".join(clause[: date.start].split()[-4:]))) or (
        not _FUTURE.search(clause) and bool(_PAST_VERB.search(clause[: date.start]))
    )
    ahead_words = {"next", "in", "tomorrow", "tonight", "coming"}
    if (
        (past_tense or told_past)
        and day > today
        and date.phrase.split()[0].lower() not in ahead_words
    ):
        # "I saw her on Friday": the Friday just gone, not the next one.
        date = _gone_by(date, today)
        day = date.when.astimezone().date()
        past_tense = True
    text = fit(clause)
    if date.phrase.lower() not in text.lower():
        text = f"{text} ({date.phrase.strip()})"
    if day > today or (day == today and not past_tense):
        out.add(MemoryKind.PLAN, text, IMPORTANCE[MemoryKind.PLAN], due_at=date.when)
        return
    weight = 7 if _LIFE_EVENT.search(clause) else 5
    out.add(MemoryKind.FACT, text, weight, due_at=date.when)


_PAST_VERB = re.compile(
    r"\b(?:I|we|he|she|they)\s+(?:just\s+|recently\s+|already\s+)?(?:\w+ed|did|was|were|had|"
    r"got|went|made|took|saw|met|bought|came|found|left|ran|set up|began|spent|paid|sold|"
    r"won|lost|wore|ate|drove|flew|gave|read|heard)\b",
    re.IGNORECASE,
)


def _gone_by(date: FoundDate, today: date_type) -> FoundDate:
    """The same date, the last time it came round: a weekday a week back, a day of a month
    a year back."""
    when = date.when
    if re.search(r"[a-z]{3}\.?\s+\d|\d\s*(?:st|nd|rd|th)?\s+(?:of\s+)?[a-z]{3}", date.phrase, re.I):
        try:
            when = when.replace(year=when.year - 1)
        except ValueError:  # the 29th of February
            when = when.replace(year=when.year - 1, day=28)
    while when.astimezone().date() > today:
        when -= timedelta(days=7)
    return FoundDate(when, date.phrase, date.start, date.end)


def _general(clause: str, body: str, out: Extraction) -> None:
    """Any other plain statement about the person's life, kept whole ("I play the cello in
    a community orchestra"), when it has some substance and is not about the talk itself."""
    if _META.match(body) or _ABOUT_HER.search(body) or _TRIVIAL_END.search(body):
        return
    if _PRONOUN_OBJECT.match(body) or _vague(body):
        return
    if _TECH.search(body):
        return  # "My database has a table named Account": their work's code, not their life
    words = re.findall(r"[\w'-]+", body)
    if len(words) < 4 or len(words) > 60:
        return
    if re.match(r"^(?:I|we)(?:'ll| will)\b", body, re.I):
        return  # an undated intention ("I'll try that") is talk, not a fact
    weight = 7 if _LIFE_EVENT.search(body) and _PAST.match(body) else 5
    out.add(MemoryKind.FACT, clause, weight)


def episode_importance(text: str, intensity: float) -> int:
    """Plain chat is a 2; long or strongly felt messages matter more (capped at 6)."""
    score = 2 + min(2, len(text) // 400) + round(min(1.0, intensity) * 2)
    return max(1, min(6, score))
