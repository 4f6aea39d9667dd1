"""Database URLs as they may be shown to anyone: every password hidden (standard library only).

The URL text is taken apart here by hand rather than by SQLAlchemy, because the URLs that
most need hiding are the ones SQLAlchemy cannot parse (an unknown driver, a port that is
not a number, an unencoded `@` in the password), and because SQLAlchemy's own rendering
shows a password given as `?password=` in the query string.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

HIDDEN = "***"
NOT_A_URL = "(not a URL)"
"""What is shown of a text that is not URL-shaped at all: any part of it could be a secret."""
SECRET_KEYS = frozenset({"password", "passwd", "pwd", "sslpassword"})
"""Query-string keys whose values are secrets (libpq's and the usual spellings)."""
# A secret shorter than this is not searched for in free text: replacing every "ab" in a
# message would make it unreadable. The URL itself always hides the password, whatever
# its length.
MIN_SCRUBBED = 3

_SCHEME = re.compile(r"\s*([A-Za-z][A-Za-z0-9+.\-]*)://(.*)", re.DOTALL)
_QUERY_PAIR = re.compile(r"([?&;])([^=&;#]*)=([^&;#]*)")


def _split(url: str) -> tuple[str, str] | None:
    match = _SCHEME.fullmatch(url)
    if match is None:
        return None
    return match.group(1), match.group(2)


def _userinfo(rest: str) -> tuple[str, str, str] | None:
    """User, password and the rest after the userinfo, when the URL carries a password.

    The userinfo ends at the last `@`: a password may hold an unencoded `@`, and hiding a
    little too much is better than showing part of a password.
    """
    at = rest.rfind("@")
    if at < 0 or ":" not in rest[:at]:
        return None
    user, password = rest[:at].split(":", 1)
    return user, password, rest[at + 1 :]


def _is_secret_key(key: str) -> bool:
    return unquote(key).strip().lower() in SECRET_KEYS


def shown_url(url: str) -> str:
    """`url` with its password, and any password in its query string, replaced by ***."""
    parts = _split(url)
    if parts is None:
        return NOT_A_URL if url.strip() else url
    scheme, rest = parts
    if scheme.lower().startswith("sqlite"):
        return url.strip()
    userinfo = _userinfo(rest)
    if userinfo is not None:
        user, _password, after = userinfo
        rest = f"{user}:{HIDDEN}@{after}"

    def hide(match: re.Match[str]) -> str:
        separator, key, value = match.groups()
        return f"{separator}{key}={HIDDEN if _is_secret_key(key) and value else value}"

    return f"{scheme}://{_QUERY_PAIR.sub(hide, rest)}"


def url_secrets(url: str) -> set[str]:
    """The secrets in `url` in every spelling a message might quote (as written and
    %-decoded); for a text that is not URL-shaped, the whole text."""
    parts = _split(url)
    if parts is None:
        found = {url.strip()}
    elif parts[0].lower().startswith("sqlite"):
        found = set()
    else:
        rest = parts[1]
        found = set()
        userinfo = _userinfo(rest)
        if userinfo is not None:
            password = userinfo[1]
            found.add(password)
            # A parser that stops at the first `@` takes the first piece for the password
            # and the rest for the host name, which a connection error may quote.
            found.update(password.split("@"))
        for _separator, key, value in _QUERY_PAIR.findall(rest):
            if _is_secret_key(key):
                found.add(value)
    spelled = set()
    for secret in found:
        spelled |= {secret, unquote(secret), unquote(secret.replace("+", " "))}
    return {secret for secret in spelled if len(secret) >= MIN_SCRUBBED}


def hide_secrets(text: str, urls: list[str] | tuple[str, ...]) -> str:
    """`text` with every password of `urls` (in any spelling) replaced by ***."""
    secrets: set[str] = set()
    for url in urls:
        if url:
            secrets |= url_secrets(url)
    # Longest first, so that a secret containing another is hidden whole.
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, HIDDEN)
    return text
