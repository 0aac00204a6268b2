"""Metadata only in the page body (issue 15): abstract sections, authors in a JSON state or as links, site blurbs."""

from __future__ import annotations

import json

from refdesk.importers import IMPORT_NOTE
from refdesk.importers.extract import body, merge, run_all, state
from refdesk.importers.extract.page import parse_page
from refdesk.model import Record

URL = "https://journal.example.org/article/7"
LONG = "We measured nitrate leaching under winter rye in four drained fields and found it halved, with no loss of soybean yield."


def page(head: str, body_html: str = "", lang: str = "en") -> str:
    return f'<html lang="{lang}"><head>{head}</head><body>{body_html}</body></html>'


def record(html: str) -> Record:
    rec = merge.merge(run_all(parse_page(html, URL)), URL)
    assert rec is not None
    return rec


HEAD = '<meta name="citation_title" content="Winter rye and nitrate leaching"><meta name="citation_journal_title" content="J">'


def test_abstract_markers() -> None:
    for marked in (f'<section class="abstract"><h2>Abstract</h2><p>{LONG}</p></section>',
                   f'<div role="doc-abstract"><p>{LONG}</p></div>',
                   f'<div class="article-abstract"><p>{LONG}</p></div>',
                   f'<div id="abstract"><h3>Summary</h3><p>{LONG}</p></div>',
                   f'<section><h2>Abstract</h2><div><p>{LONG}</p></div></section>'):  # fmt: skip
        found = body.extract(parse_page(page(HEAD, marked), URL))
        assert found is not None and found.first("abstractNote") == LONG, marked


def test_links_and_buttons_named_abstract_are_not_abstracts() -> None:
    html = page(HEAD, '<a class="abstract-link" href="#abs">View abstract</a><div class="graphical-abstract"><img src="g.png"></div>'
                      '<button class="abstract-toggle">Show abstract</button>')  # fmt: skip
    assert body.extract(parse_page(html, URL)) is None


def test_one_abstract_per_language() -> None:
    ru = "В статье рассматривается выщелачивание нитратов под озимой рожью на четырёх дренированных полях в течение четырёх лет."
    html = page(HEAD, f'<div class="abstract" lang="en"><p>{LONG}</p></div><div class="abstract" lang="ru"><p>{ru}</p></div>')
    found = body.extract(parse_page(html, URL))
    assert found is not None and [(v.text, v.lang) for v in found.fields["abstractNote"]] == [(LONG, "en"), (ru, "ru")]


def test_a_complete_meta_abstract_beats_the_body_and_a_cut_short_one_does_not() -> None:
    other = "A complete abstract from the citation tags, which states its findings fully and stops with a full stop."
    complete = record(page(HEAD + f'<meta name="citation_abstract" content="{other}">', f'<div class="abstract"><p>{LONG}</p></div>'))
    assert complete.get("abstractNote") == other and complete.provenance["abstractNote"].source == "web:highwire"
    for cut in ("We measured nitrate leaching under winter rye…", "We measured nitrate leaching under winter rye..."):
        rec = record(page(HEAD + f'<meta name="citation_abstract" content="{cut}">', f'<div class="abstract"><p>{LONG}</p></div>'))
        assert rec.get("abstractNote") == LONG and rec.provenance["abstractNote"].source == "web:body"


def test_a_cut_short_abstract_is_kept_when_there_is_nothing_better() -> None:
    rec = record(page(HEAD + '<meta name="citation_abstract" content="We measured nitrate leaching under winter rye…">'))
    assert rec.get("abstractNote") == "We measured nitrate leaching under winter rye…"


def test_a_site_blurb_is_no_abstract() -> None:
    blurb = "Founded in 1920, the Institute is a private, non-profit research organisation serving members in 90 countries."
    rec = record(page(HEAD + f'<meta name="description" content="{blurb}"><meta property="og:description" content="{blurb}">'))
    assert rec.get("abstractNote") == ""
    assert "about the site, not the article" in rec.provenance[IMPORT_NOTE].source
    fitting = "Winter rye cover crops halved nitrate leaching from drained fields."
    kept = record(page(HEAD + f'<meta name="description" content="{fitting}">'))
    assert kept.get("abstractNote") == fitting and IMPORT_NOTE not in kept.provenance


def test_citation_abstract_is_never_taken_for_a_blurb() -> None:
    text = "Founded in 1920, the Institute is a private, non-profit research organisation serving members in 90 countries."
    rec = record(page(HEAD + f'<meta name="citation_abstract" content="{text}">'))
    assert rec.get("abstractNote") == text


def _state_page(data: object, title: str = "Winter rye and nitrate leaching") -> str:
    return page(f'<meta name="citation_title" content="{title}"><meta name="citation_journal_title" content="J">',
                f'<script id="__NEXT_DATA__" type="application/json">{json.dumps(data)}</script>')  # fmt: skip


def test_json_state_authors_of_the_article_not_of_related_ones() -> None:
    data = {"props": {"related": [{"title": "Other work on leaching", "authors": [{"name": "Ann Other"}]}],
                      "article": {"title": "Winter rye and nitrate leaching", "contributors": [
                          {"person": {"given": "Kari", "family": "Halvorsen"}}, {"firstName": "Miguel", "lastName": "Delgado"}, "Li Wei"]}}}  # fmt: skip
    rec = record(_state_page(data))
    assert [(c.get("lastName"), c.get("firstName")) for c in rec.creators] == [("Halvorsen", "Kari"), ("Delgado", "Miguel"), ("Wei", "Li")]
    assert rec.provenance["creators"].source == "web:state"


def test_json_state_of_another_work_is_not_taken() -> None:
    data = {"recommended": {"title": "Deep learning for crop yield prediction", "authors": [{"name": "Ann Other"}]}}
    found = state.extract(parse_page(_state_page(data), URL))
    assert found is None


def test_broken_or_huge_json_state_is_passed_over() -> None:
    html = page(HEAD, '<script type="application/json">{"authors": [oops</script><script type="application/json">[1, 2, 3]</script>')
    assert state.extract(parse_page(html, URL)) is None


def test_author_links_in_the_header_not_in_navigation_or_sidebars() -> None:
    html = page(HEAD, '<nav><a class="author-link" href="/authors">Information for Authors</a></nav>'
                      '<header class="article-header"><ul class="authors"><li><a href="/p/1">Kari Halvorsen</a></li>'
                      '<li><a href="/p/2">Miguel A. Delgado</a></li><li><a href="#aff">Show all</a></li></ul></header>'
                      '<span itemprop="author" itemscope><span itemprop="name">Li Wei</span></span>'
                      '<aside><a class="author-name" href="/p/9">Ann Other</a></aside>'
                      '<div class="related-articles"><a class="author" href="/p/8">Bo Related</a></div>')  # fmt: skip
    found = body.extract(parse_page(html, URL))
    assert found is not None and [p.text for p in found.people] == ["Halvorsen Kari", "Delgado Miguel A.", "Wei Li"]


def test_body_authors_only_when_no_convention_lists_any() -> None:
    html = page(HEAD + '<meta name="citation_author" content="Halvorsen, Kari">', '<div class="authors"><a href="/p/2">Someone Else</a></div>')
    rec = record(html)
    assert [c["lastName"] for c in rec.creators] == ["Halvorsen"]
