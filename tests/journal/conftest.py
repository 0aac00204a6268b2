"""Journal tests: one local server standing in for Crossref, OpenAlex and DOAJ, with three kinds of journal.

- 2076-7404 (the first case): written responses of all three sources, in ``data/2076-7404``;
- 2167-8359 (PeerJ) and 1803-2427: the real recorded Crossref responses in ``shared/fixtures/crossref``;
- generated journals (``scholarly.make_journal``) for paging and ISSN variants.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from refdesk.app import AppContext

from tests.conftest import FIXTURES
from tests.servers.scholarly import Journal, ScholarlyServer

DATA = Path(__file__).resolve().parent / "data"
RECORDED = FIXTURES / "crossref"
FIRST_ISSN = "2076-7404"
SERGEEV_TITLE = "Soviet and British diplomacy at international conferences on the eve of the formation of the USSR"
RU_JOURNAL = "Вестник Московского Университета. Серия XXV: Международные отношения и мировая политика"


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def first_case() -> Journal:
    """2076-7404 as Crossref, OpenAlex and DOAJ answer for it (responses written from each API's documentation)."""
    d = DATA / FIRST_ISSN
    return Journal(
        issns=[FIRST_ISSN],
        crossref=_load(d / "crossref-journal.json")["message"],
        openalex=_load(d / "openalex-source.json"),
        doaj=_load(d / "doaj-journals.json")["results"][0],
        crossref_works=_load(d / "crossref-works.json")["message"]["items"],
        openalex_works=_load(d / "openalex-works.json")["results"],
        doaj_articles=_load(d / "doaj-articles.json")["results"],
    )


def landscape_ecology() -> Journal:
    """1803-2427 / 1805-4196: known to Crossref only (the recorded /journals/1803-2427 answer)."""
    message = _load(RECORDED / "journal.json")["message"]
    return Journal(issns=list(message["ISSN"]), crossref=message)


def peerj() -> Journal:
    """2167-8359: Crossref only, its works the 40 distinct items of the two recorded /journals/2167-8359/works pages."""
    items: dict[str, Any] = {}
    for name in ("journal-works-1.json", "journal-works-2.json"):
        for item in _load(RECORDED / name)["message"]["items"]:
            items.setdefault(item["DOI"], item)
    crossref = {"title": "PeerJ", "publisher": "PeerJ", "ISSN": ["2167-8359"],
                "issn-type": [{"type": "electronic", "value": "2167-8359"}], "subjects": [], "counts": {"total-dois": 20000}}
    return Journal(issns=["2167-8359"], crossref=crossref, crossref_works=list(items.values()))


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[ScholarlyServer]:
    with ScholarlyServer() as s:
        s.env(monkeypatch)
        s.add(first_case())
        s.add(landscape_ecology())
        s.add(peerj())
        yield s


@pytest.fixture
def ctx(server: ScholarlyServer) -> Iterator[AppContext]:
    """An AppContext made after the server's URLs are in the environment."""
    with AppContext() as c:
        yield c
