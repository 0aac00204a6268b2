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
_PARTICLES = {
    "van", "von", "der", "den", "de", "del", "della", "di", "da", "du", "la", "le", "ter", "ten", "bin", "ibn",
    "al", "dos", "das", "do", "zu", "vom", "zum", "zur", "af", "av", "y", "st.", "mac",
}  # fmt: skip
_SUFFIXES = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "младший", "старший"}
#: Russian (and transliterated) patronymics: "Юрьевич", "Ивановна", "Ильич", "Yurievich".
_PATRONYMIC = re.compile(r"(?:ович|евич|ьич|овна|евна|ична|инична|ovich|evich|yevich|ovna|evna|ichna)$", re.IGNORECASE)
#: Words that make a name an organisation (kept in Zotero's single-field form).
_ORG_WORDS = {
    "university", "universität", "université", "universidad", "institute", "institut", "instituto", "organization",
    "organisation", "association", "society", "committee", "council", "ministry", "agency", "department",
    "center", "centre", "foundation", "group", "consortium", "inc", "inc.", "ltd", "ltd.", "llc", "press",
    "bank", "commission", "office", "team", "project", "network", "board", "bureau", "laboratory", "collaboration",
    "government", "service", "nations", "union", "academy", "school", "college", "corporation", "company",
    "университет", "институт", "академия", "министерство", "комитет", "центр", "общество", "ассоциация",
    "агентство", "служба", "фонд", "союз", "совет", "правительство", "лаборатория", "управление", "издательство",
}  # fmt: skip


def _split_initials(token: str) -> str:
    """'Е.Ю.' -> 'Е. Ю.'; 'E.Yu.' -> 'E. Yu.' (Zotero writes initials spaced)."""
    return _GLUED_INITIALS.sub(r"\1 ", token)


def _is_initials(token: str) -> bool:
    return bool(_INITIALS.match(token))


def is_organisation(name: str) -> bool:
    """Heuristic: a name with an organisation word in it ("World Health Organization", "Минобрнауки России")."""
    words = [w.strip(",.()«»\"").casefold() for w in name.split()]
    return any(w in _ORG_WORDS for w in words)


def _person(creator_type: str, last: str, first: str) -> Creator:
    return {"creatorType": creator_type, "lastName": last, "firstName": first}


def parse_name(raw: str, creator_type: str = "author") -> Creator:
    """Split one personal name into a Zotero creator dict (never raises on non-blank text).

    Organisations and one-word names come back single-field (``name``); a suffix goes
    after the given name ("John, Jr."), the form citeproc reads back.
    """
    cleaned = clean(raw)
    if not cleaned:
        raise ValueError("empty name")
    name = cleaned.strip(" ,;")
    if not name or not any(ch.isalnum() for ch in name):
        return {"creatorType": creator_type, "name": cleaned}
    if is_organisation(name):
        return {"creatorType": creator_type, "name": name}
    if "," in name:
        parts = [p.strip() for p in name.split(",")]
        last = parts[0]
        rest = [p for p in parts[1:] if p]
        if not last or not rest:
            return {"creatorType": creator_type, "name": name}
        if len(rest) == 1 and rest[0].casefold() in _SUFFIXES:  # "Smith, Jr." is not a given name
            return {"creatorType": creator_type, "name": name}
        if len(rest) >= 2 and rest[0].casefold() in _SUFFIXES:  # BibTeX "von Last, Jr, First"
            rest = [*rest[1:], rest[0]]
        first = _split_initials(rest[0])
        if len(rest) > 1:
            first += ", " + ", ".join(rest[1:])
        return _person(creator_type, last, first)
    tokens = _split_initials(name).split()
    if len(tokens) == 1:
        return {"creatorType": creator_type, "name": tokens[0]}
    suffix = ""
    if tokens[-1].casefold() in _SUFFIXES and len(tokens) > 2:
        suffix = ", " + tokens.pop()
    if len(tokens) == 3 and not any(_is_initials(t) for t in tokens):
        # Russian full names: "Евгений Юрьевич Сергеев" (given, patronymic, surname) or
        # "Сергеев Евгений Юрьевич" (surname first, as Russian sources write).
        if _PATRONYMIC.search(tokens[1]):
            return _person(creator_type, tokens[2], f"{tokens[0]} {tokens[1]}{suffix}")
        if _PATRONYMIC.search(tokens[2]):
            return _person(creator_type, tokens[0], f"{tokens[1]} {tokens[2]}{suffix}")
    # "Сергеев Е. Ю." / "Sergeev E. Yu.": surname first, initials after.
    if not _is_initials(tokens[0]) and all(_is_initials(t) for t in tokens[1:]):
        return _person(creator_type, tokens[0], " ".join(tokens[1:]) + suffix)
    if tokens[0].casefold() in _PARTICLES:  # "van der Berg" with no given name
        return _person(creator_type, " ".join(tokens), suffix.removeprefix(", "))
    # Given names first; the surname starts at the first particle or is the last token.
    start = len(tokens) - 1
    for i in range(1, len(tokens) - 1):
        if tokens[i].casefold() in _PARTICLES:
            start = i
            break
    return _person(creator_type, " ".join(tokens[start:]), " ".join(tokens[:start]) + suffix)


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
