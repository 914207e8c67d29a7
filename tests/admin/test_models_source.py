"""bpmn/ is the one source (DESIGN.md invariant 10, issue 14): ``peidai models export`` writes a
deployed version as files that deploy to the same content hash; files that are not based on the
newest version (one made in the browser) are refused unless forced, with the difference shown;
the comparison names DMN cells and form fields in Chinese."""
from __future__ import annotations

import json
import re
import shutil

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from engine import lineage
from engine.tables import ModelVersion
from peidai.cli import Lazy, cli, read_model_files
from peidai.settings import PROJECT_ROOT
from webapp.admin import drafts

from .conftest import ADMIN

BPMN = PROJECT_ROOT / "bpmn"
AGE_CELL = re.compile(r'(<inputEntry id="InputEntry_eligibility_3_1"><text>)(.*?)(</text>)')


PROCESS_NAME = re.compile(r'(<bpmn:process id="selection_round"[^>]*? name=")([^"]*)(")')


def rename_round(path, suffix: str) -> tuple[str, str]:
    """An edit of ``selection_round.bpmn`` in a folder: the process's name gets ``suffix``."""
    text = path.read_text(encoding="utf-8")
    old = PROCESS_NAME.search(text).group(2)
    path.write_text(PROCESS_NAME.sub(lambda m: m.group(1) + old + suffix + m.group(3), text, count=1), encoding="utf-8")
    return old, old + suffix


def age_cell(dmn: str) -> str:
    """The age condition of the eligibility table's third row, as the comparison shows it."""
    return AGE_CELL.search(dmn).group(2).replace("&gt;", ">").replace("&lt;", "<")


@pytest.fixture
def backend():
    return "sqlite"


@pytest.fixture
def run(system):
    lazy = Lazy()
    lazy._system = system

    def invoke(*args):
        return CliRunner().invoke(cli, [str(a) for a in args], obj=lazy)
    return invoke


def versions(engine) -> int:
    with engine.sessions() as s:
        return s.scalar(select(func.count()).select_from(ModelVersion))


def browser_change(engine, base_version: int) -> dict:
    """What an administrator does in the browser: a draft of ``base_version`` with the age limit
    of the eligibility table raised to 56 and a required field added to the unit review form."""
    d = drafts.create_from_version(engine, base_version, ADMIN)
    files = d["files"]
    assert AGE_CELL.search(files["eligibility.dmn"])
    files["eligibility.dmn"] = AGE_CELL.sub(r"\g<1>&gt; 56\g<3>", files["eligibility.dmn"], count=1)
    form = json.loads(files["forms/unit_review.schema.json"])
    form["properties"]["seal"] = {"type": "boolean", "title": "已加盖单位公章"}
    form["required"].append("seal")
    files["forms/unit_review.schema.json"] = json.dumps(form, ensure_ascii=False, indent=2) + "\n"
    drafts.save(engine, d["id"], files, ADMIN, revision=d["revision"])
    return drafts.deploy(engine, d["id"], ADMIN, "年龄放宽到56岁，单位审核须加盖公章")


def test_export_then_deploy_round_trips_to_the_same_content_hash(run, engine, tmp_path):
    r = run("models", "deploy", BPMN, "--comment", "初始版本")
    assert r.exit_code == 0 and "已部署版本 1" in r.output, r.output
    v2 = browser_change(engine, 1)
    assert v2["created"] and v2["version"] == 2

    r = run("models", "export", tmp_path / "out")            # the newest version by default
    assert r.exit_code == 0 and "已导出版本 2" in r.output, r.output
    exported = read_model_files(tmp_path / "out")
    assert exported == engine.version_files(2)
    marker = json.loads((tmp_path / "out" / ".version").read_text(encoding="utf-8"))
    assert marker["version"] == 2 and marker["hash"] == v2["hash"]

    r = run("models", "deploy", tmp_path / "out")
    assert r.exit_code == 0 and f"内容未变，已有版本 2 ({v2['hash'][:12]})" in r.output, r.output
    assert versions(engine) == 2

    # an older version into a folder that holds more files: the folder becomes exactly that version
    (tmp_path / "out" / "forms" / "extra.schema.json").write_text("{}", encoding="utf-8")
    r = run("models", "export", "1", tmp_path / "out")
    assert r.exit_code == 0 and "删除 1 个" in r.output, r.output
    assert read_model_files(tmp_path / "out") == engine.version_files(1) == read_model_files(BPMN)


