"""``refdesk plugins new --kind site NAME``: a ready-to-install site add-on (``refdesk.sites``) with a saved page and a
passing test. The enrichment skeleton (``scaffold.py``) gives the pyproject's shape; this one differs in the entry-point
group, the module (``match``/``extract``) and the tests, which read a saved page instead of asking a server."""

from __future__ import annotations

from pathlib import Path

from refdesk.plugins.api import SITES_ENTRY_POINT_GROUP
from refdesk.plugins.scaffold import write_skeleton

README = """\
# refdesk-{name}

A refdesk site add-on: `match(url)` says which article pages it reads (here
`https://www.example.org/article/...`), and `extract(page, context)` returns their fields
(here the authors, kept by the platform in a JSON object the page embeds). refdesk runs it
before its own extractors on `refdesk import URL` and keeps what it returns first, with
provenance "site add-on {name}"; a failing add-on is named and refdesk's own result is kept.

## Files

    pyproject.toml                       the entry point in group "refdesk.sites"
    src/{package}/site.py          REFDESK_API_VERSION, match, extract
    tests/pages/article.html             a saved article page
    tests/test_{package}.py        reads the saved page; no network

## Test, install, try

    /path/to/refdesk/python -m pytest     # refdesk's Python (`refdesk plugins new` printed it)
    refdesk plugins install .             # editable: a change here counts at refdesk's next start
    refdesk plugins list                  # {name}  refdesk-{name}  0.1.0  site  enabled  from editable: ...

To try it inside refdesk on the saved page (no platform needed), serve the page on your machine
and let `match` take that address while you try (add `"127.0.0.1"` to `HOSTS` in
`src/{package}/site.py`; take it out again before you publish):

    mkdir -p /tmp/{package}/article && cp tests/pages/article.html /tmp/{package}/article/123.html
    /path/to/refdesk/python -m http.server 8000 --bind 127.0.0.1 --directory /tmp/{package} &
    refdesk import http://127.0.0.1:8000/article/123.html     # Lee and Kumar: the page's meta tags name no author

On the platform itself: `refdesk import https://www.example.org/article/123`.
`refdesk plugins disable {name}` turns it off (`enable` back on); `refdesk plugins uninstall {name}` removes it.

See refdesk's docs/plugin-authoring.md, "Site add-ons".
"""

SITE = '''\
"""refdesk-{name}: reads the article pages of www.example.org, which keep their authors in embedded JSON."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from refdesk.plugins.api import PluginContext, SitePage

REFDESK_API_VERSION = "{api}"

#: The platform's hosts (add "127.0.0.1" while you try the add-on on a saved page served locally: see README.md).
HOSTS = ("www.example.org",)


def match(url: str) -> bool:
    """The platform's article pages."""
    parts = urlsplit(url)
    return parts.hostname in HOSTS and parts.path.startswith("/article/")


def extract(page: SitePage, context: PluginContext) -> dict[str, Any] | None:
    """Fields of the page (Zotero field names, ``creators``, ``tags``), or None to leave the page to refdesk."""
    for data in page.json_scripts():
        article = data.get("article") if isinstance(data, dict) else None
        if isinstance(article, dict):
            return {{
                "title": str(article.get("title") or ""),
                "creators": [{{"lastName": a.get("family", ""), "firstName": a.get("given", "")}}
                             for a in article.get("authors", []) if isinstance(a, dict) and a.get("family")],
            }}
    return None
'''

PAGE = """\
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>A study of estuaries | Example</title>
<meta name="citation_title" content="A study of estuaries"><meta name="citation_journal_title" content="Example Journal">
</head><body><div id="root">Loading…</div>
<script type="application/json" id="state">{{"article": {{"title": "A study of estuaries",
"authors": [{{"given": "Ann", "family": "Lee"}}, {{"given": "Ravi", "family": "Kumar"}}]}}}}</script>
</body></html>
"""

TEST = '''\
"""The site add-on on a saved page: no network."""

from __future__ import annotations

from pathlib import Path

from lxml import html

from refdesk.plugins.api import PluginContext, SitePage

from {package} import site

PAGE = Path(__file__).resolve().parent / "pages" / "article.html"
URL = "https://www.example.org/article/123"


def test_matches_the_platform_article_pages() -> None:
    assert site.match(URL)
    assert not site.match("https://www.example.org/about")
    assert not site.match("https://journal.example.com/article/123")


def test_reads_the_authors_from_the_embedded_json() -> None:
    text = PAGE.read_text(encoding="utf-8")
    fields = site.extract(SitePage(URL, text, html.document_fromstring(text)), PluginContext.for_tests("{name}"))
    assert fields is not None
    assert fields["creators"] == [{{"lastName": "Lee", "firstName": "Ann"}}, {{"lastName": "Kumar", "firstName": "Ravi"}}]


def test_declares_the_api_version() -> None:
    assert site.REFDESK_API_VERSION == "{api}"
'''


def new_site_addon(name: str, parent: Path) -> Path:
    """Write ``refdesk-NAME/`` (a site add-on) under ``parent``; refuses to overwrite anything."""
    return write_skeleton(name, parent, example="my-site", values={
        "group": SITES_ENTRY_POINT_GROUP, "module": "site",
        "description": "A refdesk site add-on: reads the article pages of one platform"}, files={
        "README.md": README,
        "src/{package}/__init__.py": '"""refdesk-{name}: a refdesk site add-on."""\n',
        "src/{package}/site.py": SITE,
        "tests/pages/article.html": PAGE,
        "tests/test_{package}.py": TEST,
    })
