"""Analysis: what the stories mean, never overwriting what a person wrote.

In: the stored articles (and what the read step kept of each original). Out: each article's
story id and, where no person has written one, a drafted analysis, written back to
``content/`` with its editorial record.

``run`` is the analyze step; ``editorial`` decides who wrote a text and whether it may be
replaced; ``stories`` groups articles about one event; ``draft`` writes the offline draft,
``llm`` asks a model and ``vetting`` checks its answer (quotes and figures against what the
read step kept: ``ingest.quoting``); ``check`` is ``briefing check``.
"""
