"""The shipped models (bpmn/) pass the engine's validation and carry diagrams."""
from __future__ import annotations

from lxml import etree

from peidai.cli import read_model_files
from tests.programme.conftest import BPMN
from workflows.roles import ROLES

NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI"}
EXPECTED = {"selection_round", "round_window", "nomination", "nomination_revision", "committee_review", "mentoring",
            "mentoring_agreement", "mentoring_activity", "mentoring_year", "assessment", "benefit_application",
            "incentive_list", "incentive_review", "nomination_import"}


def test_all_models_deploy_with_no_errors_or_warnings(system):
    engine = system.engine
    files = read_model_files(BPMN)
    assert engine.validate_models(files) == []
    result = engine.deploy(files)
    assert result["created"] and result["warnings"] == []
    assert EXPECTED <= set(engine.list_versions()[0]["processes"])


def test_every_flow_element_has_a_diagram_shape_or_edge():
    for path in sorted(BPMN.glob("*.bpmn")):
        tree = etree.parse(str(path))
        process = tree.find("bpmn:process", NS)
        drawn = {e.get("bpmnElement") for e in tree.iter("{%s}BPMNShape" % NS["bpmndi"], "{%s}BPMNEdge" % NS["bpmndi"])}
        elements = {e.get("id") for e in process if e.get("id") and not e.tag.endswith(("laneSet", "documentation"))}
        lanes = {lane.get("id") for lane in process.iter("{%s}lane" % NS["bpmn"])}
        assert elements | lanes <= drawn, (path.name, (elements | lanes) - drawn)


def test_lanes_are_named_with_the_chinese_role_labels():
    labels = {r.label for r in ROLES.values()}
    for path in sorted(BPMN.glob("*.bpmn")):
        for lane in etree.parse(str(path)).iter("{%s}lane" % NS["bpmn"]):
            assert lane.get("name") in labels, (path.name, lane.get("name"))


def test_every_user_task_form_exists_and_is_a_json_schema():
    files = read_model_files(BPMN)
    forms = {name for name in files if name.startswith("forms/")}
    for path in sorted(BPMN.glob("*.bpmn")):
        text = path.read_text(encoding="utf-8")
        for name in forms:
            text = text.replace(name, "")
        assert "forms/" not in text, path.name


def test_the_units_of_the_notice_are_seeded_by_the_migration_and_match_the_code(tmp_path):
    from sqlalchemy import select

    from peidai.db import make_engine, upgrade
    from workflows.tables import OrgUnit
    from workflows.units import SECTION, UNITS

    url = f"sqlite:///{tmp_path / 'units.sqlite'}"
    upgrade(url)
    db = make_engine(url)
    with db.connect() as conn:
        rows = conn.execute(select(OrgUnit.id, OrgUnit.name, OrgUnit.kind, OrgUnit.urban).order_by(OrgUnit.sort)).all()
    db.dispose()
    assert [tuple(r) for r in rows] == UNITS + [SECTION]
    assert sum(1 for r in rows if r.kind == "county") == 12 and sum(1 for r in rows if r.kind == "college") == 3

