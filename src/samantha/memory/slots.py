"""Facts that can only have one value at a time: where someone lives, their job, whether
they are single. A newer value makes the older fact no longer true.

The slot is read from a fact's own words, so facts from the rules, from a model and from an
old database are all compared the same way, and no column has to say what a fact is about.
Only slots that are clear from the words are read; anything else is never superseded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

OCCUPATIONS = frozenset(
    [
        "accountant",
        "actor",
        "actress",
        "administrator",
        "analyst",
        "architect",
        "artist",
        "assistant",
        "attorney",
        "baker",
        "banker",
        "barber",
        "barista",
        "bartender",
        "biologist",
        "bookkeeper",
        "builder",
        "butcher",
        "carpenter",
        "cashier",
        "chef",
        "chemist",
        "cleaner",
        "clerk",
        "coach",
        "consultant",
        "cook",
        "counselor",
        "counsellor",
        "courier",
        "dancer",
        "dentist",
        "designer",
        "detective",
        "developer",
        "dietitian",
        "director",
        "doctor",
        "driver",
        "economist",
        "editor",
        "electrician",
        "engineer",
        "entrepreneur",
        "farmer",
        "firefighter",
        "fisherman",
        "freelancer",
        "gardener",
        "geologist",
        "hairdresser",
        "historian",
        "illustrator",
        "instructor",
        "intern",
        "janitor",
        "journalist",
        "judge",
        "lawyer",
        "lecturer",
        "librarian",
        "lifeguard",
        "linguist",
        "machinist",
        "manager",
        "mechanic",
        "midwife",
        "miner",
        "model",
        "musician",
        "nanny",
        "nurse",
        "nutritionist",
        "officer",
        "optician",
        "painter",
        "paralegal",
        "paramedic",
        "pharmacist",
        "photographer",
        "physician",
        "physicist",
        "physiotherapist",
        "pilot",
        "plumber",
        "poet",
        "policeman",
        "policewoman",
        "politician",
        "postman",
        "producer",
        "professor",
        "programmer",
        "psychiatrist",
        "psychologist",
        "publisher",
        "realtor",
        "receptionist",
        "recruiter",
        "reporter",
        "researcher",
        "retiree",
        "salesman",
        "saleswoman",
        "salesperson",
        "scientist",
        "secretary",
        "singer",
        "soldier",
        "student",
        "supervisor",
        "surgeon",
        "tailor",
        "teacher",
        "technician",
        "therapist",
        "translator",
        "tutor",
        "veterinarian",
        "vet",
        "waiter",
        "waitress",
        "welder",
        "writer",
        "youtuber",
        "streamer",
        "sailor",
        "carer",
        "caregiver",
        "housewife",
        "homemaker",
        "pastor",
        "priest",
        "rabbi",
        "imam",
        "cop",
        "paramedic",
        "postdoc",
        "phd",
        "undergrad",
        "freshman",
        "sophomore",
        "stylist",
        "copywriter",
        "marketer",
        "ceo",
        "cto",
        "founder",
        "cofounder",
        "co-founder",
        "contractor",
    ]
)
PETS = {
    "dog": "dog",
    "puppy": "dog",
    "cat": "cat",
    "kitten": "cat",
    "rabbit": "rabbit",
    "bunny": "rabbit",
    "hamster": "hamster",
    "parrot": "parrot",
    "bird": "bird",
    "horse": "horse",
    "fish": "fish",
    "goldfish": "fish",
    "turtle": "turtle",
    "tortoise": "tortoise",
    "guinea pig": "guinea pig",
    "snake": "snake",
    "lizard": "lizard",
    "ferret": "ferret",
}
#: Relations a person has one of at a time, by the word they are filed under.
SINGLE_RELATIONS = {
    "wife": "partner",
    "husband": "partner",
    "partner": "partner",
    "boyfriend": "partner",
    "girlfriend": "partner",
    "fiancée": "partner",
    "fiancee": "partner",
    "fiancé": "partner",
    "fiance": "partner",
    "boss": "boss",
    "manager": "boss",
    "therapist": "therapist",
    "mother": "mother",
    "mom": "mother",
    "mum": "mother",
    "father": "father",
    "dad": "father",
}
_PET = "|".join(sorted(PETS, key=len, reverse=True))
_STATUS = {
    "single": "single",
    "married": "married",
    "engaged": "engaged",
    "divorced": "divorced",
    "widowed": "widowed",
    "separated": "separated",
    "in a relationship": "in a relationship",
    "dating someone": "in a relationship",
    "seeing someone": "in a relationship",
}
_STATUS_WORDS = "|".join(sorted(_STATUS, key=len, reverse=True))
_ADV = r"(?:(?:just|recently|finally|now|currently|still|actually|officially|also)\s+)*"
_WHEN_TAIL = re.compile(
    r"\s+(?:last|this|next|in|on|about|around|since|for|a|an|two|three|few|with|because|"
    r"after|before|when|and|but|so|to|from|at|,|\d).*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Slot:
    """What a fact says about one changeable thing."""

    key: str
    #: The value, normalised ("" when the words give none: it never conflicts).
    value: str
    #: The fact ends the thing (a pet died, a break-up) rather than being a state itself:
    #: it supersedes the current facts of its key and is never superseded by them.
    ends: bool = False


def _norm(value: str) -> str:
    value = re.sub(r"[^\w\s'-]", " ", value.lower())
    value = re.sub(r"^(?:the|a|an)\s+", "", " ".join(value.split()))
    return value.strip()


def _place(raw: str) -> str | None:
    """A place named after "live in"/"moved to": a proper name, or a place inside it
    ("a flat in Porto" is Porto). "A new flat" alone says nothing of the town."""
    inner = re.search(r"\bin ((?:[A-Z][\w'-]+)(?:[ ,]+[A-Z][\w'-]+)*)", raw)
    if not raw[:1].isupper() and inner is not None:
        raw = inner.group(1)
    if not raw[:1].isupper():
        return None
    words = []
    for word in re.split(r"\s+", raw.strip()):
        bare = word.strip(",.;:!")
        if not bare or not (bare[0].isupper() or bare.lower() in {"de", "of", "la", "le"}):
            break
        words.append(bare)
        if word.endswith((",", ".", ";")):
            break
    return _norm(" ".join(words)) or None


def _job(raw: str) -> str | None:
    words = _norm(raw).split()
    for index, word in enumerate(words[:4]):
        if word in OCCUPATIONS or word.endswith(("ist", "ician", "ographer", "ologist")):
            return " ".join(words[: index + 1])
        if word in {"at", "in", "for", "and", "with", "but"}:
            break
    return None


_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^my name is (?P<v>[\w'-]+)", re.I), "name"),
    (
        re.compile(
            rf"^(?:i|we)(?:'ve| have)?\s+{_ADV}(?:live|am living|'m living|are living|"
            rf"'re living|reside|am based|'m based|are based|'re based)\s+(?:in|at)\s+(?P<v>.+)",
            re.I,
        ),
        "home",
    ),
    (
        re.compile(
            rf"^(?:i|we)(?:'ve| have)?\s+{_ADV}(?:moved|relocated|moved back|moved house)\s+"
            rf"to\s+(?P<v>.+)",
            re.I,
        ),
        "home",
    ),
    (
        re.compile(
            rf"^i(?:'ve| have)?\s+{_ADV}(?:work|worked|am working|'m working|got a (?:new )?job|"
            rf"started working|started a (?:new )?job|became|become)\s+as\s+(?:an?\s+)?(?P<v>.+)",
            re.I,
        ),
        "job",
    ),
    (re.compile(rf"^i(?:'m| am)\s+{_ADV}(?:now\s+)?an?\s+(?P<v>.+)", re.I), "job?"),
    (re.compile(r"^my (?:job|occupation|profession) is\s+(?:an?\s+)?(?P<v>.+)", re.I), "job"),
    (
        re.compile(
            rf"^i(?:'ve| have)?\s+{_ADV}(?:work|am working|'m working|got a (?:new )?job|"
            rf"started working|started a (?:new )?job|started)\s+(?:at|for)\s+(?P<v>.+)",
            re.I,
        ),
        "workplace",
    ),
    (
        re.compile(rf"^i(?:'m| am)\s+{_ADV}(?P<v>{_STATUS_WORDS})\b", re.I),
        "relationship",
    ),
    (
        re.compile(rf"^(?:i|we)\s+{_ADV}got\s+(?P<v>married|engaged|divorced|separated)\b", re.I),
        "relationship",
    ),
    (re.compile(r"^i(?:'m| am)\s+(?P<v>\d{1,3})(?:\s+years?\s+old)?\s*\.?$", re.I), "age"),
    (re.compile(rf"^i\s+{_ADV}turned\s+(?P<v>\d{{1,3}})\b", re.I), "age"),
    (
        re.compile(
            rf"^i(?:'m| am)?\s+{_ADV}(?:study|studying|majoring in|major in)\s+(?P<v>.+)", re.I
        ),
        "study",
    ),
]
_PET_HAS = re.compile(
    rf"^(?:i|we)(?:'ve| have)?\s+{_ADV}(?:have|has|got|adopted|own|rescued)\s+"
    rf"(?:a|an|one|two|three|our|my|\d)\s+(?:new\s+|little\s+|young\s+|old\s+)?(?P<pet>{_PET})s?\b",
    re.I,
)
_PET_NAMED = re.compile(rf"^my (?P<pet>{_PET}) is called\b", re.I)
_PET_GONE = re.compile(
    rf"(?:^(?:my|our) (?P<pet>{_PET})(?: [A-Z][\w'-]+)? (?:just |recently |sadly )?"
    rf"(?:died|passed away|passed|ran away|was put down|had to be put down|is gone|got lost)"
    rf"|^(?:i|we) (?:just |recently |sadly )?(?:lost|had to put down|put down|rehomed|"
    rf"gave away) (?:my|our) (?P<pet2>{_PET}))",
    re.I,
)
_PERSON = re.compile(r"^my (?P<rel>[\w\u00e9]+) is called (?P<name>[\w'-]+)", re.I)
_BREAK_UP = re.compile(
    r"^(?:i|we) (?:just |recently |finally )?(?:broke up|split up|separated|got divorced)"
    r"(?: with (?:my )?(?P<rel>wife|husband|partner|boyfriend|girlfriend|fianc\w+))?",
    re.I,
)


#: Every rule below needs one of these words; most facts have none and are passed at once
#: (a set lookup per word: this runs over every current fact when a slot fact arrives).
_MAYBE_WORDS = """name live living based reside moved relocated work worked working job
occupation profession became become single married engaged divorced widowed separated
relationship dating seeing turned study studying major majoring called broke split lost died
passed ran put gone rehomed gave i'm am"""
_MAYBE = frozenset(_MAYBE_WORDS.split()) | frozenset(PETS) | frozenset(f"{p}s" for p in PETS)


