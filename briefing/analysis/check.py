"""Check: validate ``content/`` and say exactly which file and line is wrong.

Errors fail the check. Warnings do not: they come from the local cache (``.cache/briefing``),
not from ``content/``, so the same pull request would pass on one machine and fail on another,
and a publisher retiring a feed is not a mistake in anyone's change.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..config import FEEDS_FILE
from ..errors import ConfigError, ConfigErrors, ContentError, LocatedError
from ..models import Article, SiteConfig
from ..store.content import ContentStore
from ..store.frontmatter import key_lines, split
from ..store.state import gone_since, load_states
from .editorial import editorial_problems


@dataclass(frozen=True)
class CheckReport:
    files: int
    errors: tuple[LocatedError, ...]
    warnings: tuple[LocatedError, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors


def _line_of(config: SiteConfig, article: Article, key: str) -> int:
    try:
        text = (config.root / article.path).read_text(encoding="utf-8")
        return key_lines(split(text, article.path)[0]).get(key, 1)
    except (OSError, ContentError):
        return 1


def check_content(config: SiteConfig, feed_errors: ConfigErrors | None = None) -> CheckReport:
    """Every problem in ``content/``: unreadable files, bad front matter, duplicate ids."""
    store = ContentStore(config)
    articles, errors = store.load_all()
    problems: list[LocatedError] = list(feed_errors.errors if feed_errors else [])
    problems.extend(errors)
    first_with_id: dict[str, Article] = {}
    for article in articles:
        if not article.link.startswith(("http://", "https://")):
            line = _line_of(config, article, "link")
            problems.append(ContentError(article.path, line, "'link' must be an http(s) URL"))
        other = first_with_id.setdefault(article.id, article)
        if other is not article:
            line = _line_of(config, article, "id")
            msg = f"duplicate id {article.id!r}: also in {other.path}"
            problems.append(ContentError(article.path, line, msg))
    for path in sorted(config.articles_dir.rglob("*")) if config.articles_dir.is_dir() else []:
        if path.is_file() and path.suffix != ".md" and not path.name.startswith("."):
            rel = path.relative_to(config.root).as_posix()
            problems.append(ContentError(rel, 1, "not an article: article files end in .md"))
    problems.extend(editorial_problems(articles, lambda a, key: _line_of(config, a, key)))
    problems.sort(key=lambda e: (e.path, e.line))
    return CheckReport(len(articles) + len(errors), tuple(problems), feed_warnings(config))


def feed_warnings(config: SiteConfig) -> tuple[LocatedError, ...]:
    """Feeds that answered 410 Gone and are no longer fetched, at their ``feeds.yml`` line."""
    states = load_states(config.cache_dir / "feeds.json")
    warnings: list[LocatedError] = []
    for feed in config.feeds:
        since = gone_since(states[feed.name], feed) if feed.name in states else ""
        if since:
            msg = (
                f"feed {feed.name!r} answered 410 Gone on {since} and is no longer fetched:"
                " remove its entry, or change its url to the feed's new address"
            )
            warnings.append(ConfigError(FEEDS_FILE.as_posix(), feed.line, msg))
    return tuple(warnings)
