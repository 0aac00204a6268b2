"""refdesk-oai: the journal's own subjects and abstract, from its OJS OAI-PMH endpoint.

OAI-PMH 2.0 (http://www.openarchives.org/OAI/openarchivesprotocol.html): ``Identify``
names the repository, ``GetRecord`` with ``metadataPrefix=oai_dc`` returns the
record as unqualified Dublin Core, with ``xml:lang`` on language-specific values.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from refdesk.plugins.api import SUBJECT, Enrichment, NetworkError, PluginContext, RecordView, hookimpl, markup_to_text

REFDESK_API_VERSION = "1.2"

OAI = "{http://www.openarchives.org/OAI/2.0/}"
DC = "{http://purl.org/dc/elements/1.1/}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
IDENTIFIER_NS = "{http://www.openarchives.org/OAI/2.0/oai-identifier}"

_ARTICLE = re.compile(r"^(?P<base>https?://[^?#]+?)/article/view/(?P<id>\d+)(?:[/?#].*)?$")


class OaiError(Exception):
    """The endpoint answered with an OAI-PMH error other than 'no such record'."""


@dataclass(frozen=True)
class Target:
    endpoint: str
    article_id: str
    host: str


def target_of(url: str, endpoints: dict[str, str] | None = None) -> Target | None:
    """The OAI endpoint and article id behind an OJS article URL, or None for other URLs."""
    m = _ARTICLE.match(url.strip())
    if not m:
        return None
    host = urlsplit(url).hostname or ""
    endpoint = (endpoints or {}).get(host) or m.group("base") + "/oai"
    return Target(endpoint.rstrip("/"), m.group("id"), host)


def _parse(text: str | bytes, url: str) -> ET.Element:
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise OaiError(f"{url}: the answer is not well-formed XML (cut short or damaged: {exc})") from None
    if root.tag != f"{OAI}OAI-PMH":
        what = "an HTML page" if root.tag.lower().rsplit("}", 1)[-1] == "html" else f"root element {root.tag}"
        raise OaiError(f"{url}: not an OAI-PMH answer ({what})")
    return root


def _errors(root: ET.Element) -> list[tuple[str, str]]:
    return [(e.get("code", ""), (e.text or "").strip()) for e in root.findall(f"{OAI}error")]


def repository_identifier(root: ET.Element) -> str:
    """The repositoryIdentifier an ``Identify`` answer declares (OJS: the host name), or ""."""
    for desc in root.iter(f"{IDENTIFIER_NS}repositoryIdentifier"):
        if desc.text and desc.text.strip():
            return desc.text.strip()
    return ""


def _lang_matches(value_lang: str, wanted: str) -> bool:
    if not wanted:
        return False
    a = value_lang.lower().replace("_", "-").split("-")[0]
    b = wanted.lower().replace("_", "-").split("-")[0]
    aliases = {"eng": "en", "rus": "ru", "ger": "de", "deu": "de", "fre": "fr", "fra": "fr", "spa": "es"}
    return aliases.get(a, a) == aliases.get(b, b)


def _norm(text: str) -> str:
    return re.sub(r"\W+", " ", text.casefold()).strip()


def pick_description(descriptions: list[tuple[str, str]], language: str, current: str) -> tuple[str, str] | None:
    """(lang, text): the one continuing the current abstract, else the record's language, else one without
    a language; the first only when the record has no language (never one in another language than the record's)."""
    if not descriptions:
        return None
    start = _norm(re.sub(r"(…|\.\.\.)\s*$", "", current))
    if start:
        for lang, text in descriptions:
            if _norm(text).startswith(start):
                return lang, text
    for lang, text in descriptions:
        if _lang_matches(lang, language):
            return lang, text
    if language:
        return next(((lang, text) for lang, text in descriptions if not lang), None)
    return descriptions[0]


def subject_language(subject_langs: list[str], language: str, description_lang: str) -> str:
    """The language whose subjects to take: the record's when there are subjects in it, else the chosen
    description's, else the first one given ("" when the subjects carry none)."""
    for wanted in (language, description_lang):
        if wanted and any(_lang_matches(lang, wanted) for lang in subject_langs):
            return wanted
    return next((lang for lang in subject_langs if lang), "")


#: Punctuation that ends a keyword in some journals' lists ("Fire.", "Climate change;").
_TRAILING = " \t.,;:"


def _subject_key(term: str) -> str:
    """Two subjects differing only in case or trailing punctuation are one."""
    return " ".join(term.casefold().rstrip(_TRAILING + "!?").split())


def _get(context: PluginContext, endpoint: str, params: dict[str, str]) -> tuple[ET.Element, str]:
    url = f"{endpoint}?{urlencode(params)}"
    response = context.http.get(endpoint, params=params, timeout=context.timeout)
    try:
        return _parse(response.content, endpoint), url
    except OaiError:
        # A damaged answer (cut short, an HTML page) comes with status 200, so refdesk's cache may be
        # holding it from an earlier call: ask the endpoint itself once more before calling it broken.
        response = context.http.get(endpoint, params=params, refresh=True, timeout=context.timeout)
        return _parse(response.content, endpoint), url


def _repository(context: PluginContext, target: Target) -> str:
    """The endpoint's repositoryIdentifier (asked once per session and endpoint, not per article), else the host."""
    identify, _ = _get(context, target.endpoint, {"verb": "Identify"})
    return repository_identifier(identify) or target.host


@hookimpl
def enrich(record: RecordView, context: PluginContext) -> Enrichment | None:
    endpoints = context.settings.get("endpoints") or {}
    target = target_of(record.url, dict(endpoints))
    if target is None:
        return None
    try:
        repository = context.memo(("repository", target.endpoint), lambda: _repository(context, target))
    except NetworkError as exc:
        if exc.status == 404:
            return None  # not an OJS site after all
        raise
    identifier = f"oai:{repository}:article/{target.article_id}"
    root, url = _get(context, target.endpoint, {"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": identifier})
    errors = _errors(root)
    if errors:
        if any(code in ("idDoesNotExist", "noRecordsMatch") for code, _ in errors):
            return None  # the endpoint does not know the article
        said = "; ".join(f"{code}: {text}" if text else code for code, text in errors)
        raise OaiError(f"{target.endpoint}: the OAI-PMH endpoint answered with an error: {said}")
    rec = root.find(f"{OAI}GetRecord/{OAI}record")
    if rec is None:
        return None
    header = rec.find(f"{OAI}header")
    if header is not None and header.get("status") == "deleted":
        return None
    dc = rec.find(f"{OAI}metadata/*")
    if dc is None:
        return None
    source = f"OAI-PMH {repository}"
    found = Enrichment()
    descriptions = [(d.get(XML_LANG, ""), markup_to_text(d.text or "")) for d in dc.findall(f"{DC}description")]
    chosen = pick_description([d for d in descriptions if d[1]], record.language, record.abstract)
    lang = chosen[0] if chosen else ""
    if chosen:
        found.add("abstractNote", chosen[1], source, url, 0.9)
    confidence = float(context.settings.get("subject_confidence", 0.9))
    subjects = [(subject.get(XML_LANG, ""), subject.text or "") for subject in dc.findall(f"{DC}subject")]
    wanted = subject_language([sl for sl, _ in subjects], record.language, lang)
    seen: set[str] = set()
    for subject_lang, text in subjects:
        if wanted and subject_lang and not _lang_matches(subject_lang, wanted):
            continue  # the keywords in the other language of a bilingual journal
        for term in re.split(r"\s*;\s*", markup_to_text(text)):
            term = term.strip(_TRAILING)
            key = _subject_key(term)
            if key and key not in seen:
                seen.add(key)
                found.add(SUBJECT, term, source, url, confidence)
    return found