def slots_of(text: str) -> list[Slot]:
    """The changeable things a first-person fact speaks of, with their values."""
    if _MAYBE.isdisjoint(re.split(r"[^\w']+", text.lower())):
        return []
    words = text.strip().rstrip(".!")
    found: list[Slot] = []
    for pattern, key in _RULES:
        m = pattern.match(words)
        if m is None:
            continue
        raw = m.group("v")
        if key == "home":
            place = _place(raw)
            if place:
                found.append(Slot("home", place))
        elif key in {"job", "job?"}:
            job = _job(raw)
            if job:
                found.append(Slot("job", job))
            at = re.search(r"\b(?:at|for)\s+(?P<w>[A-Z][\w'&.-]*(?:\s+[A-Z][\w'&.-]*)*)", raw)
            if at and job:
                found.append(Slot("workplace", _norm(at.group("w"))))
        elif key == "workplace":
            employer = re.match(r"(?:the\s+)?(?P<w>[A-Z][\w'&.-]*(?:\s+[A-Z][\w'&.-]*)*)", raw)
            if employer:
                found.append(Slot("workplace", _norm(employer.group("w"))))
        elif key == "relationship":
            found.append(Slot("relationship", _STATUS.get(raw.lower(), raw.lower())))
        else:
            found.append(Slot(key, _norm(_WHEN_TAIL.sub("", raw) if key == "study" else raw)))
    if m := _PET_HAS.match(words):
        found.append(Slot(f"pet:{PETS[m.group('pet').lower()]}", ""))
    if m := _PET_NAMED.match(words):
        found.append(Slot(f"pet:{PETS[m.group('pet').lower()]}", ""))
    if m := _PET_GONE.match(words):
        pet = (m.group("pet") or m.group("pet2")).lower()
        found.append(Slot(f"pet:{PETS[pet]}", "gone", ends=True))
    if (m := _PERSON.match(words)) and m.group("rel").lower() in SINGLE_RELATIONS:
        found.append(Slot(f"person:{SINGLE_RELATIONS[m.group('rel').lower()]}", _norm(m["name"])))
    if m := _BREAK_UP.match(words):
        found.append(Slot("person:partner", "gone", ends=True))
        status = "divorced" if "divorc" in m.group(0).lower() else "single"
        found.append(Slot("relationship", status))
    return [s for s in found if s.value or s.key.startswith("pet:") or s.ends]


def conflicts(old: Slot, new: Slot) -> bool:
    """Whether ``new`` makes ``old`` no longer true."""
    if old.key != new.key or old.ends:
        return False
    if new.ends:
        return True
    return bool(old.value and new.value and old.value != new.value)
