"""Fixtures for Zotero sync tests: a running emulator, accounts, refdesk contexts and clients."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import keyring
import keyring.backend
import pytest
from refdesk.app import AppContext
from refdesk.config import load_settings
from refdesk.zotero.client import ZoteroClient

from tests.servers.zotero import ZoteroServer

USER_ID = 475425


class MemoryKeyring(keyring.backend.KeyringBackend):
    """An in-process keyring for tests that are not about the keyring itself."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.store:
            import keyring.errors

            raise keyring.errors.PasswordDeleteError("not found")
        del self.store[(service, username)]


@pytest.fixture
def zserver(monkeypatch: pytest.MonkeyPatch) -> Iterator[ZoteroServer]:
    with ZoteroServer() as server:
        monkeypatch.setenv("REFDESK_ZOTERO_API_URL", server.url)
        yield server


@pytest.fixture
def api_key(zserver: ZoteroServer) -> str:
    return zserver.add_key(USER_ID, "Z User")


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    old = keyring.get_keyring()
    kr = MemoryKeyring()
    keyring.set_keyring(kr)
    yield kr
    keyring.set_keyring(old)


@pytest.fixture
def make_ctx(tmp_path: Path, zserver: ZoteroServer) -> Iterator[Callable[[str], AppContext]]:
    """A refdesk context per name (its own library file), logged in as USER_ID (settings only)."""
    made: list[AppContext] = []

    def make(name: str = "a") -> AppContext:
        settings = load_settings()
        settings.zotero_user_id = str(USER_ID)
        settings.zotero_api_url = zserver.url
        ctx = AppContext(settings, tmp_path / f"{name}.sqlite")
        made.append(ctx)
        return ctx

    yield make
    for ctx in made:
        ctx.close()


@pytest.fixture
def make_client(zserver: ZoteroServer, api_key: str) -> Callable[..., ZoteroClient]:
    """A client that never really sleeps; the waits it would have made are in ``transport.waits``."""

    def make(**kw: Any) -> ZoteroClient:
        waits: list[float] = []
        client = ZoteroClient(zserver.url, kw.pop("key", api_key), str(USER_ID), sleep=waits.append, **kw)
        client.transport.waits = waits  # type: ignore[attr-defined]
        return client

    return make


@pytest.fixture
def secret_service() -> Iterator[keyring.backend.KeyringBackend]:
    from keyring.backends import SecretService

    kr = SecretService.Keyring()
    try:
        usable = kr.priority > 0
        kr.set_password("refdesk-test", "probe", "probe")
        kr.delete_password("refdesk-test", "probe")
    except Exception as exc:
        pytest.fail(
            f"The real Secret Service is not available ({type(exc).__name__}: {exc}). Run the keyring tests with "
            "`tools/with-keyring.sh .venv/bin/python -m pytest tests/zotero` (gnome-keyring under dbus-run-session)."
        )
    assert usable
    old = keyring.get_keyring()
    keyring.set_keyring(kr)
    yield kr
    # gnome-keyring keeps its collection on disk: leave no test key behind
    for user in (str(USER_ID), "42"):
        with contextlib.suppress(Exception):
            kr.delete_password("refdesk-zotero", f"user:{user}")
    keyring.set_keyring(old)

