"""What a question says about the memory it wants, besides its words: who said it, and when.

"What did you recommend for my trip?" asks for something she said; "what did I buy last
month?" for something the person said, a month before the question. These cues reorder the
candidates that the words and the meaning found; they never add a memory on their own.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from pydantic import BaseModel

from samantha.memory.dates import NUMBER_WORDS

_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        "january february march april may june july august september october november december".split()  # noqa: SIM905
    )
}
_WEEKDAYS = "monday tuesday wednesday thursday friday saturday sunday".split()  # noqa: SIM905
_NUMBERS = {**NUMBER_WORDS, "a few": 3}
_UNIT_DAYS = {"day": 1, "week": 7, "month": 30, "year": 365}

#: Asking for her own words: "you said", "your suggestion", "did you recommend".
_HER_WORDS = re.compile(
    r"\byou(?:'ve| have| had)?\s+(?:\w+\s+)?(?:said|told|mentioned|recommended|suggested|gave|"
    r"provided|listed|shared|wrote|explained|named|offered|proposed|advised|described|"
    r"created|came up with|pointed|made|played)\b|\bwe (?:talked about|discussed|chatted about)\b|"
    r"\bremind me of (?:the|that)\b|\byour\s+(?:previous\s+|earlier\s+|last\s+)?(?:"
    r"suggestion|recommendation|advice|answer|list|response|reply|explanation)s?\b|"
    r"\bdid you (?:say|tell|mention|recommend|suggest|give|list|name)\b|"
    r"\bprevious (?:chat|conversation)\b|\bour (?:previous|last|earlier) \w+",
    re.IGNORECASE,
)
_AGO = re.compile(
    r"\b(a couple of|a few|few|an?|one|two|three|four|five|six|seven|eight|nine|ten|\d+)\s+"
    r"(day|week|month|year)s?\s+ago\b",
    re.IGNORECASE,
)
_LAST = re.compile(r"\b(?:last|past|previous)\s+(week|month|year|weekend)\b", re.IGNORECASE)
_LAST_DAY = re.compile(r"\b(?:last|this past|past)\s+(" + "|".join(_WEEKDAYS) + r")\b", re.I)
_YESTERDAY = re.compile(r"\byesterday\b", re.IGNORECASE)
_IN_MONTH = re.compile(
    r"\b(?:in|during|of|since|from|early|late|mid|mid-)\s+(" + "|".join(_MONTHS) + r")\b"
    r"|\b(" + "|".join(_MONTHS) + r")\s+(\d{1,2})(?:st|nd|rd|th)?\b",
    re.IGNORECASE,
)


class Cues(BaseModel):
    """What recall learned from the question itself."""

    #: The question asks for her words (her replies), not the person's.
    her_words: bool = False
    #: Memories from this span match the question's time expression.
    start: datetime | None = None
    end: datetime | None = None

    @property
    def dated(self) -> bool:
        return self.start is not None and self.end is not None

    def within(self, at: datetime) -> bool:
        if self.start is None or self.end is None:
            return False
        return self.start <= at <= self.end


def read_cues(query: str, now: datetime) -> Cues:
    """Who the question asks about and the span of time it names (with some slack either side:
    people say "last month" of five weeks ago)."""
    her = bool(_HER_WORDS.search(query))
    span = _span(query, now)
    if span is None:
        return Cues(her_words=her)
    return Cues(her_words=her, start=span[0], end=span[1])


def _span(query: str, now: datetime) -> tuple[datetime, datetime] | None:
    if m := _AGO.search(query):
        count_word = m.group(1).lower()
        count = int(count_word) if count_word.isdigit() else _NUMBERS.get(count_word, 1)
        days = count * _UNIT_DAYS[m.group(2).lower()]
        slack = max(2.0, days * 0.3)
        centre = now - timedelta(days=days)
        return centre - timedelta(days=slack), centre + timedelta(days=slack)
    if m := _LAST_DAY.search(query):
        target = _WEEKDAYS.index(m.group(1).lower())
        back = (now.weekday() - target) % 7 or 7
        then = now - timedelta(days=back)
        return then - timedelta(days=2), then + timedelta(days=2)
    if _YESTERDAY.search(query):
        return now - timedelta(days=3), now
    if m := _LAST.search(query):
        unit = m.group(1).lower()
        if unit == "weekend":
            return now - timedelta(days=10), now
        days = _UNIT_DAYS[unit]
        return now - timedelta(days=days * 2 + 2), now - timedelta(days=days * 0.3)
    if m := _IN_MONTH.search(query):
        name = (m.group(1) or m.group(2)).lower()
        month = _MONTHS[name]
        year = now.year if month <= now.month else now.year - 1
        start = now.replace(year=year, month=month, day=1, hour=0, minute=0, second=0)
        if m.group(3):
            day = min(int(m.group(3)), 28)
            centre = start.replace(day=day)
            return centre - timedelta(days=3), centre + timedelta(days=3)
        return start - timedelta(days=5), start + timedelta(days=36)
    return None
