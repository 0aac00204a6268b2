"""The API key lives only in the OS keyring, and never shows up anywhere else.

Tests marked ``keyring`` need the real Secret Service (gnome-keyring under dbus-run-session):
run them with ``tools/with-keyring.sh .venv/bin/python -m pytest tests/zotero`` (``make test`` does).
Without it they fail and say why; they are never skipped silently.
"""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import keyring.backend
import keyring.backends.fail
import pytest
from refdesk.config import settings_file
from refdesk.zotero import credentials
from refdesk.zotero.errors import KeyringUnavailableError

from tests.servers.zotero import ZoteroServer
from tests.zotero.conftest import USER_ID


@pytest.fixture
def no_keyring() -> Iterator[None]:
    old = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    yield
    keyring.set_keyring(old)


def _stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(text + "\n"))


@pytest.mark.keyring
def test_key_is_stored_in_and_removed_from_the_secret_service(secret_service: Any) -> None:
    credentials.store_key("42", "secret-key-123")
    assert secret_service.get_password(credentials.SERVICE, "user:42") == "secret-key-123"
    assert credentials.load_key("42") == "secret-key-123"
    assert credentials.delete_key("42") is True
    assert credentials.load_key("42") is None
    assert credentials.delete_key("42") is False


@pytest.mark.keyring
def test_cli_login_status_logout(secret_service: Any, zserver: ZoteroServer, api_key: str, cli: Any,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    zserver.add_group(51240, "testgroup")
    _stdin(monkeypatch, api_key)
    out = cli("zotero", "login", "--user-id", str(USER_ID), "--group", "51240", "--api-key-stdin")
    assert out.code == 0, out.err
    assert "Z User" in out.out and "My Library: read and write" in out.out
    assert secret_service.get_password(credentials.SERVICE, f"user:{USER_ID}") == api_key
    text = settings_file().read_text()
    assert str(USER_ID) in text and "51240" in text and api_key not in text
    status = cli("zotero", "status")
    assert "Z User" in status.out and "in the OS keyring" in status.out and "group:51240" in status.out
    assert "testgroup" in status.out
    assert cli("sync").code == 0
    assert cli("zotero", "logout").code == 0
    assert secret_service.get_password(credentials.SERVICE, f"user:{USER_ID}") is None
    assert "missing" in cli("zotero", "status").out
    failed = cli("sync")
    assert failed.code != 0 and "login" in failed.err


@pytest.mark.keyring
def test_read_only_key_is_accepted_and_says_so(secret_service: Any, zserver: ZoteroServer, cli: Any,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    key = zserver.add_key(USER_ID, "Reader", write=False)
    _stdin(monkeypatch, key)
    out = cli("zotero", "login", "--user-id", str(USER_ID), "--api-key-stdin")
    assert out.code == 0 and "read-only" in out.out and "My Library: read only" in out.out


@pytest.mark.keyring
def test_login_through_a_real_process_with_the_real_keyring(secret_service: Any, zserver: ZoteroServer, api_key: str,
                                                            run_refdesk: Any) -> None:
    proc = run_refdesk("zotero", "login", "--user-id", str(USER_ID), "--api-key-stdin", input=api_key + "\n")
    assert proc.returncode == 0, proc.stderr
    assert api_key not in proc.stdout + proc.stderr
    assert credentials.load_key(str(USER_ID)) == api_key
    proc = run_refdesk("sync", "--json")
    assert proc.returncode == 0, proc.stderr
    assert api_key not in proc.stdout + proc.stderr


def test_no_keyring_backend_gives_a_plain_message_and_stores_nothing(no_keyring: None, zserver: ZoteroServer,
                                                                     api_key: str, cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(KeyringUnavailableError, match="gnome-keyring"):
        credentials.backend()
    _stdin(monkeypatch, api_key)
    out = cli("zotero", "login", "--user-id", str(USER_ID), "--api-key-stdin")
    assert out.code != 0
    assert "No usable OS keyring" in out.err and "never stores the Zotero API key in a file" in out.err
    assert "Traceback" not in out.err and api_key not in out.err + out.out
    assert not settings_file().exists() or api_key not in settings_file().read_text()
    assert zserver.request_count() == 0  # refused before the key went anywhere


def test_no_keyring_backend_in_a_real_process(zserver: ZoteroServer, api_key: str, run_refdesk: Any) -> None:
    proc = run_refdesk("zotero", "login", "--user-id", str(USER_ID), "--api-key-stdin", input=api_key + "\n",
                       env={"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"})
    assert proc.returncode != 0
    assert "No usable OS keyring" in proc.stderr and "Traceback" not in proc.stderr
    assert api_key not in proc.stdout + proc.stderr


def test_a_plain_text_keyring_is_refused() -> None:
    class PlaintextKeyring(keyring.backend.KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def get_password(self, service: str, username: str) -> str | None:
            return None

        def set_password(self, service: str, username: str, password: str) -> None:
            raise AssertionError("must not be used")

        def delete_password(self, service: str, username: str) -> None:
            return None

    old = keyring.get_keyring()
    keyring.set_keyring(PlaintextKeyring())
    try:
        with pytest.raises(KeyringUnavailableError):
            credentials.store_key("1", "k")
    finally:
        keyring.set_keyring(old)


def test_the_key_never_appears_in_output_settings_library_or_logs(
        memory_keyring: Any, zserver: ZoteroServer, api_key: str, cli: Any, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture, library_path: Path) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("REFDESK_RETRIES", "1")  # the failing syncs give up after one retry
    outputs: list[str] = []

    def run(*args: str, stdin: str | None = None) -> Any:
        if stdin is not None:
            _stdin(monkeypatch, stdin)
        res = cli("-v", *args)
        outputs.extend([res.out, res.err])
        return res

    # failing logins: wrong user id, invalid key
    assert run("zotero", "login", "--user-id", "999", "--api-key-stdin", stdin=api_key).code != 0
    assert run("zotero", "login", "--user-id", str(USER_ID), "--api-key-stdin", stdin=api_key + "x").code != 0
    # a good login, syncs that work, fail on the server, and with a revoked key
    assert run("zotero", "login", "--user-id", str(USER_ID), "--api-key-stdin", "--json", stdin=api_key).code == 0
    assert run("sync", "--json").code == 0
    zserver.inject("500", times=50)
    assert run("sync").code != 0
    assert run("sync", "--json").code != 0
    zserver.clear_faults()
    zserver.keys.pop(api_key)
    failed = run("sync")
    assert failed.code != 0 and "refused the API key" in failed.err
    assert run("zotero", "status", "--json").code == 0
    assert run("zotero", "conflicts", "--json").code == 0
    everything = "\n".join(outputs)
    assert everything.strip()
    assert api_key not in everything
    assert "Traceback" not in everything
    assert api_key not in caplog.text
    for record in caplog.records:
        assert api_key not in record.getMessage()
    assert api_key not in settings_file().read_text()
    for path in library_path.parent.glob("library.sqlite*"):
        assert api_key.encode() not in path.read_bytes()
    for root, _, files in os.walk(library_path.parents[1]):  # the whole isolated home: config, data, cache
        for name in files:
            assert api_key.encode() not in (Path(root) / name).read_bytes(), name


def test_login_reads_the_key_from_a_hidden_prompt(memory_keyring: Any, zserver: ZoteroServer, api_key: str, cli: Any,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    prompts: list[str] = []

    def fake_getpass(prompt: str = "") -> str:
        prompts.append(prompt)
        return api_key

    monkeypatch.setattr("getpass.getpass", fake_getpass)
    out = cli("zotero", "login", "--user-id", str(USER_ID))
    assert out.code == 0 and prompts and "hidden" in prompts[0]
    assert memory_keyring.store[(credentials.SERVICE, f"user:{USER_ID}")] == api_key
    assert api_key not in out.out + out.err


def test_status_without_a_keyring_says_so(no_keyring: None, cli: Any) -> None:
    from refdesk import config

    config.save_setting("zotero_user_id", str(USER_ID))
    status = cli("zotero", "status", "--json").json()
    assert status["keyStored"] is None and "No usable OS keyring" in status["keyring"]
    assert "keyring unavailable" in cli("zotero", "status").out


def test_login_to_a_server_that_does_not_answer_says_the_key_was_not_saved(
    memory_keyring: Any, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REFDESK_ZOTERO_API_URL", "http://127.0.0.1:9")  # nothing listens there
    _stdin(monkeypatch, "k" * 24)
    out = cli("zotero", "login", "--user-id", str(USER_ID), "--api-key-stdin")
    assert out.code != 0 and out.err.startswith("refdesk: Cannot reach the Zotero server")
    assert "the key was not checked or saved" in out.err and "sync" not in out.err
    assert memory_keyring.store == {}


def test_login_refuses_a_malformed_group_before_going_online(
    memory_keyring: Any, zserver: ZoteroServer, api_key: str, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = zserver.request_count()
    _stdin(monkeypatch, api_key)
    out = cli("zotero", "login", "--user-id", str(USER_ID), "--group", "xyz", "--api-key-stdin")
    assert out.code != 0 and "A group ID is a number, got 'xyz'" in out.err
    assert zserver.request_count() == before and memory_keyring.store == {}


class _VanishingItem(Exception):
    """Like secretstorage's ItemNotFoundException: not a KeyringError."""


def test_a_key_replaced_while_it_is_read_is_read_again_and_a_lasting_failure_is_named(memory_keyring: Any) -> None:
    """A login in another process replaces the Secret Service entry between its search and its read (the concurrency
    soak met it): the read is tried once more; a backend that keeps failing gives a plain KeyringUnavailableError."""
    credentials.store_key("42", "secret-key-123")
    real_get = memory_keyring.get_password
    failures = [_VanishingItem("Item does not exist!")]

    def flaky_get(service: str, username: str) -> str | None:
        if failures:
            raise failures.pop()
        return real_get(service, username)

    memory_keyring.get_password = flaky_get
    assert credentials.load_key("42") == "secret-key-123"
    failures[:] = [_VanishingItem("Item does not exist!")] * 2
    with pytest.raises(KeyringUnavailableError, match=r"could not be read \(_VanishingItem.*try again"):
        credentials.load_key("42")
