"""QA walk (second round), talent section: 拟定推荐名单 took the ranks 1, 1, 2 without a word and
put the two 1s in whatever order. The same number given twice is refused with a message that names
the number and the nominees, and the page keeps what was typed."""
from __future__ import annotations

import html
import re

from sqlalchemy import select

from tests.programme.conftest import to_the_list
from tests.web.test_rounds_pages import a_round, programme  # noqa: F401  (the fixture)
from workflows.tables import Nomination, NomineeList


def test_a_rank_given_twice_is_refused_naming_it_and_keeping_the_form(auth, client, programme):  # noqa: F811
    d = programme
    _round_iid, rid = a_round(d)
    to_the_list(d, rid)
    with d.engine.sessions() as s:
        ids = dict(s.execute(select(Nomination.name, Nomination.id)).all())
    auth.login("section")
    client.get(f"/rounds/{rid}/list")
    r = auth.post(f"/rounds/{rid}/list/prepare", {f"rank.{ids['张伟']}": "1", f"rank.{ids['王芳']}": "1",
                                                 f"rank.{ids['李强']}": "2", "comment": "按评审得分排序"})
    assert r.status_code == 422
    page = html.unescape(r.get_data(as_text=True))
    message = re.search(r'id="err-order">([^<]+)<', page).group(1)
    assert "序号不能重复" in message and "序号 1（张伟、王芳）" in message and "序号 2" not in message
    for name, typed in (("张伟", "1"), ("王芳", "1"), ("李强", "2")):          # what was typed is kept
        assert re.search(rf'name="rank\.{ids[name]}" inputmode="numeric" value="{typed}"', page), name
    assert re.search(rf'data-nomination="{ids["张伟"]}"', page) and 'id="err-rank-%s"' % ids["王芳"] in page
    assert f'id="err-rank-{ids["李强"]}"' not in page
    assert "按评审得分排序" in page
    with d.engine.sessions() as s:
        assert s.scalar(select(NomineeList.status).where(NomineeList.round_id == rid)) in (None, "draft")

    r = auth.post(f"/rounds/{rid}/list/prepare", {f"rank.{ids['张伟']}": "2", f"rank.{ids['王芳']}": "1",
                                                 f"rank.{ids['李强']}": "3"})
    assert r.status_code == 302
