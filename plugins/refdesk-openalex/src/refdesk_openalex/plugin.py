"""refdesk-openalex: OpenAlex's abstract (from ``abstract_inverted_index``) and subjects.

OpenAlex Work objects (https://docs.openalex.org/api-entities/works/work-object):
``abstract_inverted_index`` maps each word to its positions; ``topics``,
``keywords`` and ``concepts`` carry a ``display_name`` and a ``score`` in 0..1.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any
from urllib.parse import quote

from refdesk.plugins.api import SUBJECT, Enrichment, PluginContext, RecordView, hookimpl, markup_to_text, title_key

REFDESK_API_VERSION = "1.3"  # title_key
SOURCE = "OpenAlex"


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def abstract_from_inverted_index(index: object) -> str:
    """Words put back at their positions: ``{"In": [0], "the": [1, 5]}`` -> "In the ...".

    The positions must be whole numbers filling 0..n-1, each once: with a word missing or two
    at one place the text would be garbled, so there is no abstract ("").
    """
    if not isinstance(index, dict) or not index:
        return ""
    slots: dict[int, str] = {}
    for word, positions in index.items():
        if not isinstance(word, str) or not isinstance(positions, list):
            return ""
        for p in positions:
            if type(p) is not int or p in slots:
                return ""
            slots[p] = word
    if sorted(slots) != list(range(len(slots))):
        return ""
    return markup_to_text(" ".join(slots[p] for p in range(len(slots))))


def _params(context: PluginContext, **extra: str) -> dict[str, str]:
    params = dict(extra)
    if context.settings.get("api_key"):
        params["api_key"] = str(context.settings["api_key"])
    return params


def _author_matches(record: RecordView, work: dict[str, Any]) -> bool:
    wanted = [_fold(n) for n in record.creator_last_names() if n]
    if not wanted:
        return True
    names = []
    authorships = work.get("authorships")
    for a in authorships if isinstance(authorships, list) else []:
        if not isinstance(a, dict):
            continue
        author = a.get("author")
        for name in ((author.get("display_name") if isinstance(author, dict) else None), a.get("raw_author_name")):
            if isinstance(name, str):
                names.append(_fold(name))
    if not any(names):
        return True
    return any(w and w in n for w in wanted for n in names)


def find_work(record: RecordView, context: PluginContext) -> tuple[dict[str, Any], str] | None:
    base = context.service_url("openalex")
    if record.doi:
        url = f"{base}/works/doi:{quote(record.doi, safe='/')}"
        work = context.get_json(url, params=_params(context), mailto=True)
        return (work, url) if isinstance(work, dict) else None
    if not record.title:
        return None
    title = re.sub(r"[,:|!]", " ", record.title)
    filters = [f"title.search:{title}"]
    if record.year:
        filters.append(f"publication_year:{record.year}")
    params = _params(context, filter=",".join(filters), **{"per-page": "5"})
    url = f"{base}/works"
    answer = context.get_json(url, params=params, mailto=True, missing=())
    results = answer.get("results") if isinstance(answer, dict) else None
    for work in results if isinstance(results, list) else []:
        if not isinstance(work, dict):
            continue
        if title_key(str(work.get("title") or work.get("display_name") or "")) != title_key(record.title):
            continue
        if record.year and str(work.get("publication_year", "")) not in ("", record.year):
            continue
        if not _author_matches(record, work):
            continue
        return work, url
    return None


def _scored(items: object, minimum: float) -> list[tuple[str, float]]:
    out = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        name = item.get("display_name")
        name = name.strip() if isinstance(name, str) else ""
        raw = item.get("score")
        if not isinstance(raw, int | float | str) or isinstance(raw, bool):
            continue  # null or missing: no score, no subject
        try:
            score = float(raw)
        except ValueError:
            continue
        if name and score >= max(minimum, 0.0):
            out.append((name, min(score, 1.0)))
    return out


@hookimpl
def enrich(record: RecordView, context: PluginContext) -> Enrichment | None:
    found_work = find_work(record, context)
    if found_work is None:
        return None
    work, url = found_work
    evidence = str(work.get("id", "")) if str(work.get("id", "")).startswith("http") else url
    minimum = float(context.settings.get("min_score", 0.5))
    found = Enrichment()
    abstract = abstract_from_inverted_index(work.get("abstract_inverted_index"))
    if abstract:
        found.add("abstractNote", abstract, SOURCE, evidence, 0.75)
    kinds = [("topics", "topic"), ("keywords", "keyword")]
    if context.settings.get("concepts", True):
        kinds.append(("concepts", "concept"))
    for key, kind in kinds:
        for name, score in _scored(work.get(key), minimum):
            found.add(SUBJECT, name, f"{SOURCE} {kind}", evidence, score)
    return found
