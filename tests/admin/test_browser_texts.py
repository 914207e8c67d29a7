"""The English of the models' texts (bpmn/i18n/en.json, one file of a model version) is edited by
an administrator as a table of Chinese beside English, not as JSON nor in the form designer; what
is saved is the same file, checked as a text table."""
from __future__ import annotations

import json

import pytest

from peidai.settings import PROJECT_ROOT
from tests.admin.conftest import admin_on_new_draft
from tests.browser.conftest import password_hash, server  # noqa: F401  (fixtures)
from webapp.admin import drafts
from workflows.driver import Driver

pytestmark = pytest.mark.browser
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "admin"
HOSTILE = '<img src=x onerror="document.title=1">'


def test_admin_changes_an_english_text_in_the_table_and_the_draft_keeps_it(browser, server, system,  # noqa: F811
                                                                          password_hash):  # noqa: F811
    d = Driver(system)
    d.seed(password_hash=password_hash)
    d.deploy(PROJECT_ROOT / "bpmn")
    shipped = json.loads((PROJECT_ROOT / "bpmn" / "i18n" / "en.json").read_text(encoding="utf-8"))
    source, english = next(iter(shipped["texts"].items()))

    ctx, page, errors, draft_url = admin_on_new_draft(browser, server)
    draft_id = int(draft_url.rstrip("/").rsplit("/", 1)[1])
    row = page.locator("#files tr", has_text="i18n/en.json")
    assert "译文表" in row.inner_text()
    row.locator("a:has-text('编辑')").click()
    page.wait_for_selector("html[data-peidai-ready]")
    assert page.locator("#designer").count() == 0, "a text table is not opened in the form designer"
    assert page.input_value("#texts-language") == "en"
    assert page.locator("#texts-rows tr").count() == len(shipped["texts"])

    page.fill("#texts-filter", source)
    visible = page.locator("#texts-rows tr:not([hidden])")
    assert visible.count() >= 1
    first = visible.first
    assert first.locator(".t-source").input_value() == source
    assert first.locator(".t-target").input_value() == english
    first.locator(".t-target").fill("Changed in the browser")
    page.fill("#texts-filter", "")
    page.click("#texts-add")
    page.locator("#texts-rows tr").first.locator(".t-source").fill(HOSTILE)
    page.locator("#texts-rows tr").first.locator(".t-target").fill(HOSTILE)
    page.click("#save")
    page.wait_for_selector("#save-status:has-text('已保存')")
    assert "校验通过" in page.inner_text("#problem-count")

    saved = json.loads(drafts.get(system.engine, draft_id)["files"]["i18n/en.json"])
    assert saved["language"] == "en"
    assert saved["texts"][source] == "Changed in the browser"
    assert saved["texts"][HOSTILE] == HOSTILE     # kept as text …
    page.reload()
    page.wait_for_selector("html[data-peidai-ready]")
    assert page.title() != "1" and not errors     # … and never run when shown again
    assert page.locator("#texts-rows tr").count() == len(shipped["texts"]) + 1
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "texts-editor.png"))
    ctx.close()
