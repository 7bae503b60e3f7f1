"""Store: the repository is the database.

In: article files under ``content/`` (YAML front matter, then the analysis) and the caches
under ``.cache/briefing/``. Out: ``Article`` records for every other stage, and files written
atomically, only when their text changed.

``content`` is the store itself (load, add, the ledger of ids, the site lock); ``frontmatter``
reads and writes one article file; ``identity`` knows the same article arriving again;
``state`` keeps each feed's health; ``files`` writes safely; ``cache``, ``shards`` and
``memo`` keep parsed articles and text work between runs, keyed by the code that made them.
"""
