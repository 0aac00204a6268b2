"""CLI errors are plain; validation rules on their own."""

from __future__ import annotations

from typing import Any

import pytest
from refdesk.plugins.api import SUBJECT, RecordView, Suggestion
from refdesk.plugins.validation import Rejected, check_result, check_suggestion, plain_abstract


def test_enrich_and_suggestions_refuse_bad_arguments_plainly(cli: Any) -> None:
    assert cli("enrich").code == 2 and "Give their keys, or --all" in cli("enrich").err
    missing = cli("enrich", "ZZZZZZZZ")
    assert missing.code == 4 and "No record with key ZZZZZZZZ" in missing.err and "Traceback" not in missing.err
    assert cli("suggestions", "accept").code == 2
    bad = cli("suggestions", "accept", "one")
    assert bad.code == 2 and "ids are numbers" in bad.err
    assert cli("suggestions", "reject", "42").code == 4
    empty = cli("enrich", "--all", "--json")
    assert empty.code == 0 and empty.json()["records"] == 0
    assert "No pending suggestions" in cli("suggestions").out


@pytest.mark.parametrize(
    ("suggestion", "reason"),
    [
        (Suggestion("abstractNote", "ok\x00bad", "S"), "control characters"),
        (Suggestion(SUBJECT, "x", "S", confidence=1.5), "between 0 and 1"),
        (Suggestion(SUBJECT, "x", "S", confidence=float("nan")), "between 0 and 1"),
        (Suggestion(SUBJECT, "two\nlines", "S"), "several lines"),
        (Suggestion(SUBJECT, "   ", "S"), "empty"),
        (Suggestion(SUBJECT, "y" * 300, "S"), "characters long"),
        (Suggestion("title", 42, "S"), "not text"),  # type: ignore[arg-type]
        (Suggestion("itemType", "book", "S"), "cannot be suggested"),
        (Suggestion("abstractNote", "&lt;p&gt;escaped&lt;/p&gt;", "S"), "markup"),
    ],
)
def test_rejected_suggestions(suggestion: Suggestion, reason: str) -> None:
    result = check_suggestion(suggestion, "journalArticle", "p")
    assert isinstance(result, Rejected) and reason in result.reason


def test_accepted_suggestions_are_normalised() -> None:
    ok = check_suggestion(Suggestion(SUBJECT, "  Cafe\u0301  society ", "", "https://e.org/x", 1), "journalArticle", "p")
    assert isinstance(ok, Suggestion) and ok.value == "Café society" and ok.source == "p" and ok.confidence == 1.0
    assert plain_abstract("First  para\nline.\n\n\n Second.  ") == "First para line.\n\nSecond."
    assert isinstance(check_suggestion(Suggestion("abstractNote", "p < 0.05 and n > 30", "S"), "journalArticle", "p"), Suggestion)
    assert check_result(None) == [] and isinstance(check_result({"subject": "x"}), Rejected)
    assert RecordView.from_data({"ISSN": "20767404, 1234-5679"}).issns == ["2076-7404", "1234-5679"]
