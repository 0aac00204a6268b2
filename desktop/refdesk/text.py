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


#: A leading "Abstract" heading some deposits put inside the abstract itself.
_ABSTRACT_HEADING = re.compile(
    r"^\s*<(?:jats:)?title[^<>]*>\s*(?:abstract|summary|аннотация|resumo|résumé|resumen)\s*[.:]?\s*</(?:jats:)?title>\s*",
    re.IGNORECASE,
)
#: A tag that ends a block of text (paragraph, line, heading, list item, section) rather than sitting inside a word.
_BLOCK_TAG = re.compile(
    r"</?(?:jats:)?(?:p|div|br|break|li|list-item|ul|ol|h[1-6]|sec|section|title|blockquote|table|tr)\b[^<>]*>",
    re.IGNORECASE,
)
#: Any HTML/XML tag: a name right after "<" (so "p < 0.05" is text, not a tag).
_ANY_TAG = re.compile(r"</?[A-Za-z][\w:.-]*(?:\s[^<>]*)?/?>")
_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.DOTALL)
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def _drop_tags(text: str) -> str:
    text = _CDATA.sub(lambda m: m.group(1).replace("&", "&amp;").replace("<", "&lt;"), text.strip())
    return _ANY_TAG.sub("", _BLOCK_TAG.sub("\n\n", _ABSTRACT_HEADING.sub("", text)))


def markup_to_text(text: str) -> str:
    """JATS or HTML as services send abstracts and keywords, as plain text: inline tags dropped where they stand
    ("10<sup>3</sup>" is "103"), block tags end a paragraph, entities decoded; markup escaped once more
    ("&lt;p&gt;") is stripped too. Paragraphs are separated by one blank line."""
    plain = html.unescape(_drop_tags(text))
    if _ANY_TAG.search(plain):  # the markup was entity-escaped: "&lt;p&gt;" is "<p>" only now
        plain = html.unescape(_drop_tags(plain))
    paragraphs = [" ".join(p.split()) for p in _PARAGRAPH_BREAK.split(plain)]
    return "\n\n".join(p for p in paragraphs if p)


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
