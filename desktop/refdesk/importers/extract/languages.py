"""Which language a piece of metadata is in: language tags, language names, and the script of the text.

Bilingual journal pages (Russian/English OJS sites above all) repeat titles,
abstracts and author names in two languages, sometimes with ``xml:lang`` and
sometimes without; the script of the text tells Cyrillic from Latin when the
tag is missing.
"""

from __future__ import annotations

import unicodedata

from refdesk.text import clean

_NAMES = {
    "english": "en", "russian": "ru", "русский": "ru", "английский": "en", "german": "de", "deutsch": "de",
    "french": "fr", "français": "fr", "francais": "fr", "spanish": "es", "español": "es", "italian": "it",
    "portuguese": "pt", "português": "pt", "ukrainian": "uk", "українська": "uk", "polish": "pl", "chinese": "zh",
    "japanese": "ja", "kazakh": "kk", "belarusian": "be", "bulgarian": "bg", "serbian": "sr", "czech": "cs",
}  # fmt: skip
_ISO3 = {
    "eng": "en", "rus": "ru", "ukr": "uk", "deu": "de", "ger": "de", "fra": "fr", "fre": "fr", "spa": "es",
    "ita": "it", "por": "pt", "pol": "pl", "zho": "zh", "chi": "zh", "jpn": "ja", "kaz": "kk", "bel": "be",
    "bul": "bg", "srp": "sr", "ces": "cs", "cze": "cs", "kor": "ko", "ara": "ar", "tur": "tr", "nld": "nl",
}  # fmt: skip
_CYRILLIC_LANGS = {"ru", "uk", "be", "bg", "sr", "mk", "kk", "ky", "tg", "mn", "tt", "ba", "cv", "sah"}
_SCRIPT_OF_LANG = {"el": "greek", "zh": "han", "ja": "han", "ko": "hangul", "ar": "arabic", "fa": "arabic", "ur": "arabic", "he": "hebrew"}


def code(value: str | None) -> str:
    """'en-US', 'en_US', 'eng', 'English', 'Русский' -> 'en'/'ru'; '' when it is not recognisably a language."""
    text = clean(value).lower()
    if not text:
        return ""
    if text in _NAMES:
        return _NAMES[text]
    head = text.replace("_", "-").split("-")[0]
    if head in _ISO3:
        return _ISO3[head]
    if len(head) == 2 and head.isalpha() and head.isascii():
        return head
    return ""


def script_of_text(text: str) -> str:
    """The dominant script of ``text``: latin, cyrillic, greek, han, hangul, arabic, hebrew, or '' (no letters)."""
    counts: dict[str, int] = {}
    for ch in text:
        if not ch.isalpha():
            continue
        name = unicodedata.name(ch, "")
        if name.startswith("LATIN"):
            script = "latin"
        elif name.startswith("CYRILLIC"):
            script = "cyrillic"
        elif name.startswith("GREEK"):
            script = "greek"
        elif name.startswith(("CJK", "HIRAGANA", "KATAKANA")):
            script = "han"
        elif name.startswith("HANGUL"):
            script = "hangul"
        elif name.startswith("ARABIC"):
            script = "arabic"
        elif name.startswith("HEBREW"):
            script = "hebrew"
        else:
            script = "other"
        counts[script] = counts.get(script, 0) + 1
    return max(counts, key=lambda k: counts[k]) if counts else ""


def script_of_lang(lang: str) -> str:
    c = code(lang)
    if not c:
        return ""
    if c in _CYRILLIC_LANGS:
        return "cyrillic"
    return _SCRIPT_OF_LANG.get(c, "latin")


def in_language(text: str, tag: str, lang: str) -> bool | None:
    """Is this value (text with its ``xml:lang`` tag) in language ``lang``? None when nothing tells."""
    want = code(lang)
    if not want:
        return None
    have = code(tag)
    if have:
        return have == want
    script = script_of_text(text)
    if not script or script == "other":
        return None
    return script == script_of_lang(want)


def same_language(a_text: str, a_tag: str, b_text: str, b_tag: str) -> bool:
    """Two values in the same language (by tags when both have one, else by script)."""
    ca, cb = code(a_tag), code(b_tag)
    if ca and cb:
        return ca == cb
    sa, sb = script_of_text(a_text), script_of_text(b_text)
    return not sa or not sb or sa == sb
