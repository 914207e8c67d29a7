"""Documents: the public certificate check (``/verify/<code>``), downloads of 附件1–3 and the
聘书, and the certificate copies of a nomination (upload, list, download, delete).

Views are thin: the permission rules live in :mod:`workflows.documents.access`, the work in
:mod:`workflows.documents.service` and :mod:`workflows.documents.uploads`.
"""
from __future__ import annotations

from flask import (Blueprint, abort, current_app, flash, jsonify, make_response, redirect, render_template, request,
                   send_file, url_for)
from flask_babel import lazy_gettext as _l

from webapp import busy, users
from webapp.auth import can_see_instance, current_actor, login_required
from workflows.documents import access, listing, service, uploads, verification
from workflows.documents.sources import DocumentNotFound, local_time

bp = Blueprint("documents", __name__, template_folder="../templates")
NAV = [("documents.index", _l("文书材料"), ("unit_submitter", "unit_reviewer", "talent_section", "director", "mentor",
                                           "mentee"))]
# a busy database answers 503 with Retry-After in the whole app, not only here (webapp/busy.py)
bp.record_once(lambda state: busy.init_app(state.app))


@bp.record_once
def _gettext_everywhere(state):
    """The pages' texts go through _() (the app's catalogue); on a bare app without Flask-Babel
    (tests, embedding) they are shown as written, in Chinese."""
    env = state.app.jinja_env
    if "_" not in env.globals:
        env.add_extension("jinja2.ext.i18n")
        env.install_null_translations(newstyle=True)


def _system():
    return current_app.extensions["peidai"]


def _layout() -> str:
    """The site's frame when the full app is running; a bare page otherwise (tests, embedding)."""
    return "base.html" if "auth" in current_app.blueprints else "documents/_bare.html"


def _instance_visible(actor, instance_id) -> bool:
    return can_see_instance(actor, instance_id)


def _send(file, download_name: str):
    response = send_file(file.path, mimetype=file.content_type, as_attachment=True, download_name=download_name,
                         max_age=0, etag=file.checksum)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def _document(kind: str, ref: str, fmt: str):
    """The current stored file; rendered here when the worker has not made it yet — with no
    transaction open while it renders, then recorded in a short one (``service.produce``)."""
    system = _system()
    try:
        return service.document_file(system.engine, system.settings.data_dir, kind, ref, fmt, system.clock.now(),
                                     system.settings)
    except DocumentNotFound:
        abort(404)
    except service.DocumentChanging as exc:
        raise busy.Busy(str(exc)) from exc


# ------------------------------------------------------------------ public verification

@bp.get("/verify")
def verify_form():
    code = request.args.get("code", "").strip()
    if code:
        return redirect(url_for("documents.verify", code=code))
    return render_template("documents/verify.html", result=None, code="")


@bp.get("/verify/<code>")
def verify(code):
    with _system().engine.sessions() as session:
        result = verification.verify(session, code)
    response = make_response(render_template("documents/verify.html", result=result, code=code[:32]),
                             404 if result.state == verification.UNKNOWN else 200)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


# ------------------------------------------------------------------ downloads

@bp.get("/documents/")
@login_required
def index():
    with _system().engine.sessions() as session:
        offer = listing.offer(session, current_actor())
    return render_template("documents/index.html", layout=_layout(), offer=offer)


@bp.get("/documents/nominations/<int:nomination_id>/application.pdf")
@login_required
def application_form(nomination_id):
    with _system().engine.sessions() as session:
        if access.nomination_readable(session, current_actor(), nomination_id, _instance_visible) is None:
            abort(404)
    return _send(_document("application_form", str(nomination_id), "pdf"), f"推荐申报表-{nomination_id}.pdf")


@bp.get("/documents/rounds/<int:round_id>/nominees.<any(pdf, xlsx):fmt>")
@login_required
def nominee_list(round_id, fmt):
    unit_id = request.args.get("unit") or None
    if not access.can_read_nominee_list(current_actor(), unit_id):
        abort(404)
    ref = f"{round_id}:{unit_id}" if unit_id else str(round_id)
    return _send(_document("nominee_list", ref, fmt), f"推荐人选名单-{ref.replace(':', '-')}.{fmt}")


@bp.get("/documents/mentorships/<int:mentorship_id>/agreement.pdf")
@login_required
def agreement(mentorship_id):
    with _system().engine.sessions() as session:
        if not access.can_read_agreement(session, current_actor(), mentorship_id):
            abort(404)
    return _send(_document("agreement", str(mentorship_id), "pdf"), f"培带联系书-{mentorship_id}.pdf")


