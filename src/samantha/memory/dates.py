"""Dates people say in passing ("on Friday", "tomorrow", "in three days"), resolved against the
moment the message was written, so a plan keeps its real date however late it is recalled.

Hand-written rather than a date-parsing library: the phrases people use for plans are few, the
libraries that parse everything import in hundreds of milliseconds, and a wrong guess about an
ambiguous phrase is worse than no date at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
_MONTH = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
#: Counting words in time phrases ("two weeks ago", "a few days"); cues.py reads them too.
NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "couple of": 2,
    "few": 3,
}
_WEEKDAY = r"(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?"

DATE_PHRASE = re.compile(
    r"\b(?:"
    r"(?P<rel>today|tonight|this (?:morning|afternoon|evening)|tomorrow|the day after tomorrow|yesterday|"
    r"the day before yesterday|last night)"
    r"|(?P<in>in (?:a |an )?(?P<n>\d{1,3}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|a couple of|a few)\s+(?P<unit>days?|weeks?|months?))"
    r"|(?P<ago>(?P<n2>\d{1,3}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|a couple of|a few)\s+(?P<unit2>days?|weeks?)\s+ago)"
    r"|(?P<week>(?:next|this|last) (?:week(?:end)?|month))"
    r"|(?P<wd>(?:(?:on|this|next|last|coming)\s+)?(?P<wdname>" + _WEEKDAY + r"))"
    r"|(?P<md>(?:on\s+)?(?P<mon>" + _MONTH + r")\.?\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?)"
    r"|(?P<dm>(?:on\s+)?(?:the\s+)?(?P<day2>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon2>"
    + _MONTH
    + r"))"
    r"|(?P<iso>\d{4}-\d{2}-\d{2})"
    r")\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class FoundDate:
    when: datetime
    phrase: str
    start: int
    end: int


def _count(word: str) -> int:
    word = word.lower().removeprefix("a ").strip() if word.lower() != "a" else "a"
    if word.isdigit():
        return int(word)
    return NUMBER_WORDS.get(word, 1)


def _weekday_index(name: str) -> int:
    name = name.lower()
    for index, day in enumerate(WEEKDAYS):
        if day.startswith(name[:3]):
            return index
    raise ValueError(name)


def _month_index(name: str) -> int:
    name = name.lower().rstrip(".")
    for index, month in enumerate(MONTHS):
        if month.startswith(name[:3]):
            return index + 1
    raise ValueError(name)


def _at_noon(day: date, like: datetime) -> datetime:
    """Plans are day-grained: noon keeps them on the right day in every nearby time zone."""
    return datetime.combine(day, time(12, 0), tzinfo=like.tzinfo)


def _resolve(match: re.Match[str], at: datetime) -> datetime | None:
    local = at.astimezone()
    today = local.date()
    text = match.group(0).lower()
    if rel := match.group("rel"):
        rel = rel.lower()
        offsets = {
            "today": 0,
            "tonight": 0,
            "this morning": 0,
            "this afternoon": 0,
            "this evening": 0,
            "tomorrow": 1,
            "the day after tomorrow": 2,
            "yesterday": -1,
            "last night": -1,
            "the day before yesterday": -2,
        }
        return _at_noon(today + timedelta(days=offsets[rel]), local)
    if match.group("in"):
        n, unit = _count(match.group("n")), match.group("unit").lower()
        days = n * (30 if unit.startswith("month") else 7 if unit.startswith("week") else 1)
        return _at_noon(today + timedelta(days=days), local)
    if match.group("ago"):
        n, unit = _count(match.group("n2")), match.group("unit2").lower()
        return _at_noon(today - timedelta(days=n * (7 if unit.startswith("week") else 1)), local)
    if match.group("week"):
        shift = {"next": 1, "this": 0, "last": -1}[text.split()[0]]
        if text.endswith("weekend"):
            saturday = today + timedelta(days=(5 - today.weekday()) % 7)
            return _at_noon(saturday + timedelta(days=7 * max(shift, 0) - 7 * (shift < 0)), local)
        if text.endswith("month"):
            return _at_noon(today + timedelta(days=30 * shift), local)
        if shift == 0:
            return _at_noon(today, local)  # "this week": what is left of it starts today
        monday = today - timedelta(days=today.weekday()) + timedelta(days=7 * shift)
        return _at_noon(monday, local)
    if match.group("wd"):
        target = _weekday_index(match.group("wdname"))
        ahead = (target - today.weekday()) % 7
        if text.startswith("last"):
            back = (today.weekday() - target) % 7 or 7
            return _at_noon(today - timedelta(days=back), local)
        if ahead == 0:
            ahead = 7  # "on Friday", said on a Friday, means next week's
        if text.startswith("next") and ahead < 7 and target > today.weekday():
            # "next Friday" on a Monday is usually the Friday of next week.
            ahead += 7
        return _at_noon(today + timedelta(days=ahead), local)
    month_name = match.group("mon") or match.group("mon2")
    day_text = match.group("day") or match.group("day2")
    if month_name and day_text:
        try:
            candidate = date(today.year, _month_index(month_name), int(day_text))
        except ValueError:
            return None
        if candidate < today - timedelta(days=60):
            candidate = candidate.replace(year=today.year + 1)
        return _at_noon(candidate, local)
    if iso := match.group("iso"):
        try:
            return _at_noon(date.fromisoformat(iso), local)
        except ValueError:
            return None
    return None


_NAMED_DAYS = re.compile(r"(?:black|good|cyber|super|ash|palm|easter|boxing|holy)\s+$", re.I)


def _not_a_day(text: str, match: re.Match[str]) -> bool:
    """A weekday that names no day: "Black Friday", "on a Saturday", "Sunday Riley" (a
    brand), "every Monday"."""
    before = text[: match.start()]
    after = text[match.end() :]
    if _NAMED_DAYS.search(before) or re.search(r"\b(?:a|every|each|any|one)\s+$", before, re.I):
        return True
    return match.group(0)[:1].isupper() and bool(re.match(r"\s+[A-Z][a-z]", after))


def find_dates(text: str, at: datetime) -> list[FoundDate]:
    """Every date phrase in ``text`` with the moment it means, said at ``at``."""
    found = []
    for match in DATE_PHRASE.finditer(text):
        # A bare weekday abbreviation inside other words ("sat down") is not a date.
        if match.group("wd") and match.group("wdname").lower() in {"sat", "sun", "wed", "mon"}:
            continue
        if match.group("wd") and _not_a_day(text, match):
            continue
        when = _resolve(match, at)
        if when is not None:
            found.append(FoundDate(when, match.group(0), match.start(), match.end()))
    return found


def describe(when: datetime, now: datetime) -> str:
    """'today', 'tomorrow', 'yesterday', 'on Friday (in 3 days)', '2 days ago (Monday)'."""
    days = (when.astimezone().date() - now.astimezone().date()).days
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    if days == -1:
        return "yesterday"
    name = when.astimezone().strftime("%A %d %B").replace(" 0", " ")
    if days > 0:
        return f"on {name} (in {days} days)"
    return f"{-days} days ago ({name})"
