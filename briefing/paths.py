"""Where each kind of page lives: the site's layout, its links, and a page's edit link.

Every generated page has a docs path (``articles/2026/11/slug.md``, relative to ``docs/``),
from which MkDocs makes its URL (``articles/2026/11/slug/``, directory style). Render writes
the docs paths named here, the build and the plugin recognise them, and the search index and
the pages link to them: this module is the one place that knows the layout.
"""

from __future__ import annotations

import functools
import posixpath
from datetime import datetime

from slugify import slugify

ARTICLES = "articles"  # articles/<year>/<month>/<slug>.md, as content/articles/ has them
STORIES = "stories"  # stories/<story id>.md
ARCHIVE = "archive"  # archive/<year>/<month>.md and archive/index.md
FEEDS = "feeds"  # feeds/<feed slug>.md: what one feed brought
PUBLISHERS = "publishers"
TAGS = "tags"  # tags/<slug>.md, and tags/<slug>.xml: the tag's RSS feed
HOME = "index.md"
HEALTH = "health.md"
RSS_FILE = "feed.xml"
OPML_FILE = "feeds.opml"

# Everything under these docs/ paths belongs to render; hand-written pages live elsewhere.
GENERATED = (HOME, HEALTH, RSS_FILE, OPML_FILE, ARTICLES, ARCHIVE, FEEDS, PUBLISHERS, TAGS, STORIES)
# The folders with one page per article or story: most of a site, built one page at a time.
LEAF_DIRS = (f"{ARTICLES}/", f"{STORIES}/")


def feed_slug(name: str) -> str:
    """The URL slug of a feed's listing page, derived from its name."""
    return slugify(name, max_length=60, word_boundary=True) or "feed"


@functools.lru_cache(maxsize=65536)  # publishers and tags repeat on thousands of articles
def slug(name: str) -> str:
    """The URL slug of a publisher or tag page."""
    return slugify(name, max_length=60, word_boundary=True) or "x"


def article_doc(path: str) -> str:
    """``articles/2026/11/slug.md`` for the article file ``content/articles/2026/11/slug.md``."""
    return path.removeprefix("content/")


def article_url(path: str) -> str:
    """The site URL of the article file ``path``: ``articles/2026/11/slug/``."""
    return doc_url(article_doc(path))


def story_doc(story_id: str) -> str:
    return f"{STORIES}/{story_id}.md"


def month_doc(local: datetime) -> str:
    """``archive/2026/11.md``: the month page for a moment in the site's time zone."""
    return f"{ARCHIVE}/{local.year}/{local.month:02d}.md"  # strftime: 20 ms at 10,000


def feed_doc(name: str) -> str:
    return f"{FEEDS}/{feed_slug(name)}.md"


def publisher_doc(name: str) -> str:
    return f"{PUBLISHERS}/{slug(name)}.md"


def tag_doc(tag: str) -> str:
    return f"{TAGS}/{slug(tag)}.md"


def index_doc(folder: str) -> str:
    """The listing of a folder's pages: ``tags/index.md``."""
    return f"{folder}/index.md"


def doc_url(doc: str) -> str:
    """The site URL (directory style) of a docs-relative Markdown path, without leading slash."""
    stem = doc.removesuffix(".md")
    if stem == "index" or stem.endswith("/index"):
        return stem.removesuffix("index")
    return stem + "/"


def href(from_doc: str, to_doc: str) -> str:
    """A relative link between two generated pages, as MkDocs would make it."""
    rel = posixpath.relpath(doc_url(to_doc) or ".", doc_url(from_doc) or ".")
    return "./" if rel == "." else rel + "/"


def edit_path(branch: str, path: str) -> str:
    """``edit/<branch>/<path>``: where GitHub edits a file, relative to the repository."""
    return f"edit/{branch}/{path}"


def edit_url(repo_url: str, branch: str, path: str) -> str:
    """The page that edits ``path`` (relative to the repository root) on GitHub; an article
    page's edit button opens its file in ``content/``, never the generated docs page."""
    return f"{repo_url.rstrip('/')}/{edit_path(branch, path)}"
