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
from tests.zotero_fixtures import USER_ID, zotero_emulator


@pytest.fixture
def zserver(monkeypatch: pytest.MonkeyPatch) -> Iterator[ZoteroServer]:
    with zotero_emulator(monkeypatch) as server:
        yield server


@pytest.fixture
def api_key(zserver: ZoteroServer) -> str:
    return zserver.add_key(USER_ID, "Z User")


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

