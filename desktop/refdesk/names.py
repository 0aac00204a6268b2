"""Personal names as metadata writes them -> Zotero creators (lastName/firstName).

Handles "Sergeev, E. Yu.", "E. Yu. Sergeev", "Сергеев Е.Ю.", "Sergeev E.Yu.",
particles ("van der Berg"), suffixes ("Jr.") and organisations (single-field).
"""

from __future__ import annotations

import re

from refdesk.text import clean

Creator = dict[str, str]

_INITIALS = re.compile(r"^(?:[^\W\d_]{1,2}\.(?:-?[^\W\d_]{1,2}\.)*|[^\W\d_])$", re.UNICODE)
_GLUED_INITIALS = re.compile(r"([^\W\d_]{1,2}\.)(?=[^\W\d_])", re.UNICODE)
_PARTICLES = {"van", "von", "der", "den", "de", "del", "della", "di", "da", "du", "la", "le", "ter", "ten", "bin", "al", "dos", "das"}
_SUFFIXES = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"}


def _split_initials(token: str) -> str:
    """'Е.Ю.' -> 'Е. Ю.'; 'E.Yu.' -> 'E. Yu.' (Zotero writes initials spaced)."""
    return _GLUED_INITIALS.sub(r"\1 ", token)


def _is_initials(token: str) -> bool:
    return bool(_INITIALS.match(token))


def parse_name(raw: str, creator_type: str = "author") -> Creator:
    """Split one personal name into a Zotero creator dict."""
    name = clean(raw).strip(" ,;")
    if not name:
        raise ValueError("empty name")
    if "," in name:
        last, _, first = name.partition(",")
        first = first.strip()
        last = last.strip()
        if first.casefold() in _SUFFIXES:  # "Smith, Jr." is not a given name
            return {"creatorType": creator_type, "name": name}
        return {"creatorType": creator_type, "lastName": last, "firstName": _split_initials(first)}
    tokens = _split_initials(name).split()
    if len(tokens) == 1:
        return {"creatorType": creator_type, "name": tokens[0]}
    # "Сергеев Е. Ю." / "Sergeev E. Yu.": surname first, initials after.
    if not _is_initials(tokens[0]) and all(_is_initials(t) for t in tokens[1:]):
        return {"creatorType": creator_type, "lastName": tokens[0], "firstName": " ".join(tokens[1:])}
    suffix = ""
    if tokens[-1].casefold() in _SUFFIXES and len(tokens) > 2:
        suffix = " " + tokens.pop()
    # Given names first; the surname starts at the first particle or is the last token.
    start = len(tokens) - 1
    for i in range(1, len(tokens) - 1):
        if tokens[i].casefold() in _PARTICLES:
            start = i
            break
    first = " ".join(tokens[:start])
    last = " ".join(tokens[start:]) + suffix
    return {"creatorType": creator_type, "lastName": last, "firstName": first}


def organisation(raw: str, creator_type: str = "author") -> Creator:
    return {"creatorType": creator_type, "name": clean(raw)}


def creator_display(creator: Creator) -> str:
    """'Sergeev, E. Yu.' or the single-field name."""
    if "name" in creator:
        return creator["name"]
    last = creator.get("lastName", "")
    first = creator.get("firstName", "")
    return f"{last}, {first}" if first else last


def creators_summary(creators: list[Creator]) -> str:
    """Zotero's column text: 'Sergeev', 'Sergeev and Smith', 'Sergeev et al.'."""
    primary = [c for c in creators if c.get("creatorType") in ("author", "editor", "creator")] or creators
    names = [c.get("lastName") or c.get("name", "") for c in primary]
    if not names:
        return ""
    if len(names) == 1:
        return names[0]
    if len(names) == 2:
        return f"{names[0]} and {names[1]}"
    return f"{names[0]} et al."
