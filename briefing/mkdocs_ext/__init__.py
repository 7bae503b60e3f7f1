"""The engine adapter: every use of MkDocs, ProperDocs and Material lives in this package.

In: a site root's ``mkdocs.yml`` and ``docs/``, and what briefing asks of a build. Out: the
built site. ``engines`` chooses MkDocs or ProperDocs; ``plugin`` is the ``briefing`` MkDocs
plugin; ``fastpages`` and ``chrome`` are its fast paths for generated pages and its lean page
chrome; ``theme/`` holds the template overrides and assets.
"""
