"""The record: a Zotero item's ``data`` object plus local facts (key, version, provenance).

``Record.data`` holds exactly what Zotero's Web API calls item data, so fields
refdesk does not know (sent by a newer Zotero) are kept untouched and sent back.
"""

from __future__ import annotations

import copy
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from refdesk import schema
from refdesk.dates import year_of
from refdesk.text import clean, fold, markup_to_text, nfc

KEY_ALPHABET = "23456789ABCDEFGHIJKLMNPQRSTUVWXYZ"

Creator = dict[str, str]
Tag = dict[str, Any]

#: Item-data keys that are not simple string fields.
STRUCTURED_KEYS = frozenset({"creators", "tags", "collections", "relations"})


#: Longest title taken from a note's first line (Zotero's ``Zotero.Notes.MAX_TITLE_LENGTH``).
NOTE_TITLE_MAX = 120


def note_title(note: str) -> str:
    """A note's first line of text: its title in the item list, as Zotero's ``noteToTitle`` makes it."""
    if not note:
        return ""
    first = next((line for line in markup_to_text(note).splitlines() if line.strip()), "")
    return first.strip()[:NOTE_TITLE_MAX]


def new_key() -> str:
    """A Zotero-style object key, made locally as Zotero desktop does.

    Uniform over the 33 letters: a random byte below 231 (7 x 33) picks ``byte % 33``, others are drawn again;
    one call for the system's randomness per key rather than eight (an import makes one key per record)."""
    out: list[str] = []
    while len(out) < 8:
        out += [KEY_ALPHABET[b % 33] for b in secrets.token_bytes(12) if b < 231]
    return "".join(out[:8])


_last_stamp: tuple[int, str] = (0, "")


def now_iso() -> str:
    """The current UTC second as Zotero writes it; formatted once a second (an import stamps every field it sets)."""
    global _last_stamp
    now = datetime.now(UTC)
    second = int(now.timestamp())
    if _last_stamp[0] != second:
        _last_stamp = (second, now.strftime("%Y-%m-%dT%H:%M:%SZ"))
    return _last_stamp[1]


@dataclass
class Provenance:
    """Who set a field, and when: an importer ("web:highwire"), a plugin, or "user"."""

    source: str
    at: str = field(default_factory=now_iso)


