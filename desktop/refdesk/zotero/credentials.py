"""The Zotero API key, kept only in the OS keyring (Secret Service, macOS Keychain, Windows Credential Locker).

There is deliberately no file fallback: with no usable keyring backend, or only a
plain-text one, ``KeyringUnavailableError`` explains how to get a real one.
"""

from __future__ import annotations

import keyring
import keyring.backend
import keyring.errors

from refdesk.zotero.errors import KeyringUnavailableError

SERVICE = "refdesk-zotero"

HOW_TO_GET_A_KEYRING = (
    "No usable OS keyring was found, and refdesk never stores the Zotero API key in a file. "
    "On Linux install and run a Secret Service provider, e.g. `sudo apt install gnome-keyring` (or KeePassXC with "
    "Secret Service enabled) and log in to a desktop session; on a headless machine run refdesk inside "
    "`dbus-run-session` with `gnome-keyring-daemon --unlock`. macOS and Windows have a keyring built in."
)


def _username(user_id: str) -> str:
    return f"user:{user_id}"


def _is_plaintext(backend: keyring.backend.KeyringBackend) -> bool:
    name = f"{type(backend).__module__}.{type(backend).__name__}".lower()
    return "plaintext" in name or "keyrings.alt.file" in name or name.startswith("keyring.backends.fail")


def backend() -> keyring.backend.KeyringBackend:
    """The active keyring backend, or KeyringUnavailableError when it is absent or plain text."""
    kr = keyring.get_keyring()
    inner = getattr(kr, "backends", None)
    if inner is not None:  # a ChainerBackend: usable only if it chains at least one real backend
        if not inner or all(_is_plaintext(b) for b in inner):
            raise KeyringUnavailableError(HOW_TO_GET_A_KEYRING)
    else:
        try:
            usable = not _is_plaintext(kr) and getattr(kr, "priority", 1) > 0
        except Exception:  # a backend reports "not viable here" by raising from priority
            usable = False
        if not usable:
            raise KeyringUnavailableError(HOW_TO_GET_A_KEYRING)
    return kr


def backend_name() -> str:
    kr = backend()
    return f"{type(kr).__module__}.{type(kr).__name__}"


def store_key(user_id: str, api_key: str) -> None:
    kr = backend()
    try:
        kr.set_password(SERVICE, _username(user_id), api_key)
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailableError(f"The keyring refused to store the Zotero API key ({type(exc).__name__}). "
                                      + HOW_TO_GET_A_KEYRING) from None


def load_key(user_id: str) -> str | None:
    """The stored key, or None.

    A backend's own error (not a KeyringError) is read once more, then named plainly: the Secret Service
    raises ItemNotFoundException when the entry is replaced between its search and its read (a login in
    another process, the keyring reloading its file), which a sync beside it reported as an unexpected error.
    """
    kr = backend()
    for attempt in (1, 2):
        try:
            return kr.get_password(SERVICE, _username(user_id))
        except keyring.errors.KeyringError as exc:
            raise KeyringUnavailableError(f"The keyring could not be read ({type(exc).__name__}). "
                                          + HOW_TO_GET_A_KEYRING) from None
        except Exception as exc:
            if attempt == 2:
                raise KeyringUnavailableError(f"The keyring could not be read ({type(exc).__name__}: {exc}); "
                                              "nothing was changed, try again") from None
    return None


def delete_key(user_id: str) -> bool:
    """Remove the key; False when there was none."""
    kr = backend()
    try:
        kr.delete_password(SERVICE, _username(user_id))
    except keyring.errors.PasswordDeleteError:
        return False
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailableError(f"The keyring could not be changed ({type(exc).__name__}). "
                                      + HOW_TO_GET_A_KEYRING) from None
    return True
