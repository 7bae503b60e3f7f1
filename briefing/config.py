"""Read a site root: ``mkdocs.yml`` for the site's settings, ``content/feeds.yml`` for its feeds.

Every problem in ``feeds.yml`` is collected (with its line) before failing, like MkDocs' own
config validation.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from .errors import ConfigError, ConfigErrors, LocatedError, UsageError
from .mkdocs_ext.engines import DEFAULT as DEFAULT_ENGINE
from .mkdocs_ext.engines import ENGINES
from .models import Feed, SiteConfig
from .paths import feed_slug

FEEDS_FILE = Path("content") / "feeds.yml"


class _TolerantLoader(yaml.SafeLoader):
    """Safe loader that reads MkDocs' ``!ENV`` / ``!!python/name:`` tags as plain values."""


def _any_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)  # type: ignore[arg-type]


_TolerantLoader.add_multi_constructor("!", _any_tag)
_TolerantLoader.add_multi_constructor("tag:yaml.org,2002:python/", _any_tag)


# Set by the publish workflow to the address GitHub Pages gives the site (actions/configure-pages'
# base_url): sitemaps, canonical links and feed links are absolute without editing mkdocs.yml.
SITE_URL_VARIABLE = "BRIEFING_SITE_URL"


def pages_site_url() -> str:
    """The site's address from the environment (the publish workflow), with its final slash;
    "" when unset. ``site_url`` in mkdocs.yml wins over it."""
    url = os.environ.get(SITE_URL_VARIABLE, "").strip()
    if not url.startswith(("https://", "http://")):
        return ""
    return url.rstrip("/") + "/"


def github_repo_url() -> str:
    """``https://github.com/owner/repo`` when running in GitHub Actions, else ``""``."""
    repo = os.environ.get("GITHUB_REPOSITORY", "")
    server = os.environ.get("GITHUB_SERVER_URL", "https://github.com")
    return f"{server}/{repo}" if repo else ""


def briefing_options(extra: Any) -> dict[str, Any]:
    """``extra.briefing`` of a site's ``mkdocs.yml`` (empty when absent or not a mapping);
    ``extra`` as read from the file, or MkDocs' own (a mapping, not a dict)."""
    options = extra.get("briefing") if isinstance(extra, Mapping) else None
    return dict(options) if isinstance(options, Mapping) else {}


def edit_branch(options: dict[str, Any]) -> str:
    """The branch that edit links open files on: ``extra.briefing.branch``, else main."""
    return str(options.get("branch", "main"))


def load_site(root: Path) -> SiteConfig:
    """Read the site root's configuration; raise with every problem found."""
    root = root.resolve()
    mkdocs_file = root / "mkdocs.yml"
    if not mkdocs_file.is_file():
        msg = f"no mkdocs.yml in {root}: run briefing from a site root (where mkdocs.yml is)"
        raise UsageError(msg)
    try:
        text = mkdocs_file.read_text(encoding="utf-8")
        mkdocs = yaml.load(text, Loader=_TolerantLoader) or {}  # noqa: S506 - a SafeLoader
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 1
        raise ConfigError(mkdocs_file, line, f"invalid YAML: {exc.problem}") from None
    if not isinstance(mkdocs, dict):
        raise ConfigError(mkdocs_file, 1, "expected a mapping of settings")
    options = briefing_options(mkdocs.get("extra"))
    timezone = str(options.get("timezone", "UTC"))
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            mkdocs_file, 1, f"extra.briefing.timezone: unknown time zone {timezone!r}"
        ) from None
    engine = str(options.get("engine", DEFAULT_ENGINE))
    if engine not in ENGINES:
        known = ", ".join(ENGINES)
        msg = f"extra.briefing.engine: unknown engine {engine!r} (known: {known})"
        raise ConfigError(mkdocs_file, 1, msg)
    try:
        read_budget = int(options.get("read_budget", 150))
    except (TypeError, ValueError):
        read_budget = -1
    if read_budget < 0:
        msg = "extra.briefing.read_budget must be a whole number of pages (0 or more)"
        raise ConfigError(mkdocs_file, 1, msg)
    return SiteConfig(
        root=root,
        site_name=str(mkdocs.get("site_name") or "Briefing"),
        feeds=load_feeds(root / FEEDS_FILE),
        timezone=timezone,
        repo_url=str(mkdocs.get("repo_url") or github_repo_url()).rstrip("/"),
        edit_branch=edit_branch(options),
        site_url=str(mkdocs.get("site_url") or pages_site_url()),
        home_limit=int(options.get("home_limit", 60)),
        engine=engine,
        model="off" if options.get("model") is False else str(options.get("model") or ""),
        model_url=str(options.get("model_url") or ""),
        read=options.get("read", True) is not False,
        read_budget=read_budget,
        read_from=str(options.get("read_from") or ""),
    )


