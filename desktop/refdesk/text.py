"""Text normalisation shared by importers, dedupe and search."""

from __future__ import annotations

import html
import re
import unicodedata

_WS = re.compile(r"\s+")
_TAG = re.compile(r"<[^>]+>")
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)


def nfc(text: str) -> str:
    """NFC form: the same Cyrillic or accented text always has the same bytes."""
    return unicodedata.normalize("NFC", text)


def clean(text: str | None) -> str:
    """NFC, entities decoded, whitespace collapsed; the form every importer stores."""
    if not text:
        return ""
    return _WS.sub(" ", nfc(html.unescape(text))).strip()


def strip_tags(text: str) -> str:
    """Markup to plain text (JATS or HTML abstracts), keeping paragraph breaks as spaces."""
    return clean(_TAG.sub(" ", text))


def fold(text: str) -> str:
    """Case- and accent-insensitive key: 'Économie' and 'economie' compare equal.

    Only combining marks are dropped, so Cyrillic letters (й, ё) keep their identity
    after re-composition except for the diacritic itself, as Zotero's tag matching does.
    """
    folded = text.casefold()
    if folded.isascii():  # nothing to decompose: the common case, kept fast for bulk imports
        return _WS.sub(" ", folded).strip()
    combining = unicodedata.combining
    decomposed = unicodedata.normalize("NFKD", folded)
    stripped = "".join([ch for ch in decomposed if not combining(ch)])
    return _WS.sub(" ", stripped).strip()


def title_key(title: str) -> str:
    """Normalised title for duplicate detection: folded, punctuation and spaces removed."""
    return _NON_WORD.sub("", fold(title))


_CYRILLIC = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґў",
        ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "i", "k", "l", "m", "n", "o", "p", "r", "s", "t", "u",
         "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "iu", "ia", "i", "i", "ie", "g", "u"],
        strict=True,
    )
)


def ascii_slug(text: str) -> str:
    """Lower-case ASCII letters and digits only: 'Сергеев' -> 'sergeev', 'Müller' -> 'muller' (citation keys)."""
    out = []
    for ch in unicodedata.normalize("NFKD", text.casefold()):
        if ch in _CYRILLIC:
            out.append(_CYRILLIC[ch])
        elif ch.isascii() and ch.isalnum():
            out.append(ch)
    return "".join(out)
