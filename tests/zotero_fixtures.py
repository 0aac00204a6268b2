"""Shared by the Zotero sync tests and the window's sync tests: the test account, an in-process keyring
(the `memory_keyring` fixture in tests/conftest.py installs it), and the local Web API emulator with refdesk
pointed at it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import keyring.backend
import keyring.errors
import pytest

from tests.servers.zotero import ZoteroServer

USER_ID = 475425


class MemoryKeyring(keyring.backend.KeyringBackend):
    """An in-process keyring for tests that are not about the Secret Service itself."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.store.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("not found")


@contextlib.contextmanager
def zotero_emulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[ZoteroServer]:
    """The Web API emulator, running, with ``REFDESK_ZOTERO_API_URL`` pointing at it."""
    with ZoteroServer() as server:
        monkeypatch.setenv("REFDESK_ZOTERO_API_URL", server.url)
        yield server
