"""Error types whose message is meant for the user.

Every failure the user can cause or meet (bad input, a locked library, a dead
server) is a ``RefdeskError``; the CLI prints its message and exits non-zero,
and never shows a traceback for it.
"""

from __future__ import annotations


class RefdeskError(Exception):
    """A failure with a message fit to show the user as it is."""

    exit_code = 1


class InvalidInputError(RefdeskError):
    """The user gave something refdesk cannot read (an identifier, a field, a file)."""

    exit_code = 2


class UnknownFieldError(InvalidInputError):
    def __init__(self, field: str, item_type: str) -> None:
        super().__init__(f"Field '{field}' is not valid for item type '{item_type}'")
        self.field = field
        self.item_type = item_type


class UnknownItemTypeError(InvalidInputError):
    def __init__(self, item_type: str) -> None:
        super().__init__(f"Unknown item type '{item_type}'")
        self.item_type = item_type


class LibraryError(RefdeskError):
    """The library database cannot be opened or written."""

    exit_code = 3


class LibraryDamagedError(LibraryError):
    """SQLite found the library file damaged; nothing more is written to it (the message names the newest backup)."""

    exit_code = 5


class NotFoundError(RefdeskError):
    exit_code = 4


class ImporterError(RefdeskError):
    """An importer could not turn its input into a record; says what it tried."""
