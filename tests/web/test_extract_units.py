"""Single behaviours of the extractors and the merge that the corpus pages do not isolate."""

from __future__ import annotations

from refdesk.importers.extract import coins, dublincore, highwire, jsonld, languages, merge, run_all
from refdesk.importers.extract.page import parse_page

URL = "https://journal.example.org/article/view/7"


def page(head: str, body: str = "") -> str:
    return f"<html><head>{head}</head><body>{body}</body></html>"


def test_language_codes_and_scripts() -> None:
    assert [languages.code(x) for x in ("en-US", "en_GB", "eng", "English", "Русский", "rus", "", "??")] == ["en", "en", "en", "en", "ru", "ru", "", ""]
    assert languages.script_of_text("Сергеев E.") == "cyrillic" and languages.script_of_text("Soviet") == "latin"
    assert languages.in_language("Советская дипломатия", "", "en") is False
    assert languages.in_language("anything", "ru-RU", "ru") is True
    assert languages.in_language("2022", "", "en") is None


def test_highwire_institutions_follow_their_author() -> None:
    p = parse_page(page(
        '<meta name="citation_author" content="Smith, Jane"><meta name="citation_author_institution" content="Oxford">'
        '<meta name="citation_author_institution" content="CNRS"><meta name="citation_author" content="Doe, John">'
        '<meta name="citation_author_institution" content="MIT"><meta name="citation_title" content="T">'), URL)
    found = highwire.extract(p)
    assert found is not None
    assert [(x.creator["lastName"], x.affiliations) for x in found.people] == [("Smith", ["Oxford", "CNRS"]), ("Doe", ["MIT"])]


def test_highwire_date_order_and_pages() -> None:
    p = parse_page(page(
        '<meta name="citation_online_date" content="2020/01/05"><meta name="citation_publication_date" content="2020/03/01">'
        '<meta name="citation_title" content="T"><meta name="citation_firstpage" content="5">'), URL)
    found = highwire.extract(p)
    assert found is not None and found.first("date") == "2020-03-01" and found.first("pages") == "5"


def test_dublin_core_reads_case_insensitively_with_languages() -> None:
    p = parse_page(page(
        '<meta name="dcterms.title" content="Titre" xml:lang="fr"><meta name="DC.TITLE" content="Title" lang="en">'
        '<meta name="dc.identifier" content="https://doi.org/10.5555/ABC.1"><meta name="DC.Source" content="2049-3630">'), URL)
    found = dublincore.extract(p)
    assert found is not None
    assert [(v.text, v.lang) for v in found.fields["title"]] == [("Titre", "fr"), ("Title", "en")]
    assert found.first("DOI") == "10.5555/ABC.1" and found.first("ISSN") == "2049-3630"


def test_title_in_the_article_language_and_others_in_extra() -> None:
    p = parse_page(page(
        '<meta name="DC.Title" xml:lang="fr" content="Les ponts de Paris"><meta name="DC.Title" xml:lang="en" content="The bridges of Paris">'
        '<meta name="DC.Language" content="en"><meta name="DC.Source" content="Revue urbaine">'), URL)
    rec = merge.merge(run_all(p), URL)
    assert rec is not None and rec.title == "The bridges of Paris"
    assert rec.get("extra") == "original-title: Les ponts de Paris"


def test_json_ld_broken_block_does_not_hide_a_good_one() -> None:
    p = parse_page(page(
        '<script type="application/ld+json">{"@type": "Article", oops</script>'
        '<script type="application/ld+json">/* CMS comment */ {"@type": "ScholarlyArticle", "name": "Good", "author": "Ann Lee",}</script>'), URL)
    found = jsonld.extract(p)
    assert found is not None and found.first("title") == "Good" and found.people[0].creator["lastName"] == "Lee"
    assert found.problems and "JSON-LD block 1" in found.problems[0]


def test_coins_first_author_and_doi() -> None:
    kev = "ctx_ver=Z39.88-2004&amp;rft_val_fmt=info%3Aofi%2Ffmt%3Akev%3Amtx%3Ajournal&amp;rft.genre=article&amp;rft.atitle=A&amp;rft.jtitle=J&amp;rft.au=Roe%2C+R.&amp;rft.aulast=Poe&amp;rft.aufirst=E.&amp;rft_id=info%3Adoi%2F10.5555%2Fx"
    found = coins.extract(parse_page(page("", f'<span class="Z3988" title="{kev}"></span>'), URL))
    assert found is not None and found.item_type == "journalArticle" and found.first("DOI") == "10.5555/x"
    assert [x.creator["lastName"] for x in found.people] == ["Poe", "Roe"]


