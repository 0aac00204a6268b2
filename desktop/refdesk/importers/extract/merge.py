"""Merge what every convention found into one Record, by a fixed precedence, each field remembering its source.

Precedence (first source that states a field wins; see docs/import-web.md):

    highwire > ris > csljson > bibtex > mods > dublincore > prism > jsonld > coins > ojs > doi > opengraph > html

``doi`` is the DOI resolver's CSL-JSON (fetched by :mod:`refdesk.importers.web`): it fills
what the page's citation metadata does not state, and beats only the page's generic
OpenGraph tags and ``<title>``.

Languages: the article's language is the first ``language`` any source states.
Title and abstract are taken in that language (by ``xml:lang``, or by script
when untagged); the journal title as the first source names it. Every form in
another language goes to ``extra`` as ``original-title: …`` or
``original-container-title: …`` (the CSL variables Zotero users write there),
so no field ever mixes two languages.
"""

from __future__ import annotations

import re
from dataclasses import replace

from refdesk import schema
from refdesk.importers import add_note
from refdesk.importers.extract import languages
from refdesk.importers.extract.found import Found, Person, Value
from refdesk.importers.fileformat import add_extra, target
from refdesk.model import Record
from refdesk.text import fold

PRECEDENCE = (
    "highwire", "ris", "csljson", "bibtex", "mods", "dublincore", "prism", "jsonld", "state", "coins", "ojs", "body", "doi",
    "opengraph", "html",
)  # fmt: skip
#: Sources whose description may be the site's own blurb rather than the article's abstract.
_BLURB_SOURCES = frozenset({"html", "opengraph"})
_WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)
_STOP = frozenset({
    "the", "and", "for", "with", "from", "into", "that", "this", "these", "those", "are", "was", "were", "has", "have",
    "had", "its", "not", "but", "our", "their", "who", "whom", "what", "when", "where", "which", "why", "how", "you",
    "your", "all", "any", "can", "may", "one", "two", "new", "about", "over", "under", "between",
})  # fmt: skip
#: Sources that never justify a record alone (a page title is not citation metadata).
WEAK = frozenset({"html"})
_IN_LANGUAGE = ("title", "abstractNote", "shortTitle")
_WEAK_TYPES = (None, "webpage", "document")
_ALIASES = {"websiteTitle": ("websiteTitle", "blogTitle", "forumTitle")}
_ORIGINAL = {"title": "original-title", "publicationTitle": "original-container-title"}


def provenance(source: str) -> str:
    if source.startswith("site:"):  # a site add-on (refdesk.sites): first of all, as its rules are the site's own
        return f"site add-on {source.removeprefix('site:')}"
    return "doi:csl" if source == "doi" else f"web:{source}"


def rank(found: Found) -> int:
    if found.source.startswith("site:"):
        return -1
    return PRECEDENCE.index(found.source) if found.source in PRECEDENCE else len(PRECEDENCE)


def has_metadata(founds: list[Found]) -> bool:
    """True when some convention names the work (a title or DOI), beyond the bare page title."""
    return any(f.says_something() for f in founds if f.source not in WEAK) or any(f.fields.get("DOI") for f in founds)


def choose_item_type(ordered: list[Found]) -> str:
    for f in ordered:
        if f.item_type not in _WEAK_TYPES and schema.is_item_type(f.item_type or ""):
            return f.item_type or "journalArticle"
    if any(f.fields.get("publicationTitle") for f in ordered if f.source not in ("opengraph", "html")):
        return "journalArticle"
    if any(f.item_type == "document" for f in ordered):
        return "document"
    return "webpage"


def _field_name(item_type: str, name: str) -> str | None:
    for alias in _ALIASES.get(name, (name,)):
        if schema.has_field(item_type, alias):
            return alias
    return target(item_type, name)


def _pick(values: list[Value], lang: str) -> Value:
    """The value in the article's language; else one whose language is unknown; else the first."""
    verdicts = [languages.in_language(v.text, v.lang, lang) for v in values]
    for v, ok in zip(values, verdicts, strict=True):
        if ok:
            return v
    for v, ok in zip(values, verdicts, strict=True):
        if ok is None:
            return v
    return values[0]


