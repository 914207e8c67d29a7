"""QA walk (second round): a new task's message said 办理期限：2026-12-10 03:39, an ISO text with the
hour the step happened to arrive at (China time, read as UTC). Messages write days as the pages do:
2026年12月10日 in Chinese, Dec 10, 2026 in English; a link's expiry keeps its hour."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from workflows.notifications.listeners import task_context
from workflows.notifications.templates import render


def test_a_new_tasks_due_day_is_the_china_day_in_words():
    # 19:39 UTC on 9 December is 03:39 on 10 December in China
    context = task_context({"name": "单位审核", "title": "张三（红山区，2027年度）", "due_at": datetime(2026, 12, 9, 19, 39, tzinfo=timezone.utc)})
    title, body = render("task_assigned", context)
    assert body.endswith("办理期限：2026年12月10日。") and "03:39" not in body and "2026-12" not in body
    assert render("task_assigned", context, "en")[1].endswith("due Dec 10, 2026.")


@pytest.mark.parametrize("template, context, zh, en", [
    ("deadline_reminder", {"year": 2027, "deadline": "2027-06-30", "days_left": 7}, "将于 2027年6月30日 截止", "close on Jun 30, 2027"),
    ("assessment_due", {"mentor_name": "王建国", "year_no": 1, "due": "2026-08-19"}, "请于 2026年8月19日 前", "by Aug 19, 2026"),
    ("account_activation", {"name": "张三", "username": "zhangsan", "link": "https://x/a", "expires": "2026-12-10 03:39"},
     "2026年12月10日 03:39 前有效", "until Dec 10, 2026 03:39"),
    ("task_overdue", {"task_name": "单位审核", "title": "张三", "due": "2026-12-10 03:39", "days_overdue": 2},
     "已于 2026年12月10日 03:39 到期", "was due Dec 10, 2026 03:39"),   # a message queued before this change
])
def test_dates_in_messages_are_written_as_the_pages_write_them(template, context, zh, en):
    assert zh in render(template, context)[1]
    assert en in render(template, context, "en")[1]
    assert "-" not in render(template, context)[1].replace("https://x/a", "")
