"""Ingest: the outside world comes in here, and only here.

In: ``content/feeds.yml`` (which feeds) and the network (feed bytes, article pages).
Out: new article files in ``content/articles/`` (through ``store``), per-feed state, and for
the read step each article's text and quotes in the article cache.

``run`` fetches every feed (``fetch``), parses it (``parse``), turns entries into articles
(``normalize``; Google News links through ``gnews``) and stores the new ones; ``read`` fetches
each article's page once, politely, ``extract`` takes its text out and ``quoting`` decides what
of it may be quoted (the lead, key sentences: never the article); ``progress`` is what a run
shows on a terminal.
"""
