"""Outside check of what every page carries: an icon of its own, so that no browser asks for
/favicon.ico (a 404 in the console and the log on every first visit)."""
from __future__ import annotations


def test_every_page_declares_its_icon(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<link rel="icon" href="data:image/svg+xml,' in page
