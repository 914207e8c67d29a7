"""Deployed model versions: the list, comparison of any two, re-deploying an old one.

Re-deploying: versions are content-hashed, and deploying content that is already deployed
returns that version unchanged (``engine.deploy``), so "re-deploy version 3" could silently do
nothing. What an administrator means is "make version 3's model the current one": new
instances start on the *newest* version of a process. So re-deploying an old version that is
not the newest creates a new version (with the comment naming the source) whose files equal
the old one's plus a marker file ``.redeploy`` naming the source version and the time (this makes
the content hash new; the engine ignores files that are not BPMN, DMN or JSON). Re-deploying the
newest version is a no-op and says so.
"""
from __future__ import annotations

import json

from sqlalchemy import func, select

from engine import Actor, lineage, modeldiff
from engine.tables import Instance, ModelVersion

REDEPLOY_MARKER = ".redeploy"


def list_versions(engine) -> list[dict]:
    with engine.sessions() as s:
        counts = dict(s.execute(select(Instance.version_id, func.count()).where(Instance.status.in_(("running", "suspended")))
                                .group_by(Instance.version_id)).all())
        totals = dict(s.execute(select(Instance.version_id, func.count()).group_by(Instance.version_id)).all())
        infos = dict(s.execute(select(ModelVersion.id, ModelVersion.info_json)).all())
    out = []
    for v in engine.list_versions():
        source = lineage.lineage_of(infos.get(v["version"])).get("source", "files")
        out.append(v | {"running": counts.get(v["version"], 0), "instances": totals.get(v["version"], 0), "source": source,
                        "source_label": lineage.SOURCE_LABELS.get(source, source)})
    return list(reversed(out))


def compare_versions(engine, a: int, b: int) -> dict:
    """Every change from version ``a`` to version ``b`` (``engine.modeldiff``: elements and their
    properties, DMN rules cell by cell, form fields, scripts, timers), in Chinese."""
    return modeldiff.compare(_model_files(engine.version_files(a)), _model_files(engine.version_files(b)))


def compare_files(engine, version_id: int, files: dict[str, str]) -> dict:
    return modeldiff.compare(_model_files(engine.version_files(version_id)), _model_files(files))


def base_files(engine, draft: dict) -> tuple[int, dict[str, str]] | None:
    """The deployed version a draft's dry run is compared with: its base, else the newest."""
    version = draft["base_version_id"] or newest_version_id(engine)
    return (version, engine.version_files(version)) if version else None


def _model_files(files: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in files.items() if k != REDEPLOY_MARKER}


def newest_version_id(engine) -> int | None:
    with engine.sessions() as s:
        return s.scalar(select(func.max(ModelVersion.id)))


def redeploy(engine, version_id: int, actor: Actor, comment: str = "") -> dict:
    """Make an old version's model current again as a new version (see the module docstring)."""
    files = engine.version_files(version_id)
    if version_id == newest_version_id(engine):
        return {"version": version_id, "created": False, "message": f"版本 {version_id} 已是最新版本，无需重新部署"}
    files = {k: v for k, v in files.items() if k != REDEPLOY_MARKER}
    files[REDEPLOY_MARKER] = json.dumps({"source_version": version_id, "at": engine.now().isoformat(), "by": actor.username})
    result = lineage.deploy(engine, files, actor, comment or f"重新部署版本 {version_id}", source="redeploy", force=True)
    return result | {"message": f"已将版本 {version_id} 的模型重新部署为版本 {result['version']}"}
