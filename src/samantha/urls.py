"""Server addresses as people type them: checked before use, and shown without their secrets.

Some servers take the key inside the address (``http://user:sk-...@host/v1``, ``?api_key=``,
``?key=``). An address is printed in error sentences, ``doctor``, ``config show`` and logs, so
every one of those goes through ``redact`` first.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

HIDDEN = "***"
SCHEMES = ("http", "https")
#: Query parameters that carry credentials on the servers people point samantha at.
_SECRET_PARAM = re.compile(
    r"(key|token|secret|password|passwd|pwd|auth|credential|signature|sig)", re.IGNORECASE
)
#: For addresses too broken to parse: the userinfo before the host, and key-like parameters.
_RAW_USERINFO = re.compile(r"(?<=://)[^/?#@]*@")
_RAW_PARAM = re.compile(r"(?<=[?&;])([^=&;#]*)=([^&;#]*)")


def redact(url: str) -> str:
    """``url`` with its user name, password and key-like query values replaced by ``***``;
    anything else is kept so the user still recognises the address."""
    try:
        parts = urlsplit(url)
        host = parts.hostname  # raises for a broken IPv6 literal
    except ValueError:
        return _redact_raw(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{HIDDEN}@{netloc.rsplit('@', 1)[1]}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(_SECRET_PARAM.search(name) for name, _ in pairs):
            query = "&".join(
                f"{quote(name, safe='')}={HIDDEN if _SECRET_PARAM.search(name) else quote(value)}"
                for name, value in pairs
            )
    if host is None and netloc == parts.netloc and query == parts.query:
        return _redact_raw(url)
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _redact_raw(url: str) -> str:
    text = _RAW_USERINFO.sub(f"{HIDDEN}@", url)

    def param(match: re.Match[str]) -> str:
        name = match.group(1)
        return f"{name}={HIDDEN}" if _SECRET_PARAM.search(name) else match.group(0)

    return _RAW_PARAM.sub(param, text)


def url_problem(url: str) -> str | None:
    """What makes ``url`` unusable as a server address, in words; None when it may work."""
    if not url.strip():
        return "it is empty"
    if any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in url):
        return "it contains spaces or control characters"
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        return f"it is not a valid address ({exc})"
    scheme = parts.scheme.lower()
    if not scheme or "://" not in url:
        return "it must start with http:// or https://"
    if scheme not in SCHEMES:
        return f"the scheme '{scheme}' is not supported (use http:// or https://)"
    try:
        host = parts.hostname
        port = parts.port
    except ValueError as exc:
        text = str(exc)
        if "port" in text.lower():
            raw = parts.netloc.rsplit(":", 1)[-1]
            return f"the port '{raw}' is not a number from 1 to 65535"
        return f"its server name is not valid ({text})"
    if not host:
        return "it names no server"
    if port == 0:
        return "the port '0' is not a number from 1 to 65535"
    return None
