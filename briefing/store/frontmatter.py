"""Article files: YAML front matter with the facts, then the analysis as Markdown.

Written with a safe dumper and read with a safe loader, so any title or snippet text
round-trips exactly and can never break out of the front matter.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from ..errors import ContentError
from ..models import Article, utc_iso

# The C loader/dumper (libyaml) are several times faster; same YAML, same safety.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

DELIMITER = "---"
REQUIRED = ("id", "title", "publisher", "link", "published")
KNOWN = (
    "id", "title", "title_derived", "publisher", "publisher_url", "link", "feeds",
    "published", "first_seen", "snippet", "tags",
)  # fmt: skip


def split(text: str, path: str | Path) -> tuple[str, str]:
    """Split a file into (front-matter YAML, body). The body is kept exactly as written."""
    text = text.removeprefix("\ufeff")
    first_end = text.find("\n")
    first = text if first_end == -1 else text[:first_end]
    if first.rstrip() != DELIMITER:
        raise ContentError(path, 1, "file must start with '---' (YAML front matter)")
    start = pos = first_end + 1
    while first_end != -1 and pos <= len(text):
        end = text.find("\n", pos)
        line = text[pos:] if end == -1 else text[pos:end]
        if line.rstrip() == DELIMITER:
            return text[start:pos], "" if end == -1 else text[end + 1 :]
        if end == -1:
            break
        pos = end + 1
    raise ContentError(path, 1, "front matter is not closed by a '---' line")


def key_lines(meta: str) -> dict[str, int]:
    """Line (1-based, in the file) of each top-level key of the front matter."""
    try:
        node = yaml.compose(meta, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {k.value: k.start_mark.line + 2 for k, _ in node.value if isinstance(k.value, str)}


def load_meta(meta: str, path: str | Path) -> dict[str, Any]:
    try:
        data = yaml.load(meta, Loader=_Loader)  # noqa: S506 - a safe loader
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 2 if exc.problem_mark else 1
        raise ContentError(path, line, f"invalid YAML front matter: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise ContentError(path, 1, f"invalid YAML front matter: {exc}") from None
    if not isinstance(data, dict):
        raise ContentError(path, 2, "front matter must be a mapping of keys to values")
    return data


def parse_time(value: object) -> datetime:
    """A front-matter time: an ISO 8601 string or a YAML timestamp; naive means UTC."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        moment = datetime.fromisoformat(value.strip())
    else:
        msg = f"expected a date and time like 2026-11-03T14:05:00Z, got {value!r}"
        raise ValueError(msg)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _text_list(value: object, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    msg = f"'{key}' must be a list of text values"
    raise ValueError(msg)


def parse_article(text: str, path: str | Path, rel_path: str = "") -> Article:
    """Read one article file; raise ContentError naming the file and line."""
    meta_text, body = split(text, path)
    data = load_meta(meta_text, path)

    def fail(key: str, message: str) -> ContentError:
        return ContentError(path, key_lines(meta_text).get(key, 1), message)

    for key in REQUIRED:
        value = data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise fail(key, f"missing required key '{key}'")
    for key in ("id", "title", "publisher", "link", "snippet", "publisher_url"):
        if data.get(key) is not None and not isinstance(data[key], str):
            raise fail(key, f"'{key}' must be text, got {data[key]!r}")
    derived = data.get("title_derived", False)
    if not isinstance(derived, bool):
        raise fail("title_derived", f"'title_derived' must be true or false, got {derived!r}")
    values: dict[str, Any] = {}
    for key, convert in (("published", parse_time), ("first_seen", parse_time)):
        try:
            values[key] = convert(data.get(key) or data["published"])
        except ValueError as exc:
            raise fail(key, f"'{key}': {exc}") from None
    for key in ("feeds", "tags"):
        try:
            values[key] = _text_list(data.get(key), key)
        except ValueError as exc:
            raise fail(key, str(exc)) from None
    return Article(
        id=data["id"],
        title=data["title"],
        publisher=data["publisher"],
        link=data["link"],
        published=values["published"],
        first_seen=values["first_seen"],
        feeds=values["feeds"],
        snippet=data.get("snippet") or "",
        tags=values["tags"],
        publisher_url=data.get("publisher_url") or "",
        title_derived=derived,
        body=body,
        path=rel_path,
        extra={k: v for k, v in data.items() if k not in KNOWN},
    )


def meta_of(article: Article) -> dict[str, Any]:
    """The front matter of an article, keys in a fixed, readable order."""
    meta: dict[str, Any] = {
        "id": article.id,
        "title": article.title,
    }
    if article.title_derived:  # an editor who writes a headline deletes this line
        meta["title_derived"] = True
    meta["publisher"] = article.publisher
    if article.publisher_url:
        meta["publisher_url"] = article.publisher_url
    meta["link"] = article.link
    meta["feeds"] = list(article.feeds)
    meta["published"] = utc_iso(article.published)
    meta["first_seen"] = utc_iso(article.first_seen)
    if article.snippet:
        meta["snippet"] = article.snippet
    meta["tags"] = list(article.tags)
    meta.update(article.extra)
    return meta


def dump_meta(meta: dict[str, Any]) -> str:
    return yaml.dump(  # safe dumper: plain data only, every string quoted as needed
        meta, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100
    )


def dump_article(article: Article) -> str:
    """The file text of an article. A new article's body starts after one blank line."""
    body = article.body if article.body else "\n"
    return f"{DELIMITER}\n{dump_meta(meta_of(article))}{DELIMITER}\n{body}"


def updated_text(
    path: Path, article: Article, keys: dict[str, Any], body: str | None
) -> str | None:
    """The file's text with front-matter ``keys`` set (and the body, when given; with
    ``body=None`` it is kept byte for byte), or None if the file no longer says what
    ``article`` was read from it (someone changed it since: leave it to the next run)."""
    try:
        text = path.read_text(encoding="utf-8")
        current = parse_article(text, path, article.path)
    except (OSError, UnicodeDecodeError, ContentError):
        return None
    if current != article or current.extra != article.extra:
        return None
    meta_text, old_body = split(text, path)
    meta = load_meta(meta_text, path)
    meta.update(keys)
    return f"---\n{dump_meta(meta)}---\n{old_body if body is None else body}"
