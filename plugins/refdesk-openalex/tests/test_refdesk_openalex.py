from __future__ import annotations

from dataclasses import replace

from pytest_httpserver import HTTPServer
from refdesk.plugins.api import SUBJECT, PluginContext, RecordView
from refdesk_openalex import plugin

TITLE = "Thermal tolerance of a South American lizard facing warming and fire"


def _ctx(server: HTTPServer, **settings: object) -> PluginContext:
    ctx = PluginContext.for_tests("openalex", services={"openalex": server.url_for("/")}, settings=settings)
    return replace(ctx, contact_email="me@example.org")


def test_abstract_is_rebuilt_from_the_inverted_index() -> None:
    assert plugin.abstract_from_inverted_index({"In": [0, 4], "the": [1], "end,": [2], "and": [3], "then.": [5]}) == "In the end, and In then."
    assert plugin.abstract_from_inverted_index(None) == ""


def test_by_doi_subjects_above_the_threshold(openalex: HTTPServer) -> None:
    rec = RecordView.from_data({"itemType": "journalArticle", "DOI": "10.7717/peerj.14276"})
    found = plugin.enrich(record=rec, context=_ctx(openalex))
    assert found is not None
    subjects = {s.value: (s.source, s.confidence) for s in found if s.field == SUBJECT}
    assert subjects == {
        "Physiological and biochemical adaptations": ("OpenAlex topic", 0.9991),
        "Species Distribution and Climate Change": ("OpenAlex topic", 0.9712),
        "Thermal tolerance": ("OpenAlex keyword", 0.7021),
        "Cerrado": ("OpenAlex keyword", 0.5533),
        "Biology": ("OpenAlex concept", 0.5914),
        "Ecology": ("OpenAlex concept", 0.5521),
    }
    (abstract,) = [s for s in found if s.field == "abstractNote"]
    assert abstract.value.startswith("Terrestrial biomes in South America are likely")
    assert abstract.value.endswith("keep pace with the warming.")
    assert abstract.evidence_url == "https://openalex.org/W4307832461"


def test_threshold_and_concepts_are_settings(openalex: HTTPServer) -> None:
    rec = RecordView.from_data({"itemType": "journalArticle", "DOI": "10.7717/peerj.14276"})
    found = plugin.enrich(record=rec, context=_ctx(openalex, min_score=0.9, concepts=False))
    assert [s.value for s in found or [] if s.field == SUBJECT] == [
        "Physiological and biochemical adaptations", "Species Distribution and Climate Change"]


def test_by_title_author_and_year_picks_the_right_work(openalex: HTTPServer) -> None:
    rec = RecordView.from_data({"itemType": "journalArticle", "title": TITLE, "date": "2022-11-02",
                                "creators": [{"creatorType": "author", "firstName": "Ana", "lastName": "Souza"}]})
    found = plugin.enrich(record=rec, context=_ctx(openalex))
    assert found is not None
    assert {s.evidence_url for s in found} == {"https://openalex.org/W4307832461"}


def test_no_match_gives_none(openalex: HTTPServer) -> None:
    wrong_author = RecordView.from_data({"itemType": "journalArticle", "title": TITLE, "date": "2022",
                                         "creators": [{"creatorType": "author", "lastName": "Nobody"}]})
    assert plugin.enrich(record=wrong_author, context=_ctx(openalex)) is None
    unknown_doi = RecordView.from_data({"itemType": "journalArticle", "DOI": "10.1/unknown"})
    assert plugin.enrich(record=unknown_doi, context=_ctx(openalex)) is None


def test_null_values_give_no_garbled_subjects(httpserver: HTTPServer) -> None:
    """OpenAlex's documented keys with null values: no "None" subject, no crash."""
    httpserver.expect_request("/works/doi:10.1234/nulls").respond_with_json({
        "id": None, "abstract_inverted_index": None, "keywords": None, "concepts": [None, {"display_name": "Ecology", "score": None}],
        "topics": [{"display_name": None, "score": 0.9}, {"display_name": "Thermal tolerance", "score": 0.8}]})
    rec = RecordView.from_data({"itemType": "journalArticle", "DOI": "10.1234/nulls"})
    found = plugin.enrich(record=rec, context=_ctx(httpserver))
    assert [s.value for s in found or []] == ["Thermal tolerance"]


def test_an_inverted_index_with_gaps_or_clashes_gives_no_abstract() -> None:
    """Words missing or two words at one place: the text would be garbled, so there is no abstract."""
    assert plugin.abstract_from_inverted_index({"In": [0], "end.": [2]}) == ""  # position 1 missing
    assert plugin.abstract_from_inverted_index({"In": [0, 1], "the": [1], "end.": [2]}) == ""  # two words at 1
    assert plugin.abstract_from_inverted_index({"In": [0], "the": ["1"], "end.": [2]}) == ""
    assert plugin.abstract_from_inverted_index({"In": [0], "the": [True], "end.": [2]}) == ""
    assert plugin.abstract_from_inverted_index({"In": [-1, 0], "the": [1]}) == ""
    assert plugin.abstract_from_inverted_index({"In": [1], "the": [2], "end.": [3]}) == ""  # does not start at 0
    assert plugin.abstract_from_inverted_index({"In": 0, "the": [1]}) == ""
    assert plugin.abstract_from_inverted_index([]) == ""


def test_markup_and_entities_in_the_inverted_index_become_plain_text() -> None:
    text = "<jats:title>Abstract</jats:title> <jats:p>We study <jats:italic>Homo sapiens</jats:italic> &amp; caf&eacute;, p &lt; 0.05.</jats:p> <jats:p>Second.</jats:p>"
    words = text.split()
    index: dict[str, list[int]] = {}
    for i, w in enumerate(words):
        index.setdefault(w, []).append(i)
    assert plugin.abstract_from_inverted_index(index) == "We study Homo sapiens & café, p < 0.05.\n\nSecond."
