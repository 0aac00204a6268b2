"""Which character encoding a fetched body is in: header, BOM, ``<meta charset>``/XML declaration, then detection.

Russian journal sites still serve windows-1251 and KOI8-R pages, often without a
charset in the HTTP header; guessing UTF-8 there turns every Cyrillic letter into
a replacement character, so the order below follows the HTML standard's
"encoding sniffing" and only then asks charset-normalizer.
"""

from __future__ import annotations

import codecs
import re

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)["']""", re.IGNORECASE)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?([^"';\s]+)""", re.IGNORECASE)
#: What browsers really use for a few legacy labels (the WHATWG Encoding standard).
_WHATWG = {"iso-8859-1": "cp1252", "latin-1": "cp1252", "ascii": "cp1252", "us-ascii": "cp1252", "iso-8859-9": "cp1254"}
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_BINARY_TYPES = ("image/", "audio/", "video/", "application/pdf", "application/zip", "application/octet-stream")


def codec_name(label: str | None) -> str | None:
    """Python's codec name for a charset label, or None when Python does not know it."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = _WHATWG.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def header_charset(content_type: str) -> str | None:
    m = _HEADER_CHARSET.search(content_type or "")
    return codec_name(m.group(1)) if m else None


def declared_charset(content: bytes) -> str | None:
    """The encoding a page declares in itself: ``<meta charset>``, http-equiv, or an XML declaration."""
    head = content[:4096]
    m = _XML_DECL.match(head) or _META_CHARSET.search(head)
    return codec_name(m.group(1).decode("ascii", "replace")) if m else None


def _decodes(content: bytes, encoding: str) -> bool:
    try:
        content.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def detect(content: bytes) -> str:
    """charset-normalizer's best guess (windows-1252 when it has none)."""
    from charset_normalizer import from_bytes

    best = from_bytes(content[:65536]).best()
    return codec_name(best.encoding if best else None) or "cp1252"


def encoding_for(content: bytes, content_type: str) -> str:
    """The codec to decode ``content`` with; never raises."""
    mime = content_type.split(";")[0].strip().lower()
    if mime.startswith(_BINARY_TYPES):
        return "utf-8"
    for bom, name in _BOMS:
        if content.startswith(bom):
            return name
    stated = header_charset(content_type)
    if stated and (stated != "utf-8" or _decodes(content, "utf-8")):
        return stated
    if mime.endswith("json"):
        return "utf-8"  # RFC 8259: JSON exchanged between systems is UTF-8
    declared = declared_charset(content)
    # A page that could declare itself in ASCII is not UTF-16, whatever it says.
    usable = declared and declared not in ("utf-16", "utf-16-le", "utf-16-be")
    if usable and declared and (declared != "utf-8" or _decodes(content, "utf-8")):
        return declared
    if _decodes(content, "utf-8"):
        return "utf-8"
    return detect(content)
