"""Checking what an add-on returns before anything of it is stored.

Add-ons are third-party code reading third-party services: a wrong type, HTML
pasted into an abstract or a 10 MB "abstract" must be refused here, with a
reason that names the add-on, and never reach the library.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

from refdesk import schema
from refdesk.plugins.api import SUBJECT, Enrichment, Suggestion
from refdesk.text import clean, nfc

#: Longest value accepted per field, in characters; longer ones are refused, never cut.
MAX_CHARS = {"abstractNote": 50_000, SUBJECT: 200, "extra": 10_000}
DEFAULT_MAX_CHARS = 2_000
#: Most subjects one add-on may suggest for one record: a repository's whole subject list (thousands of
#: ``dc:subject``) is not a record's subjects; the first ones, in the service's order, are kept.
MAX_SUBJECTS = 50

_TAGS = (r"(?:[a-z][\w.-]*:[a-z][\w.-]*|p|br|hr|div|span|i|b|u|em|strong|sup|sub|a|html|body|head|title|ul|ol|li|dl|dt|dd"
         r"|table|thead|tbody|tr|td|th|h[1-6]|script|style|img|font|section|article|meta|link|abstract|sec|italic|bold|mml:math|math)")
#: An HTML/XML/JATS tag (``<p>``, ``</jats:p>``, ``<br/>``), also entity-escaped; not "p < 0.05" or "a<b".
_MARKUP = re.compile(rf"(?:<|&lt;)\s*/?\s*{_TAGS}(?:\s[^<>]*)?/?\s*(?:>|&gt;)|<!--|<!\[CDATA\[|<\?xml", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_URL = re.compile(r"^https?://[^\s/]+\S*$")


@dataclass(frozen=True)
class Rejected:
    """A result or suggestion refused by validation, and why."""

    reason: str
    field: str = ""


def plain_abstract(text: str) -> str:
    """An abstract's canonical form: NFC, spaces collapsed, paragraph breaks kept as one blank line."""
    text = nfc(text).replace("\r\n", "\n")
    paragraphs = [_SPACES.sub(" ", " ".join(p.split())).strip() for p in _BLANK_LINES.split(text)]
    return "\n\n".join(p for p in paragraphs if p)


def check_result(result: object) -> list[Suggestion] | Rejected:
    """The suggestions of one hook call, or why the whole result is refused (wrong type)."""
    if result is None:
        return []
    if isinstance(result, Enrichment):
        items = list(result.suggestions)
    elif isinstance(result, list | tuple) and all(isinstance(s, Suggestion) for s in result):
        items = list(result)
    else:
        return Rejected(f"returned {type(result).__name__}, expected Enrichment or None")
    bad = [type(s).__name__ for s in items if not isinstance(s, Suggestion)]
    if bad:
        return Rejected(f"returned an Enrichment holding {bad[0]} instead of Suggestion")
    return items


def _shown(value: str, limit: int = 60) -> str:
    """A value as quoted in a message: its start, with line breaks and control characters visible."""
    return repr(value[:limit] + ("…" if len(value) > limit else ""))


def check_suggestion(s: Suggestion, item_type: str, plugin: str) -> Suggestion | Rejected:
    """A cleaned suggestion, or why it is refused."""
    if not isinstance(s.field, str) or not s.field:
        return Rejected("a suggestion has no field name")
    if s.field != SUBJECT:
        if s.field in schema.COMMON_KEYS:
            return Rejected(f"'{s.field}' cannot be suggested", s.field)
        if not schema.has_field(item_type, s.field):
            return Rejected(f"'{s.field}' is not a field of item type '{item_type}'", s.field)
    if not isinstance(s.value, str):
        return Rejected(f"the value is {type(s.value).__name__}, not text", s.field)
    limit = MAX_CHARS.get(s.field, DEFAULT_MAX_CHARS)
    if len(s.value) > limit * 4:  # refuse huge values before scanning them
        return Rejected(f"the value is {len(s.value):,} characters long (at most {limit:,})", s.field)
    if _CONTROL.search(s.value):
        return Rejected(f"the value {_shown(s.value)} contains control characters", s.field)
    if _MARKUP.search(s.value):
        return Rejected(f"the value {_shown(s.value)} contains HTML/XML markup; add-ons must return plain text "
                        "(markup_to_text converts it)", s.field)
    value = plain_abstract(s.value) if s.field == "abstractNote" else clean(s.value)
    if not value:
        return Rejected("the value is empty", s.field)
    if len(value) > limit:
        return Rejected(f"the value is {len(value):,} characters long (at most {limit:,})", s.field)
    if s.field != "abstractNote" and "\n" in s.value.strip():
        return Rejected(f"the value {_shown(value)} spans several lines (only an abstract may): join them or "
                        "suggest each as its own value", s.field)
    try:
        confidence = float(s.confidence)
    except (TypeError, ValueError):
        return Rejected("the confidence is not a number", s.field)
    if math.isnan(confidence) or not 0.0 <= confidence <= 1.0:
        return Rejected(f"the confidence {s.confidence!r} is not between 0 and 1", s.field)
    source = clean(s.source) if isinstance(s.source, str) else ""
    if len(source) > 200:
        return Rejected("the source name is too long", s.field)
    evidence = s.evidence_url.strip() if isinstance(s.evidence_url, str) else None
    if evidence is None or (evidence and (len(evidence) > 2_000 or not _URL.match(evidence))):
        return Rejected("the evidence URL is not an http(s) address", s.field)
    return replace(s, value=value, source=source or plugin, evidence_url=evidence, confidence=confidence)


def cap_subjects(suggestions: list[Suggestion]) -> tuple[list[Suggestion], int]:
    """``suggestions`` with at most ``MAX_SUBJECTS`` subjects (the first ones), and how many subjects were left out."""
    kept: list[Suggestion] = []
    subjects = dropped = 0
    for s in suggestions:
        if s.field == SUBJECT:
            subjects += 1
            if subjects > MAX_SUBJECTS:
                dropped += 1
                continue
        kept.append(s)
    return kept, dropped
