"""Domain errors. The CLI turns them into one message and an exit code, in one place."""

from __future__ import annotations

from pathlib import Path


class BriefingError(Exception):
    """Base class: something the user can fix, reported without a traceback."""


class UsageError(BriefingError):
    """The command was called wrongly (exit code 2)."""


class LocatedError(BriefingError):
    """An error at a place in a file: printed as ``path:line: message``."""

    def __init__(self, path: Path | str, line: int, message: str) -> None:
        self.path = str(path)
        self.line = line
        self.message = message
        super().__init__(f"{self.path}:{line}: {message}")

    def __reduce__(self) -> tuple[type[LocatedError], tuple[str, int, str]]:
        return (type(self), (self.path, self.line, self.message))  # picklable (article cache)


class ConfigError(LocatedError):
    """``mkdocs.yml`` or ``content/feeds.yml`` is wrong."""


class ContentError(LocatedError):
    """An article file under ``content/`` is wrong."""


class ConfigErrors(BriefingError):
    """Several configuration errors, all collected before failing."""

    def __init__(self, errors: list[LocatedError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


class LockedError(BriefingError):
    """Another briefing run holds the site root's lock."""


class BuildError(BriefingError):
    """MkDocs could not build the site."""
