"""Logging in to Zotero: check a key against ``/keys/current``, keep it in the keyring, report status.

The GUI and the CLI both use these functions; none of them returns or logs the key.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from refdesk import config
from refdesk.zotero import conflicts, credentials, state
from refdesk.zotero.client import ZoteroClient, api_url
from refdesk.zotero.errors import KeyringUnavailableError, ZoteroAuthError, ZoteroError, ZoteroUnavailableError

if TYPE_CHECKING:
    from refdesk.app import AppContext


@dataclass
class AccountInfo:
    user_id: str
    username: str
    can_read: bool
    can_write: bool
    notes: bool
    files: bool
    groups: dict[str, dict[str, bool]] = field(default_factory=dict)  # "all" or group id -> {library, write}

    @classmethod
    def from_key_info(cls, info: dict[str, Any]) -> AccountInfo:
        user = info.get("access", {}).get("user", {})
        groups = {str(k): {"library": bool(v.get("library")), "write": bool(v.get("write"))}
                  for k, v in info.get("access", {}).get("groups", {}).items()}
        return cls(str(info.get("userID", "")), str(info.get("username", "")), bool(user.get("library")),
                   bool(user.get("write")), bool(user.get("notes")), bool(user.get("files")), groups)

    def group_access(self, group_id: str) -> dict[str, bool] | None:
        return self.groups.get(str(group_id)) or self.groups.get("all")

    def describe(self) -> str:
        """One readable line of what the key may do."""
        mine = "read and write" if self.can_write else ("read only" if self.can_read else "no access")
        parts = [f"My Library: {mine}" + (", notes" if self.notes else "") + (", files" if self.files else "")]
        for gid, acc in sorted(self.groups.items()):
            label = "all groups" if gid == "all" else f"group {gid}"
            parts.append(f"{label}: {'read and write' if acc.get('write') else 'read only'}")
        return "; ".join(parts)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def verify(base_url: str, user_id: str, api_key: str, timeout: float = 30.0) -> AccountInfo:
    """Ask the server what this key is and may do (``GET /keys/current``)."""
    if not api_key or not api_key.strip():
        raise ZoteroAuthError("No API key given; create one at https://www.zotero.org/settings/keys")
    if not str(user_id).isdigit():
        raise ZoteroError(f"The Zotero user ID must be a number (shown at https://www.zotero.org/settings/keys), got '{user_id}'")
    client = ZoteroClient(base_url, api_key.strip(), str(user_id), timeout=timeout, retries=2)
    try:
        info = AccountInfo.from_key_info(client.key_info())
    except ZoteroUnavailableError as exc:
        raise ZoteroUnavailableError(exc.problem, "the key was not checked or saved; try again later") from None
    finally:
        client.close()
    if info.user_id != str(user_id):
        raise ZoteroAuthError(f"This API key belongs to Zotero user {info.user_id}, not {user_id}; "
                              "check the user ID at https://www.zotero.org/settings/keys")
    return info


def login(ctx: AppContext, user_id: str, api_key: str, groups: list[str] | None = None) -> AccountInfo:
    """Verify the key, then store it in the keyring and remember the user and groups (not the key) in settings."""
    credentials.backend()  # fail before going online when there is nowhere safe to keep the key
    group_ids = [str(g).removeprefix("group:") for g in (groups or [])]
    for gid in group_ids:
        if not gid.isdigit():
            raise ZoteroError(f"A group ID is a number, got '{gid}'")
    info = verify(api_url(ctx.settings.zotero_api_url), user_id, api_key, ctx.settings.read_timeout)
    for gid in group_ids:
        if info.group_access(gid) is None:
            raise ZoteroAuthError(f"This API key has no access to group {gid}; allow it at https://www.zotero.org/settings/keys")
    bound = state.get_meta(ctx.library, "user_id")
    if bound and bound != info.user_id:
        raise ZoteroError(f"This library is synced with Zotero user {bound}; syncing it with user {info.user_id} would mix "
                          "two accounts. Use another library file (--library PATH) for that account")
    names = _group_names(ctx, info.user_id, api_key.strip()) if group_ids else {}
    for gid in group_ids:
        if names and gid not in names:
            raise ZoteroAuthError(f"Group {gid} is not among the groups of this account ({', '.join(sorted(names)) or 'none'})")
    credentials.store_key(info.user_id, api_key.strip())
    config.save_setting("zotero_user_id", info.user_id)
    config.save_setting("zotero_groups", group_ids)
    ctx.settings.zotero_user_id = info.user_id
    ctx.settings.zotero_groups = group_ids
    lib = ctx.library
    state.set_meta(lib, "user_id", info.user_id)
    state.set_meta(lib, "username", info.username)
    state.update_library(lib, "user", can_write=int(info.can_write), name="My Library")
    for gid in group_ids:
        acc = info.group_access(gid) or {}
        state.update_library(lib, f"group:{gid}", can_write=int(bool(acc.get("write"))), name=names.get(gid, f"Group {gid}"))
    return info


def group_names(ctx: AppContext, user_id: str, api_key: str) -> dict[str, str]:
    """The groups of the account this key can see (id -> name): what the app's account dialog offers to sync."""
    return _group_names(ctx, user_id, api_key)


