"""briefing: turn news feeds into an analysed, searchable static site built with MkDocs."""

__version__ = "0.1.0"
USER_AGENT = f"briefing/{__version__} (+https://pypi.org/project/briefing/; static news briefing)"