def load_feeds(path: Path) -> tuple[Feed, ...]:
    """Parse ``content/feeds.yml``. A missing file means no feeds yet."""
    if not path.is_file():
        return ()
    text = path.read_text(encoding="utf-8")
    try:
        root_node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 1
        raise ConfigErrors([ConfigError(path, line, f"invalid YAML: {exc.problem}")]) from None
    if root_node is None:
        return ()
    if not isinstance(root_node, yaml.MappingNode):
        raise ConfigErrors([ConfigError(path, 1, "expected a mapping with a 'feeds:' list")])
    items: yaml.Node | None = None
    for key, value in root_node.value:
        if key.value == "feeds":
            items = value
    if items is None or (isinstance(items, yaml.ScalarNode) and items.value in ("", "null", "~")):
        return ()
    if not isinstance(items, yaml.SequenceNode):
        line = items.start_mark.line + 1
        raise ConfigErrors([ConfigError(path, line, "'feeds' must be a list")])
    feeds: list[Feed] = []
    errors: list[LocatedError] = []
    seen: dict[str, int] = {}
    for node in items.value:
        line = node.start_mark.line + 1
        try:
            feed = _feed_from_node(node, line)
        except ValueError as exc:
            errors.append(ConfigError(path, line, str(exc)))
            continue
        if feed.slug in seen:
            errors.append(
                ConfigError(
                    path, line, f"feed {feed.name!r} repeats the feed on line {seen[feed.slug]}"
                )
            )
            continue
        seen[feed.slug] = line
        feeds.append(feed)
    if errors:
        raise ConfigErrors(errors)
    return tuple(feeds)


def _feed_from_node(node: yaml.Node, line: int) -> Feed:
    data = _construct(node)
    if not isinstance(data, dict):
        msg = "each feed must be a mapping with 'name' and 'url'"
        raise ValueError(msg)
    unknown = sorted(set(data) - {"name", "url", "tags", "publisher"})
    if unknown:
        msg = f"unknown key(s) {', '.join(map(repr, unknown))} (known: name, url, tags, publisher)"
        raise ValueError(msg)
    name, url = data.get("name"), data.get("url")
    if not isinstance(name, str) or not name.strip():
        msg = "feed is missing 'name'"
        raise ValueError(msg)
    if not isinstance(url, str) or not url.strip():
        msg = f"feed {name!r} is missing 'url'"
        raise ValueError(msg)
    url = url.strip()
    if "://" in url and not url.startswith(("http://", "https://")):
        msg = f"feed {name!r}: url must be http(s):// or a local path, not {url!r}"
        raise ValueError(msg)
    tags = data.get("tags") or []
    if isinstance(tags, str):
        tags = [tags]
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        msg = f"feed {name!r}: 'tags' must be a list of words"
        raise ValueError(msg)
    publisher = data.get("publisher") or ""
    if not isinstance(publisher, str):
        msg = f"feed {name!r}: 'publisher' must be text"
        raise ValueError(msg)
    if not feed_slug(name):
        msg = f"feed name {name!r} has no letters or digits"
        raise ValueError(msg)
    return Feed(
        name=name.strip(),
        url=url,
        tags=tuple(t.strip() for t in tags if t.strip()),
        publisher=publisher.strip(),
        line=line,
    )


def _construct(node: yaml.Node) -> Any:
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.dispose()