def cut_short(text: str) -> bool:
    """An abstract a meta tag cut off ("… the results show that…", "..."): any complete one is better."""
    return text.rstrip().endswith(("…", "..."))


def _stems(text: str) -> set[str]:
    """Content words, cut to five letters and without a plural s ("maps" and "map" agree)."""
    return {w.removesuffix("s")[:5] for w in _WORD.findall(fold(text)) if w not in _STOP}


def _drop_blurbs(ordered: list[Found]) -> tuple[list[Found], bool]:
    """The sources without a description that shares no word with any form of the title (the site's own blurb,
    "Founded in 1920, the … is a private, non-profit…", the same on every page); True when one was dropped."""
    titles: set[str] = set()
    for f in ordered:
        if f.source not in WEAK:
            for v in f.fields.get("title", []):
                titles |= _stems(v.text)
    if not titles:
        return ordered, False
    out, dropped = [], False
    for f in ordered:
        values = f.fields.get("abstractNote", [])
        keep = [v for v in values if f.source not in _BLURB_SOURCES or _stems(v.text) & titles]
        if len(keep) < len(values):
            dropped = True
            fields = {k: v for k, v in f.fields.items() if k != "abstractNote"} | ({"abstractNote": keep} if keep else {})
            f = replace(f, fields=fields)
        out.append(f)
    return out, dropped


def _choose(name: str, ordered: list[Found], lang: str) -> tuple[Value, str] | None:
    holders = [f for f in ordered if f.fields.get(name)]
    if not holders:
        return None
    if name == "abstractNote":  # a complete abstract before any cut-short one, precedence among equals
        holders.sort(key=lambda f: all(cut_short(v.text) for v in f.fields[name]))
    if name in _IN_LANGUAGE and lang:
        for f in holders:  # the best source that has it in the article's language
            if any(languages.in_language(v.text, v.lang, lang) for v in f.fields[name]):
                return _pick(f.fields[name], lang), f.source
    best = holders[0]
    if name == "ISSN":
        joined = ", ".join(dict.fromkeys(v.text for v in best.fields[name]))
        return Value(joined), best.source
    return _pick(best.fields[name], lang) if name in _IN_LANGUAGE else best.fields[name][0], best.source


def _other_languages(name: str, chosen: Value, ordered: list[Found], lang: str) -> list[tuple[str, str]]:
    """Forms of ``name`` in another language than the chosen one, once each: (text, source).

    The chosen title is in the article's language ``lang`` even when untagged; the
    journal title is in whatever language its source wrote it.
    """
    chosen_lang = chosen.lang or (lang if name in _IN_LANGUAGE and languages.in_language(chosen.text, "", lang) is not False else "")
    out: list[tuple[str, str]] = []
    seen = {fold(chosen.text)}
    for f in ordered:
        if f.source in WEAK:
            continue  # a <title> is the headline plus the site name, not a form of the title
        for v in f.fields.get(name, []):
            key = fold(v.text)
            if key in seen:
                continue
            if not languages.same_language(chosen.text, chosen_lang, v.text, v.lang):
                seen.add(key)
                out.append((v.text, f.source))
    return out


def _keep_people(people: list[Person], lang: str) -> tuple[list[Person], list[Person]]:
    """(authors, other-language forms of them): pages may list each author twice, in Latin and in Cyrillic.

    A name in another script than the article's is another form of an author only when it is a transliteration of
    a distinct one of them; any other name (a foreign co-author) is an author itself, in document order.
    """
    if not lang:
        scripts = {languages.script_of_text(p.text) for p in people}
        if len(scripts) <= 1:
            return people, []
        first = languages.script_of_text(people[0].text)
        main = [p for p in people if languages.script_of_text(p.text) == first]
    else:
        main = [p for p in people if languages.in_language(p.text, p.lang, lang) is not False]
        if not main:
            return people, []
    forms = _other_forms(main, [p for p in people if all(p is not m for m in main)])
    return [p for p in people if all(p is not f for f in forms)], forms


