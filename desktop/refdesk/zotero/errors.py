"""Errors of the Zotero sync, each with a message fit for the user (never containing the API key)."""

from __future__ import annotations

from refdesk.errors import RefdeskError


class ZoteroError(RefdeskError):
    """Something about Zotero sync failed; the message says what and what to do."""

    exit_code = 5


class KeyringUnavailableError(ZoteroError):
    """No usable OS keyring: refdesk will not store the key anywhere else."""


class NotLoggedInError(ZoteroError):
    pass


class ZoteroAuthError(ZoteroError):
    """The server refused the API key (invalid, revoked, or without the needed access)."""


class ZoteroUnavailableError(ZoteroError):
    """The server could not be reached or kept failing after retries."""


class SyncCancelledError(ZoteroError):
    exit_code = 130
