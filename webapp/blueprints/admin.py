"""Process administration (issue 6): versions, drafts with validation on save, the editors,
dry runs and migration. Administrators only."""
from __future__ import annotations

import json

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from engine import Conflict, EngineError, ModelValidationError, lineage, migration
from engine.registry import TEXT_TABLES
from webapp import auth, schema_forms, users
from webapp.admin import drafts, dryrun, jobs, rules_history, versions
from webapp.admin.access import admins_only
from webapp.auth import current_actor

bp = Blueprint("admin", __name__, url_prefix="/admin")
admins_only(bp)
NAV = [("admin.index", _l("流程管理"), ("admin",))]


def _engine():
    return auth.engine()


@bp.get("/")
def index():
    return redirect(url_for("admin.version_list"))


# ------------------------------------------------------------------ versions

@bp.get("/versions")
def version_list():
    rows = versions.list_versions(_engine())
    saved = drafts.list_drafts(_engine())
    names = users.display_names(_engine(), [v["author"] for v in rows] + [d["author"] for d in saved])
    return render_template("admin/versions.html", versions=rows, drafts=saved, names=names)


@bp.get("/versions/compare")
def compare():
    try:
        a, b = int(request.args["a"]), int(request.args["b"])
    except (KeyError, ValueError):
        abort(400)
    diff = versions.compare_versions(_engine(), a, b)
    return render_template("admin/compare.html", a=f"版本 {a}", b=f"版本 {b}", diff=diff,
                           rules=rules_history.between_model_versions(_engine(), a, b))


@bp.get("/versions/<int:version_id>/files/<path:filename>")
def version_file(version_id, filename):
    files = _engine().version_files(version_id)
    if filename not in files:
        abort(404)
    return Response(files[filename], mimetype="text/plain; charset=utf-8")


@bp.post("/versions/<int:version_id>/redeploy")
def redeploy(version_id):
    result = versions.redeploy(_engine(), version_id, current_actor(), request.form.get("comment", ""))
    flash(result["message"], "success" if result["created"] else "info")
    return redirect(url_for("admin.version_list"))


@bp.post("/versions/<int:version_id>/draft")
def draft_from_version(version_id):
    d = drafts.create_from_version(_engine(), version_id, current_actor(), request.form.get("name", ""))
    return redirect(url_for("admin.draft", draft_id=d["id"]))


# ------------------------------------------------------------------ drafts

@bp.get("/drafts/<int:draft_id>")
def draft(draft_id):
    d = drafts.get(_engine(), draft_id)
    diff = versions.compare_files(_engine(), d["base_version_id"], d["files"]) if d["base_version_id"] else None
    keys = sorted({k for k in migration.element_inventory(_engine(), d["files"])}) if not d["error_count"] else []
    stale = drafts.stale(_engine(), d) if not d["deployed_version_id"] else None
    job = jobs.latest_for_draft(_engine(), draft_id)
    if d["dry_run"] and isinstance(d["dry_run"].get("finished_at"), str):
        from datetime import datetime
        d["dry_run"]["finished_at"] = datetime.fromisoformat(d["dry_run"]["finished_at"])
    rules = rules_history.since_model_version(_engine(), d["base_version_id"]) if d["base_version_id"] else None
    return render_template("admin/draft.html", draft=d, diff=diff, process_keys=keys, stale=stale, job=job,
                           programme_labels=dryrun.PROGRAMME_LABELS, rules=rules,
                           files=sorted(f for f in d["files"] if not f.startswith(".")))


@bp.get("/drafts/<int:draft_id>/files/<path:filename>")
def draft_file(draft_id, filename):
    files = drafts.get(_engine(), draft_id)["files"]
    if filename not in files:
        abort(404)
    return Response(files[filename], mimetype="text/plain; charset=utf-8")


