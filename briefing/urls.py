"""Links to the outside world as readers are shown them: the original article, without the
tracking parameters feeds add to it."""

from __future__ import annotations

from urllib.parse import unquote_plus, urlsplit

GOOGLE_NEWS_HOST = "news.google.com"
# Query parameters that only say who sent the reader (campaigns, click identifiers); they make
# the same article look like different URLs. Compared case-insensitively, ``utm_*`` too.
_TRACKING = frozenset(
    {"fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "igshid", "mc_cid",
     "mc_eid", "ocid", "cmpid", "_ga", "_gl"}
)  # fmt: skip
# "oc" is Google News' own ("?oc=5"); on another host it may well mean something.
_GOOGLE_TRACKING = frozenset({"oc"})


def host_of(url: str) -> str:
    """The lower-case host of a URL, "" when there is none or it cannot be parsed."""
    try:
        host = urlsplit(url).hostname
    except ValueError:  # e.g. an unbalanced "[" in the authority
        return ""
    return (host or "").rstrip(".")


def strip_tracking(url: str) -> str:
    """``url`` without tracking query parameters (``utm_*``, ``fbclid``, ``gclid``, …; and
    ``oc`` on news.google.com). Everything else is kept verbatim and in order, so the result
    is stable (idempotent); a URL with nothing to strip comes back byte for byte; never
    raises."""
    hash_at = url.find("#")
    head, fragment = (url, "") if hash_at < 0 else (url[:hash_at], url[hash_at:])
    query_at = head.find("?")
    if query_at < 0:
        return url
    base, query = head[:query_at], head[query_at + 1 :]
    extra = _GOOGLE_TRACKING if host_of(base) == GOOGLE_NEWS_HOST else frozenset()
    pieces = query.split("&")
    kept = [p for p in pieces if not _is_tracking(p, extra)]
    if len(kept) == len(pieces):
        return url
    rest = "&".join(kept)
    return base + ("?" + rest if rest else "") + fragment


def _is_tracking(piece: str, extra: frozenset[str]) -> bool:
    name = unquote_plus(piece.split("=", 1)[0]).lower()
    return name.startswith("utm_") or name in _TRACKING or name in extra