@dataclass
class Record:
    data: dict[str, Any]
    key: str = field(default_factory=new_key)
    version: int = 0
    provenance: dict[str, Provenance] = field(default_factory=dict)

    # -- construction ---------------------------------------------------
    @classmethod
    def new(cls, item_type: str, source: str = "user", **fields: Any) -> Record:
        """A fresh record whose fields are checked against the item type."""
        schema.check_field(item_type, "itemType")
        if not schema.is_item_type(item_type):
            from refdesk.errors import UnknownItemTypeError

            raise UnknownItemTypeError(item_type)
        rec = cls(data={"itemType": item_type, "creators": [], "tags": [], "collections": [], "relations": {}})
        for name, value in fields.items():
            rec.set(name, value, source)
        return rec

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Record:
        """Record from ``{"key": ..., "version": ..., "itemType": ..., ...}`` (refdesk JSON or Zotero data)."""
        data = copy.deepcopy(obj)
        key = data.pop("key", None) or new_key()
        version = int(data.pop("version", 0) or 0)
        data.setdefault("creators", [])
        data.setdefault("tags", [])
        data.setdefault("collections", [])
        data.setdefault("relations", {})
        return cls(data=data, key=key, version=version)

    def to_json(self) -> dict[str, Any]:
        """Zotero item data plus ``key``: the shape every ``--json`` prints."""
        out: dict[str, Any] = {"key": self.key}
        out.update(copy.deepcopy(self.data))
        return out

    def copy(self) -> Record:
        return Record(copy.deepcopy(self.data), self.key, self.version, dict(self.provenance))

    # -- fields -----------------------------------------------------------
    @property
    def item_type(self) -> str:
        return str(self.data.get("itemType", "document"))

    def get(self, name: str, default: str = "") -> str:
        value = self.data.get(name, default)
        return value if isinstance(value, str) else default

    def set(self, name: str, value: Any, source: str = "user") -> None:
        """Set a field, checked against the item type; records where it came from."""
        if name in STRUCTURED_KEYS:
            self.data[name] = value
        else:
            schema.check_field(self.item_type, name)
            self.data[name] = nfc(value) if isinstance(value, str) else value
        self.provenance[name] = Provenance(source)

    def fill(self, name: str, value: str | None, source: str) -> bool:
        """Set ``name`` only when empty and valid for the type; True when it changed."""
        if not value or self.get(name) or not schema.has_field(self.item_type, name):
            return False
        self.set(name, clean(value) if name != "abstractNote" else nfc(value.strip()), source)
        return True

    def field_names(self) -> list[str]:
        """Non-empty string fields, in the item type's order, unknown ones after."""
        known = [f for f in schema.fields_for(self.item_type) if self.get(f)] if schema.is_item_type(self.item_type) else []
        rest = [
            k
            for k, v in self.data.items()
            if k not in known and k not in STRUCTURED_KEYS and k not in schema.COMMON_KEYS and isinstance(v, str) and v
        ]
        return known + rest

    # -- creators and tags ------------------------------------------------
    @property
    def creators(self) -> list[Creator]:
        if "creators" not in self.data and self.item_type in ("note", "attachment", "annotation"):
            return []  # these types have no creators; adding the key would make Zotero refuse the item
        creators: list[Creator] = self.data.setdefault("creators", [])
        return creators

    @property
    def tags(self) -> list[Tag]:
        tags: list[Tag] = self.data.setdefault("tags", [])
        return tags

    def tag_names(self) -> list[str]:
        return [str(t.get("tag", "")) for t in self.tags]

    def add_tag(self, tag: str, automatic: bool = False) -> bool:
        """Add a tag unless one equal up to case and accents is there; True when added."""
        tag = clean(tag)
        if not tag or fold(tag) in {fold(t) for t in self.tag_names()}:
            return False
        entry: Tag = {"tag": tag}
        if automatic:
            entry["type"] = 1
        self.tags.append(entry)
        return True

    def remove_tag(self, tag: str) -> bool:
        before = len(self.tags)
        self.data["tags"] = [t for t in self.tags if fold(str(t.get("tag", ""))) != fold(tag)]
        return len(self.tags) != before

    # -- derived ----------------------------------------------------------
    @property
    def title(self) -> str:
        """The title; a note's is its first line of text, an annotation's its text or comment (as Zotero shows them)."""
        if self.item_type == "note":
            return note_title(self.get("note"))
        if self.item_type == "annotation":
            return note_title(self.get("annotationText") or self.get("annotationComment"))
        return self.get("title")

    @property
    def trashed(self) -> bool:
        """In the Trash: Zotero's ``deleted`` flag (1 or true from the server; absent once restored)."""
        flag = self.data.get("deleted")
        return bool(flag) and str(flag).lower() not in ("0", "false")

    @property
    def year(self) -> str:
        return year_of(self.get("date"))

    def publication(self) -> str:
        for name in ("publicationTitle", "bookTitle", "proceedingsTitle", "websiteTitle", "blogTitle", "university", "institution", "publisher"):
            if self.get(name):
                return self.get(name)
        return ""

    def first_creator_last_name(self) -> str:
        for c in self.creators:
            return c.get("lastName") or c.get("name", "")
        return ""

    def validate(self) -> None:
        """Raise on a field that the item type does not have (unknown keys with no schema are kept)."""
        if not schema.is_item_type(self.item_type):
            from refdesk.errors import UnknownItemTypeError

            raise UnknownItemTypeError(self.item_type)
        for name, value in self.data.items():
            if name in STRUCTURED_KEYS or name in schema.COMMON_KEYS or not isinstance(value, str):
                continue
            schema.check_field(self.item_type, name)