@bp.post("/drafts/<int:draft_id>/files/<path:filename>")
def save_draft_file(draft_id, filename):
    """Save one file of the draft (the editors post the text); answers with the problems found."""
    body = request.get_json(silent=True, force=True) or {}
    content = body.get("content") if isinstance(body, dict) else None
    revision = body.get("revision") if isinstance(body, dict) else None
    if not isinstance(content, str) or not filename.endswith((".bpmn", ".dmn", ".json")) or \
            not (revision is None or isinstance(revision, int)):
        abort(400)
    try:
        d = drafts.save_file(_engine(), draft_id, filename, content, current_actor(), revision)
    except Conflict as exc:
        return jsonify({"code": exc.code, "message": exc.message}), 409
    return jsonify({"saved_at": d["saved_at"].isoformat(), "problems": d["problems"], "error_count": d["error_count"],
                    "revision": d["revision"]})


@bp.post("/drafts/<int:draft_id>/new-form")
def new_form(draft_id):
    name = (request.form.get("name") or "").strip().strip("/")
    if not name:
        abort(400)
    if not name.endswith(".json"):
        name += ".schema.json"
    if not name.startswith("forms/"):
        name = "forms/" + name
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": request.form.get("title") or "新表单",
              "type": "object", "properties": {}}
    drafts.save_file(_engine(), draft_id, name, json.dumps(schema, ensure_ascii=False, indent=1), current_actor())
    return redirect(url_for("admin.edit", draft_id=draft_id, filename=name))


@bp.get("/drafts/<int:draft_id>/edit/<path:filename>")
def edit(draft_id, filename):
    d = drafts.get(_engine(), draft_id)
    if filename not in d["files"]:
        abort(404)
    engine = _engine()
    roles = [{"key": r.key, "label": r.label} for r in engine.config.roles.values()]
    kind = "bpmn" if filename.endswith(".bpmn") else "dmn" if filename.endswith(".dmn") else \
        "texts" if filename.startswith(TEXT_TABLES) else "form"
    forms = sorted(f for f in d["files"] if f.endswith(".json") and not f.startswith(TEXT_TABLES))
    decisions = sorted(f for f in d["files"] if f.endswith(".dmn"))
    return render_template("admin/edit.html", draft=d, filename=filename, kind=kind,
                           config={"roles": roles, "operations": sorted(engine.config.operations), "forms": forms,
                                   "decisions": decisions,
                                   "fileUrl": url_for("admin.draft_file", draft_id=draft_id, filename=filename),
                                   "saveUrl": url_for("admin.save_draft_file", draft_id=draft_id, filename=filename),
                                   "previewUrl": url_for("admin.form_preview"),
                                   "editBase": url_for("admin.edit", draft_id=draft_id, filename="x")[:-1],
                                   "filename": filename, "problems": d["problems"], "revision": d["revision"]})


@bp.post("/form-preview")
def form_preview():
    """The live preview of a JSON Schema, rendered by the task page's renderer."""
    body = request.get_json(silent=True, force=True) or {}
    try:
        schema = json.loads(body.get("content") or "{}")
        fields = schema_forms.fields(schema)
        values = schema_forms.defaults(schema)
    except (ValueError, TypeError, AttributeError, KeyError) as exc:
        return render_template("admin/_form_preview.html", error=str(exc), fields=[], values={})
    return render_template("admin/_form_preview.html", error=None, fields=fields, values=values, schema=schema)


@bp.post("/drafts/<int:draft_id>/deploy")
def deploy(draft_id):
    try:
        result = drafts.deploy(_engine(), draft_id, current_actor(), request.form.get("comment", ""),
                               force=request.form.get("force") == "1")
    except lineage.StaleModels as exc:
        flash(f"未部署：{exc.message}", "danger")
        return redirect(url_for("admin.draft", draft_id=draft_id, _anchor="deploy"))
    except ModelValidationError as exc:
        flash(f"{exc.message}：" + "；".join(f"{p.file} {p.element or ''} {p.message}" for p in exc.problems), "danger")
        return redirect(url_for("admin.draft", draft_id=draft_id))
    except EngineError as exc:
        flash(exc.message, "danger")
        return redirect(url_for("admin.draft", draft_id=draft_id))
    if result["created"]:
        flash(f"已部署为版本 {result['version']}（内容哈希 {result['hash'][:12]}）"
              + (f"；草稿不是基于最新版本 {result['newest_before']}，已按确认强制部署" if result["forced"] else "")
              + f"。请用 peidai models export {result['version']} bpmn 导出并提交，使 bpmn/ 与之一致", "success")
    else:
        flash(f"内容与已部署的版本 {result['version']} 完全相同，未创建新版本", "info")
    return redirect(url_for("admin.version_list"))


