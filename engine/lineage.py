"""Where a model version came from, and the rule of DESIGN.md invariant 10: files that are not based
on the newest version are not deployed unless forced.

Each version deployed through :func:`deploy` records its lineage in the version's info:
``source`` (``files``: a folder such as ``bpmn/``; ``browser``: a draft deployed by an
administrator; ``redeploy``: an old version made current again), ``based_on`` (the content hash
of the newest version when it was deployed) and ``base`` (the hash of the version the files say
they were made from, when they say so). Versions deployed by :meth:`engine.Engine.deploy`
directly (tests, the demo) count as ``files``.

Files say what they are based on with the marker ``.version`` that ``peidai models export`` writes
beside them (``{"version": 3, "hash": "..."}``); it is not part of the model.

The rule, for a deploy of content that is not deployed yet (deploying content that already is
changes nothing and is never refused):

* a draft (``browser``) must be based on the newest version;
* files are stale when the newest version was made outside the files (in the browser, or a
  re-deploy) and the files were not exported from it. Between two deploys from files, the
  files' own history (git) is the judge: a newer commit of ``bpmn/`` supersedes an older one.

A stale deploy is refused with :class:`StaleModels`, which names the newest version and carries
what the deploy would change (``diff``, newest version -> these files) and, where the base is
known, what was changed since it (``since_base``): the changes the deploy would undo.
"""
from __future__ import annotations

import json

from sqlalchemy import select, text

from . import modeldiff
from .errors import Conflict
from .registry import content_hash
from .tables import ModelVersion

BASE_FILE = ".version"
SOURCE_LABELS = {"files": "从文件部署", "browser": "在浏览器中部署", "redeploy": "重新部署旧版本"}


class StaleModels(Conflict):
    """The files are not based on the newest version: deploying them would undo its changes."""

    code = "models_stale"


def lineage_of(info_json: str) -> dict:
    info = json.loads(info_json or "{}")
    return info.get("lineage") or {"source": "files"}


def read_base(text: str | None) -> str | None:
    """The content hash named by a ``.version`` marker, or None."""
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        value = text.strip()
    if isinstance(value, dict):
        value = value.get("hash")
    return value if isinstance(value, str) and len(value) == 64 else None


def marker(version: int, digest: str, now=None) -> str:
    body = {"version": version, "hash": digest}
    if now is not None:
        body["exported_at"] = now.isoformat()
    return json.dumps(body, ensure_ascii=False, indent=1) + "\n"


def stale_reason(newest: dict, source: str, base: str | None) -> str | None:
    """Why files from ``source`` with ``base`` must not be deployed over ``newest`` (a dict with
    ``version``, ``hash``, ``lineage``, ``author``, ``created_at``), or None."""
    if base == newest["hash"]:
        return None
    made = newest["lineage"].get("source", "files")
    who = f"{newest['author']} {SOURCE_LABELS.get(made, made)}"
    if source == "browser":
        return f"草稿不是基于最新版本 {newest['version']} 编辑的（最新版本由 {who}）；部署它会撤销最新版本中的改动"
    if source == "files" and made == "files":
        return None
    return (f"最新版本 {newest['version']} 由 {who}，这些文件不是从它导出的；部署它们会撤销该版本中的改动。"
            f"请先用 peidai models export 导出最新版本并合并改动，或确认后加 --force 强制部署")


def _newest(s) -> dict | None:
    row = s.execute(select(ModelVersion.id, ModelVersion.content_hash, ModelVersion.info_json, ModelVersion.author,
                           ModelVersion.created_at).order_by(ModelVersion.id.desc()).limit(1)).first()
    if row is None:
        return None
    return {"version": row.id, "hash": row.content_hash, "lineage": lineage_of(row.info_json), "author": row.author,
            "created_at": row.created_at}


def check(engine, files: dict[str, str], *, source: str = "files", base: str | None = None) -> dict | None:
    """What :func:`deploy` would refuse, without deploying: None, or the refusal's details."""
    files = {k: v for k, v in files.items() if k != BASE_FILE}
    with engine.sessions() as s:
        if s.scalar(select(ModelVersion.id).where(ModelVersion.content_hash == content_hash(files))) is not None:
            return None
        newest = _newest(s)
    if newest is None:
        return None
    reason = stale_reason(newest, source, base)
    return None if reason is None else _refusal(engine, reason, newest, files, base)


def _refusal(engine, reason: str, newest: dict, files: dict[str, str], base: str | None) -> dict:
    newest_files = engine.version_files(newest["version"])
    details = {"reason": reason, "newest_version": newest["version"], "newest_hash": newest["hash"],
               "newest_source": newest["lineage"].get("source", "files"),
               "diff": modeldiff.compare(newest_files, files), "since_base": None, "base_version": None}
    if base:
        with engine.sessions() as s:
            base_id = s.scalar(select(ModelVersion.id).where(ModelVersion.content_hash == base))
        if base_id is not None:
            details["base_version"] = base_id
            details["since_base"] = modeldiff.compare(engine.version_files(base_id), newest_files)
    return details


def deploy(engine, files: dict[str, str], actor, comment: str = "", *, source: str = "files", base: str | None = None,
           force: bool = False) -> dict:
    """``Engine.deploy`` with the lineage recorded and the staleness rule applied (module docstring).

    ``base``: the content hash the files were made from (a draft's base version, a ``.version``
    marker); ``force`` deploys stale files anyway (the lineage records it)."""
    files = {k: v for k, v in files.items() if k != BASE_FILE}
    digest = content_hash(files)
    now = engine.now()
    refusal = None
    with engine.unit_of_work() as s:
        if engine.dialect == "postgresql":  # two deploys at once: the second sees the first's version
            s.execute(text("SELECT pg_advisory_xact_lock(7414001)"))
        existing = s.scalar(select(ModelVersion.id).where(ModelVersion.content_hash == digest))
        newest = _newest(s)
        reason = None if existing is not None or newest is None else stale_reason(newest, source, base)
        if reason is not None and not force:
            refusal = (reason, newest)
        else:
            lineage = {"source": source, "based_on": newest["hash"] if newest else None, "base": base}
            if reason is not None:
                lineage["forced"] = reason
            version, created, warnings = engine.models.deploy(s, files, actor.username, comment, now, lineage=lineage)
            if created:
                engine.audit(s, actor, "model_deployed", data={"version": version.id, "hash": version.content_hash,
                                                               "source": source, "forced": reason is not None},
                             comment=comment, now=now)
            result = {"version": version.id, "hash": version.content_hash, "created": created,
                      "warnings": [w.as_dict() for w in warnings], "forced": created and reason is not None,
                      "newest_before": newest["version"] if newest else None}
    if refusal is not None:
        reason, newest = refusal
        raise StaleModels(reason, **_refusal(engine, reason, newest, files, base))
    return result


def version_lineage(engine, version_id: int) -> dict:
    with engine.sessions() as s:
        info = s.scalar(select(ModelVersion.info_json).where(ModelVersion.id == version_id))
    return lineage_of(info)