def test_stale_files_are_refused_with_the_difference_unless_forced(run, engine, tmp_path):
    assert run("models", "deploy", BPMN).exit_code == 0
    browser_change(engine, 1)

    # bpmn/ edited (not exported from version 2): deploying it would undo the browser's change
    stale = tmp_path / "stale"
    shutil.copytree(BPMN, stale)
    before, after = rename_round(stale / "selection_round.bpmn", "（修订）")
    r = run("models", "deploy", stale)
    assert r.exit_code == 3, r.output
    assert "拒绝部署" in r.output and "最新版本 2" in r.output and "在浏览器中部署" in r.output
    age = age_cell(read_model_files(BPMN)["eligibility.dmn"])
    assert "第 3 行「" in r.output and f"> 56 → {age}" in r.output   # the change it would undo
    assert "字段 seal「已加盖单位公章」" in r.output
    assert f"名称：{before} → {after}" in r.output
    assert "\\u" not in r.output
    assert versions(engine) == 2

    # the unchanged bpmn/ is version 1: nothing is deployed, and it says that 2 is the newest
    r = run("models", "deploy", BPMN)
    assert r.exit_code == 0 and "内容未变，已有版本 1" in r.output and "最新版本是 2" in r.output

    r = run("models", "deploy", stale, "--force", "--comment", "覆盖浏览器中的改动")
    assert r.exit_code == 0 and "已部署版本 3" in r.output and "--force" in r.output, r.output
    assert lineage.version_lineage(engine, 3)["forced"]


def test_files_exported_from_the_newest_version_deploy_and_files_follow_files(run, engine, tmp_path):
    assert run("models", "deploy", BPMN).exit_code == 0
    browser_change(engine, 1)
    out = tmp_path / "out"
    assert run("models", "export", out).exit_code == 0
    rename_round(out / "selection_round.bpmn", "（修订）")
    r = run("models", "deploy", out)
    assert r.exit_code == 0 and "已部署版本 3" in r.output, r.output
    assert lineage.version_lineage(engine, 3) == {"source": "files", "based_on": engine.list_versions()[1]["hash"],
                                                  "base": engine.list_versions()[1]["hash"]}
    # the next commit of the same files, without a new export: files after files are not stale
    rename_round(out / "selection_round.bpmn", "（再修订）")
    r = run("models", "deploy", out)
    assert r.exit_code == 0 and "已部署版本 4" in r.output, r.output


def test_a_draft_of_an_older_version_is_refused_in_the_browser_unless_confirmed(admin_auth, engine):
    engine.deploy(read_model_files(BPMN))
    old = drafts.create_from_version(engine, 1, ADMIN, name="旧草稿")
    files = dict(old["files"])
    files["selection_round.bpmn"] = PROCESS_NAME.sub(lambda m: m.group(1) + m.group(2) + "（修订）" + m.group(3),
                                                     files["selection_round.bpmn"], count=1)
    old = drafts.save(engine, old["id"], files, ADMIN)
    browser_change(engine, 1)                                   # version 2, from another draft
    html = admin_auth.client.get("/admin/versions").get_data(as_text=True)
    assert "在浏览器中部署" in html and "peidai models export 2 bpmn" in html   # to be written back to bpmn/
    html = admin_auth.client.get(f"/admin/drafts/{old['id']}").get_data(as_text=True)
    assert 'id="stale-warning"' in html and "不是基于最新版本 2" in html and 'id="force-deploy"' in html
    assert "第 3 行「" in html and "Rule_eligibility_3" in html    # what deploying it would undo
    r = admin_auth.post(f"/admin/drafts/{old['id']}/deploy", data={"comment": "旧草稿"}, follow_redirects=True)
    assert "未部署" in r.get_data(as_text=True) and versions(engine) == 2
    r = admin_auth.post(f"/admin/drafts/{old['id']}/deploy", data={"comment": "旧草稿", "force": "1"}, follow_redirects=True)
    assert "已部署为版本 3" in r.get_data(as_text=True) and "强制部署" in r.get_data(as_text=True)


