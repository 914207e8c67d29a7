"""What edits the model files now: the administrators' modeler in the browser (bpmn-js for
processes, dmn-js for decision tables). Every BPMN or DMN file a draft saves says so in its
root element's ``exporter`` / ``exporterVersion`` (the standard attributes of both formats),
and so does every file of ``bpmn/``; ``peidai models export`` writes a version's files as they
were deployed, so the files it writes say the same.

The versions are read from the editor's own ``package.json``, where they are pinned.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

PACKAGE_JSON = Path(__file__).resolve().parents[1] / "static" / "admin" / "package.json"
EXPORTER_NAME = "Peidai admin modeler"
LIBRARY_OF = {".bpmn": "bpmn-js", ".dmn": "dmn-js"}
ROOT = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?definitions\b[^>]*>")
ATTRIBUTE = re.compile(r'\s(exporter|exporterVersion)="[^"]*"')


@lru_cache(maxsize=1)
def _pinned() -> dict[str, str]:
    try:
        deps = json.loads(PACKAGE_JSON.read_text(encoding="utf-8")).get("dependencies", {})
    except (OSError, ValueError):
        deps = {}
    return {lib: str(deps.get(lib, "")).lstrip("^~=") or "unknown" for lib in LIBRARY_OF.values()}


def exporter_for(filename: str) -> tuple[str, str] | None:
    """``(exporter, exporterVersion)`` written into ``filename``; None for files that are not
    BPMN or DMN (forms, rules)."""
    library = LIBRARY_OF.get(Path(filename).suffix)
    if library is None:
        return None
    return f"{EXPORTER_NAME} ({library})", _pinned()[library]


def stamp(filename: str, text: str) -> str:
    """``text`` with its root ``definitions`` element naming the modeler as exporter. Only
    those two attributes change; text that is not a BPMN or DMN document is returned as it is
    (the validation of the draft reports what is wrong with it)."""
    exporter = exporter_for(filename)
    if exporter is None or not isinstance(text, str):
        return text
    root = ROOT.search(text)
    if root is None:
        return text
    tag = ATTRIBUTE.sub("", root.group(0))
    closing = "/>" if tag.endswith("/>") else ">"
    tag = tag[: -len(closing)].rstrip()
    name, version = (value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;") for value in exporter)
    tag += f' exporter="{name}" exporterVersion="{version}"{closing}'
    return text[: root.start()] + tag + text[root.end():]


def stamp_changed(files: dict[str, str], before: dict[str, str]) -> dict[str, str]:
    """The files of a draft save, each BPMN or DMN file that differs from ``before`` stamped."""
    return {name: text if before.get(name) == text else stamp(name, text) for name, text in files.items()}
