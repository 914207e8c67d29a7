"""The script sandbox (DESIGN.md invariant 8) and the parser's process-level properties."""
from __future__ import annotations

import re

from engine.spiff import parse_files
from tests.conftest import FIXTURES, read_models

PROCESS_PROPERTIES = """
    <bpmn:extensionElements>
      <spiffworkflow:properties>
        <spiffworkflow:property name="startRoles" value="submitter,talent" />
        <spiffworkflow:property name="startForm" value="forms/fill.schema.json" />
      </spiffworkflow:properties>
    </bpmn:extensionElements>"""


def test_parse_files_reads_process_level_properties_and_the_xsd_accepts_them():
    files = read_models(FIXTURES / "models")
    files["approval.bpmn"] = re.sub(r'(<bpmn:process id="approval"[^>]*>)\s*<bpmn:extensionElements>.*?</bpmn:extensionElements>',
                                    lambda m: m.group(1), files["approval.bpmn"], count=1, flags=re.S)
    files["approval.bpmn"] = re.sub(r'(<bpmn:process id="approval"[^>]*>)', lambda m: m.group(1) + PROCESS_PROPERTIES,
                                    files["approval.bpmn"], count=1)
    parsed = parse_files(files)
    assert [p for p in parsed.problems if p.severity == "error"] == []
    assert parsed.process_properties["approval"] == {"startRoles": "submitter,talent", "startForm": "forms/fill.schema.json"}
    # element properties stay with their elements
    assert "startRoles" not in str(parsed.elements["approval"])


def test_processes_without_properties_have_an_empty_table():
    parsed = parse_files(read_models(FIXTURES / "engine"))
    assert parsed.process_properties == {"deep_loop": {}}
