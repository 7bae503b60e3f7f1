"""Pages: the site's Markdown, written from the store.

In: the stored articles and feed states. Out: the generated pages under ``docs/`` (articles,
stories, listings, tags, health), RSS and OPML feeds, link previews, and after a build the
chunked search index in ``site/search/briefing/``.

``render`` plans and writes the pages (``pagekeys`` skips those whose inputs did not change);
``pagetext`` holds what every page shares (templates, front matter, excerpts); ``listings``,
``storypages``, ``previews`` and ``feeds_out`` make their kinds of page; ``search`` writes
the index.
"""
