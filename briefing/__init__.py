"""briefing: turn news feeds into an analysed, searchable static site built with MkDocs."""

__version__ = "0.1.0"  # the one place the version is written (pyproject.toml reads it)
DISTRIBUTION = "mkdocs-briefing"  # the name on PyPI; the command and the package are `briefing`
USER_AGENT = (
    f"briefing/{__version__} (+https://pypi.org/project/{DISTRIBUTION}/; static news briefing)"
)