def test_a_dmn_row_and_a_form_field_appear_in_the_comparison_in_chinese(admin_auth, engine):
    engine.deploy(read_model_files(BPMN))
    browser_change(engine, 1)
    html = admin_auth.client.get("/admin/versions/compare?a=1&b=2").get_data(as_text=True)
    assert "\\u" not in html and "&#92;u" not in html
    rows = re.findall(r'<tr class="diff-(\w+)" data-area="(\w+)" data-element="([^"]*)">(.*?)</tr>', html, re.S)
    by_element = {element: (kind, area, body) for kind, area, element, body in rows}
    kind, area, body = by_element["Rule_eligibility_3"]
    assert (kind, area) == ("changed", "dmn")
    age = age_cell(read_model_files(BPMN)["eligibility.dmn"]).replace(">", "&gt;")
    assert "人才培带人选拔条件" in body and "第 3 行「" in body
    assert "条件：年龄（截至报送截止日）" in body and f"<s class=\"muted diff-before\">{age}</s>" in body and "&gt; 56" in body
    kind, area, body = by_element["seal"]
    assert (kind, area) == ("added", "form")
    assert "单位审核" in body and "字段 seal「已加盖单位公章」" in body and "必填" in body and "是/否" in body
    assert len(rows) == 2


MODELER = {".bpmn": ("Peidai admin modeler (bpmn-js)", "bpmn-js"), ".dmn": ("Peidai admin modeler (dmn-js)", "dmn-js")}
EXPORTER = re.compile(r'<(?:bpmn:)?definitions\b[^>]*\sexporter="([^"]*)" exporterVersion="([^"]*)"')


def said_exporter(files: dict[str, str]) -> dict[str, tuple[str, str] | None]:
    return {name: (m.groups() if (m := EXPORTER.search(text)) else None)
            for name, text in files.items() if name.endswith((".bpmn", ".dmn"))}


def test_model_files_and_their_export_name_the_modeler_that_edits_them(run, engine, tmp_path):
    """The generator is retired: bpmn/ says the admin modeler (with its pinned library version)
    writes it, a draft save stamps the files it changes, and the export writes the same."""
    package = json.loads((PROJECT_ROOT / "webapp/static/admin/package.json").read_text(encoding="utf-8"))
    expected = {suffix: (name, package["dependencies"][lib]) for suffix, (name, lib) in MODELER.items()}
    shipped = said_exporter(read_model_files(BPMN))
    assert shipped and all(said == expected[name[name.rindex("."):]] for name, said in shipped.items()), shipped
    assert "build_models" not in "".join(read_model_files(BPMN).values())

    assert run("models", "deploy", BPMN).exit_code == 0
    d = drafts.create_from_version(engine, 1, ADMIN)
    files = dict(d["files"])
    # an upload or a hand edit that claims another exporter, with a hostile value
    files["eligibility.dmn"] = files["eligibility.dmn"].replace(
        'exporter="Peidai admin modeler (dmn-js)"', 'exporter="x&quot;&gt;&lt;script&gt;"', 1)
    files["eligibility.dmn"] = AGE_CELL.sub(r"\g<1>&gt; 56\g<3>", files["eligibility.dmn"], count=1)
    saved = drafts.save(engine, d["id"], files, ADMIN)
    assert said_exporter({"eligibility.dmn": saved["files"]["eligibility.dmn"]})["eligibility.dmn"] == expected[".dmn"]
    assert "&lt;script" not in saved["files"]["eligibility.dmn"]
    v2 = drafts.deploy(engine, d["id"], ADMIN, "年龄放宽到56岁")
    assert run("models", "export", tmp_path / "out").exit_code == 0
    exported = read_model_files(tmp_path / "out")
    assert said_exporter(exported) == shipped and exported == engine.version_files(v2["version"])


@pytest.mark.parametrize("name, text", [
    ("a.bpmn", "not xml at all"),
    ("a.bpmn", "<bpmn:process id='p'/>"),
    ("forms/a.schema.json", '{"definitions": {}, "exporter": "x"}'),
    ("a.dmn", ""),
])
def test_stamping_leaves_what_is_not_a_model_document_alone(name, text):
    from webapp.admin.exporter import stamp
    assert stamp(name, text) == text


def test_stamping_a_self_closing_root_keeps_it_well_formed():
    from xml.etree import ElementTree

    from webapp.admin.exporter import stamp
    out = stamp("a.dmn", '<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" exporter="old"/>')
    root = ElementTree.fromstring(out)
    assert root.get("exporter") == "Peidai admin modeler (dmn-js)" and root.get("exporterVersion")
