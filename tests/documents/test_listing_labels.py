"""The documents' nomination statuses are the pages' words, and every status has one (an expired
nomination showed the raw code ``expired`` on 文书材料)."""
from __future__ import annotations

from webapp.labels import CODES
from workflows.documents.listing import NOMINATION_STATUS


def test_every_nomination_status_has_the_same_words_in_documents_as_on_the_pages():
    assert set(NOMINATION_STATUS) == set(CODES["nomination_status"])
    for code, words in NOMINATION_STATUS.items():
        assert str(CODES["nomination_status"][code]) == words, code
