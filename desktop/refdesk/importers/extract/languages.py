"""Which language a piece of metadata is in: language tags, language names, and the script of the text.

Bilingual journal pages (Russian/English OJS sites above all) repeat titles,
abstracts and author names in two languages, sometimes with ``xml:lang`` and
sometimes without; the script of the text tells Cyrillic from Latin when the
tag is missing.
"""

from __future__ import annotations

import difflib
import re
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


# -- names in two scripts ------------------------------------------------------------------------------------------
#: Cyrillic -> Latin as GOST 7.79-2000 system B writes it (the standard Russian journals use for their English
#: metadata; ISO 9 in ASCII), Ukrainian and Belarusian letters included. Other systems (BGN/PCGN "Sergeyev",
#: passports' "Iurii") differ only in letters :func:`_fold` treats as one.
_TRANSLIT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґўѓќѕјљњџ",
        ["a", "b", "v", "g", "d", "e", "yo", "zh", "z", "i", "j", "k", "l", "m", "n", "o", "p", "r", "s", "t", "u",
         "f", "x", "cz", "ch", "sh", "shh", "", "y", "", "e", "yu", "ya", "i", "yi", "ye", "g", "u", "g", "k", "dz", "j",
         "lj", "nj", "dz"],
        strict=True,
    )
)  # fmt: skip
#: Spelling variants of the same sounds across transliteration systems, applied in order to both sides.
_VARIANTS = tuple(
    (re.compile(p), r)
    for p, r in (
        (r"shh|shch|sch", "s"), (r"sh", "s"), (r"tch|ch|tsh", "c"), (r"zh|dzh", "z"), (r"kh|x|h", "h"),
        (r"cz|tz|ts|c(?![h])", "c"), (r"ck|q", "k"), (r"ph", "f"), (r"w", "v"), (r"[yj]", "i"),
        (r"i[eoe]", "e"), (r"iu", "u"), (r"ia", "a"), (r"(.)\1+", r"\1"),
    )
)  # fmt: skip


def latin_form(text: str) -> str:
    """``text`` in lower-case ASCII letters: Cyrillic transliterated (GOST 7.79 B), accents dropped, the rest removed."""
    out = []
    for ch in unicodedata.normalize("NFKD", text.casefold()):
        if ch in _TRANSLIT:
            out.append(_TRANSLIT[ch])
        elif ch.isascii() and ch.isalpha():
            out.append(ch)
        elif ch == "\u0306" and out and out[-1] == "i":  # й decomposed as и + breve
            out[-1] = "j"
    return "".join(out)


def _fold(text: str) -> str:
    key = latin_form(text)
    for pattern, repl in _VARIANTS:
        key = pattern.sub(repl, key)
    return key


def _close(a: str, b: str) -> bool:
    if a == b:
        return True
    if min(len(a), len(b)) < 5 or a[0] != b[0] or a[-1] != b[-1]:  # "Petrov" and "Petrova" are two people
        return False
    return difflib.SequenceMatcher(None, a, b).ratio() >= 0.8


def is_transliteration(a: dict[str, str], b: dict[str, str]) -> bool:
    """True when two creators (one Cyrillic, one Latin) are one person's name in two scripts: the family names agree
    under transliteration and spelling variants ("Иванова" ~ "Ivanova", "Сергеев" ~ "Sergeyev"), and so do the
    initials of the given names when both have them. Single-field names (organisations) compare whole."""
    if "name" in a or "name" in b:
        return _close(_fold(a.get("name") or a.get("lastName", "")), _fold(b.get("name") or b.get("lastName", "")))
    if not _close(_fold(a.get("lastName", "")), _fold(b.get("lastName", ""))):
        return False
    ga, gb = _fold(a.get("firstName", "")), _fold(b.get("firstName", ""))
    return not ga or not gb or ga[0] == gb[0]


def can_transliterate(script_a: str, script_b: str) -> bool:
    """Names in these two scripts can be compared letter by letter (Cyrillic and Latin)."""
    return {script_a, script_b} <= {"cyrillic", "latin"}
