"""Zotero's item types, fields and creator types (schema facts shipped as data).

The data file is generated from Zotero's global schema by ``tools/gen_schema.py``
so validation here matches what the Zotero server accepts.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from refdesk.errors import UnknownFieldError, UnknownItemTypeError

#: Keys of Zotero item ``data`` that are not per-type fields but are valid on every item.
COMMON_KEYS = frozenset(
    {
        "key",
        "version",
        "itemType",
        "creators",
        "tags",
        "collections",
        "relations",
        "dateAdded",
        "dateModified",
        "parentItem",
        "deleted",
        "inPublications",
    }
)

#: The types the foundation promises to handle fully.
CORE_ITEM_TYPES = (
    "journalArticle",
    "book",
    "bookSection",
    "conferencePaper",
    "thesis",
    "report",
    "webpage",
    "preprint",
    "magazineArticle",
    "newspaperArticle",
    "document",
)


@cache
def _data() -> dict[str, Any]:
    text = resources.files("refdesk.data").joinpath("zotero_schema.json").read_text("utf-8")
    result: dict[str, Any] = json.loads(text)
    return result


def schema_version() -> int:
    return int(_data()["version"])


def item_types() -> list[str]:
    return list(_data()["itemTypes"])


def is_item_type(item_type: str) -> bool:
    return item_type in _data()["itemTypes"]


def _type_entry(item_type: str) -> dict[str, Any]:
    try:
        entry: dict[str, Any] = _data()["itemTypes"][item_type]
    except KeyError:
        raise UnknownItemTypeError(item_type) from None
    return entry


@cache
def fields_for(item_type: str) -> tuple[str, ...]:
    """Fields of ``item_type`` in Zotero's display order."""
    return tuple(f[0] for f in _type_entry(item_type)["fields"])


@cache
def base_fields_for(item_type: str) -> dict[str, str]:
    """Map type-specific field -> base field (e.g. bookTitle -> publicationTitle)."""
    return {f[0]: f[1] for f in _type_entry(item_type)["fields"] if len(f) > 1}


def field_for_base(item_type: str, base: str) -> str | None:
    """The field of ``item_type`` that plays ``base`` (itself or a mapped one), if any."""
    if base in fields_for(item_type):
        return base
    for field, b in base_fields_for(item_type).items():
        if b == base:
            return field
    return None


def creator_types_for(item_type: str) -> tuple[str, ...]:
    return tuple(_type_entry(item_type)["creatorTypes"])


def primary_creator_type(item_type: str) -> str | None:
    types = creator_types_for(item_type)
    return types[0] if types else None


def has_field(item_type: str, field: str) -> bool:
    return field in fields_for(item_type)


def check_field(item_type: str, field: str) -> None:
    """Raise a clear error when ``field`` does not belong to ``item_type``."""
    if field in COMMON_KEYS:
        return
    if not has_field(item_type, field):
        raise UnknownFieldError(field, item_type)


def field_label(field: str) -> str:
    labels: dict[str, str] = _data()["locale"]["fields"]
    return labels.get(field, field)


def item_type_label(item_type: str) -> str:
    labels: dict[str, str] = _data()["locale"]["itemTypes"]
    return labels.get(item_type, item_type)


def creator_type_label(creator_type: str) -> str:
    labels: dict[str, str] = _data()["locale"]["creatorTypes"]
    return labels.get(creator_type, creator_type)


def csl_mappings() -> dict[str, Any]:
    """Zotero's own CSL <-> Zotero mapping tables (types, text/date fields, names)."""
    result: dict[str, Any] = _data()["csl"]
    return result
