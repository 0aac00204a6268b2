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


#: What a sync that stopped because of the server tells the user to do.
SYNC_AGAIN = "nothing was lost, run sync again later"


class ZoteroUnavailableError(ZoteroError):
    """The server could not be reached or kept failing after retries. ``problem`` is what happened, ``advice``
    what to do, which depends on what was being done (a sync resumes; a login was not saved)."""

    def __init__(self, problem: str, advice: str = SYNC_AGAIN) -> None:
        super().__init__(f"{problem}; {advice}")
        self.problem = problem


class ZoteroPausedError(ZoteroUnavailableError):
    """Zotero asked for a pause longer than a sync waits; ``until`` is when requests are allowed again (epoch)."""

    def __init__(self, problem: str, until: float, advice: str = SYNC_AGAIN) -> None:
        super().__init__(problem, advice)
        self.until = until


class SyncCancelledError(ZoteroError):
    exit_code = 130
