"""QA walk (second round), the administrator at 390 px: the lists name people by their names (系统
for the programme itself), not by login names, in tables that become cards on a phone."""
from __future__ import annotations

import html
import re

import pytest


def text(r) -> str:
    return html.unescape(r.get_data(as_text=True))


@pytest.fixture
def programme(programme_round):
    d, rid = programme_round
    iid = d.nominate(rid, "hongshan")
    return d, rid, iid


def test_the_administrators_lists_name_people_and_the_system(programme, auth):
    d, rid, _iid = programme
    auth.login("admin")
    page = text(auth.client.get("/admin/instances"))
    starters = re.findall(r'<td class="started-by"[^>]*>([^<]*)</td>', page)
    assert "红山区申报人" in starters and len(starters) >= 2
    assert not {"hongshan_sub", "section", "system"} & set(starters)
    assert '<table class="table cards" id="instances">' in page

    page = text(auth.client.get("/admin/versions"))
    table = re.search(r'<table class="table cards" id="versions">.*?</table>', page, re.S).group(0)
    deployers = re.findall(r'data-label="部署人">([^<]*)</td>', table)
    assert "系统" in deployers and all(re.fullmatch(r"系统|[^a-z_]+", who) for who in deployers), deployers
    # the processes of a version are one wrapping block, not loose tags in the cell
    assert re.search(r'data-label="流程"><div class="tags">(<span class="tag"[^>]*>[^<]+</span>)+</div></td>', table)
