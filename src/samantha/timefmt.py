"""Human phrases for spans of time, shared by the prompt and the offline voice."""

from __future__ import annotations

from datetime import timedelta


def humanize(span: timedelta) -> str:
    """'3 days', 'about an hour', 'two weeks': how a person would say it."""
    seconds = max(0.0, span.total_seconds())
    minutes, hours, days = seconds / 60, seconds / 3600, seconds / 86400
    if minutes < 2:
        return "a moment"
    if minutes < 55:
        return f"{round(minutes)} minutes"
    if hours < 1.5:
        return "about an hour"
    if hours < 22:
        return f"{round(hours)} hours"
    if days < 1.5:
        return "a day"
    if days < 13:
        return f"{round(days)} days"
    if days < 60:
        return f"{round(days / 7)} weeks"
    if days < 365:
        return f"{round(days / 30)} months"
    years = days / 365
    return "a year" if years < 1.5 else f"{round(years)} years"