def _other_forms(main: list[Person], rest: list[Person]) -> list[Person]:
    """The names of ``rest`` that are the same people as names of ``main`` written in another script.

    Cyrillic and Latin names are compared under transliteration, each pairing with one name of ``main`` at most.
    Scripts that cannot be compared letter by letter (Han, Greek, Arabic…) are the other forms when both lists are
    as long, as a page lists its authors twice.
    """
    script = languages.script_of_text
    forms: list[Person] = []
    free = list(main)
    incomparable = []
    for p in rest:
        comparable = [m for m in free if languages.can_transliterate(script(p.text), script(m.text))]
        if not comparable and not any(languages.can_transliterate(script(p.text), script(m.text)) for m in main):
            incomparable.append(p)
            continue
        match = next((m for m in comparable if languages.is_transliteration(m.creator, p.creator)), None)
        if match is not None:
            free = [m for m in free if m is not match]
            forms.append(p)
    if incomparable and len(incomparable) == len(main):
        forms.extend(incomparable)
    return forms


def _original_author(p: Person) -> str:
    c = p.creator
    return f"original-author: {c['name']}" if "name" in c else f"original-author: {c.get('lastName', '')} || {c.get('firstName', '')}"


def merge(founds: list[Found], url: str) -> Record | None:
    """One record from all sources, or None when nothing names the work."""
    ordered = sorted((f for f in founds if not f.is_empty()), key=rank)
    if not has_metadata(ordered):
        return None
    item_type = choose_item_type(ordered)
    rec = Record.new(item_type)
    ordered, blurb = _drop_blurbs(ordered)
    language = _choose("language", ordered, "")
    lang = languages.code(language[0].text) if language else ""
    names: list[str] = []
    for f in ordered:
        names.extend(n for n in f.fields if n not in names)
    for name in names:
        picked = _choose(name, ordered, lang)
        field = _field_name(item_type, name)
        if picked is None or field is None or name == "url":
            continue
        value, source = picked
        rec.set(field, value.text, provenance(source))
        if name in _ORIGINAL:
            for text, other in _other_languages(name, value, ordered, lang):
                add_extra(rec, f"{_ORIGINAL[name]}: {text}", provenance(other))
    for f in ordered:
        for line in f.extra:
            add_extra(rec, line, provenance(f.source))
    if blurb and not rec.get("abstractNote"):
        add_note(rec, "the page's description is about the site, not the article (it shares no word with the title): no abstract")
    if schema.has_field(item_type, "url"):
        rec.set("url", url, "web:page")
    _merge_people(rec, ordered, lang)
    _merge_tags(rec, ordered, lang)
    return rec


def _holder_in_language(holders: list[Found], lang: str, values: str) -> Found:
    """The best source whose ``values`` (people or tags) include some in the article's language.

    A bilingual page may list its authors in Cyrillic in one convention and in Latin in
    another; the article's language decides, precedence only among equals.
    """
    if lang:
        for f in holders:
            items = f.people if values == "people" else f.tags
            if any(languages.in_language(x.text, x.lang, lang) is not False for x in items):
                return f
    return holders[0]


def _merge_people(rec: Record, ordered: list[Found], lang: str) -> None:
    holders = [f for f in ordered if f.people]
    if not holders:
        return
    holder = _holder_in_language(holders, lang, "people")
    keep, others = _keep_people(holder.people, lang)
    if holder is not holders[0]:  # a better source's names in the other language, when they are these authors'
        foreign = [p for p in holders[0].people if languages.in_language(p.text, p.lang, lang) is False]
        others = others + _other_forms(keep, foreign)
    allowed = schema.creator_types_for(rec.item_type)
    creators = []
    for p in keep:
        c = dict(p.creator)
        if c.get("creatorType") not in allowed:
            c["creatorType"] = allowed[0] if c.get("creatorType") == "author" and allowed else "contributor"
            if c["creatorType"] not in allowed:
                continue
        creators.append(c)
    rec.set("creators", creators, provenance(holder.source))
    for p in others:
        add_extra(rec, _original_author(p), provenance(holder.source))


def _merge_tags(rec: Record, ordered: list[Found], lang: str) -> None:
    holders = [f for f in ordered if f.tags]
    if not holders:
        return
    holder = _holder_in_language(holders, lang, "tags")
    tags = holder.tags
    if lang:
        mine = [t for t in tags if languages.in_language(t.text, t.lang, lang) is not False]
        tags = mine or tags
    for t in tags:
        rec.add_tag(t.text, automatic=True)
    rec.set("tags", rec.tags, provenance(holder.source))