def test_a_page_title_alone_is_not_metadata() -> None:
    assert merge.merge(run_all(parse_page(page("<title>Home</title><meta name='description' content='x'>"), URL)), URL) is None


def test_bepress_citation_tags_read_as_highwire() -> None:
    p = parse_page(page('<meta name="bepress_citation_title" content="Water law"><meta name="bepress_citation_author" content="Kim, Soo">'
                        '<meta name="bepress_citation_journal_title" content="Law Review"><meta name="bepress_citation_date" content="2011">'), URL)
    found = highwire.extract(p)
    assert found is not None and found.item_type == "journalArticle" and found.first("title") == "Water law"
    assert found.first("date") == "2011" and found.people[0].creator["lastName"] == "Kim"


def test_authors_and_tags_in_the_article_language_win_over_precedence() -> None:
    p = parse_page(page(
        '<meta name="citation_title" content="Soviet diplomacy"><meta name="citation_author" content="Сергеев, Е. Ю.">'
        '<meta name="citation_keywords" content="дипломатия"><meta name="citation_language" content="en">'
        '<meta name="citation_journal_title" content="Вестник"><meta name="DC.Creator.PersonalName" content="Sergeev, E. Yu.">'
        '<meta name="DC.Subject" content="diplomacy">'), URL)
    rec = merge.merge(run_all(p), URL)
    assert rec is not None
    assert rec.creators == [{"creatorType": "author", "lastName": "Sergeev", "firstName": "E. Yu."}]
    assert rec.tag_names() == ["diplomacy"] and rec.provenance["creators"].source == "web:dublincore"
    assert "original-author: Сергеев || Е. Ю." in rec.get("extra").split("\n")


def test_a_malformed_address_in_the_page_is_passed_over() -> None:
    """``urljoin`` raises ValueError for an unclosed IPv6 bracket; one bad link must not fail the page."""
    from refdesk.importers.extract import links, ojs, run_all
    from refdesk.importers.extract.page import parse_page

    html = (
        '<html><head><base href="https://[broken"><meta name="generator" content="Open Journal Systems 3.3">'
        '<meta name="citation_title" content="Still read"><meta name="citation_pdf_url" content="https://[x/a.pdf">'
        '<meta http-equiv="refresh" content="0; url=https://[y"><link rel="alternate" type="application/x-research-info-systems" '
        'href="https://[z/ris"></head><body><a href="https://[q/citationstylelanguage/download/ris">RIS</a></body></html>'
    )
    page = parse_page(html, "https://journal.example.org/index.php/j/article/view/1")
    assert page.base == page.url and page.refresh == "" and page.links == []
    assert any(f.fields.get("title") for f in run_all(page))
    assert links.export_links(page) == [] and ojs.export_links(page) == []


def test_arxiv_id_without_a_container_is_a_preprint() -> None:
    head = '<meta name="citation_title" content="T"><meta name="citation_arxiv_id" content="2403.01234">'
    found = highwire.extract(parse_page(page(head), URL))
    assert found is not None and found.item_type == "preprint"
    assert (found.first("publisher"), found.first("number")) == ("arXiv", "arXiv:2403.01234")
    published = highwire.extract(parse_page(page(head + '<meta name="citation_journal_title" content="J">'), URL))
    assert published is not None and published.item_type == "journalArticle" and not published.first("number")


def test_json_ld_keyword_list_items_are_whole_keywords() -> None:
    listed = jsonld.extract(parse_page(page('<script type="application/ld+json">{"@type": "ScholarlyArticle", "name": "T", '
                                            '"keywords": ["Life Sciences, general", "Zoology"]}</script>'), URL))
    assert listed is not None and [t.text for t in listed.tags] == ["Life Sciences, general", "Zoology"]
    text = jsonld.extract(parse_page(page('<script type="application/ld+json">{"@type": "ScholarlyArticle", "name": "T", '
                                          '"keywords": "moths, pollination"}</script>'), URL))
    assert text is not None and [t.text for t in text.tags] == ["moths", "pollination"]


def test_dublin_core_source_that_is_an_address_is_not_the_journal() -> None:
    found = dublincore.extract(parse_page(page(
        '<meta name="dc.Title" content="T"><meta name="dc.Source" content="https://doi.org/10.1080/01436597.2021.1891234">'), URL))
    assert found is not None and not found.first("publicationTitle") and found.first("DOI") == "10.1080/01436597.2021.1891234"