def _group_names(ctx: AppContext, user_id: str, api_key: str) -> dict[str, str]:
    """Group id -> name, from ``/users/<id>/groups`` (empty if the server does not say)."""
    client = ZoteroClient(api_url(ctx.settings.zotero_api_url), api_key, user_id, timeout=ctx.settings.read_timeout, retries=2)
    try:
        with client.errors("listing your groups"):
            groups = client.library("user").groups()
    finally:
        client.close()
    if not isinstance(groups, list):
        return {}
    return {str(g.get("id")): str(g.get("data", {}).get("name", "")) for g in groups if isinstance(g, dict)}


def logout(ctx: AppContext) -> bool:
    """Remove the key from the keyring; True when one was there. Sync state stays for the next login."""
    user_id = ctx.settings.zotero_user_id
    if not user_id:
        return False
    return credentials.delete_key(user_id)


def status(ctx: AppContext) -> dict[str, Any]:
    """Account, libraries with last sync and pending work, open conflicts; never the key."""
    lib = ctx.library
    user_id = ctx.settings.zotero_user_id
    try:
        has_key: bool | None = bool(user_id) and credentials.load_key(user_id) is not None
        keyring_note = ""
    except KeyringUnavailableError as exc:
        has_key, keyring_note = None, str(exc)
    ids = ["user", *[f"group:{g}" for g in ctx.settings.zotero_groups]] if user_id else []
    libraries = []
    for lid in ids:
        st = state.get_library(lib, lid)
        dirty = state.dirty_count(lib, lid)
        libraries.append({"library": lid, "name": st.name or ("My Library" if lid == "user" else lid), "version": st.version,
                          "lastSync": st.last_sync, "lastError": st.last_error, "canWrite": st.can_write,
                          "pendingChanges": dirty, "pendingDeletions": len(state.deletions(lib, lid)) + _undeleted(lib, lid),
                          "conflicts": len(conflicts.list_conflicts(lib, lid))})
    return {"userId": user_id or None, "username": state.get_meta(lib, "username") if user_id else None,
            "keyStored": has_key, "keyring": keyring_note or None, "apiUrl": api_url(ctx.settings.zotero_api_url),
            "libraries": libraries}


def _undeleted(lib: Any, library_id: str) -> int:
    """Local deletions still in the change journal (not yet harvested by a sync)."""
    cursor = state.get_library(lib, library_id).delete_cursor
    rows = lib.execute("SELECT count(*) FROM changes WHERE id > ? AND library_id = ? AND op = 'delete'", (cursor, library_id))
    return int(rows[0][0])
