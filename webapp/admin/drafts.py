"""Drafts of model files: saved with the engine's validation, deployed only without errors."""
from __future__ import annotations

import json

from sqlalchemy import select

from engine import Actor, Conflict, InvalidState, NotFound, lineage
from engine.tables import ModelVersion

from .exporter import stamp_changed
from .tables import ModelDraft


def _view(d: ModelDraft) -> dict:
    return {"id": d.id, "name": d.name, "base_version_id": d.base_version_id, "files": json.loads(d.files_json),
            "problems": json.loads(d.problems_json), "error_count": d.error_count, "author": d.author,
            "saved_at": d.saved_at, "deployed_version_id": d.deployed_version_id,
            "dry_run": json.loads(d.dry_run_json) if d.dry_run_json else None, "revision": d.revision}


def problems_of(engine, files: dict[str, str]) -> list[dict]:
    return [p.as_dict() for p in engine.validate_models(files)]


def list_drafts(engine) -> list[dict]:
    with engine.sessions() as s:
        rows = s.scalars(select(ModelDraft).order_by(ModelDraft.saved_at.desc(), ModelDraft.id.desc())).all()
        return [_view(d) for d in rows]


def get(engine, draft_id: int) -> dict:
    with engine.sessions() as s:
        d = s.get(ModelDraft, draft_id)
        if d is None:
            raise NotFound(f"草稿 {draft_id} 不存在")
        return _view(d)


def create_from_version(engine, version_id: int, actor: Actor, name: str = "") -> dict:
    """A new draft holding the files of a deployed version."""
    files = engine.version_files(version_id)
    return save(engine, None, files, actor, name=name or f"基于版本 {version_id} 的草稿", base_version_id=version_id)


def save(engine, draft_id: int | None, files: dict[str, str], actor: Actor, *, name: str | None = None,
         base_version_id: int | None = None, revision: int | None = None) -> dict:
    """Validate and store the files (a draft with errors is stored too). Returns the draft.
    ``revision``: the revision the editor loaded; a save over a newer one is refused. A BPMN or
    DMN file a save changes names the modeler as its exporter (:mod:`webapp.admin.exporter`);
    a new draft keeps its files as they came (from a version or an upload)."""
    files = {k: v for k, v in files.items() if isinstance(k, str) and isinstance(v, str)}
    if draft_id is not None:
        files = stamp_changed(files, get(engine, draft_id)["files"])
    problems = problems_of(engine, files)
    errors = sum(1 for p in problems if p["severity"] == "error")
    with engine.unit_of_work() as s:
        if draft_id is None:
            d = ModelDraft(name=name or "新草稿", base_version_id=base_version_id, author=actor.username)
            s.add(d)
        else:
            d = s.get(ModelDraft, draft_id, with_for_update=True)
            if d is None:
                raise NotFound(f"草稿 {draft_id} 不存在")
            if revision is not None and revision != d.revision:
                raise Conflict(f"草稿已被 {d.author} 修改（第 {d.revision} 版），请刷新页面后再编辑", revision=d.revision)
            d.revision += 1
            if name:
                d.name = name
            d.author = actor.username
        d.files_json = json.dumps(files, ensure_ascii=False)
        d.problems_json = json.dumps(problems, ensure_ascii=False)
        d.error_count = errors
        d.saved_at = engine.now()
        d.dry_run_json = None  # a report belongs to the content it ran
        s.flush()
        return _view(d)


def save_file(engine, draft_id: int, filename: str, text: str, actor: Actor, revision: int | None = None) -> dict:
    draft = get(engine, draft_id)
    if revision is not None and revision != draft["revision"]:
        raise Conflict(f"草稿已被 {draft['author']} 修改（第 {draft['revision']} 版），请刷新页面后再编辑")
    files = draft["files"]
    files[filename] = text
    return save(engine, draft_id, files, actor, revision=draft["revision"])


def record_dry_run(engine, draft_id: int, report: dict) -> None:
    with engine.unit_of_work() as s:
        s.get(ModelDraft, draft_id).dry_run_json = json.dumps(report, ensure_ascii=False, default=str)


def base_hash(engine, draft: dict) -> str | None:
    if not draft["base_version_id"]:
        return None
    with engine.sessions() as s:
        return s.scalar(select(ModelVersion.content_hash).where(ModelVersion.id == draft["base_version_id"]))


def stale(engine, draft: dict) -> dict | None:
    """Why deploying the draft would undo a newer version (``engine.lineage.check``), or None."""
    return lineage.check(engine, draft["files"], source="browser", base=base_hash(engine, draft))


def deploy(engine, draft_id: int, actor: Actor, comment: str = "", force: bool = False) -> dict:
    """Deploy a draft without errors (validated again). A draft that is not based on the newest
    version is refused (``engine.lineage.StaleModels``) unless ``force``."""
    draft = get(engine, draft_id)
    problems = problems_of(engine, draft["files"])
    errors = [p for p in problems if p["severity"] == "error"]
    if errors:
        raise InvalidState(f"草稿有 {len(errors)} 处错误，不能部署", problems=errors)
    result = lineage.deploy(engine, draft["files"], actor, comment or draft["name"], source="browser",
                            base=base_hash(engine, draft), force=force)
    with engine.unit_of_work() as s:
        s.get(ModelDraft, draft_id).deployed_version_id = result["version"]
    return result
