"""A static, chunked search index for articles, read by a Material-compatible search worker.

Material for MkDocs' own search downloads one index of every page before the first result
(about 2.9 KB per article: ~29 MB at 10,000 articles) and is rebuilt from every page's HTML.
This index is built from ``content/`` and split so that a reader downloads only what a query
needs:

- ``search/briefing/meta.json``: format, counts, chunk sizes, stop words;
- ``search/briefing/terms/<bucket>.json``: ``{word: postings}`` for the words whose first three
  characters (the whole word when shorter) hash to the bucket, so every word with a given
  3-character prefix is in one file and prefix search needs one request. A posting is
  ``2 * doc + 1`` where the word is in the headline, ``2 * doc`` otherwise; a word's postings,
  ascending, are written as gaps in a base-32 string (``encode``): about one character per
  posting for a common word, where a JSON list of numbers takes five or six;
- ``search/briefing/docs/<chunk>.json``: ``[url, title, publisher, date, snippet]`` for
  ``DOCS_PER_CHUNK`` docs. The chunks are small because the results of a common word are spread
  over the whole briefing: a reader fetches the chunks of the results shown, and a small chunk
  carries few rows the reader does not need. ``url`` is only the slug when the page is
  ``articles/<year>/<month>/<slug>/`` of the article's date.

Doc ids are stable (oldest article first), so a new article changes only the files that
mention its words and the last docs chunk. The worker (``assets/briefing/search-worker.js``)
speaks Material's worker protocol, so the search box looks and behaves as Material's own.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import pickle
import re
import time
from array import array
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..models import Article
from ..paths import ARTICLES, article_url
from ..store.files import atomic_open, atomic_write_bytes, write_if_changed
from ..store.shards import gc_paused

FORMAT = 2
BUCKETS = 512
PREFIX = 3  # characters (UTF-16 code units, as in JS) that choose a word's bucket
DOCS_PER_CHUNK = 8
SNIPPET = 180
INDEX_DIR = Path("search") / "briefing"

# Words too common to narrow a search down; they still appear in results' text.
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "has",
        "have",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "that",
        "the",
        "to",
        "was",
        "were",
        "will",
        "with",
        "this",
    ]
)
_WORD = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    """Lower-case words, the same way the worker splits a query."""
    return _WORD.findall(text.lower())


def bucket(word: str) -> int:
    """The terms file of a word: a hash of its first three characters (FNV-1a, as in the JS)."""
    value = 0x811C9DC5
    for unit in word.encode("utf-16-le")[: 2 * PREFIX]:  # UTF-16 code units, as JS's slice()
        value = ((value ^ unit) * 0x01000193) & 0xFFFFFFFF
    return value % BUCKETS


# Base-32 digits: a number is written most significant digit first, every digit but its last
# from the second half of the alphabet. All 64 characters stand in JSON strings unescaped.
_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_"
_VALUE = {c: i for i, c in enumerate(_DIGITS)}


def encode(postings: Iterable[int], previous: int = -1) -> str:
    """Ascending postings as a string: the first, then each one's gap to the one before less
    one, in base 32 (``decode`` and the worker read it back). With ``previous``, the postings
    that follow a list ending there: ``encode(a + b) == encode(a) + encode(b, a[-1])``."""
    out: list[str] = []
    for posting in postings:
        gap = posting - previous - 1
        if gap < 0:
            raise ValueError(f"postings must ascend: {posting} after {previous}")
        previous = posting
        digits = [_DIGITS[gap & 31]]
        gap >>= 5
        while gap:
            digits.append(_DIGITS[32 + (gap & 31)])
            gap >>= 5
        out.extend(reversed(digits))
    return "".join(out)


def decode(text: str) -> list[int]:
    """The postings ``encode`` wrote."""
    postings: list[int] = []
    previous, value = -1, 0
    for char in text:
        digit = _VALUE[char]
        if digit >= 32:
            value = value * 32 + digit - 32
        else:
            previous += value * 32 + digit + 1
            postings.append(previous)
            value = 0
    return postings


# For ``last_posting``: each posting's last digit (first half of the alphabet) by its value,
# the same marked 1, and the digits before it (second half) in runs.
_LAST_VALUE = bytes(_VALUE[chr(i)] if chr(i) in _DIGITS[:32] else 0 for i in range(256))
_IS_LAST = bytes(1 if chr(i) in _DIGITS[:32] else 0 for i in range(256))
_HIGH = re.compile(r"[W-Za-z_-]+")
_ALPHABET = _DIGITS.encode("ascii")


def last_posting(text: str) -> int:
    """The last of the postings ``encode`` wrote (-1 for none), without making the list: the
    sum of every gap plus one, mostly added up in C (a common word's code is thousands long)."""
    data = text.encode("ascii", "replace")
    if data.translate(None, _ALPHABET) or (data and not _IS_LAST[data[-1]]):
        raise ValueError(f"not a postings code: {text[:40]!r}")
    total = -1 + sum(data.translate(_IS_LAST)) + sum(data.translate(_LAST_VALUE))
    for high in _HIGH.findall(text):  # the digits of gaps of 32 or more, before their last
        value = 0
        for char in high:
            value = value * 32 + _VALUE[char] - 32
        total += value * 32
    return total


@dataclass(frozen=True)
class SearchReport:
    docs: int
    files_written: int
    seconds: float


def _doc_row(article: Article) -> list[str]:
    snippet = article.snippet or " ".join(article.analysis.split())
    if len(snippet) > SNIPPET:
        snippet = snippet[: SNIPPET - 1].rsplit(" ", 1)[0] + "…"
    date = article.published.strftime("%Y-%m-%d")
    url = article_url(article.path)
    folder = f"{ARTICLES}/{date[:4]}/{date[5:7]}/"
    slug = url.removeprefix(folder).removesuffix("/")
    if url == f"{folder}{slug}/" and slug and "/" not in slug:
        url = slug  # the worker puts the date's folder back
    return [url, article.title, article.publisher, date, snippet]


def _docs_files(ordered: list[Article], first: int = 0) -> Iterator[tuple[str, str]]:
    """The docs chunks from the one holding doc ``first`` to the last, one at a time."""
    for start in range(first // DOCS_PER_CHUNK * DOCS_PER_CHUNK, len(ordered), DOCS_PER_CHUNK):
        rows = [_doc_row(a) for a in ordered[start : start + DOCS_PER_CHUNK]]
        name = f"{INDEX_DIR.as_posix()}/docs/{start // DOCS_PER_CHUNK}.json"
        yield name, json.dumps(rows, ensure_ascii=False, separators=(",", ":"))


def _terms_json(codes: dict[str, str]) -> str:
    """A terms file: each word's postings code, words in order."""
    return json.dumps({word: codes[word] for word in sorted(codes)}, separators=(",", ":"))


def _words_key(article: Article) -> str:
    digest = hashlib.sha1(usedforsecurity=False)
    for part in (
        article.title,
        article.publisher,
        article.snippet,
        article.analysis,
        *article.tags,
    ):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def _sources(ordered: Iterable[Article]) -> list[str]:
    """What each doc of the index is made from, in doc order."""
    return [f"{a.path}\0{a.published.isoformat()}\0{_words_key(a)}" for a in ordered]


def _key_of(source: str) -> str:
    """The ``_words_key`` a ``_sources`` entry ends with."""
    return source.rpartition("\0")[2]


def _digest(sources: Iterable[str]) -> str:
    # The layout is part of it: an index of other buckets or chunks is rebuilt, not kept.
    digest = hashlib.sha256(f"{FORMAT} {BUCKETS} {PREFIX} {DOCS_PER_CHUNK}".encode())
    for source in sources:
        digest.update(f"{source}\0".encode())
    return digest.hexdigest()


def source_digest(articles: Iterable[Article]) -> str:
    """A digest of everything the index is made from, to skip rebuilding an unchanged one."""
    return _digest(_sources(sorted(articles, key=lambda a: (a.published, a.id))))


Words = tuple[frozenset[str], frozenset[str]]  # an article's headline words, its other words


def article_words(article: Article) -> Words:
    """The words an article is found by: its headline's, and the rest (publisher, snippet,
    analysis, tags), without stop words."""
    title = frozenset(words(article.title)) - STOP_WORDS
    body = f"{article.publisher} {article.snippet} {article.analysis} {' '.join(article.tags)}"
    return title, frozenset(words(body)) - STOP_WORDS - title


def _words_line(article: Article) -> str:
    """``article_words`` as one string (what the words cache keeps: one object per article,
    not two sets of strings): the headline's words, a tab, the others; each space-separated."""
    title, body = article_words(article)
    return f"{' '.join(sorted(title))}\t{' '.join(sorted(body))}"


def build_index(articles: Iterable[Article], known: dict[str, str] | None = None) -> dict[str, str]:
    """Every index file as ``{path relative to the site: JSON text}``. Pure and deterministic.
    ``index_files`` gives the same one at a time (what ``write_index`` writes)."""
    ordered = sorted(articles, key=lambda a: (a.published, a.id))
    return dict(index_files(ordered, known))


def index_files(
    ordered: list[Article], known: dict[str, str] | None = None, sources: list[str] | None = None
) -> Iterator[tuple[str, str]]:
    """The index files of ``ordered`` (oldest first), one at a time, so that no more than one
    is ever held: the postings are compact arrays (4 bytes each) until their terms file is
    written; each docs chunk is made as it is given.

    ``known``: each article's words line (``_words_line``) by ``_words_key``, from an earlier
    run (and filled in here), so that a rebuilt index does not split every article again.
    ``sources``: ``_sources(ordered)`` when the caller has it already.
    """
    sources = _sources(ordered) if sources is None else sources
    postings: dict[str, array[int]] = {}
    for doc, article in enumerate(ordered):  # ascending, so every array comes out sorted
        if known is None:
            line = _words_line(article)
        else:
            key = _key_of(sources[doc])
            line = known.get(key) or known.setdefault(key, _words_line(article))
        title, _, body = line.partition("\t")
        for words_of, posting in ((title, 2 * doc + 1), (body, 2 * doc)):
            for word in words_of.split():
                found = postings.get(word)
                if found is None:
                    postings[word] = found = array("I")
                found.append(posting)
    buckets: dict[int, list[str]] = defaultdict(list)
    for word in sorted(postings):
        buckets[bucket(word)].append(word)
    base = INDEX_DIR.as_posix()
    for number in range(BUCKETS):  # empty ones too: a query never meets a 404
        codes = {word: encode(postings.pop(word)) for word in buckets.pop(number, ())}
        yield f"{base}/terms/{number}.json", _terms_json(codes)
    yield from _docs_files(ordered)
    meta = _meta(ordered, _digest(sources))
    yield f"{base}/meta.json", json.dumps(meta, separators=(",", ":"))


def _meta(ordered: list[Article], digest: str) -> dict[str, object]:
    return {
        "format": FORMAT,
        "docs": len(ordered),
        "buckets": BUCKETS,
        "prefix": PREFIX,
        "docs_per_chunk": DOCS_PER_CHUNK,
        "stop_words": sorted(STOP_WORDS),
        "source": digest,
    }


def write_index(
    site_dir: Path, articles: Iterable[Article], cache_dir: Path | None = None
) -> SearchReport:
    """Write the index into a built site; unchanged files are left alone, stale ones removed.
    With ``cache_dir``, each article's words are kept there between runs, so adding one
    article does not split every other article into words again."""
    started = time.monotonic()
    ordered = sorted(articles, key=lambda a: (a.published, a.id))
    sources = _sources(ordered)
    digest = _digest(sources)
    meta_path = site_dir / INDEX_DIR / "meta.json"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("source") == digest:
            return SearchReport(int(meta["docs"]), 0, time.monotonic() - started)
        # Only an index of this format and layout is appended to; any other is rebuilt whole.
        layout = {k: meta.get(k) for k in ("format", "buckets", "prefix", "docs_per_chunk")}
        same = layout == {k: v for k, v in _meta([], "").items() if k in layout}
        built_from = str(meta.get("source")) if same else ""
    except (FileNotFoundError, ValueError, KeyError, TypeError, AttributeError):
        built_from = ""
    order = cache_dir / "search-order.pickle" if cache_dir else None
    files = (
        _appended(site_dir, ordered, sources, _load_sources(order, built_from)) if order else None
    )
    if files is None:
        written = _write_whole(site_dir, ordered, sources, cache_dir)
    else:
        written = sum(write_if_changed(site_dir / rel, text) for rel, text in files.items())
    if order:
        with contextlib.suppress(OSError):
            blob = pickle.dumps((digest, sources), pickle.HIGHEST_PROTOCOL)
            atomic_write_bytes(order, blob, durable=False)
    return SearchReport(len(ordered), written, time.monotonic() - started)


def _write_whole(
    site_dir: Path, ordered: list[Article], sources: list[str], cache_dir: Path | None
) -> int:
    """Write every index file (those unchanged left alone), one at a time; remove the files
    of an older index that this one does not have. The number of files written."""
    cache = cache_dir / "search-words.pickle" if cache_dir else None
    known = _load_words(cache) if cache else None
    written = 0
    made: set[str] = set()
    for rel, text in index_files(ordered, known, sources):
        written += write_if_changed(site_dir / rel, text)
        made.add(rel)
    if cache and known is not None:
        keep = {k: known[k] for k in map(_key_of, sources) if k in known}
        del known
        with contextlib.suppress(OSError), atomic_open(cache, durable=False) as handle:
            pickle.dump(keep, handle, pickle.HIGHEST_PROTOCOL)
    index_dir = site_dir / INDEX_DIR
    for path in index_dir.rglob("*.json") if index_dir.is_dir() else ():
        if path.relative_to(site_dir).as_posix() not in made:
            path.unlink()
    return written


def _load_sources(path: Path, digest: str) -> list[str] | None:
    """The docs the site's index was built from (``_sources``), when the cache knows them."""
    try:
        with path.open("rb") as handle, gc_paused():
            saved = pickle.load(handle)  # noqa: S301 - briefing's own cache file
        built, sources = saved
    except Exception:  # missing, torn or foreign: it is only a cache
        return None
    return sources if built == digest and isinstance(sources, list) else None


def _appended(
    site_dir: Path, ordered: list[Article], sources: list[str], old: list[str] | None
) -> dict[str, str] | None:
    """The index files that change when the only difference from the index in ``site_dir``
    (made from ``old``) is docs added after all of its docs (new articles are the newest):
    their words appended to the terms files they touch, the docs chunks from the first that
    changes, the meta. None when that is not the case (a full rebuild is needed). Gives the
    same files as ``build_index``: postings stay ascending and words sorted."""
    if not old or len(sources) <= len(old) or sources[: len(old)] != old:
        return None
    base = site_dir / INDEX_DIR
    added: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for doc in range(len(old), len(ordered)):
        title, body = article_words(ordered[doc])
        for word in title:
            added[bucket(word)][word].append(2 * doc + 1)
        for word in body:
            added[bucket(word)][word].append(2 * doc)
    files: dict[str, str] = {}
    rel = INDEX_DIR.as_posix()
    for number, postings in added.items():
        try:
            text = (base / "terms" / f"{number}.json").read_text(encoding="utf-8")
            codes: dict[str, str] = json.loads(text)
            # The new docs come after every old one: a word's new postings are appended to
            # its code as it is (only the words the new docs have are read at all).
            for word, docs in postings.items():
                code = codes.get(word, "")
                codes[word] = code + encode(sorted(docs), last_posting(code))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None  # unreadable, or not this format: rebuilt whole
        files[f"{rel}/terms/{number}.json"] = _terms_json(codes)
    files.update(_docs_files(ordered, len(old)))
    files[f"{rel}/meta.json"] = json.dumps(_meta(ordered, _digest(sources)), separators=(",", ":"))
    return files


def _load_words(path: Path) -> dict[str, str]:
    """The words cache (``index_files``); empty when missing, torn or of an older format."""
    try:
        with path.open("rb") as handle, gc_paused():
            data = pickle.load(handle)  # noqa: S301 - briefing's own cache file
    except Exception:  # missing, torn or foreign: it is only a cache
        return {}
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        return {}  # another format (sets of words, before lines)
    return data
