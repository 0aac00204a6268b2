"""The first case's world, all on 127.0.0.1: the journal's site, the scholarly sources, Zotero, a real keyring.

- ``site``: fmp.elpub.ru as refdesk sees it: the article page of the web corpus case
  ``elpub-ojs-bilingual`` (OJS 2, windows-1251, bilingual) and the journal's OAI-PMH endpoint
  answering with the recorded ``Identify``/``GetRecord`` of tests/plugins/data/seed;
- ``scholarly``: Crossref, OpenAlex and DOAJ answering for ISSN 2076-7404 with the journal tests'
  responses (tests/journal/data), every link to fmp.elpub.ru pointing at ``site``; also the title
  searches the add-ons make (OpenAlex ``filter=title.search:``, DOAJ ``bibjson.title:"..."``);
- ``zotero``: the Zotero Web API v3 emulator with one account;
- ``real_keyring``: the Secret Service (gnome-keyring under dbus-run-session, ``tools/with-keyring.sh``).

``story`` ties them to the ``cli`` fixture, keeps every line refdesk printed or logged,
and checks at the end that the API key was never written anywhere but the keyring.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import keyring
import keyring.backend
import pytest

from tests.journal.conftest import first_case
from tests.servers.scholarly import Journal, ScholarlyServer
from tests.servers.web import Answer, Route, WebServer
from tests.servers.zotero import ZoteroServer
from tests.web.corpus import load_cases, mount

SEED = Path(__file__).resolve().parents[1] / "plugins" / "data" / "seed"
ELPUB = next(c for c in load_cases() if c.name == "elpub-ojs-bilingual")
ARTICLE = ELPUB.spec["start"]  # /jour/article/view/147
REAL_SITE = "https://fmp.elpub.ru"

ISSN = "2076-7404"
TITLE = "Soviet and British diplomacy at international conferences on the eve of the formation of the USSR"
JOURNAL = "Вестник Московского Университета. Серия XXV: Международные отношения и мировая политика"
QUERY = "Soviet and British diplomacy"
# Its own user id, so a parallel run of tests/zotero (same on-disk gnome-keyring) never touches this key.
USER_ID = 7404147
USERNAME = "Историк"  # a Cyrillic account name, printed by login


def _oai(req: Any) -> Answer:
    """OJS's OAI-PMH endpoint: Identify, GetRecord of article 147, idDoesNotExist for the rest."""
    q = {k: v[-1] for k, v in parse_qs(req.query).items()}
    xml = {"Content-Type": "text/xml; charset=utf-8"}
    if q.get("verb") == "Identify":
        return Answer(200, xml, (SEED / "oai-identify.xml").read_bytes())
    if q.get("verb") == "GetRecord" and q.get("identifier") == "oai:fmp.elpub.ru:article/147" and q.get("metadataPrefix") == "oai_dc":
        return Answer(200, xml, (SEED / "oai-getrecord-147.xml").read_bytes())
    error = ('<?xml version="1.0" encoding="UTF-8"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
             '<responseDate>2024-05-14T09:12:33Z</responseDate><request>{base}</request>'
             '<error code="idDoesNotExist">No matching identifier in this repository</error></OAI-PMH>')
    return Answer(200, xml, error.encode())


@pytest.fixture
def site() -> Iterator[WebServer]:
    with WebServer() as server:
        mount(server, ELPUB)
        server.add("/jour/oai", Route(handler=_oai))
        yield server