@bp.get("/documents/certificates/<int:certificate_id>.pdf")
@login_required
def certificate(certificate_id):
    with _system().engine.sessions() as session:
        if not access.can_read_certificate(session, current_actor(), certificate_id):
            abort(404)
    return _send(_document("certificate", str(certificate_id), "pdf"), f"聘书-{certificate_id}.pdf")


# ------------------------------------------------------------------ certificate copies

def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def _upload_page(nomination_id, scope, error: str | None = None, status: int = 200):
    engine = _system().engine
    with engine.sessions() as session:
        rows = uploads.list_uploads(session, nomination_id)
    filters = current_app.jinja_env.filters   # the site's own date and unit words when it is running
    return render_template("documents/uploads.html", layout=_layout(), nomination_id=nomination_id, scope=scope,
                           rows=rows, local_time=filters.get("dt", local_time),
                           unit_name=filters.get("unit", str)(scope.unit_id),
                           names=users.display_names(engine, [r.uploaded_by for r in rows]),
                           error=error, categories=uploads.CATEGORIES, limits=uploads.DEFAULT_LIMITS,
                           can_upload=access.can_upload(current_actor(), scope)), status


@bp.get("/documents/nominations/<int:nomination_id>/uploads")
@login_required
def upload_list(nomination_id):
    with _system().engine.sessions() as session:
        scope = access.nomination_readable(session, current_actor(), nomination_id, _instance_visible)
    if scope is None:
        abort(404)
    return _upload_page(nomination_id, scope)


@bp.post("/documents/nominations/<int:nomination_id>/uploads")
@login_required
def upload(nomination_id):
    system, actor = _system(), current_actor()
    with system.engine.sessions() as session:
        scope = access.nomination_readable(session, actor, nomination_id, _instance_visible)
    if scope is None:
        abort(404)
    if not access.can_upload(actor, scope):
        abort(403)
    file = request.files.get("file")
    data_dir = system.settings.data_dir
    try:
        # the content is checked and written before the write transaction: parsing a 10 MB PDF
        # must not hold the database from other users
        checked = uploads.check_upload(filename=file.filename if file else None, content=file.stream if file else b"",
                                       category=request.form.get("category", ""),
                                       declared_type=file.mimetype if file else None)
        relative = uploads.write_checked(data_dir, nomination_id, checked)
        try:
            with system.engine.unit_of_work() as session:
                row = uploads.record_upload(session, data_dir, nomination_id=nomination_id, checked=checked,
                                            relative=relative, uploaded_by=actor.username, now=system.clock.now())
                saved = {"id": row.id, "name": row.original_name, "size": row.size, "content_type": row.content_type}
        except BaseException:  # not recorded (refused, or the database was busy): no file left behind
            (data_dir / relative).unlink(missing_ok=True)
            raise
    except uploads.UploadRefused as exc:
        if _wants_json():
            return jsonify(error=exc.reason, message=exc.message), 422
        return _upload_page(nomination_id, scope, error=exc.message, status=422)
    if _wants_json():
        return jsonify(saved), 201
    flash(f"已上传：{saved['name']}", "success")
    return redirect(url_for("documents.upload_list", nomination_id=nomination_id))


def _readable_upload(session, upload_id):
    row = session.get(uploads.Upload, upload_id)
    if row is None or access.nomination_readable(session, current_actor(), row.nomination_id, _instance_visible) is None:
        abort(404)
    return row


@bp.get("/documents/uploads/<int:upload_id>")
@login_required
def upload_file(upload_id):
    system = _system()
    with system.engine.sessions() as session:
        row = _readable_upload(session, upload_id)
    try:
        path = uploads.upload_file(system.settings.data_dir, row)
    except FileNotFoundError:
        abort(404)
    inline = request.args.get("inline") == "1"
    response = send_file(path, mimetype=row.content_type, as_attachment=not inline, download_name=row.original_name,
                         max_age=0, etag=row.checksum)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'" + (
        "; frame-ancestors 'self'" if inline else "; frame-ancestors 'none'")
    # a copy shown inline is previewed in the reviewer's task page (an embedded PDF viewer)
    response.headers["X-Frame-Options"] = "SAMEORIGIN" if inline else "DENY"
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.post("/documents/uploads/<int:upload_id>/delete")
@login_required
def delete_upload(upload_id):
    system, actor = _system(), current_actor()
    with system.engine.unit_of_work() as session:
        row = _readable_upload(session, upload_id)
        nomination_id = row.nomination_id
        if not access.can_upload(actor, access.nomination_scope(session, nomination_id)):
            abort(403)
        uploads.delete_upload(session, system.settings.data_dir, row)
    flash("附件已删除", "success")
    return redirect(url_for("documents.upload_list", nomination_id=nomination_id))
