"""Build: the pages become the published site.

In: ``docs/`` and ``mkdocs.yml``. Out: ``site/``, built in strict mode by the engine (through
``mkdocs_ext``, the one place that knows MkDocs), incrementally when it can, over several
processes when it pays, and measured against GitHub Pages' limit (``sitesize``).
"""
