"""English for the models' own text (bpmn/i18n/en.json, deployed with the models): every text of
the models a user reads has its English; English pages show it, Chinese pages are unchanged, and
a missing or broken table shows the Chinese."""
from __future__ import annotations

import json
import re

import pytest
from lxml import etree

from peidai.settings import PROJECT_ROOT
from webapp.i18n import MODEL_TEXTS, texts_of

from .test_desk import User, app, d, nominate, open_task, to_committee, url_for_lang, visible  # noqa: F401

BPMN = PROJECT_ROOT / "bpmn"
HAN = re.compile(r"[\u4e00-\u9fff]")
# the BPMN elements whose name a page can show (tasks, events and gateways in the diagram, lanes, processes)
NAMED = {"process", "participant", "lane", "userTask", "manualTask", "serviceTask", "scriptTask", "businessRuleTask",
         "callActivity", "subProcess", "task", "sendTask", "receiveTask", "startEvent", "endEvent", "boundaryEvent",
         "intermediateCatchEvent", "intermediateThrowEvent", "exclusiveGateway", "parallelGateway",
         "inclusiveGateway", "eventBasedGateway", "sequenceFlow"}


def model_texts_read_by_users(folder=BPMN) -> dict[str, str]:
    """Chinese text -> where it is, for every text of the models a user can read."""
    found: dict[str, str] = {}

    def add(text, where):
        if isinstance(text, str) and HAN.search(text):
            found.setdefault(text.strip(), where)

    def walk(node, where):
        if isinstance(node, dict):
            for key in ("title", "description"):
                add(node.get(key), where)
            for key in ("enumNames", "x-enumNames"):
                for text in node.get(key) or []:
                    add(text, where)
            for value in node.values():
                walk(value, where)
        elif isinstance(node, list):
            for value in node:
                walk(value, where)

    for f in sorted(folder.rglob("*.schema.json")):
        walk(json.loads(f.read_text(encoding="utf-8")), f.name)
    for f in sorted(folder.glob("*.bpmn")) + sorted(folder.glob("*.dmn")):
        for el in etree.parse(str(f)).iter():
            if not isinstance(el.tag, str):
                continue
            tag = etree.QName(el).localname
            if tag in NAMED or tag in ("decision", "input", "output"):
                add(el.get("name") or el.get("label"), f"{f.name} {el.get('id')}")
            if tag in ("documentation", "description"):
                add(el.text, f"{f.name} {tag}")
            if tag == "text" and el.text:   # a decision table's messages: quoted Chinese in a cell
                for a, b in re.findall(r"'([^']*[\u4e00-\u9fff][^']*)'|\"([^\"]*[\u4e00-\u9fff][^\"]*)\"", el.text):
                    add(a or b, f"{f.name} output")
    return found


def test_every_model_text_a_user_reads_has_its_english():
    table = texts_of({MODEL_TEXTS: (BPMN / MODEL_TEXTS).read_text(encoding="utf-8")})
    missing = {zh: where for zh, where in model_texts_read_by_users().items() if zh not in table}
    assert not missing, "add these to bpmn/i18n/en.json: " + json.dumps(missing, ensure_ascii=False, indent=1)
    untranslated = [zh for zh, en in table.items() if HAN.search(en)]
    assert not untranslated, untranslated


def test_the_english_keeps_the_values_of_a_message():
    """An f-string message of a decision table (年龄{age}岁) keeps its values ({age}) in English."""
    table = texts_of({MODEL_TEXTS: (BPMN / MODEL_TEXTS).read_text(encoding="utf-8")})
    for zh, en in table.items():
        assert set(re.findall(r"\{(\w+)\}", zh)) == set(re.findall(r"\{(\w+)\}", en)), (zh, en)


@pytest.mark.parametrize("text", [
    "", "not json", "[1, 2]", '{"texts": ["a"]}', '{"texts": {"单位审核": 5, "签批": ""}}', '"texts"', "null",
    '{"texts": {"单位审核": {"$ne": 1}}}',
])
def test_a_broken_table_translates_nothing(text):
    assert texts_of({MODEL_TEXTS: text}) == {}


def test_a_table_takes_only_text_to_text():
    assert texts_of({MODEL_TEXTS: '{"texts": {" 单位审核 ": " Unit review ", "签批": 1, "x": null}}'}) == \
        {"单位审核": "Unit review"}


def test_english_task_page_shows_the_models_english(app, d):  # noqa: F811
    iid = nominate(d)
    task = open_task(d, "Task_UnitReview", "张伟")
    reviewer = User(app, "hongshan_rev")
    chinese = visible(reviewer.get(f"/tasks/{task['id']}"))
    assert "单位审核" in chinese and "同意推荐" in chinese and "退回修改" in chinese
    reviewer.post(url_for_lang(), {"lang": "en", "next": "/inbox"})
    page = visible(reviewer.get(f"/tasks/{task['id']}"))
    for word in ("Unit review", "Recommend", "Return for revision", "Do not recommend", "Review opinion",
                 "Chifeng talent mentor nomination form (Annex 2)", "Talent type"):
        assert word in page, word
    for word in ("同意推荐", "退回修改", "不予推荐", "审核意见", "人才类型", "单位审核"):
        assert word not in page, word
    inbox = visible(reviewer.get("/inbox?box=todo"))
    assert "Unit review" in inbox and "单位审核" not in inbox
    assert iid


def test_english_shows_a_decision_tables_reasons_with_their_values(app, d):  # noqa: F811
    iid = d.nominate(d.round_id, "hongshan")
    from workflows.driver import sample_application
    d.complete(iid, "Task_Fill", sample_application("张伟", birth_date="1950-01-01"))
    task = open_task(d, "Task_Fill", "张伟")
    submitter = User(app, task["assignee"] or "hongshan_sub")
    chinese = visible(submitter.get(f"/tasks/{task['id']}"))
    assert re.search(r"年龄\d+岁，超过55岁且未申请破格", chinese)
    submitter.post(url_for_lang(), {"lang": "en", "next": "/inbox"})
    page = visible(submitter.get(f"/tasks/{task['id']}"))
    assert re.search(r"Aged \d+, over 55 and no exception applied for", page), page[:3000]
    assert "Fill in the nomination form" in page


def test_a_translation_is_escaped_on_the_page(app, d, monkeypatch):  # noqa: F811
    """An administrator's English is text, never markup."""
    from webapp import i18n
    nominate(d)
    task = open_task(d, "Task_UnitReview", "张伟")
    reviewer = User(app, "hongshan_rev")
    reviewer.post(url_for_lang(), {"lang": "en", "next": "/inbox"})
    real = i18n.texts_of
    monkeypatch.setattr(i18n, "texts_of", lambda files: real(files) | {"单位审核": "<script>alert(1)</script>"})
    monkeypatch.setitem(i18n._cache, "versions", None)
    raw = reviewer.client.get(f"/tasks/{task['id']}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in raw and "&lt;script&gt;alert(1)&lt;/script&gt;" in raw
    monkeypatch.setitem(i18n._cache, "versions", None)