@bp.post("/drafts/<int:draft_id>/dry-run")
def dry_run(draft_id):
    """The generic dry run runs here (at most a few hundred instances); the programme dry run (a
    whole round of any size) is queued for the worker (``webapp.admin.jobs``)."""
    engine = _engine()
    d = drafts.get(engine, draft_id)
    try:
        scenario = dryrun.Scenario.from_form(request.form)
        if scenario.mode == "programme":
            job = jobs.submit(engine, d, scenario, current_actor())
            if not jobs.wake(_celery(), job["id"]):
                flash("试运行已排队，但暂时无法通知后台任务（worker）；它会在后台任务下次巡检时开始", "warning")
            return redirect(url_for("admin.draft", draft_id=draft_id, _anchor="dry-run"))
        base = versions.base_files(engine, d) if scenario.compare else None
        report = dryrun.run(engine, d["files"], scenario, base_files=base[1] if base else None,
                            base_label=f"版本 {base[0]}" if base else "")
    except ValueError as exc:
        flash(f"试运行设置有误：{exc}", "danger")
        return redirect(url_for("admin.draft", draft_id=draft_id))
    except EngineError as exc:
        flash(exc.message, "danger")
        return redirect(url_for("admin.draft", draft_id=draft_id, _anchor="dry-run"))
    drafts.record_dry_run(engine, draft_id, report)
    return redirect(url_for("admin.draft", draft_id=draft_id, _anchor="dry-run"))


def _celery():
    """The Celery app the web sends wake-ups with (the tests give their own in ``PEIDAI_CELERY``)."""
    from flask import current_app
    app = current_app.config.get("PEIDAI_CELERY") or current_app.extensions.get("peidai_celery")
    if app is None:
        from worker.app import make_celery
        system = current_app.extensions["peidai"]
        system.settings.data_dir.mkdir(parents=True, exist_ok=True)   # the embedded broker's file lives there
        app = current_app.extensions["peidai_celery"] = make_celery(lambda: system, settings=system.settings)
    return app


@bp.get("/dry-runs/<int:job_id>")
def dry_run_status(job_id):
    """A job's progress, for the page that polls it."""
    j = jobs.get(_engine(), job_id)
    return jsonify({k: j[k] for k in ("id", "status", "status_label", "phase", "done", "total", "percent", "error", "active")})


@bp.post("/dry-runs/<int:job_id>/cancel")
def cancel_dry_run(job_id):
    j = jobs.cancel(_engine(), job_id, current_actor())
    flash(f"已请求取消试运行 {job_id}" if j["status"] == "running" else f"试运行 {job_id} 已取消", "info")
    return redirect(url_for("admin.draft", draft_id=j["draft_id"], _anchor="dry-run"))


# ------------------------------------------------------------------ migration

@bp.route("/migrate", methods=["GET", "POST"])
def migrate():
    engine = _engine()
    all_versions = versions.list_versions(engine)
    source = request.values.get("source", type=int)
    target = request.values.get("target", type=int)
    candidates, rows, results = [], None, None
    if source:
        from webapp.admin import operations
        candidates = operations.instances(engine, version_id=source, statuses=("running", "suspended"))
    if source and target:
        chosen = [int(i) for i in request.values.getlist("instance") if i.isdigit()] or [c["id"] for c in candidates]
        if request.method == "POST" and request.form.get("action") == "migrate":
            results = migration.migrate(engine, chosen, target, current_actor(), request.form.get("comment", ""))
            moved = sum(1 for r in results if r["migrated"])
            flash(f"已迁移 {moved} 个实例，{len(results) - moved} 个未迁移", "success" if moved else "warning")
            candidates = [c for c in candidates if c["id"] not in {r["instance_id"] for r in results if r["migrated"]}]
        else:
            rows = migration.preview(engine, chosen, target)
    return render_template("admin/migrate.html", versions=all_versions, source=source, target=target,
                           candidates=candidates, rows=rows, results=results)