def _title_words(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


class StoryScholarly(ScholarlyServer):
    """The scholarly stand-ins, plus the title searches the enrichment add-ons make."""

    def openalex(self, path: str, q: dict[str, str]) -> tuple[int, Any]:
        filters = dict(part.split(":", 1) for part in q.get("filter", "").split(",") if ":" in part)
        if path != "/works" or "title.search" not in filters:
            return super().openalex(path, q)
        wanted = _title_words(filters["title.search"])
        works = [w for j in self.journals for w in j.openalex_works
                 if all(word in _title_words(w.get("title") or "") for word in wanted)
                 and str(w.get("publication_year")) == filters.get("publication_year", str(w.get("publication_year")))]
        per_page = int(q.get("per-page", 25))
        meta = {"count": len(works), "db_response_time_ms": 9, "page": 1, "per_page": per_page, "groups_count": None}
        return 200, {"meta": meta, "results": works[:per_page], "group_by": []}

    def doaj(self, path: str, q: dict[str, str]) -> tuple[int, Any]:
        m = re.fullmatch(r'/search/articles/bibjson\.title:"(.+)"', path)
        if not m:
            return super().doaj(path, q)
        phrase = " ".join(_title_words(m.group(1)))
        found = [a for j in self.journals for a in j.doaj_articles if phrase in " ".join(_title_words(a["bibjson"]["title"]))]
        size = int(q.get("pageSize", 10))
        return 200, {"timestamp": "2026-11-25T06:00:00Z", "page": 1, "pageSize": size, "query": path,
                     "total": len(found), "results": found[:size]}


def _moved_to(journal: Journal, base: str) -> Journal:
    """The journal with every fmp.elpub.ru link pointing at the local site."""
    text = json.dumps(journal.__dict__, ensure_ascii=False).replace(REAL_SITE, base)
    return Journal(**json.loads(text))


@pytest.fixture
def scholarly(site: WebServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[StoryScholarly]:
    server = StoryScholarly()
    server.start()
    try:
        server.add(_moved_to(first_case(), site.base))
        server.env(monkeypatch)
        yield server
    finally:
        server.close()


@pytest.fixture
def zotero(monkeypatch: pytest.MonkeyPatch) -> Iterator[ZoteroServer]:
    with ZoteroServer() as server:
        monkeypatch.setenv("REFDESK_ZOTERO_API_URL", server.url)
        yield server


@pytest.fixture
def real_keyring() -> Iterator[keyring.backend.KeyringBackend]:
    """The real Secret Service; the story's key is removed from it afterwards."""
    from keyring.backends import SecretService

    kr = SecretService.Keyring()
    try:
        assert kr.priority > 0
        kr.set_password("refdesk-test", "story-probe", "probe")
        kr.delete_password("refdesk-test", "story-probe")
    except Exception as exc:
        pytest.fail(f"The real Secret Service is not available ({type(exc).__name__}: {exc}). Run the story with "
                    "`tools/with-keyring.sh .venv/bin/python -m pytest tests/story` (gnome-keyring under dbus-run-session).")
    old = keyring.get_keyring()
    keyring.set_keyring(kr)
    yield kr
    with contextlib.suppress(Exception):
        kr.delete_password("refdesk-zotero", f"user:{USER_ID}")
    keyring.set_keyring(old)


WRITES = ("POST", "PUT", "PATCH", "DELETE")


@dataclass
class Story:
    """One user's session: refdesk's CLI against the local world, with everything it printed kept."""

    cli: Any
    site: WebServer
    scholarly: StoryScholarly
    zotero: ZoteroServer
    keyring: keyring.backend.KeyringBackend
    home: Path
    monkeypatch: pytest.MonkeyPatch
    caplog: pytest.LogCaptureFixture
    api_key: str = ""
    printed: list[str] = field(default_factory=list)

    @property
    def article_url(self) -> str:
        return self.site.url(ARTICLE)

    def run(self, *args: str, stdin: str | None = None, ok: bool = True) -> Any:
        if stdin is not None:
            import io

            self.monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        result = self.cli("--verbose", *args)
        self.printed += [f"$ refdesk {' '.join(args)}", result.out, result.err]
        if ok:
            assert result.code == 0, f"refdesk {' '.join(args)} -> {result.code}\n{result.out}\n{result.err}"
        return result

    def login(self) -> Any:
        self.api_key = self.zotero.add_key(USER_ID, USERNAME)
        out = self.run("zotero", "login", "--user-id", str(USER_ID), "--api-key-stdin", stdin=self.api_key + "\n")
        assert self.keyring.get_password("refdesk-zotero", f"user:{USER_ID}") == self.api_key
        return out

    # -- the Zotero side --------------------------------------------------
    @property
    def remote(self) -> Any:
        return self.zotero.library("user", USER_ID)

    def remote_items(self) -> dict[str, dict[str, Any]]:
        return self.zotero.item_data(self.remote)

    def writes(self) -> list[tuple[str, str, int]]:
        """Every request that changed (or tried to change) something on the server so far."""
        with self.zotero.lock:
            return [r for r in self.zotero.requests if r[0] in WRITES]

    # -- the local side ---------------------------------------------------
    def library_file(self) -> Path:
        return self.home / "data" / "library.sqlite"

    def assert_key_never_leaked(self) -> None:
        """(f): not in any output or log line, not in any file refdesk wrote (settings, library + WAL, cache)."""
        assert self.api_key, "the story never logged in"
        everything = "\n".join([*self.printed, self.caplog.text])
        assert self.api_key not in everything
        files = [p for p in self.home.rglob("*") if p.is_file()]
        assert (self.home / "config" / "settings.toml") in files and self.library_file() in files
        for path in files:
            data = path.read_bytes()
            assert self.api_key.encode() not in data, f"the API key is in {path}"
            assert self.api_key.encode("utf-16-le") not in data, f"the API key is in {path}"
        settings = (self.home / "config" / "settings.toml").read_text(encoding="utf-8")
        assert f'zotero_user_id = "{USER_ID}"' in settings


@pytest.fixture
def story(cli: Any, site: WebServer, scholarly: StoryScholarly, zotero: ZoteroServer,
          real_keyring: keyring.backend.KeyringBackend, isolated_env: Path, monkeypatch: pytest.MonkeyPatch,
          caplog: pytest.LogCaptureFixture) -> Story:
    caplog.set_level(logging.DEBUG)
    return Story(cli, site, scholarly, zotero, real_keyring, isolated_env, monkeypatch, caplog)
